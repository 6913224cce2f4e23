"""What every process of a host counts, in Prometheus' terms.

The launcher gives all its children one directory (PROMETHEUS_MULTIPROC_DIR,
under var/): the web app, the action server and each Rasa worker write their
counts there, and the web app's /metrics adds them up. Without the variable
(tests, a process started on its own), the counts stay in the process.

Labels are names from our code (a channel, an action, a form), never anything
a citizen typed: a label value from input would let a stranger grow the
metrics without bound.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Histogram

MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

# From a 5 ms NLU-only turn to the web app's 10 s RASA_TIMEOUT and beyond.
TURN_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
DATABASE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5)
# A live chat waits seconds to an office day for a person.
WAIT_BUCKETS = (10, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600)

messages = Counter(
    "smartcity_messages",
    "Messages from citizens that reached Rasa, by channel",
    ["channel"],
)
turn_seconds = Histogram(
    "smartcity_turn_seconds",
    "One message in Rasa: NLU, policies, actions and saving the conversation",
    buckets=TURN_BUCKETS,
)
turn_failures = Counter(
    "smartcity_turn_failures",
    "Messages Rasa could not handle (the citizen is told to try again)",
)
rasa_request_seconds = Histogram(
    "smartcity_rasa_request_seconds",
    "The web app's round trip to Rasa for one message (widget and Telegram)",
    ["channel"],
    buckets=TURN_BUCKETS,
)
rasa_requests = Counter(
    "smartcity_rasa_requests",
    "Messages the web app sent to Rasa, by channel and outcome (ok, unavailable)",
    ["channel", "outcome"],
)
action_seconds = Histogram(
    "smartcity_action_seconds",
    "One run of a custom action in the action server",
    ["action"],
    buckets=TURN_BUCKETS,
)
action_failures = Counter(
    "smartcity_action_failures",
    "Custom actions that raised an error",
    ["action"],
)
database_seconds = Histogram(
    "smartcity_database_seconds",
    "One piece of work in one transaction on the city's database, with the commit",
    buckets=DATABASE_BUCKETS,
)
nlu_fallbacks = Counter(
    "smartcity_nlu_fallbacks",
    "Messages the assistant did not understand (NLU fallback)",
)
out_of_scope = Counter(
    "smartcity_out_of_scope",
    "Questions outside the assistant's field (sent to the city's service portal)",
)
forms = Counter(
    "smartcity_forms",
    "Forms started, completed and abandoned",
    ["form", "outcome"],
)
ratings = Counter(
    "smartcity_ratings",
    "Answers rated by citizens (up or down)",
    ["rating"],
)
rate_limited = Counter(
    "smartcity_rate_limited",
    "Requests refused by a limit, by limit",
    ["limit"],
)
notifications_sent = Counter(
    "smartcity_notifications_sent",
    "News to citizens handed to a channel, by channel and outcome",
    ["channel", "outcome"],
)
live_chat_wait_seconds = Histogram(
    "smartcity_live_chat_wait_seconds",
    "How long a citizen waited before a person took the live chat",
    buckets=WAIT_BUCKETS,
)
time_worker_restarts = Counter(
    "smartcity_time_worker_restarts",
    "Date workers started again after a crash or a timeout",
)
time_worker_timeouts = Counter(
    "smartcity_time_worker_timeouts",
    "Messages whose dates the date worker did not read within its budget",
)
model_switches = Counter(
    "smartcity_model_switches",
    "Rasa workers that switched to a deployed model, or failed to load it",
    ["outcome"],
)
process_restarts = Counter(
    "smartcity_process_restarts",
    "Servers the launcher started again after they stopped",
    ["process"],
)


# The label values our code knows, at 0 from the start: rate() and increase()
# need a sample before the first event, or they miss it.
for _channel in ("web", "telegram", "rest"):
    messages.labels(_channel)
for _limit in ("web", "telegram", "photos_address", "photos_overall", "staff_login"):
    rate_limited.labels(_limit)
for _outcome in ("switched", "failed"):
    model_switches.labels(_outcome)
for _channel in ("web", "telegram", "email"):
    for _outcome in ("delivered", "failed"):
        notifications_sent.labels(_channel, _outcome)


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROCESS_VARIABLE) or None


@contextmanager
def timed(histogram) -> Iterator[None]:
    """Observe the time the block took, also when it raises."""
    began = time.perf_counter()
    try:
        yield
    finally:
        histogram.observe(time.perf_counter() - began)
