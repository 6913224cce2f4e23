import pytest

from actions.sdk.list_pages import CURSOR_SLOT
from actions.sdk.more_actions import ActionShowMore
from actions.sdk.project_actions import ActionListProjects, ActionProjectInfo
from tests.helpers import button_titles, entity, rating_payloads, slot_events, texts

pytestmark = pytest.mark.usefixtures("seeded")


async def run(action, dispatcher, tracker):
    return await action.run(dispatcher, tracker, domain={})


async def test_project_by_canonical_name(dispatcher, make_tracker):
    tracker = make_tracker(
        "Was ist KL MitWirkung?",
        "ask_project_info",
        [entity("project", "KL MitWirkung")],
    )
    events = await run(ActionProjectInfo(), dispatcher, tracker)
    assert "Mitmachplattform" in texts(dispatcher)
    assert events[0] == {
        "event": "slot",
        "timestamp": None,
        "name": "project",
        "value": "KL MitWirkung",
    }
    assert button_titles(dispatcher) == [
        "Termine dazu",
        "Weitere Projekte",
        "Dem Projekt KL MitWirkung folgen",
    ]
    # The answer can be rated: the offer waits in a slot, without the sender.
    [offered] = events[1]["value"]
    assert events[1]["name"] == "rating_offers"
    assert offered == {
        "id": offered["id"],
        "question": "Was ist KL MitWirkung?",
        "intent": "ask_project_info",
        "response": "action_project_info",
    }
    assert rating_payloads(dispatcher) == [
        f'/rate{{"rating": "{value}", "rating_id": "{offered["id"]}"}}'
        for value in ("up", "down")
    ]


@pytest.mark.parametrize(
    "value", ["Mitmachplattform", "beteiligungsplattform", "MITWIRKUNG"]
)
async def test_project_by_alias_any_case(dispatcher, make_tracker, value):
    tracker = make_tracker(value, "ask_project_info", [entity("project", value)])
    await run(ActionProjectInfo(), dispatcher, tracker)
    assert texts(dispatcher).startswith("KL MitWirkung\n")


async def test_project_found_in_text_without_entity(dispatcher, make_tracker):
    tracker = make_tracker("Erzähl mal was zum 3D-Stadtmodell", "ask_project_info")
    await run(ActionProjectInfo(), dispatcher, tracker)
    assert texts(dispatcher).startswith("Digitaler Zwilling\n")


async def test_unknown_name_offers_near_matches(dispatcher, make_tracker):
    tracker = make_tracker(
        "Mitmachplatform", "ask_project_info", [entity("project", "Mitmachplatform")]
    )
    await run(ActionProjectInfo(), dispatcher, tracker)
    assert "kenne ich leider nicht" in texts(dispatcher)
    assert "Meinten Sie" in texts(dispatcher)
    assert button_titles(dispatcher)[0] == "KL MitWirkung"
    payload = dispatcher.messages[0]["buttons"][0]["payload"]
    assert payload == '/ask_project_info{"project": "KL MitWirkung"}'


async def test_unknown_name_without_near_match(dispatcher, make_tracker):
    tracker = make_tracker(
        "Raumschiff", "ask_project_info", [entity("project", "Raumschiff")]
    )
    await run(ActionProjectInfo(), dispatcher, tracker)
    assert texts(dispatcher) == "Ein Projekt „Raumschiff“ kenne ich leider nicht."
    assert button_titles(dispatcher) == ["Alle Projekte"]


async def test_no_name_asks_which_project(dispatcher, make_tracker, example_content):
    tracker = make_tracker("Erklär mir ein Projekt", "ask_project_info")
    await run(ActionProjectInfo(), dispatcher, tracker)
    assert texts(dispatcher) == "Zu welchem Projekt möchten Sie mehr wissen?"
    assert set(button_titles(dispatcher)) <= {p.name for p in example_content.projects}


async def test_list_by_topic(dispatcher, make_tracker, example_content):
    tracker = make_tracker(
        "Projekte zum Thema Mobilität", "ask_projects", [entity("topic", "mobilität")]
    )
    await run(ActionListProjects(), dispatcher, tracker)
    expected = {p.name for p in example_content.projects if p.topic == "Mobilität"}
    assert "Smart Parking" in expected
    assert set(button_titles(dispatcher)) == expected
    assert texts(dispatcher).startswith("Projekte zum Thema Mobilität:")


async def test_list_by_district_and_status(dispatcher, make_tracker, example_content):
    tracker = make_tracker(
        "",
        "ask_projects",
        [entity("district", "Innenstadt"), entity("project_status", "im Betrieb")],
    )
    await run(ActionListProjects(), dispatcher, tracker)
    expected = {
        p.name
        for p in example_content.projects
        if p.district == "Innenstadt" and p.status == "im Betrieb"
    }
    assert expected and set(button_titles(dispatcher)) == expected


async def test_a_long_list_goes_on_to_its_end(
    dispatcher, make_tracker, monkeypatch, example_content
):
    monkeypatch.setenv("LIST_LIMIT", "3")
    from core.settings import get_settings

    get_settings.cache_clear()
    total = len(example_content.projects)
    events = await run(
        ActionListProjects(), dispatcher, make_tracker("Projekte", "ask_projects")
    )
    seen = button_titles(dispatcher)
    assert seen[-1] == "Weitere anzeigen" and len(seen) == 4
    assert f"Das sind 1 bis 3 von {total} Projekten." in texts(dispatcher)
    cursor = slot_events(events)[CURSOR_SLOT]
    shown = seen[:-1]
    while cursor["next"] < cursor["total"]:
        dispatcher.messages.clear()
        typed = make_tracker("und die restlichen?", "show_more",
                             slots={CURSOR_SLOT: cursor})  # fmt: skip
        events = await run(ActionShowMore(), dispatcher, typed)
        assert texts(dispatcher).startswith("Weitere Projekte:")
        titles = [t for t in button_titles(dispatcher) if t != "Weitere anzeigen"]
        shown += titles
        cursor = slot_events(events)[CURSOR_SLOT]
    assert f"bis {total} von {total} Projekten." in texts(dispatcher)
    assert "Weitere anzeigen" not in button_titles(dispatcher)
    assert sorted(shown) == sorted(p.name for p in example_content.projects)
    assert len(set(shown)) == total  # none twice, none left out


async def test_more_after_the_end_or_without_a_list(dispatcher, make_tracker):
    done = {"kind": "projects", "filters": {}, "next": 99, "total": 99}
    await run(ActionShowMore(), dispatcher,
              make_tracker("mehr", "show_more", slots={CURSOR_SLOT: done}))  # fmt: skip
    assert "Das war schon alles" in texts(dispatcher)
    for forged in (None, "x", {"kind": "users", "filters": {}, "next": 1, "total": 2},
                   {"kind": "events", "filters": {"start": "kaputt"}, "next": 1,
                    "total": 2}):  # fmt: skip
        dispatcher.messages.clear()
        await run(ActionShowMore(), dispatcher,
                  make_tracker("mehr anzeigen", "show_more",
                               slots={CURSOR_SLOT: forged}))  # fmt: skip
        assert "keine Liste" in texts(dispatcher)
    dispatcher.messages.clear()
    await run(ActionShowMore(), dispatcher,
              make_tracker("weitere Projekte", "show_more"))  # fmt: skip
    assert texts(dispatcher).startswith("Diese Smart-City-Projekte gibt es:")


async def test_list_for_unknown_topic_offers_topics(
    dispatcher, make_tracker, example_content
):
    tracker = make_tracker("", "ask_projects", [entity("topic", "Raumfahrt")])
    await run(ActionListProjects(), dispatcher, tracker)
    assert "habe ich leider nicht gefunden" in texts(dispatcher)
    assert set(button_titles(dispatcher)) == {p.topic for p in example_content.projects}
