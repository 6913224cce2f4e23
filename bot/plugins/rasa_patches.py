"""Every change our code makes to Rasa's own classes, checked before it is made.

Each change was measured or needed (docs/performance.md, the modules named
below), and each depends on a private name of Rasa 3.6.21. An assignment to
a name Rasa has since renamed would silently do nothing, so before anything
is replaced the Rasa version is compared, and every replaced or overridden
name is looked up with its parameters. A mismatch stops the start with one
message that says what changed and where our side of it lives.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

import rasa
import rasa.core.processor
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.events import Event

from bot.plugins import long_sessions, paused, tuning
from bot.plugins.graph_runner import OrderedGraphRunner

RASA_VERSION = "3.6.21"


class RasaPatchError(RuntimeError):
    """Rasa is not the version, or not of the shape, our changes were made for."""


@dataclass(frozen=True)
class Target:
    """A name of Rasa we replace or override, with the parameters we expect
    (None: not a function, e.g. a class)."""

    owner: Any
    name: str
    parameters: tuple[str, ...] | None
    ours: str  # where our side of it lives

    @property
    def path(self) -> str:
        return f"{self.owner.__module__}.{self.owner.__qualname__}.{self.name}"

    def check(self) -> None:
        if not hasattr(self.owner, self.name):
            raise RasaPatchError(f"{self.path} is gone; see {self.ours}")
        if self.parameters is None:
            return
        found = tuple(inspect.signature(getattr(self.owner, self.name)).parameters)
        if found != self.parameters:
            raise RasaPatchError(
                f"{self.path} now takes {found}, not {self.parameters}; see {self.ours}"
            )


@dataclass(frozen=True)
class Patch:
    target: Target
    replacement: Any

    def apply(self) -> None:
        setattr(self.target.owner, self.target.name, self.replacement)


@dataclass(frozen=True)
class ModuleAttribute:
    """rasa.core.processor.DaskGraphRunner: a module's name for a class."""

    module: Any
    name: str
    expected: type

    @property
    def path(self) -> str:
        return f"{self.module.__name__}.{self.name}"


PATCHES = (
    Patch(
        Target(RemoteAction, "_validate_action_result", ("self", "result"),
               "bot/plugins/tuning.py"),
        tuning.validate_action_result,
    ),
    Patch(
        Target(Event, "resolve_by_type", ("type_name", "default"),
               "bot/plugins/tuning.py"),
        staticmethod(tuning.resolve_by_type),
    ),
    Patch(
        Target(MessageProcessor, "run_action_extract_slots",
               ("self", "output_channel", "tracker"), "bot/plugins/paused.py"),
        paused.extract_unless_paused,
    ),
    Patch(
        Target(MessageProcessor, "_has_session_expired", ("self", "tracker"),
               "bot/plugins/long_sessions.py"),
        long_sessions.expired_or_too_long,
    ),
)  # fmt: skip

GRAPH_RUNNER = ModuleAttribute(rasa.core.processor, "DaskGraphRunner", DaskGraphRunner)

# Not replaced, but overridden or set by our subclasses and wrappers.
RELIED_ON = (
    Target(DaskGraphRunner, "run", ("self", "inputs", "targets"),
           "bot/plugins/graph_runner.py"),
    Target(DaskGraphRunner, "__init__",
           ("self", "graph_schema", "model_storage", "execution_context", "hooks"),
           "bot/plugins/graph_runner.py"),
    Target(SQLTrackerStore, "_event_query",
           ("self", "session", "sender_id", "fetch_events_from_all_sessions"),
           "bot/plugins/tracker_store.py"),
    Target(SQLTrackerStore, "_additional_events", ("self", "session", "tracker"),
           "bot/plugins/tracker_store.py"),
    Target(FailSafeTrackerStore, "__init__",
           ("self", "tracker_store", "on_tracker_store_error", "fallback_tracker_store"),
           "bot/plugins/channel.py (_on_tracker_store_error)"),
    Target(TemplatedNaturalLanguageGenerator, "generate",
           ("self", "utter_action", "tracker", "output_channel", "kwargs"),
           "bot/plugins/nlg.py"),
    # A worker loads a deployed model into a processor and swaps it in as
    # Agent.load_model does.
    Target(MessageProcessor, "__init__",
           ("self", "model_path", "tracker_store", "lock_store", "generator",
            "action_endpoint", "max_number_of_predictions", "on_circuit_break",
            "http_interpreter"),
           "bot/plugins/model_switch.py (load_processor)"),
    Target(Agent, "load_model", ("self", "model_path", "fingerprint"),
           "bot/plugins/model_switch.py (swapped)"),
)  # fmt: skip


def check() -> None:
    """RasaPatchError unless Rasa is the version and shape of our changes."""
    if rasa.__version__ != RASA_VERSION:
        raise RasaPatchError(
            f"Rasa {rasa.__version__} is installed; the changes in "
            f"bot/plugins/rasa_patches.py were made for Rasa {RASA_VERSION}"
        )
    for patch in PATCHES:
        current = inspect.getattr_static(patch.target.owner, patch.target.name, None)
        if current is not patch.replacement:  # not applied yet
            patch.target.check()
    for target in RELIED_ON:
        target.check()
    runner = getattr(GRAPH_RUNNER.module, GRAPH_RUNNER.name, None)
    if runner not in (GRAPH_RUNNER.expected, OrderedGraphRunner):
        raise RasaPatchError(f"{GRAPH_RUNNER.path} is gone; see bot/plugins/tuning.py")


def apply() -> None:
    """Check, then make every change; idempotent. Called when the Rasa server
    creates our channel, before it loads the model and forks its workers."""
    check()
    for patch in PATCHES:
        patch.apply()
    setattr(GRAPH_RUNNER.module, GRAPH_RUNNER.name, OrderedGraphRunner)
