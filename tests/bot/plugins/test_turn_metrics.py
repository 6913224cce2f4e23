"""What a turn did, counted once from the events the tracker store saves."""

from __future__ import annotations

from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered

from bot.plugins import turn_metrics
from core import metrics

FORM = "suggestion_form"


def _value(metric) -> float:
    return metric._value.get()


def _form(outcome: str) -> float:
    return _value(metrics.forms.labels(FORM, outcome))


def said(intent: str) -> UserUttered:
    return UserUttered("…", {"name": intent, "confidence": 0.9})


def test_fallbacks_and_out_of_scope_answers_are_counted():
    fallbacks, outside = _value(metrics.nlu_fallbacks), _value(metrics.out_of_scope)
    new = [said("nlu_fallback"), ActionExecuted("utter_default"),
           said("out_of_scope"), ActionExecuted("action_out_of_scope")]  # fmt: skip
    turn_metrics.count(new, new)
    assert _value(metrics.nlu_fallbacks) == fallbacks + 1
    assert _value(metrics.out_of_scope) == outside + 1


def test_a_form_that_ends_itself_is_completed():
    started, completed = _form("started"), _form("completed")
    first = [said("suggest"), ActionExecuted(FORM), ActiveLoop(FORM)]
    turn_metrics.count(first, first)
    last = [said("inform"), ActionExecuted(FORM), SlotSet("requested_slot", None),
            ActiveLoop(None)]  # fmt: skip
    turn_metrics.count(last, first + last)
    assert _form("started") == started + 1
    assert _form("completed") == completed + 1


def test_a_form_ended_by_anything_else_is_abandoned():
    abandoned, completed = _form("abandoned"), _form("completed")
    earlier = [said("suggest"), ActionExecuted(FORM), ActiveLoop(FORM)]
    new = [said("stop"), ActionExecuted("action_deactivate_loop"), ActiveLoop(None)]
    turn_metrics.count(new, earlier + new)
    assert _form("abandoned") == abandoned + 1
    assert _form("completed") == completed


def test_a_deactivation_without_a_form_counts_nothing():
    before = {o: _form(o) for o in ("started", "completed", "abandoned")}
    new = [said("greet"), ActiveLoop(None)]
    turn_metrics.count(new, new)
    assert {o: _form(o) for o in before} == before
