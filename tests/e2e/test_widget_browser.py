"""The chat widget in a real browser: Debian's Chromium driven by Playwright,
on the demo page of the running assistant (`smartcity run`)."""

from __future__ import annotations

import re
import sqlite3

import pytest
from playwright import sync_api as playwright_api
from sqlalchemy.orm import Session

from actions.db.models import Notification
from actions.db.session import get_engine
from bot.shared.photos import REFUSALS
from bot.web.chat import ChatApi
from core.settings import PROJECT_ROOT, Settings
from tests.e2e.contrast import CONTRAST_SCRIPT, contrast

SCREENSHOTS = PROJECT_ROOT / "reports" / "screenshots"
QUESTION = "Was ist die Mitmachplattform?"


@pytest.fixture
def page(browser, assistant):
    context = browser.new_context(
        locale="de-DE", viewport={"width": 1280, "height": 800}
    )
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on(
        "console",
        lambda message: message.type == "error" and page.errors.append(message.text),
    )
    page.goto(assistant.web_url + "/")
    yield page
    context.close()


def open_widget(page):
    page.get_by_role("button", name="Chat mit dem Stadt-Assistenten").click()
    return page.get_by_role("log")


def ask(page, text: str) -> None:
    box = page.get_by_role("textbox", name="Ihre Nachricht")
    box.fill(text)
    box.press("Enter")


def test_ask_and_see_the_answer_then_reload(page):
    log = open_widget(page)
    ask(page, QUESTION)
    playwright_api.expect(log).to_contain_text("KL MitWirkung", timeout=30_000)
    playwright_api.expect(log).to_contain_text(QUESTION)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "widget-desktop.png")

    page.reload()
    log = page.get_by_role("log")  # it was open, so it opens again
    playwright_api.expect(log).to_contain_text("KL MitWirkung")
    assert page.errors == []


def test_quick_reply(page):
    log = open_widget(page)
    ask(page, QUESTION)
    page.get_by_role("button", name="Weitere Projekte").click()
    playwright_api.expect(log).to_contain_text("Digitaler Zwilling", timeout=30_000)
    assert page.errors == []


def test_rate_an_answer_and_say_what_was_missing(page):
    log = open_widget(page)
    ask(page, QUESTION)
    rating = page.get_by_role("group", name="War die Antwort hilfreich?")
    playwright_api.expect(rating).to_be_visible(timeout=30_000)
    # The answer's own choices stay apart from 👍/👎.
    assert rating.get_by_role("button").count() == 2
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "widget-rating.png")
    playwright_api.expect(
        page.get_by_role("button", name="Weitere Projekte")
    ).to_be_visible()
    rating.get_by_role("button", name="Nicht hilfreich").click()
    playwright_api.expect(log).to_contain_text("Was hat Ihnen gefehlt?", timeout=30_000)
    ask(page, "Mir fehlte, wer das Projekt betreut")
    playwright_api.expect(log).to_contain_text("liest Ihren Hinweis", timeout=30_000)
    assert page.errors == []


def test_keyboard_only(page):
    launcher = page.get_by_role("button", name="Chat mit dem Stadt-Assistenten")
    for _ in range(20):  # tab through the page until the launcher has focus
        page.keyboard.press("Tab")
        if launcher.evaluate("node => node === document.activeElement"):
            break
    page.keyboard.press("Enter")
    box = page.get_by_role("textbox", name="Ihre Nachricht")
    playwright_api.expect(box).to_be_focused()
    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    playwright_api.expect(page.get_by_role("log")).to_contain_text(
        "KL MitWirkung", timeout=30_000
    )
    page.keyboard.press("Escape")
    playwright_api.expect(page.get_by_role("dialog")).to_be_hidden()
    playwright_api.expect(launcher).to_be_focused()


def test_typed_markup_is_shown_not_run(page):
    log = open_widget(page)
    attack = '<img src=x onerror="window.hacked=1"><script>window.hacked=2</script>'
    ask(page, attack)
    playwright_api.expect(log).to_contain_text(attack)
    playwright_api.expect(page.locator(".sa-typing")).to_have_text("", timeout=30_000)
    assert page.evaluate("window.hacked") is None
    assert log.locator("img, script").count() == 0


def test_server_down_message_and_retry(page):
    log = open_widget(page)
    page.route("**/api/chat", lambda route: route.abort("connectionrefused"))
    ask(page, QUESTION)
    alert = page.get_by_role("alert")
    playwright_api.expect(alert).to_contain_text("nicht erreichbar")
    page.unroute("**/api/chat")
    alert.get_by_role("button", name="Erneut versuchen").click()
    playwright_api.expect(log).to_contain_text("KL MitWirkung", timeout=30_000)
    playwright_api.expect(alert).to_be_hidden()


@pytest.mark.parametrize("width, height", [(360, 740), (390, 844)])
def test_phone_sized_screen(browser, assistant, width, height):
    context = browser.new_context(
        locale="de-DE",
        viewport={"width": width, "height": height},
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.goto(assistant.web_url + "/")
    log = open_widget(page)
    ask(page, QUESTION)
    playwright_api.expect(log).to_contain_text("KL MitWirkung", timeout=30_000)
    panel = page.get_by_role("dialog").bounding_box()
    assert panel["x"] >= 0 and panel["x"] + panel["width"] <= width
    box = page.get_by_role("textbox", name="Ihre Nachricht")
    playwright_api.expect(box).to_be_in_viewport()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"widget-phone-{width}.png")
    context.close()


def test_news_appear_when_the_widget_opens(page, assistant):
    open_widget(page)
    session = page.evaluate(
        "JSON.parse(localStorage.getItem('stadtAssistent.session'))"
    )
    settings = Settings.from_env({"SMARTCITY_VAR_DIR": str(assistant.workdir / "var")})
    recipient = ChatApi(settings, gateway=None).sender(session)
    text = "Neuigkeiten zu Ihrem Vorschlag V-TEST-0001: Er ist jetzt „angenommen“."
    with Session(get_engine(assistant.database_url), future=True) as db, db.begin():
        db.add(Notification(channel="web", recipient=recipient, text=text, attempts=0))
    page.reload()  # the widget was open, so it opens again and asks for news
    playwright_api.expect(page.get_by_role("log")).to_contain_text(text)
    page.reload()
    log = page.get_by_role("log")
    playwright_api.expect(log).to_contain_text(text)
    assert log.get_by_text(text).count() == 1  # kept in the history, shown once


def test_text_contrast_meets_wcag_aa_and_links_are_safe(page):
    log = open_widget(page)
    ask(page, QUESTION)
    playwright_api.expect(log).to_contain_text("KL MitWirkung", timeout=30_000)
    selector = ".sa-root button, .sa-root p, .sa-root a, .sa-root time, .sa-root label, .sa-counter, .sa-rating-label"
    pairs = page.locator(selector).evaluate_all(CONTRAST_SCRIPT)
    assert len(pairs) > 10
    low = [(name, fg, bg) for name, fg, bg in pairs if contrast(fg, bg) < 4.5]
    assert low == []

    links = log.locator("a")
    hrefs = links.evaluate_all("links => links.map(a => [a.protocol, a.rel])")
    assert hrefs and all(
        protocol in ("http:", "https:") and "noopener" in rel for protocol, rel in hrefs
    )


def test_attach_a_photo_with_an_idea_by_keyboard(page, tmp_path):
    """Issue 16: "Foto anhängen", a visible name, remove, then send with the idea."""
    import io

    from PIL import Image

    image = Image.new("RGB", (1200, 800), (70, 140, 60))
    out = io.BytesIO()
    image.save(out, "JPEG")
    photo = tmp_path / "radweg-lauterstrasse.jpg"
    photo.write_bytes(out.getvalue())
    fake = tmp_path / "urlaubsfoto.jpg"
    fake.write_bytes(b"%PDF-1.7 kein Bild")

    log = open_widget(page)
    attach = page.get_by_role("button", name="Foto anhängen")
    attach.focus()
    playwright_api.expect(attach).to_be_focused()
    page.locator("#sa-photo").set_input_files(str(fake))
    ask(page, "Hier ist mein Foto")
    playwright_api.expect(page.get_by_role("alert")).to_contain_text(
        "Diese Datei kann ich nicht als Foto lesen", timeout=30_000
    )

    page.locator("#sa-photo").set_input_files(str(photo))
    playwright_api.expect(page.locator(".sa-attachment")).to_contain_text(
        "radweg-lauterstrasse.jpg"
    )
    remove = page.get_by_role("button", name="Foto entfernen")
    playwright_api.expect(remove).to_be_focused()
    page.keyboard.press("Enter")
    playwright_api.expect(page.locator(".sa-attachment")).to_be_hidden()
    playwright_api.expect(attach).to_be_focused()

    page.locator("#sa-photo").set_input_files(str(photo))
    ask(page, "Der Radweg an der Lauterstraße ist voller Schlaglöcher")
    # Issue 30.11: outside the form the idea gets the offer, and the photo
    # stays attached until the form asks for it.
    playwright_api.expect(log).to_contain_text("als Vorschlag einreichen?",
                                               timeout=30_000)  # fmt: skip
    playwright_api.expect(log).to_contain_text(REFUSALS["not_in_form"])
    playwright_api.expect(page.locator(".sa-attachment")).to_contain_text(
        "radweg-lauterstrasse.jpg"
    )
    page.get_by_role("button", name="Ja, einreichen").click()
    playwright_api.expect(log).to_contain_text("Zu welchem Thema", timeout=30_000)
    page.get_by_role("button", name="Senden").click()
    playwright_api.expect(log).to_contain_text("Danke, das Foto ist dabei (1 von 3).",
                                               timeout=30_000)  # fmt: skip
    playwright_api.expect(page.locator(".sa-attachment")).to_be_hidden()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "widget-photo.png")
    assert page.errors == [] or all("400" in e for e in page.errors)


STIFTSPLATZ = {"latitude": 49.444312, "longitude": 7.768923}
# Counts the widget's calls for the position: none may come before the press.
COUNT_POSITION_REQUESTS = """
window.positionRequests = 0;
const ask = navigator.geolocation.getCurrentPosition.bind(navigator.geolocation);
navigator.geolocation.getCurrentPosition = (...args) => {
  window.positionRequests += 1;
  return ask(...args);
};
"""


def location_page(browser, assistant, **context_options):
    context = browser.new_context(
        locale="de-DE", viewport={"width": 1280, "height": 800}, **context_options
    )
    context.add_init_script(COUNT_POSITION_REQUESTS)
    page = context.new_page()
    page.goto(assistant.web_url + "/")
    return context, page


def to_the_place_step(page, idea: str):
    log = open_widget(page)
    ask(page, "Ich möchte einen Vorschlag machen")
    playwright_api.expect(log).to_contain_text("Beschreiben Sie Ihre Idee",
                                               timeout=30_000)  # fmt: skip
    ask(page, idea)
    page.get_by_role("button", name="Mobilität").click()
    playwright_api.expect(log).to_contain_text("senden Sie Ihren Standort",
                                               timeout=30_000)  # fmt: skip
    return log


def test_meinen_standort_verwenden_says_what_is_stored_then_asks(browser, assistant):
    """Issue 16: the browser is asked only on the press; the place gets its district."""
    context, page = location_page(
        browser, assistant, permissions=["geolocation"], geolocation=STIFTSPLATZ
    )
    log = to_the_place_step(page, "Die Laterne am Stiftsplatz ist seit Wochen aus")
    use = page.get_by_role("button", name="Meinen Standort verwenden")
    playwright_api.expect(use).to_have_accessible_description(
        "Ihr Browser fragt Sie dann nach Ihrem Standort. Gespeichert werden nur die "
        "Koordinaten, auf etwa 10 Meter gerundet, mit Ihrem Vorschlag."
    )
    assert page.evaluate("window.positionRequests") == 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "widget-location.png")
    use.focus()
    page.keyboard.press("Enter")
    playwright_api.expect(log).to_contain_text("Er liegt im Stadtteil Innenstadt.",
                                               timeout=30_000)  # fmt: skip
    playwright_api.expect(log).to_contain_text("Mein Standort")
    assert page.evaluate("window.positionRequests") == 1
    playwright_api.expect(use).to_have_count(0)  # only under the question
    page.get_by_role("button", name="Nein, danke").click()
    playwright_api.expect(log).to_contain_text("öffentlich zeigen?", timeout=30_000)
    page.get_by_role("button", name="Nein", exact=True).click()
    playwright_api.expect(log).to_contain_text(
        "Ort: Gesendeter Standort (Stadtteil Innenstadt)", timeout=30_000
    )
    context.close()


def test_without_permission_the_citizen_types_the_place(browser, assistant):
    context, page = location_page(browser, assistant)  # no permission granted
    log = to_the_place_step(page, "Am Bahnhof fehlen überdachte Fahrradständer")
    page.get_by_role("button", name="Meinen Standort verwenden").click()
    playwright_api.expect(page.get_by_role("alert")).to_contain_text(
        "Schreiben Sie den Ort einfach in das Textfeld.", timeout=30_000
    )
    playwright_api.expect(
        page.get_by_role("button", name="Erneut versuchen")
    ).to_be_hidden()
    box = page.get_by_role("textbox", name="Ihre Nachricht")
    playwright_api.expect(box).to_be_focused()
    ask(page, "Hauptbahnhof, Westseite")
    playwright_api.expect(log).to_contain_text("Möchten Sie erfahren", timeout=30_000)
    context.close()


def hand_in_typed(page, log, idea: str) -> str:
    """A suggestion typed through the widget; its reference."""
    for text, shown in (("Ich möchte einen Vorschlag machen", "Beschreiben Sie"),
                        (idea, "Zu welchem Thema"), ("Mobilität", "Ort"),
                        ("Überspringen", "erfahren"), ("Ja, hier im Chat", "öffentlich"),
                        ("Nein", "Bitte prüfen"), ("Absenden", "gespeichert")):  # fmt: skip
        ask(page, text)
        playwright_api.expect(log).to_contain_text(shown, timeout=30_000)
    return re.search(r"V-[0-9A-Z]{4}-[0-9A-Z]{4}", log.inner_text()).group(0)


@pytest.mark.parametrize("choice", ["Nur den Verlauf löschen", "Alles löschen"])
def test_verlauf_loeschen_names_the_suggestion_and_offers_the_conversation_alone(
    page, assistant, choice
):
    log = open_widget(page)
    idea = f"Am Stadtweiher fehlen Mülleimer, Wunsch {choice[:3]}"
    reference = hand_in_typed(page, log, idea)
    page.get_by_role("button", name="Verlauf löschen").click()
    dialog = page.get_by_role("alertdialog", name="Was möchten Sie löschen?")
    playwright_api.expect(dialog).to_contain_text(f"{reference} (eingegangen)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "widget-forget.png")
    # The most destructive choice has the focus, and Escape closes it unharmed.
    playwright_api.expect(
        dialog.get_by_role("button", name="Alles löschen")
    ).to_be_focused()
    page.keyboard.press("Escape")
    playwright_api.expect(dialog).to_be_hidden()
    playwright_api.expect(log).to_contain_text(reference)

    page.get_by_role("button", name="Verlauf löschen").click()
    dialog.get_by_role("button", name=choice).click()
    playwright_api.expect(log).not_to_contain_text(reference, timeout=30_000)
    assert page.evaluate("localStorage.getItem('stadtAssistent.history')") == "[]"
    with sqlite3.connect(assistant.database_url.removeprefix("sqlite:///")) as db:
        kept = db.execute(
            "SELECT count(*) FROM suggestions WHERE reference = ?", (reference,)
        ).fetchone()[0]
    assert kept == (1 if choice.startswith("Nur") else 0)
    assert page.errors == []
