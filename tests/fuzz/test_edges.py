"""Property-based fuzzing of the pure functions at the edges, with Hypothesis.

Each property holds for every input: no exception, output within bounds, and
what the function promises (canonical references, no control characters, no
text lost when a reply is split for Telegram). The time extractor runs with
its real worker process and must finish within its budget.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from html import escape, unescape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actions.db.suggestions import new_reference, normalize_reference
from actions.sdk.event_actions import time_window
from actions.sdk.suggestion_form import folded, plain
from bot.telegram.render import split_text, utf16_length
from bot.web.chat import clean
from nlu.time_extractor import GermanTimeExtractor

EXAMPLES = 300
CANONICAL = re.compile(r"^V-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")
NOW = datetime(2026, 11, 26, 13, tzinfo=timezone.utc)

# Everything a citizen's keyboard or a hostile client can produce, lone
# surrogates included, with German words and dates mixed in.
any_text = st.text(
    alphabet=st.characters(codec=None, exclude_categories=()), max_size=600
)
german = st.lists(
    st.sampled_from(
        ["am", "Samstag", "12.", "Dezember", "um", "18", "Uhr", "in", "2", "Wochen",
         "und", "3", "Tagen", "morgen", "Abend", "Vorschlag", "V-7KQ2-M9XD", "v",
         "7KQ2", "M9XD", "Mitmachplattform", "Digitaler", "Zwilling", "—", "–", "\n",
         "😀", "\u202e", "\x00", "ß", "Ä"]
    ),
    max_size=120,
).map(" ".join)  # fmt: skip
texts = st.one_of(any_text, german)
fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@fuzz
@given(texts)
def test_a_reference_is_found_only_in_canonical_form(text):
    found = normalize_reference(text)
    assert found is None or CANONICAL.match(found)
    if found:
        assert normalize_reference(found) == found


@fuzz
@given(st.builds(new_reference), st.sampled_from(["-", " ", "–", ""]), st.booleans())
def test_every_new_reference_is_found_however_it_is_typed(reference, dash, lower):
    typed = reference.replace("-", dash)
    assert normalize_reference(f"Stand von {typed.lower() if lower else typed}?") == (
        reference
    )


@fuzz
@given(texts)
def test_plain_keeps_no_control_character_and_is_stable(text):
    cleaned = plain(text)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]", cleaned)
    assert plain(cleaned) == cleaned
    assert folded(text) == folded(cleaned)


@fuzz
@given(texts)
def test_the_chat_api_passes_on_only_encodable_text(text):
    cleaned = clean(text)
    cleaned.encode("utf-8")  # no lone surrogate left
    assert "\x00" not in cleaned and clean(cleaned) == cleaned


@fuzz
@given(texts, st.integers(min_value=20, max_value=4096))
def test_a_split_reply_loses_nothing_and_every_part_fits(text, limit):
    parts = split_text(text, limit)
    assert all(0 < utf16_length(part) <= limit for part in parts)
    assert "".join("".join(parts).split()) == "".join(text.split())
    for part in parts:  # what Telegram gets, parsed back, is the part
        assert unescape(escape(part, quote=False)) == part


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
    | st.sampled_from(["9999-12-31T23:00:00+00:00", "0001-01-01T00:00:00+00:00",
                       "2026-12-03T00:00:00+01:00", "2026-12-03"]),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.sampled_from(["from", "to", "grain", "x"]), children, max_size=3),
    max_leaves=8,
)  # fmt: skip


@fuzz
@given(
    st.dictionaries(
        st.sampled_from(["value", "additional_info", "entity"]), json_values
    )
)
def test_any_time_entity_gives_a_bounded_window_or_none(entity):
    window = time_window(entity, NOW)
    if window is not None:
        start, end = window
        assert start < end and start.year >= 2000 and end.year <= 3000


@pytest.fixture(scope="module")
def time_extractor() -> GermanTimeExtractor:
    extractor = GermanTimeExtractor({"timezone": "Europe/Berlin"}, lambda: NOW)
    deadline = time.monotonic() + 30
    while not extractor.extract("morgen", NOW):  # the worker may be (re)starting
        assert time.monotonic() < deadline, "the date worker did not start"
        time.sleep(0.2)
    return extractor


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])  # fmt: skip
@given(st.one_of(german, german.map(lambda t: (t + " ") * 8)))
def test_the_time_extractor_stays_within_its_budget(time_extractor, text):
    budget = time_extractor._config["budget_seconds"]
    began = time.monotonic()
    entities = time_extractor.extract(text, NOW)
    assert time.monotonic() - began < budget + 1.0  # a generous bound: not stalled
    for entity in entities:
        assert 0 <= entity["start"] < entity["end"] <= len(text)
        assert entity["entity"] == "time"
