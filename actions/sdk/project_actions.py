"""Answers about Smart-City projects: one project, or a filtered list."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.db import projects
from actions.db.follows import Target
from actions.db.models import Project
from actions.sdk import list_pages
from actions.sdk import rating_offers as rating
from actions.sdk.base import DatabaseAction, EventList, latest_entity
from actions.sdk.follow_actions import follow_button
from actions.sdk.follow_up import follow_up_subject
from actions.sdk.wording import Wording, wording
from core.content import CITYWIDE
from core.german import first_sentence
from core.protocol import intent_payload
from core.settings import Settings

FILTERS = ("topic", "district", "status")


def project_button(project: Project, say: Wording) -> dict[str, str]:
    return {
        "title": say.text(project.name, project.name_en),
        "payload": intent_payload("ask_project_info", project=project.name),
    }


def describe(project: Project, say: Wording) -> str:
    card = say(
        "tpl_project_card",
        name=say.text(project.name, project.name_en),
        summary=say.text(project.summary, project.summary_en),
        topic=say.name(project.topic),
        status=say.name(project.status),
        # "stadtweit" is stored; each language says it its own way.
        place=(
            project.district
            if project.district not in (None, "", CITYWIDE)
            else say("tpl_project_citywide")
        ),
        contact=project.contact or None,
        url=project.url or None,
    )
    return say.noted(card)


class ActionProjectInfo(DatabaseAction):
    """Tells about one project; offers near matches when the name is unknown."""

    def name(self) -> str:
        return "action_project_info"

    def respond(
        self,
        session: Session,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        settings: Settings,
    ) -> EventList:
        asked = latest_entity(tracker, "project")
        text = tracker.latest_message.get("text") or ""
        say = wording(session, tracker)
        project = projects.find_project(session, asked) if asked else None
        if project is None and not asked:
            earlier = follow_up_subject(tracker).get("project")
            project = projects.find_project(session, earlier) if earlier else None
        if project is None and not asked:
            mentioned = projects.projects_mentioned_in(session, text)
            project = mentioned[0] if len(mentioned) == 1 else None
            if len(mentioned) > 1:
                dispatcher.utter_message(
                    response="utter_which_of_these_projects",
                    buttons=[
                        project_button(p, say) for p in mentioned[: settings.list_limit]
                    ],
                )
                return []

        if project is not None:
            made = rating.offer(tracker, self.name())
            buttons = [
                {
                    "title": say("tpl_button_project_events"),
                    "payload": intent_payload("ask_events", project=project.name),
                },
                {
                    "title": say("tpl_button_more_projects"),
                    "payload": intent_payload("ask_projects"),
                },
                follow_button(say, Target("project", project.name)),
            ]
            dispatcher.utter_message(
                text=describe(project, say),
                buttons=rating.with_rating(buttons, made, say),
            )
            return [SlotSet("project", project.name), *rating.remember(tracker, made)]

        if asked:
            similar = projects.similar_projects(session, asked)
            if similar:
                dispatcher.utter_message(
                    response="utter_unknown_project_did_you_mean",
                    asked=asked,
                    buttons=[project_button(p, say) for p in similar],
                )
                return []
            dispatcher.utter_message(response="utter_unknown_project", asked=asked)
            return []

        shown = projects.all_projects(session)[: settings.list_limit]
        dispatcher.utter_message(
            response="utter_ask_which_project",
            buttons=[project_button(p, say) for p in shown],
        )
        return []


class ActionListProjects(DatabaseAction):
    """Lists projects, filtered by topic, district or status from the message."""

    def name(self) -> str:
        return "action_list_projects"

    def respond(
        self,
        session: Session,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        settings: Settings,
    ) -> EventList:
        filters = {
            "topic": projects.canonical_value(
                session, Project.topic, latest_entity(tracker, "topic")
            ),
            "district": projects.canonical_value(
                session, Project.district, latest_entity(tracker, "district")
            ),
            "status": projects.canonical_value(
                session, Project.status, latest_entity(tracker, "project_status")
            ),
        }
        return self.show(session, dispatcher, tracker, settings, filters, offset=0)

    def show(
        self,
        session: Session,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        settings: Settings,
        filters: dict[str, str | None],
        offset: int,
    ) -> EventList:
        """One page of the list, from `offset` on (list_pages continues it)."""
        topic, district, status = (filters.get(k) for k in FILTERS)
        page = projects.list_projects(
            session,
            topic=topic,
            district=district,
            status=status,
            limit=settings.list_limit,
            offset=offset,
        )
        say = wording(session, tracker)
        described = "".join(
            " " + say(template, **{key: value})
            for template, key, value in (
                ("tpl_filter_topic", "topic", topic and say.name(topic)),
                ("tpl_filter_district", "district", district),
                ("tpl_filter_status", "status", status and say.name(status)),
            )
            if value
        )

        if not page.items and offset:
            dispatcher.utter_message(response="utter_list_finished")
            return list_pages.remember("projects", filters, page.total, page.total)
        if not page.items:
            dispatcher.utter_message(
                response="utter_no_projects_found",
                filters=described.strip(),
                buttons=[
                    {
                        "title": say.name(t),
                        "payload": intent_payload("ask_projects", topic=t),
                    }
                    for t in projects.project_topics(session)
                ],
            )
            return list_pages.remember("projects", filters, 0, 0)

        # A heading keeps its line: "" is a value, only None leaves a line out.
        if offset:
            heading = say("tpl_projects_heading_more", filters=described)
        elif described:
            heading = say("tpl_projects_heading_filtered", filters=described)
        else:
            heading = say("tpl_projects_heading")
        lines = [heading]
        lines += [
            say(
                "tpl_project_line",
                name=say.text(p.name, p.name_en),
                summary=first_sentence(say.text(p.summary, p.summary_en)),
            )
            for p in page.items
        ]
        if say.german_only:
            lines.append(say("tpl_only_in_german"))
        shown = offset + len(page.items)
        buttons = [project_button(p, say) for p in page.items]
        if page.total > len(page.items) or offset:
            lines.append(
                list_pages.progress(say, "projects", offset + 1, shown, page.total)
            )
        if shown < page.total:
            buttons.append(list_pages.more_button(say))
            if not offset:
                lines.append(say("tpl_projects_hint"))
        made = rating.offer(tracker, self.name())
        dispatcher.utter_message(
            text="\n".join(lines), buttons=rating.with_rating(buttons, made, say)
        )
        return [
            *list_pages.remember("projects", filters, shown, page.total),
            *rating.remember(tracker, made),
        ]
