"""What a turn did, counted from the events the tracker store saves.

The store sees every new event of every turn exactly once, whichever channel
or policy produced it, so the counts need no second look at the conversation.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, UserUttered

from core import metrics

NLU_FALLBACK = "nlu_fallback"
OUT_OF_SCOPE_ACTION = "action_out_of_scope"


def _form_before(new: list[Event], index: int, history: Iterable[Event]) -> str | None:
    """The form active before new[index]: the newest ActiveLoop before it,
    among the new events first, then in the conversation before them."""
    earlier = itertools.chain(reversed(new[:index]), history)
    for event in earlier:
        if isinstance(event, ActiveLoop):
            return event.name
    return None


def count(new: list[Event], conversation: Sequence[Event]) -> None:
    """Count the fallbacks, out-of-scope answers and form steps among the new
    events, which end the conversation (the others were counted before)."""
    last_action = None
    for index, event in enumerate(new):
        if isinstance(event, UserUttered):
            if event.intent_name == NLU_FALLBACK:
                metrics.nlu_fallbacks.inc()
        elif isinstance(event, ActionExecuted):
            last_action = event.action_name
            if last_action == OUT_OF_SCOPE_ACTION:
                metrics.out_of_scope.inc()
        elif isinstance(event, ActiveLoop):
            if event.name:
                metrics.forms.labels(event.name, "started").inc()
                continue
            history = itertools.islice(reversed(conversation), len(new), None)
            form = _form_before(new, index, history)
            if form:
                # A form that ends itself is complete; ended by anything else
                # (the citizen's "abbrechen", a deletion), it was abandoned.
                outcome = "completed" if last_action == form else "abandoned"
                metrics.forms.labels(form, outcome).inc()
