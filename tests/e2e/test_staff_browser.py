"""The staff app in Debian's Chromium: log in, open a suggestion made in chat,
accept it with a public reply, and see the change in its history."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor

import aiohttp
import pytest

from bot.settings import PROJECT_ROOT
from tests.e2e.chat import REFERENCE, fill_form, joined, say
from tests.e2e.contrast import CONTRAST_SCRIPT, contrast
from tests.e2e.staff import add_staff_user

SCREENSHOTS = PROJECT_ROOT / "reports" / "screenshots"
PASSWORD = "browser-test-passwort-1"
REPLY = "Danke! Wir stellen im Frühjahr zwei Trinkbrunnen auf."


def suggestion_from_chat(assistant) -> str:
    async def talk() -> str:
        async with aiohttp.ClientSession() as http:
            sender = uuid.uuid4().hex

            async def send(text: str) -> list[dict]:
                return await say(http, assistant.webhook, sender, text)

            await fill_form(send, "Trinkbrunnen am Schillerplatz, bitte mit Hundenapf")
            return REFERENCE.search(joined(await send("/affirm"))).group(0)

    # Playwright's sync API runs an event loop in this thread; talk in another.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, talk()).result()


@pytest.fixture
def staff_page(browser, assistant):
    add_staff_user(assistant, "redaktion", "reviewer", PASSWORD)
    context = browser.new_context(
        locale="de-DE", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    yield page
    context.close()
    assert not errors, errors


def test_log_in_accept_with_reply_and_see_history(staff_page, assistant):
    page = staff_page
    reference = suggestion_from_chat(assistant)
    page.goto(f"{assistant.web_url}/staff/suggestions/{reference}")
    assert "/staff/login" in page.url  # anonymous: sent to the login first
    page.get_by_label("Benutzername").fill("redaktion")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()

    page.get_by_role("heading", name=f"Vorschlag {reference}").wait_for()
    page.get_by_label("Neuer Status").select_option(label="angenommen")
    page.get_by_label("Antwort an die Bürgerin oder den Bürger").first.fill(REPLY)
    page.get_by_label("Interne Notiz").fill("Mit dem Grünflächenamt abgestimmt")
    page.get_by_role("button", name="Status speichern").click()

    page.get_by_text("Der Status ist jetzt „angenommen“.").wait_for()
    history = page.get_by_role("table").filter(has_text="Antwort an Bürger")
    row = history.get_by_role("row").filter(has_text="eingegangen → angenommen")
    assert REPLY in row.inner_text() and "redaktion" in row.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "staff-detail.png", full_page=True)
    text = "header a, header span, header button, main p, main td, main th, main label, main a, main button, main dt, main dd, main h1, main h2, .status"
    pairs = page.locator(text).evaluate_all(CONTRAST_SCRIPT)
    assert len(pairs) > 30
    low = [(name, fg, bg) for name, fg, bg in pairs if contrast(fg, bg) < 4.5]
    assert low == []  # WCAG AA for normal text

    page.get_by_role("link", name="Vorschläge").first.click()
    page.get_by_role("link", name=reference).wait_for()
    page.screenshot(path=SCREENSHOTS / "staff-inbox.png", full_page=True)


def test_staff_pages_work_with_the_keyboard(staff_page, assistant):
    page = staff_page
    page.goto(f"{assistant.web_url}/staff/login")
    # Only the keyboard from the user name field on; Enter in the form logs in.
    page.get_by_label("Benutzername").focus()
    page.keyboard.type("redaktion")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/staff/suggestions")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent") == "Zum Inhalt springen"
    page.goto(f"{assistant.web_url}/staff")
    for chart in page.locator("img").all():
        assert chart.get_attribute("alt")
        assert page.evaluate("(img) => img.naturalWidth > 0", chart.element_handle())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "staff-dashboard.png", full_page=True)
