"""The staff app in Debian's Chromium: log in, open a suggestion made in chat,
accept it with a public reply, and see the change in its history."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor

import aiohttp
import pytest

from core.settings import PROJECT_ROOT
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


def lamp_photo() -> bytes:
    """A drawn street lamp at dusk: something to see in the screenshot."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (960, 640), (52, 73, 110))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 470, 960, 640), fill=(90, 90, 96))  # the square's paving
    draw.rectangle((455, 150, 475, 520), fill=(40, 40, 44))  # the post
    draw.polygon([(420, 150), (510, 150), (490, 110), (440, 110)], fill=(40, 40, 44))
    draw.ellipse((440, 150, 490, 185), fill=(120, 120, 110))  # the lamp, dark
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def suggestion_with_photo_and_place(assistant) -> str:
    """Through the web chat as the widget sends it: a photo with the idea as
    caption, then the shared position at the place step."""

    async def talk() -> str:
        session = uuid.uuid4().hex
        async with aiohttp.ClientSession() as http:

            async def send(message: str) -> str:
                async with http.post(f"{assistant.web_url}/api/chat",
                                     json={"session": session, "message": message}) as r:  # fmt: skip
                    assert r.status == 200, await r.text()
                    return "\n".join(m["text"] for m in (await r.json())["messages"])

            async def photo(caption: str = "") -> dict:
                form = aiohttp.FormData()
                form.add_field("session", session)
                form.add_field("caption", caption)
                form.add_field("photo", lamp_photo(), filename="laterne.jpg")
                async with http.post(f"{assistant.web_url}/api/photos", data=form) as r:
                    assert r.status == 200, await r.text()
                    return await r.json()

            # Outside the form the caption is the idea and the photo waits in
            # the widget (issue 30.11); once the form asks, it is sent again.
            offered = await photo("Die Laterne am Stiftsplatz ist seit Wochen aus")
            assert offered["photo_kept"] is False
            await send("/affirm")
            assert (await photo())["photo_kept"] is True
            await send('/inform{"topic":"Mobilität"}')
            placed = await send(
                '/share_location{"latitude": 49.4443, "longitude": 7.7689}'
            )
            assert "Stadtteil Innenstadt" in placed
            await send('/inform{"choice":"none"}')
            await send('/inform{"choice":"public"}')
            return REFERENCE.search(await send("/affirm")).group(0)

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, talk()).result()


def test_the_suggestion_page_shows_photo_place_and_district(staff_page, assistant):
    """Issue 16: staff see the photo, the district and the place on the map."""
    page = staff_page
    reference = suggestion_with_photo_and_place(assistant)
    page.goto(f"{assistant.web_url}/staff/suggestions/{reference}")
    page.get_by_label("Benutzername").fill("redaktion")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("heading", name=f"Vorschlag {reference}").wait_for()

    photo = page.get_by_role("img", name=f"Foto 1 zum Vorschlag {reference}")
    photo.wait_for()
    assert photo.evaluate("img => img.complete && img.naturalWidth") == 960
    facts = page.locator("dl.facts").inner_text()
    assert "Stadtteil\nInnenstadt" in facts
    link = page.get_by_role("link", name="49.4443, 7.7689 auf OpenStreetMap")
    assert link.get_attribute("href") == (
        "https://www.openstreetmap.org/?mlat=49.4443&mlon=7.7689#map=18/49.4443/7.7689"
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "staff-photo-place.png", full_page=True)
