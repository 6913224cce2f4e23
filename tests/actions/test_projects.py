import pytest

from actions.sdk.project_actions import ActionListProjects, ActionProjectInfo
from tests.helpers import button_titles, entity, rating_payloads, texts

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
    assert button_titles(dispatcher) == ["Termine dazu", "Weitere Projekte"]
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


async def test_long_list_is_cut_with_a_hint(
    dispatcher, make_tracker, monkeypatch, example_content
):
    monkeypatch.setenv("LIST_LIMIT", "3")
    from bot.settings import get_settings

    get_settings.cache_clear()
    await run(
        ActionListProjects(), dispatcher, make_tracker("Projekte", "ask_projects")
    )
    assert len(button_titles(dispatcher)) == 3
    assert f"Das sind 3 von {len(example_content.projects)} Projekten." in texts(
        dispatcher
    )


async def test_list_for_unknown_topic_offers_topics(
    dispatcher, make_tracker, example_content
):
    tracker = make_tracker("", "ask_projects", [entity("topic", "Raumfahrt")])
    await run(ActionListProjects(), dispatcher, tracker)
    assert "habe ich leider nicht gefunden" in texts(dispatcher)
    assert set(button_titles(dispatcher)) == {p.topic for p in example_content.projects}
