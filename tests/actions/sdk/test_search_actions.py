"""Finding published suggestions in the chat (issue 36.1): by words, topic,
district and position, the most supported first, page by page; never an
unpublished or hidden one."""

from __future__ import annotations

import uuid

import pytest
import yaml
from sqlalchemy.orm import Session

from actions.db import review, supports
from actions.db import suggestions as store
from actions.db.models import utcnow
from actions.db.search import Search, find, relevance, terms_of
from actions.db.session import get_engine
from actions.sdk.more_actions import ActionShowMore
from actions.sdk.search_actions import NEAR_ME, ActionSearchSuggestions
from actions.sdk.suggestion_actions import ActionLocationOutsideForm
from core.places import Position
from core.protocol import intent_payload
from core.settings import PROJECT_ROOT
from tests.helpers import entity

pytestmark = pytest.mark.usefixtures("settings_env")

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
BAHNHOF = Position(49.4366, 7.7685)


def add(database_url, text, title, *, topic="Mobilität", district=None,
        position=None, publish=True, hidden=False, supporters=0):  # fmt: skip
    new = store.NewSuggestion(form_run_id=uuid.uuid4().hex, channel="web",
                              sender_key=uuid.uuid4().hex, text=text, topic=topic,
                              district=district, position=position,
                              public_consent_at=utcnow())  # fmt: skip
    with Session(get_engine(database_url), future=True) as session, session.begin():
        suggestion, _ = store.create(session, new, daily_limit=5)
        if publish:
            review.publish(session, suggestion.reference, title, actor="anna")
        if hidden:
            review.set_hidden(session, suggestion.reference, True, actor="anna")
        for _ in range(supporters):
            supports.add(session, suggestion.reference, uuid.uuid4().hex, channel="web")
        return suggestion.reference


@pytest.fixture
def board(database_url):
    return {
        "racks": add(database_url, "Am Hauptbahnhof fehlen Fahrradständer",
                     "Fahrradständer am Hauptbahnhof", district="Innenstadt",
                     position=BAHNHOF, supporters=1),
        "benches": add(database_url, "Mehr Sitzbänke im Volkspark bitte",
                       "Sitzbänke im Volkspark", topic="Stadtentwicklung",
                       district="Morlautern", position=Position(49.47, 7.78),
                       supporters=3),
        "wifi": add(database_url, "Freies WLAN auf dem Stiftsplatz",
                    "WLAN am Stiftsplatz", topic="Infrastruktur",
                    district="Innenstadt", position=Position(49.4445, 7.7689)),
        "unpublished": add(database_url, "Radständer an der Uni fehlen",
                           "Radständer Uni", publish=False, district="Morlautern"),
        "hidden": add(database_url, "Fahrradständer überall!!!", "Fahrradständer",
                      hidden=True, district="Innenstadt"),
    }  # fmt: skip


def titles(dispatcher):
    message = dispatcher.messages[-1]
    return [b["title"] for b in message.get("buttons", [])]


def search(make_tracker, text, *entities, slots=None):
    return make_tracker(text, "search_suggestions", list(entities), slots=slots)


@pytest.mark.parametrize(
    "text",
    [
        "Gibt es schon Vorschläge zu Fahrradständern?",
        "Hat jemand schon Radständer vorgeschlagen?",  # a part of the compound
        "gibts ideen zu farradständer",  # a typo
    ],
)
async def test_words_find_the_published_suggestion_and_offer_support(
    dispatcher, make_tracker, board, text
):
    await ActionSearchSuggestions().run(dispatcher, search(make_tracker, text), DOMAIN)
    answer = dispatcher.messages[-1]
    assert "„Fahrradständer am Hauptbahnhof“" in answer["text"]
    assert f"/vorschlaege/{board['racks']}" in answer["text"]
    assert "1-mal unterstützt" in answer["text"]
    assert titles(dispatcher) == ["„Fahrradständer am Hauptbahnhof“ unterstützen"]
    assert answer["buttons"][0]["payload"] == intent_payload(
        "support_suggestion", reference=board["racks"]
    )
    assert "Radständer Uni" not in answer["text"]  # unpublished
    assert board["hidden"] not in answer["text"]  # hidden as spam


async def test_a_district_filters_and_its_name_is_no_search_word(
    dispatcher, make_tracker, board
):
    text = "Was wurde in Morlautern vorgeschlagen?"
    tracker = search(make_tracker, text,
                     entity("district", "Morlautern", start=13, end=23))  # fmt: skip
    await ActionSearchSuggestions().run(dispatcher, tracker, DOMAIN)
    answer = dispatcher.messages[-1]
    assert answer["text"].startswith(
        "Veröffentlichte Vorschläge im Stadtteil Morlautern:"
    )
    assert titles(dispatcher) == ["„Sitzbänke im Volkspark“ unterstützen",
                                  "Dem Stadtteil Morlautern folgen"]  # fmt: skip


async def test_a_topic_filters(dispatcher, make_tracker, board):
    tracker = search(make_tracker, "Gibt es Vorschläge zum Thema Infrastruktur?",
                     entity("topic", "Infrastruktur", start=29, end=42))  # fmt: skip
    await ActionSearchSuggestions().run(dispatcher, tracker, DOMAIN)
    assert titles(dispatcher) == ["„WLAN am Stiftsplatz“ unterstützen",
                                  "Dem Thema Infrastruktur folgen"]  # fmt: skip


async def test_the_most_supported_come_first(dispatcher, make_tracker, board):
    tracker = search(make_tracker, "Zeig mir die meistunterstützten Ideen")
    await ActionSearchSuggestions().run(dispatcher, tracker, DOMAIN)
    answer = dispatcher.messages[-1]
    assert answer["text"].startswith("Die meistunterstützten Vorschläge:")
    assert titles(dispatcher) == [
        "„Sitzbänke im Volkspark“ unterstützen",
        "„Fahrradständer am Hauptbahnhof“ unterstützen",
        "„WLAN am Stiftsplatz“ unterstützen",
    ]


async def test_near_me_asks_for_the_position_then_finds_what_is_near(
    dispatcher, make_tracker, board
):
    asked = search(make_tracker, "Was wurde in meiner Nähe vorgeschlagen?")
    events = await ActionSearchSuggestions().run(dispatcher, asked, DOMAIN)
    assert dispatcher.messages[0]["response"] == "utter_search_ask_position"
    assert events[0]["name"] == "search_waits_for_position"
    dispatcher.messages.clear()

    shared = make_tracker(
        '/share_location{"latitude": 49.437, "longitude": 7.769}', "share_location",
        [entity("latitude", 49.437), entity("longitude", 7.769)],
        slots={"search_waits_for_position": True},
    )  # fmt: skip
    events = await ActionLocationOutsideForm().run(dispatcher, shared, DOMAIN)
    # The nearest first; the benches in Morlautern have no position.
    assert titles(dispatcher) == ["„Fahrradständer am Hauptbahnhof“ unterstützen",
                                  "„WLAN am Stiftsplatz“ unterstützen"]  # fmt: skip
    assert "in Ihrer Nähe" in dispatcher.messages[-1]["text"]
    assert {"event": "slot", "name": "search_waits_for_position", "value": None,
            "timestamp": None} in events  # fmt: skip


async def test_a_location_without_a_search_still_explains_itself(
    dispatcher, make_tracker, board
):
    shared = make_tracker(
        "/share_location", "share_location",
        [entity("latitude", 49.437), entity("longitude", 7.769)],
    )  # fmt: skip
    await ActionLocationOutsideForm().run(dispatcher, shared, DOMAIN)
    assert dispatcher.messages[-1]["response"] == "utter_location_outside_form"


async def test_nothing_found_links_the_board_and_offers_a_suggestion(
    dispatcher, make_tracker, board
):
    tracker = search(make_tracker, "Gibt es Vorschläge zu Hundewiesen?")
    await ActionSearchSuggestions().run(dispatcher, tracker, DOMAIN)
    answer = dispatcher.messages[-1]
    assert answer["text"].startswith(
        "Ich habe keinen veröffentlichten Vorschlag zu „Hundewiesen“ gefunden."
    )
    assert "/vorschlaege" in answer["text"]
    assert answer["buttons"] == [{"title": "Selbst etwas vorschlagen",
                                  "payload": "/submit_suggestion"}]  # fmt: skip


async def test_a_long_list_goes_on_with_weitere_anzeigen(
    dispatcher, make_tracker, database_url
):
    for n in range(7):
        add(database_url, f"Ladesäule Nummer {n}", f"Ladesäule {n}")
    first = search(make_tracker, "Vorschläge zu Ladesäulen")
    events = await ActionSearchSuggestions().run(dispatcher, first, DOMAIN)
    assert len(titles(dispatcher)) == 6  # five to back, one to go on
    assert "Das sind 1 bis 5 von 7 Vorschlägen." in dispatcher.messages[-1]["text"]
    cursor = events[-1]["value"]
    dispatcher.messages.clear()

    more = make_tracker("weitere", "show_more", slots={"list_cursor": cursor})
    await ActionShowMore().run(dispatcher, more, DOMAIN)
    assert dispatcher.messages[-1]["text"].startswith("Weitere Vorschläge")
    assert "Das sind 6 bis 7 von 7 Vorschlägen." in dispatcher.messages[-1]["text"]
    assert len(titles(dispatcher)) == 2


def test_search_words_leave_the_frame_and_function_words_out():
    assert terms_of("Gibt es schon Vorschläge zu Fahrradständern am Bahnhof?") == (
        "fahrradstand",
        "bahnhof",
    )
    assert terms_of("Zeig mir die meistunterstützten Ideen") == ()


def test_several_words_want_at_least_half_of_them():
    terms = terms_of("Fahrradständer Bahnhof Kita")
    assert relevance(terms, "Fahrradständer am Bahnhof") == pytest.approx(2 / 3)
    assert relevance(terms, "Kita am Volkspark") == 0.0


def test_the_search_reads_at_most_the_newest_candidates(session, monkeypatch):
    monkeypatch.setattr("actions.db.search.MAX_CANDIDATES", 2)
    for n in range(3):
        with session.begin():
            made, _ = store.create(
                session,
                store.NewSuggestion(form_run_id=uuid.uuid4().hex, channel="web",
                                    sender_key=f"s{n}", text=f"Brunnen {n}",
                                    topic="Mobilität", public_consent_at=utcnow()),
                daily_limit=5,
            )  # fmt: skip
            review.publish(session, made.reference, f"Brunnen {n}", actor="anna")
    found, total = find(session, Search(words=terms_of("Brunnen")), limit=5)
    assert total == 2 and [e.title for e in found] == ["Brunnen 2", "Brunnen 1"]


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("Vorschläge in der Nähe", True),
        ("Was wurde hier in meiner Umgebung vorgeschlagen?", True),
        ("any suggestions near me?", True),
        # A place named after "Nähe" is a word to search for, not the position.
        ("Vorschläge in der Nähe vom Bahnhof", False),
        ("Ideen in der Umgebung des Rathauses", False),
    ],
)
def test_near_me_is_told_from_a_named_place(text, asks):
    assert bool(NEAR_ME.search(text)) is asks


async def test_a_long_repetitive_message_names_each_word_once(
    dispatcher, make_tracker, board
):
    text = "Gibt es Vorschläge zu Hundewiesen? " + "Hundewiesen " * 300
    await ActionSearchSuggestions().run(dispatcher, search(make_tracker, text), DOMAIN)
    assert dispatcher.messages[-1]["text"].startswith(
        "Ich habe keinen veröffentlichten Vorschlag zu „Hundewiesen“ gefunden."
    )
