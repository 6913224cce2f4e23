"""Following a topic, a district, a project or a published suggestion in the
chat (issue 36.2): asked with what it means and a yes, listed with
"Meine Abos", stopped with "Abbestellen". The daily digest is
actions.db.digest's."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.db import follows
from actions.db.follows import FollowRefused, Target
from actions.db.suggestions import normalize_reference
from actions.sdk.base import (
    EventList,
    channel_of,
    database,
    latest_entity,
    sender_key,
)
from actions.sdk.suggestion_form import intent_of
from actions.sdk.wording import Wording, current_wording, language_of
from core.content import ContentError, load_districts, load_topics
from core.protocol import intent_payload
from core.settings import get_settings

PENDING = "follow_pending"  # the target asked about, until yes or no
CONFIRM = "confirm"
# Which entity names what; a reference is the most precise, a topic the least.
ENTITY_KINDS = (("reference", "suggestion"), ("project", "project"),
                ("district", "district"), ("topic", "topic"))  # fmt: skip


def target_of(tracker: Tracker) -> Target | None:
    """What the latest message names: a button's kind and value, else its
    entities; a reference also when typed without the entity."""
    kind, value = latest_entity(tracker, "kind"), latest_entity(tracker, "value")
    if kind in follows.KINDS and value:
        return Target(kind, value)
    for entity, kind in ENTITY_KINDS:
        if value := latest_entity(tracker, entity):
            if kind == "suggestion":
                value = normalize_reference(value) or value
            return Target(kind, value)
    reference = normalize_reference(str(tracker.latest_message.get("text") or ""))
    return Target("suggestion", reference) if reference else None


def pending_of(tracker: Tracker) -> Target | None:
    pending = tracker.get_slot(PENDING)
    if not isinstance(pending, dict):
        return None
    kind, value = pending.get("kind"), pending.get("value")
    if kind in follows.KINDS and isinstance(value, str) and value:
        return Target(kind, value)
    return None


def short_name(say: Wording, target: Target) -> str:
    """'Innenstadt', 'Mobilität' (in the conversation's language)."""
    return say.name(target.value) if target.kind == "topic" else target.value


def named(say: Wording, target: Target) -> str:
    """'dem Stadtteil Innenstadt', 'dem Thema Mobilität', ..."""
    return say(f"tpl_follow_{target.kind}", value=short_name(say, target))


def follow_button(say: Wording, target: Target) -> dict[str, str]:
    """'Dem Stadtteil Innenstadt folgen': asks first, like the typed request."""
    title = say("tpl_button_follow", target=named(say, target))
    return {
        "title": title[:1].upper() + title[1:],
        "payload": intent_payload("follow", kind=target.kind, value=target.value),
    }


def listed(target: Target) -> Target | None:
    """A topic or district as the content files name it (a payload can carry
    any text); projects and suggestions are checked by actions.db.follows."""
    if target.kind not in ("topic", "district"):
        return target
    try:
        content = get_settings().content_dir
        names = (
            [t.name for t in load_topics(content)]
            if target.kind == "topic"
            else [d.name for d in load_districts(content)]
        )
    except ContentError:
        return None
    wanted = target.value.casefold()
    return next((Target(target.kind, n) for n in names if n.casefold() == wanted), None)


def _topic_buttons(say: Wording) -> list[dict[str, str]]:
    try:
        topics = load_topics(get_settings().content_dir)
    except ContentError:
        return []
    return [follow_button(say, Target("topic", t.name)) for t in topics]


class ActionFollow(Action):
    """Asks before following: what comes, how often, how to stop. A yes (the
    button, or "ja" right after) follows."""

    def name(self) -> str:
        return "action_follow"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        say = await current_wording(tracker)
        confirmed = latest_entity(tracker, "choice") == CONFIRM or (
            intent_of(tracker) == "affirm"
        )
        target = target_of(tracker)
        if target is not None and (target := listed(target)) is None:
            dispatcher.utter_message(response="utter_follow_unknown")
            return [SlotSet(PENDING, None)]
        if confirmed and (target or pending_of(tracker)):
            return await self.follow(dispatcher, tracker, target or pending_of(tracker))
        if target is None:
            dispatcher.utter_message(response="utter_follow_what",
                                     buttons=_topic_buttons(say))  # fmt: skip
            return [SlotSet(PENDING, None)]
        yes = intent_payload("follow", kind=target.kind, value=target.value,
                             choice=CONFIRM)  # fmt: skip
        dispatcher.utter_message(
            text=say("tpl_follow_question", target=named(say, target)),
            buttons=[{"title": say("tpl_button_follow_yes"), "payload": yes},
                     {"title": say("tpl_button_follow_no"), "payload": "/deny"}],
        )  # fmt: skip
        return [SlotSet(PENDING, {"kind": target.kind, "value": target.value})]

    async def follow(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, target: Target
    ) -> EventList:
        key, channel = sender_key(tracker.sender_id), channel_of(tracker)
        language = language_of(tracker)

        def work(session):
            follow, new = follows.add(session, key, target, channel=channel,
                                      recipient=tracker.sender_id,
                                      language=language)  # fmt: skip
            return Target(follow.kind, follow.value), new

        say = await current_wording(tracker)
        try:
            followed, new = await database().run(work)
        except FollowRefused as refused:
            if refused.reason == "limit":
                dispatcher.utter_message(text=say(
                    "tpl_follow_limit", limit=follows.MAX_FOLLOWS_PER_CITIZEN))  # fmt: skip
            else:
                dispatcher.utter_message(response="utter_follow_unknown")
            return [SlotSet(PENDING, None)]
        except SQLAlchemyError:
            dispatcher.utter_message(response="utter_db_unavailable")
            return [SlotSet(PENDING, None)]
        template = "tpl_follow_saved" if new else "tpl_follow_again"
        dispatcher.utter_message(text=say(template, target=named(say, followed)))
        return [SlotSet(PENDING, None)]


class ActionDeclineFollow(Action):
    def name(self) -> str:
        return "action_decline_follow"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        dispatcher.utter_message(response="utter_follow_declined")
        return [SlotSet(PENDING, None)]


class ActionUnfollow(Action):
    """ "Abbestellen": one named target, else everything, at once."""

    def name(self) -> str:
        return "action_unfollow"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        key, target = sender_key(tracker.sender_id), target_of(tracker)
        try:
            stopped = await database().run(lambda s: follows.remove(s, key, target))
        except SQLAlchemyError:
            dispatcher.utter_message(response="utter_db_unavailable")
            return []
        say = await current_wording(tracker)
        if not stopped:
            dispatcher.utter_message(response="utter_follows_none")
            return [SlotSet(PENDING, None)]
        listed = "\n".join(f"• {named(say, t)}" for t in stopped)
        dispatcher.utter_message(text=say("tpl_unfollowed", list=listed))
        return [SlotSet(PENDING, None)]


class ActionListFollows(Action):
    """ "Meine Abos": what this chat follows, each with a button to stop it."""

    def name(self) -> str:
        return "action_list_follows"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventList:
        key = sender_key(tracker.sender_id)
        try:
            mine = await database().run(
                lambda s: [Target(f.kind, f.value) for f in follows.of_citizen(s, key)],
                read_only=True,
            )
        except SQLAlchemyError:
            dispatcher.utter_message(response="utter_db_unavailable")
            return []
        say = await current_wording(tracker)
        if not mine:
            dispatcher.utter_message(response="utter_follows_none")
            return []
        listed = "\n".join(f"• {named(say, t)}" for t in mine)
        buttons: list[dict[str, Any]] = [
            {"title": say("tpl_button_unfollow", name=short_name(say, t)),
             "payload": intent_payload("unfollow", kind=t.kind, value=t.value)}
            for t in mine
        ]  # fmt: skip
        if len(mine) > 1:
            buttons.append({"title": say("tpl_button_unfollow_all"),
                            "payload": intent_payload("unfollow")})  # fmt: skip
        dispatcher.utter_message(text=say("tpl_follows_list", list=listed),
                                 buttons=buttons)  # fmt: skip
        return []
