"""Upcoming events, optionally filtered by time, topic or project."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from dateutil.parser import isoparse
from dateutil.relativedelta import relativedelta
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.db import events, projects
from actions.db.models import Event
from actions.sdk import list_pages
from actions.sdk import rating_offers as rating
from actions.sdk.base import DatabaseAction, EventList, latest_entity
from actions.sdk.follow_up import follow_up_subject
from actions.sdk.wording import Wording, wording
from core.protocol import intent_payload
from core.responses import STANDARD
from core.settings import Settings

EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(3000, 1, 1, tzinfo=timezone.utc)
GRAIN_LENGTH = {
    "second": relativedelta(seconds=1),
    "minute": relativedelta(minutes=1),
    "hour": relativedelta(hours=1),
    "day": relativedelta(days=1),
    "week": relativedelta(weeks=1),
    "month": relativedelta(months=1),
    "quarter": relativedelta(months=3),
    "year": relativedelta(years=1),
}


def time_window(
    entity: dict[str, Any] | None, now: datetime
) -> tuple[datetime, datetime] | None:
    """[start, end) of a `time` entity in Duckling's shape, or None if unusable.

    A point covers its grain ("morgen" is a whole day); a range is {"from", "to"}.
    """
    if not isinstance(entity, dict):
        return None
    value = entity.get("value")
    info = entity.get("additional_info")
    info = info if isinstance(info, dict) else {}
    try:
        if isinstance(value, dict):
            start = isoparse(value["from"]) if value.get("from") else now
            end = (
                isoparse(value["to"])
                if value.get("to")
                else start + relativedelta(days=30)
            )
        elif isinstance(value, str):
            start = isoparse(value)
            end = start + GRAIN_LENGTH.get(
                info.get("grain", "day"), relativedelta(days=1)
            )
        else:
            return None
    except (KeyError, TypeError, ValueError, OverflowError):
        return None  # a typed payload can carry anything, e.g. the year 9999
    if start.tzinfo is None or end.tzinfo is None:
        return None
    # The database stores UTC between these; beyond them, conversions overflow.
    start, end = max(start, EARLIEST), min(end, LATEST)
    return (start, end) if start < end else None


def describe_period(say: Wording, start: datetime, end: datetime, tz) -> str:
    """'am 07.12.2026', 'vom 07.12. bis 13.12.2026'; in Leichter Sprache
    'am Montag, 7. Dezember 2026'."""
    first = start.astimezone(tz)
    last = (end - timedelta(microseconds=1)).astimezone(tz)
    if first.date() == last.date():
        return say("tpl_period_day", day=say.day(first))
    if say.variant == STANDARD:
        first_day = f"{first:%d.%m.}"
        return say("tpl_period_days", first=first_day, last=f"{last:%d.%m.%Y}")
    return say("tpl_period_days", first=say.day(first), last=say.day(last))


def latest_time_entity(tracker: Tracker) -> dict[str, Any] | None:
    entities = tracker.latest_message.get("entities") or []
    return next((e for e in entities if e.get("entity") == "time"), None)


class ActionListEvents(DatabaseAction):
    """Lists the next events: 30 days by default, or the asked time range."""

    def name(self) -> str:
        return "action_list_events"

    @staticmethod
    def now() -> datetime:
        return datetime.now(timezone.utc)

    def respond(
        self,
        session: Session,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        settings: Settings,
    ) -> EventList:
        now = self.now()
        tz = settings.tz
        window = time_window(latest_time_entity(tracker), now)
        say = wording(session, tracker)
        if window is None:
            start, end = now, now + timedelta(days=settings.events_default_days)
            period = say("tpl_period_next_days", days=settings.events_default_days)
        else:
            start, end = max(window[0], now), window[1]
            period = describe_period(say, start, end, tz)
            if end <= now:
                dispatcher.utter_message(response="utter_past_period")
                return []

        topic_asked = latest_entity(tracker, "topic")
        project_name = latest_entity(tracker, "project")
        if not topic_asked and not project_name:
            subject = follow_up_subject(tracker)
            topic_asked, project_name = subject.get("topic"), subject.get("project")
        filters = {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "period": period,
            "topic": projects.canonical_value(session, Event.topic, topic_asked),
            "project": project_name,
            "asked_for_time": window is not None,
        }
        return self.show(session, dispatcher, tracker, settings, filters, offset=0)

    def show(
        self,
        session: Session,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        settings: Settings,
        filters: dict[str, Any],
        offset: int,
    ) -> EventList:
        """One page of the list, from `offset` on (list_pages continues it)."""
        tz = settings.tz
        start = datetime.fromisoformat(filters["start"])
        end = datetime.fromisoformat(filters["end"])
        period, topic = str(filters["period"]), filters.get("topic")
        project_name = filters.get("project")
        project = projects.find_project(session, project_name) if project_name else None
        page = events.upcoming_events(
            session,
            start=start,
            end=end,
            topic=topic,
            project=project,
            limit=settings.list_limit,
            offset=offset,
        )
        say = wording(session, tracker)
        about = ""
        if project:
            name = say.text(project.name, project.name_en)
            about = " " + say("tpl_about_project", project=name)
        elif topic:
            about = " " + say("tpl_about_topic", topic=say.name(topic))
        # The subject of this answer, for a follow-up like "und nächste Woche?".
        subject = [
            SlotSet("project", project.name if project else None),
            SlotSet("topic", topic),
        ]
        all_events = [
            {
                "title": say("tpl_button_all_events"),
                "payload": intent_payload("ask_events"),
            }
        ]

        if not page.items and offset:
            dispatcher.utter_message(response="utter_list_finished")
            return subject + list_pages.remember("events", filters, 0, 0)
        if not page.items:
            dispatcher.utter_message(
                response="utter_no_events_found",
                period=period[0].upper() + period[1:],
                about=about,
                buttons=all_events if about or filters.get("asked_for_time") else [],
            )
            return subject + list_pages.remember("events", filters, 0, 0)

        heading = "tpl_events_heading_more" if offset else "tpl_events_heading"
        lines = [say(heading, about=about, period=period)]
        lines += [
            say(
                "tpl_event_line",
                when=say.span(event.starts_at, event.ends_at, tz),
                title=say.text(event.title, event.title_en),
                place=event.location or None,
                registration=say.text(event.registration, event.registration_en)
                or None,
            )
            for event in page.items
        ]
        if say.german_only:
            lines.append(say("tpl_only_in_german"))
        shown = offset + len(page.items)
        buttons = list(all_events if about else [])
        if page.total > len(page.items) or offset:
            lines.append(
                list_pages.progress(say, "events", offset + 1, shown, page.total)
            )
        if shown < page.total:
            buttons.append(list_pages.more_button(say))
            if not offset:
                lines.append(say("tpl_events_hint"))
        made = rating.offer(tracker, self.name())
        dispatcher.utter_message(
            text="\n".join(lines), buttons=rating.with_rating(buttons, made, say)
        )
        return [
            *subject,
            *list_pages.remember("events", filters, shown, page.total),
            *rating.remember(tracker, made),
        ]
