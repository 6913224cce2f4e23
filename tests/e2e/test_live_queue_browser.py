"""Issue 31.10 in Chromium: the staff live-chat queue refreshes by itself,
shows the citizen's last message, and the navigation and the alert count
the waiting chats alike."""

from __future__ import annotations

import json
import re
import urllib.request
import uuid

import pytest
from playwright import sync_api as playwright_api

from core.settings import PROJECT_ROOT
from tests.e2e.chat import ORIGIN
from tests.e2e.live import PASSWORD
from tests.e2e.staff import add_staff_user, fill_login

SCREENSHOTS = PROJECT_ROOT / "reports" / "screenshots"
QUESTION = "Wann wird die <i>Laterne</i> in der Hauptstraße repariert? Es ist abends sehr dunkel."
COUNT = re.compile(r"^(\d+|Kein) Gespräche? wart(?:et|en)\b")
expect = playwright_api.expect


def citizen_says(assistant, session: str, text: str) -> dict:
    """The widget's web API, as a citizen's browser calls it."""
    request = urllib.request.Request(
        assistant.web_url + "/api/chat",
        data=json.dumps({"session": session, "message": text}).encode(),
        headers={"Content-Type": "application/json", "Origin": ORIGIN},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.load(response)


def waiting(text: str) -> int:
    """ "2 Gespräche warten …" -> 2, "Kein Gespräch wartet." -> 0."""
    found = COUNT.match(text.strip())
    assert found, text
    return 0 if found.group(1) == "Kein" else int(found.group(1))


def counts(desk) -> tuple[int, int]:
    """(navigation, alert); a hidden badge means none wait."""
    badge = desk.locator("#nav-live-waiting")
    nav = waiting(badge.inner_text()) if badge.is_visible() else 0
    return nav, waiting(desk.locator("#live-waiting").inner_text())


@pytest.fixture
def desk(browser, assistant):
    add_staff_user(assistant, "queue-paula", "reviewer", PASSWORD)
    context = browser.new_context(
        locale="de-DE", viewport={"width": 1280, "height": 800}
    )
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(assistant.web_url + "/staff/login")
    fill_login(page, "queue-paula", PASSWORD)
    page.goto(assistant.web_url + "/staff/live")
    yield page
    page.goto(assistant.web_url + "/staff/live")
    if page.get_by_role("button", name="Nicht mehr erreichbar").count():
        page.get_by_role("button", name="Nicht mehr erreichbar").click()
    context.close()


def test_a_new_live_chat_appears_with_its_preview_without_a_reload(desk, assistant):
    desk.get_by_role("button", name="Im Live-Chat erreichbar").click()
    # The assistant's clock stands on a Wednesday morning (tests/e2e/live.py).
    expect(desk.locator("#live-offer")).to_have_text(
        "Bürgerinnen und Bürger bekommen jetzt bis 16:00 Uhr „Mit einer Person "
        "chatten“ angeboten."
    )
    nav_before, alert_before = counts(desk)
    assert nav_before == alert_before
    desk.evaluate("window.notReloaded = true")

    session = uuid.uuid4().hex
    started = citizen_says(assistant, session, "Ich möchte mit einem Menschen sprechen")
    assert started["live"] is True
    assert citizen_says(assistant, session, QUESTION)["live"] is True

    entry = desk.locator(".live-queue li").filter(has_text="Laterne")
    expect(entry).to_have_count(1, timeout=25_000)
    # The citizen's words as text, never as markup, cut after a whole word.
    expect(entry.locator(".preview")).to_have_text(
        "Wann wird die <i>Laterne</i> in der Hauptstraße repariert? Es ist "
        "abends sehr dunkel."
    )
    assert entry.locator("i").count() == 0
    expect(entry.locator("time")).to_have_text(re.compile(r"gerade eben|vor \d"))
    expect(entry).to_contain_text("Website-Chat · wartet")
    assert desk.evaluate("window.notReloaded") is True

    expect(desk.locator("#nav-live-waiting")).to_be_visible()
    nav, alert = counts(desk)
    assert nav == alert == alert_before + 1
    expect(desk.locator("#live-waiting")).to_have_attribute("aria-live", "polite")
    assert desk.locator(".live-queue[aria-live]").count() == 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    desk.screenshot(path=SCREENSHOTS / "staff-live-queue.png", full_page=True)

    # Ended, the chat leaves the queue and the counts.
    entry.get_by_role("link").click()
    desk.get_by_role("button", name="Gespräch beenden").click()
    expect(desk.locator(".live-queue li").filter(has_text="Laterne")).to_have_count(0)
    assert counts(desk) == (nav_before, alert_before)
    assert desk.errors == []
