"""'Weitere anzeigen': the next page of the list shown last."""

from __future__ import annotations

import re

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.sdk.base import DatabaseAction, EventList
from actions.sdk.event_actions import ActionListEvents
from actions.sdk.list_pages import cursor_of, finished
from actions.sdk.project_actions import ActionListProjects
from actions.sdk.search_actions import ActionSearchSuggestions
from actions.sdk.search_actions import show as show_suggestions
from core.settings import Settings

# Without a list to go on with, a typed "weitere Projekte" still means projects.
NAMES = {
    "events": re.compile(r"termin|veranstaltung|event", re.IGNORECASE),
    "projects": re.compile(r"projekt", re.IGNORECASE),
    "suggestions": re.compile(r"vorschl|idee", re.IGNORECASE),
}
FIRST_PAGE = {
    "events": ActionListEvents,
    "projects": ActionListProjects,
    "suggestions": ActionSearchSuggestions,
}


class ActionShowMore(DatabaseAction):
    def name(self) -> str:
        return "action_show_more"

    def respond(
        self,
        session: Session,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        settings: Settings,
    ) -> EventList:
        cursor = cursor_of(tracker)
        text = str(tracker.latest_message.get("text") or "")
        asked_kind = next(
            (kind for kind, names in NAMES.items() if names.search(text)), None
        )
        if cursor is None or asked_kind not in (None, cursor["kind"]):
            if asked_kind is None:
                dispatcher.utter_message(response="utter_no_list_to_continue")
                return []
            return FIRST_PAGE[asked_kind]().respond(
                session, dispatcher, tracker, settings
            )
        if finished(cursor):
            dispatcher.utter_message(response="utter_list_finished")
            return []
        shows = {
            "events": ActionListEvents().show,
            "projects": ActionListProjects().show,
            "suggestions": show_suggestions,
        }
        try:
            return shows[cursor["kind"]](
                session,
                dispatcher,
                tracker,
                settings,
                cursor["filters"],
                cursor["next"],
            )
        except (KeyError, TypeError, ValueError, AttributeError):  # not our cursor
            dispatcher.messages.clear()
            dispatcher.utter_message(response="utter_no_list_to_continue")
            return []
