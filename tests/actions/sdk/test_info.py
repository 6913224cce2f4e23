import shutil

import pytest

from actions.sdk.contact_actions import ActionContact, ActionOutOfScope, ActionPrivacy
from core.content import load_contact
from core.settings import get_settings
from tests.helpers import EXAMPLE_CONTENT, button_titles, responses, texts


@pytest.fixture
def content_dir(monkeypatch, tmp_path):
    target = tmp_path / "content"
    shutil.copytree(EXAMPLE_CONTENT, target)
    monkeypatch.setenv("CONTENT_DIR", str(target))
    get_settings.cache_clear()
    yield target
    get_settings.cache_clear()


async def test_contact_comes_from_contact_file(dispatcher, make_tracker, content_dir):
    contact = load_contact(content_dir)
    await ActionContact().run(
        dispatcher, make_tracker("Kontakt", "ask_contact"), domain={}
    )
    said = texts(dispatcher)
    assert f"E-Mail: {contact.email}" in said
    assert contact.organisation in said
    assert "Beispieldaten" in said  # the example flag is shown to citizens


async def test_privacy_names_the_privacy_contact(dispatcher, make_tracker, content_dir):
    contact = load_contact(content_dir)
    await ActionPrivacy().run(
        dispatcher, make_tracker("Datenschutz", "ask_privacy"), domain={}
    )
    assert contact.privacy_contact in texts(dispatcher)
    assert "kein Mensch" in texts(dispatcher)
    # What e-mail is for, and how to stop it (issue 31).
    assert "Keine E-Mails mehr bekommen" in texts(dispatcher)


@pytest.mark.parametrize(
    "broken", ["", "contact: [1, 2]\n", "contact:\n  email: keine-adresse\n"]
)
async def test_broken_contact_file_gets_an_apology(
    dispatcher, make_tracker, content_dir, broken
):
    (content_dir / "contact.yml").write_text(broken, encoding="utf-8")
    await ActionContact().run(
        dispatcher, make_tracker("Kontakt", "ask_contact"), domain={}
    )
    assert responses(dispatcher) == ["utter_service_unavailable"]


PORTAL = "https://www.stadt.example/buergerservice"


@pytest.mark.parametrize(
    ("configured", "link"), [(PORTAL, PORTAL), ("", "https://www.example.org/")]
)
async def test_out_of_scope_links_to_the_city_services(
    dispatcher, make_tracker, monkeypatch, configured, link
):
    """Issue 31.8: "Wo verlängere ich meinen Personalausweis?" gets the portal."""
    monkeypatch.setenv("SERVICE_PORTAL_URL", configured)
    get_settings.cache_clear()
    try:
        tracker = make_tracker(
            "Wo verlängere ich meinen Personalausweis?", "out_of_scope"
        )
        await ActionOutOfScope().run(dispatcher, tracker, domain={})
    finally:
        get_settings.cache_clear()
    said = texts(dispatcher)
    assert "Dabei kann ich leider nicht helfen" in said
    # Last, with no full stop after it: the channels make a link of it.
    assert said.endswith(f"Dienstleistungen der Stadt finden Sie hier: {link}"), said
    assert button_titles(dispatcher) == ["Was kann ich fragen?", "Kontakt"]
