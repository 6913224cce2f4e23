"""Finding published suggestions in the chat (issue 36.1): by words, topic,
district or a shared position, newest or most supported first, each with a
button to back it and its page on the board."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.db import search
from actions.db.follows import Target
from actions.db.search import Search, head, terms_of
from actions.sdk import list_pages
from actions.sdk.base import DatabaseAction, EventList, latest_entity
from actions.sdk.follow_actions import follow_button
from actions.sdk.suggestion_form import shared_position
from actions.sdk.support_actions import support_button
from actions.sdk.wording import Wording, wording
from core.places import Position
from core.protocol import intent_payload
from core.settings import Settings

PER_PAGE = 5  # each has a button; more would bury the answer on a phone
# "Zeig mir die meistunterstützten Ideen", "die beliebtesten", "most supported".
MOST_SUPPORTED = re.compile(
    r"meist\W*unterst|am meisten unterst|meiste unterst|beliebt|top\W*\d*\b|"
    r"most\W*(supported|popular|backed)|popular",
    re.IGNORECASE,
)
# "in meiner Nähe", "hier in der Gegend", "near me": the position is asked for.
# "in der Nähe vom Bahnhof" names a place instead: words to search for.
NEAR_ME = re.compile(
    r"in (meiner|der) (nähe|naehe|gegend|umgebung)(?!\s+(von|vom|des|der|zum|zur)\b)|"
    r"in meiner (straße|strasse)|um mich herum|bei mir|"
    r"near me|nearby|around me|close to me|in my area",
    re.IGNORECASE,
)
WAITS_FOR_POSITION = "search_waits_for_position"


def search_of(tracker: Tracker) -> tuple[Search, str]:
    """The search the latest message asks for, and its words as typed."""
    message = tracker.latest_message
    text = str(message.get("text") or "")
    if text.startswith("/"):  # a button's payload: only its entities count
        text = ""
    words = _without_entities(text, message.get("entities") or [])
    terms = terms_of(words)
    return (
        Search(
            words=terms,
            topic=latest_entity(tracker, "topic"),
            district=latest_entity(tracker, "district"),
            most_supported=bool(MOST_SUPPORTED.search(text)),
        ),
        _as_typed(words, terms),
    )


def _as_typed(words: str, terms: tuple[str, ...]) -> str:
    """Each searched term once, in the words the citizen wrote it: the heading
    says „Fahrradständern“, not the stem, and stays short however long the
    message was."""
    written: dict[str, str] = {}
    for word in re.findall(r"\w[\w-]*", head(words)):
        stem = next(iter(terms_of(word)), None)
        if stem in terms and stem not in written:
            written[stem] = word
    return " ".join(written[t] for t in terms if t in written)


def _without_entities(text: str, entities: list[Any]) -> str:
    """The text with the names of topics and districts cut out: they filter,
    they are not words to look for."""
    spans = sorted(
        (e["start"], e["end"])
        for e in entities
        if isinstance(e, dict)
        and e.get("entity") in ("topic", "district", "project", "time")
        and isinstance(e.get("start"), int)
        and isinstance(e.get("end"), int)
    )
    kept, at = [], 0
    for start, end in spans:
        if start >= at:
            kept.append(text[at:start])
            at = end
    kept.append(text[at:])
    return " ".join(kept)


class ActionSearchSuggestions(DatabaseAction):
    def name(self) -> str:
        return "action_search_suggestions"

    def respond(
        self,
        session: Session,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        settings: Settings,
    ) -> EventList:
        query, typed = search_of(tracker)
        text = str(tracker.latest_message.get("text") or "")
        if NEAR_ME.search(text) and not query.district:
            dispatcher.utter_message(response="utter_search_ask_position")
            return [SlotSet(WAITS_FOR_POSITION, True)]
        filters = _filters_of(query, typed)
        return show(session, dispatcher, tracker, settings, filters, offset=0)


class ActionSearchNear(DatabaseAction):
    """A position shared after "in meiner Nähe": the suggestions near it."""

    def name(self) -> str:
        return "action_search_near"

    def respond(
        self,
        session: Session,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        settings: Settings,
    ) -> EventList:
        position = shared_position(tracker)
        if position is None:
            dispatcher.utter_message(response="utter_location_how")
            return []
        filters = {"near": position.as_dict(), "words": [], "typed": ""}
        return [
            SlotSet(WAITS_FOR_POSITION, None),
            *show(session, dispatcher, tracker, settings, filters, offset=0),
        ]


def _filters_of(query: Search, typed: str) -> dict[str, Any]:
    """The search as the list cursor keeps it (JSON)."""
    return {
        "words": list(query.words),
        "typed": typed,
        "topic": query.topic,
        "district": query.district,
        "most_supported": query.most_supported,
    }


def _search_from(filters: dict[str, Any]) -> Search:
    near = filters.get("near")
    return Search(
        words=tuple(str(w) for w in filters.get("words") or ())[: search.MAX_TERMS],
        topic=filters.get("topic") or None,
        district=filters.get("district") or None,
        near=Position.parse(near.get("latitude"), near.get("longitude"))
        if isinstance(near, dict)
        else None,
        most_supported=bool(filters.get("most_supported")),
    )


def show(
    session: Session,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    settings: Settings,
    filters: dict[str, Any],
    offset: int,
) -> EventList:
    """One page of found suggestions, from `offset` on (list_pages continues it)."""
    query = _search_from(filters)
    found, total = search.find(session, query, limit=PER_PAGE, offset=offset)
    say = wording(session, tracker)
    board = f"{settings.public_url}/vorschlaege"
    described = _described(say, query, str(filters.get("typed") or ""))
    if not found and offset:
        dispatcher.utter_message(response="utter_list_finished")
        return list_pages.remember("suggestions", filters, total, total)
    if not found:
        dispatcher.utter_message(
            text=say("tpl_search_none", filters=described, board=board),
            buttons=[{"title": say("tpl_button_make_suggestion"),
                      "payload": intent_payload("submit_suggestion")}],
        )  # fmt: skip
        return list_pages.remember("suggestions", filters, 0, 0)
    heading = "tpl_search_heading_more" if offset else (
        "tpl_search_heading_supported" if query.most_supported else "tpl_search_heading"
    )  # fmt: skip
    lines = [say(heading, filters=described)]
    lines += [
        say("tpl_suggestion_similar_line", number=number, title=entry.title,
            status=say.state(entry.status), count=entry.supporters,
            link=f"{board}/{entry.reference}")
        for number, entry in enumerate(found, start=offset + 1)
    ]  # fmt: skip
    shown = offset + len(found)
    if total > len(found) or offset:
        lines.append(list_pages.progress(say, "suggestions", offset + 1, shown, total))
    lines.append(say("tpl_search_board", board=board))
    buttons = [support_button(entry.reference, entry.title, say) for entry in found]
    if shown < total:
        buttons.append(list_pages.more_button(say))
    # "Was wurde in Morlautern vorgeschlagen?": what comes next there, too.
    if place := (query.district and Target("district", query.district)) or (
        query.topic and Target("topic", query.topic)
    ):
        buttons.append(follow_button(say, place))
    dispatcher.utter_message(text="\n".join(lines), buttons=buttons)
    return list_pages.remember("suggestions", filters, shown, total)


def _described(say: Wording, query: Search, typed: str) -> str:
    """' zu „Fahrradständer“ im Stadtteil Morlautern' and the like."""
    parts = [
        typed and say("tpl_filter_words", words=typed),
        query.topic and say("tpl_filter_topic", topic=say.name(query.topic)),
        query.district and say("tpl_filter_district", district=query.district),
        query.near and say("tpl_filter_near"),
    ]
    return "".join(" " + part for part in parts if part)
