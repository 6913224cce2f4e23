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
from core.settings import Settings

# Without a list to go on with, a typed "weitere Projekte" still means projects.
NAMES_EVENTS = re.compile(r"termin|veranstaltung|event", re.IGNORECASE)
NAMES_PROJECTS = re.compile(r"projekt", re.IGNORECASE)


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
        asked_kind = (
            "events"
            if NAMES_EVENTS.search(text)
            else "projects"
            if NAMES_PROJECTS.search(text)
            else None
        )
        if cursor is None or asked_kind not in (None, cursor["kind"]):
            if asked_kind == "events":
                return ActionListEvents().respond(
                    session, dispatcher, tracker, settings
                )
            if asked_kind == "projects":
                return ActionListProjects().respond(
                    session, dispatcher, tracker, settings
                )
            dispatcher.utter_message(response="utter_no_list_to_continue")
            return []
        if finished(cursor):
            dispatcher.utter_message(response="utter_list_finished")
            return []
        action = (
            ActionListEvents() if cursor["kind"] == "events" else ActionListProjects()
        )
        try:
            return action.show(
                session,
                dispatcher,
                tracker,
                settings,
                cursor["filters"],
                cursor["next"],
            )
        except (KeyError, TypeError, ValueError):  # a cursor we did not write
            dispatcher.messages.clear()
            dispatcher.utter_message(response="utter_no_list_to_continue")
            return []
