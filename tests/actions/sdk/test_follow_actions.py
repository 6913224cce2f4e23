"""Following in the chat (issue 36.2): nothing is followed before a yes;
"Meine Abos" lists, "Abbestellen" stops, within a budget per citizen."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy.orm import Session

from actions.db import follows
from actions.db.follows import Target
from actions.db.session import get_engine
from actions.sdk.base import sender_key
from actions.sdk.follow_actions import (
    ActionDeclineFollow,
    ActionFollow,
    ActionListFollows,
    ActionUnfollow,
)
from core.protocol import intent_payload
from core.settings import PROJECT_ROOT
from tests.helpers import entity, responses, template_text

pytestmark = pytest.mark.usefixtures("settings_env", "seeded")

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
INNENSTADT = {"kind": "district", "value": "Innenstadt"}


def followed(database_url, sender="test-user") -> list[tuple[str, str]]:
    with Session(get_engine(database_url), future=True) as session:
        return [(f.kind, f.value)
                for f in follows.of_citizen(session, sender_key(sender))]  # fmt: skip


async def test_a_request_asks_first_and_a_typed_yes_follows(
    dispatcher, make_tracker, database_url
):
    asked = make_tracker(
        "Halten Sie mich über die Innenstadt auf dem Laufenden", "follow",
        [entity("district", "Innenstadt")],
    )  # fmt: skip
    events = await ActionFollow().run(dispatcher, asked, DOMAIN)
    question = dispatcher.messages[-1]
    assert question["text"].startswith("Möchten Sie dem Stadtteil Innenstadt folgen?")
    assert "höchstens einmal am Tag" in question["text"]
    assert [b["title"] for b in question["buttons"]] == ["Ja, folgen", "Nein, danke"]
    assert question["buttons"][0]["payload"] == intent_payload(
        "follow", kind="district", value="Innenstadt", choice="confirm"
    )
    assert events[-1]["value"] == INNENSTADT
    assert followed(database_url) == []  # nothing without a yes

    yes = make_tracker("ja", "affirm", slots={"follow_pending": INNENSTADT},
                       after="action_follow")  # fmt: skip
    await ActionFollow().run(dispatcher, yes, DOMAIN)
    assert dispatcher.messages[-1]["text"].startswith(
        "Sie folgen jetzt dem Stadtteil Innenstadt."
    )
    assert followed(database_url) == [("district", "Innenstadt")]


async def test_the_button_follows_and_again_is_no_second_follow(
    dispatcher, make_tracker, database_url
):
    pressed = make_tracker(
        intent_payload("follow", kind="project", value="smart parking", choice="confirm"),
        "follow",
        [entity("kind", "project"), entity("value", "smart parking"),
         entity("choice", "confirm")],
    )  # fmt: skip
    await ActionFollow().run(dispatcher, pressed, DOMAIN)
    assert "dem Projekt Smart Parking" in dispatcher.messages[-1]["text"]
    await ActionFollow().run(dispatcher, pressed, DOMAIN)
    assert dispatcher.messages[-1]["text"] == template_text(
        "tpl_follow_again", target="dem Projekt Smart Parking"
    )
    assert followed(database_url) == [("project", "Smart Parking")]


async def test_no_is_respected(dispatcher, make_tracker, database_url):
    no = make_tracker("nein", "deny", slots={"follow_pending": INNENSTADT})
    events = await ActionDeclineFollow().run(dispatcher, no, DOMAIN)
    assert responses(dispatcher) == ["utter_follow_declined"]
    assert events[-1]["value"] is None and followed(database_url) == []


async def test_without_a_target_the_topics_are_offered(dispatcher, make_tracker):
    await ActionFollow().run(dispatcher, make_tracker("Folgen", "follow"), DOMAIN)
    asked = dispatcher.messages[-1]
    assert asked["response"] == "utter_follow_what"
    assert "Dem Thema Mobilität folgen" in [b["title"] for b in asked["buttons"]]


@pytest.mark.parametrize(
    "named", [entity("project", "Gibt es nicht"), entity("reference", "V-0000-0001")]
)
async def test_unknown_projects_and_unpublished_suggestions_cannot_be_followed(
    dispatcher, make_tracker, database_url, named
):
    pressed = make_tracker("ja", "affirm", [named], after="action_follow")
    await ActionFollow().run(dispatcher, pressed, DOMAIN)
    assert responses(dispatcher) == ["utter_follow_unknown"]
    assert followed(database_url) == []


async def test_the_budget_of_follows_per_citizen(
    dispatcher, make_tracker, database_url
):
    with Session(get_engine(database_url), future=True) as session, session.begin():
        for n in range(follows.MAX_FOLLOWS_PER_CITIZEN - 1):
            follows.add(session, sender_key("test-user"), Target("topic", f"T{n}"),
                        channel="rest", recipient="test-user")  # fmt: skip
    last = make_tracker("ja", "affirm", slots={"follow_pending": INNENSTADT})
    await ActionFollow().run(dispatcher, last, DOMAIN)
    assert dispatcher.messages[-1]["text"].startswith("Sie folgen jetzt")
    one_more = make_tracker("ja", "affirm",
                            slots={"follow_pending": {"kind": "district",
                                                      "value": "Kotten"}})  # fmt: skip
    await ActionFollow().run(dispatcher, one_more, DOMAIN)
    assert dispatcher.messages[-1]["text"] == template_text(
        "tpl_follow_limit", limit=20
    )
    assert len(followed(database_url)) == follows.MAX_FOLLOWS_PER_CITIZEN


async def test_my_follows_are_listed_and_stopped_one_or_all(
    dispatcher, make_tracker, database_url
):
    with Session(get_engine(database_url), future=True) as session, session.begin():
        for target in (Target("district", "Innenstadt"), Target("topic", "Mobilität")):
            follows.add(session, sender_key("test-user"), target, channel="rest",
                        recipient="test-user")  # fmt: skip
    await ActionListFollows().run(dispatcher, make_tracker("Meine Abos"), DOMAIN)
    listed = dispatcher.messages[-1]
    assert "• dem Stadtteil Innenstadt\n• dem Thema Mobilität" in listed["text"]
    assert [b["title"] for b in listed["buttons"]] == [
        "„Innenstadt“ abbestellen", "„Mobilität“ abbestellen",
        "Alles abbestellen",
    ]  # fmt: skip

    one = make_tracker("Innenstadt abbestellen", "unfollow",
                       [entity("district", "Innenstadt")])  # fmt: skip
    await ActionUnfollow().run(dispatcher, one, DOMAIN)
    assert followed(database_url) == [("topic", "Mobilität")]
    await ActionUnfollow().run(
        dispatcher, make_tracker("Abbestellen", "unfollow"), DOMAIN
    )
    assert "• dem Thema Mobilität" in dispatcher.messages[-1]["text"]
    assert followed(database_url) == []
    await ActionUnfollow().run(
        dispatcher, make_tracker("Abbestellen", "unfollow"), DOMAIN
    )
    assert responses(dispatcher)[-1] == "utter_follows_none"


async def test_a_made_up_topic_or_district_is_not_followed(
    dispatcher, make_tracker, database_url
):
    made_up = make_tracker(
        intent_payload("follow", kind="district", value="<b>Atlantis</b>",
                       choice="confirm"),
        "follow",
        [entity("kind", "district"), entity("value", "<b>Atlantis</b>"),
         entity("choice", "confirm")],
    )  # fmt: skip
    await ActionFollow().run(dispatcher, made_up, DOMAIN)
    assert responses(dispatcher) == ["utter_follow_unknown"]
    spelled = make_tracker("ja", "affirm", [entity("topic", "mobilität")],
                           after="action_follow")  # fmt: skip
    await ActionFollow().run(dispatcher, spelled, DOMAIN)
    assert followed(database_url) == [("topic", "Mobilität")]
