"""The widget as citizens expect it from other chat widgets (issue 31), in
Debian's Chromium on a phone (390x844) and a desktop: deleting by chat
message clears the screen, focus and scrolling, unread news from the team,
the photo's thumbnail, tappable phone numbers and addresses, the launcher
beside the page's footer, and "Idee einreichen" on the board."""

from __future__ import annotations

import io
import json

import pytest
from playwright import sync_api as playwright_api
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.db.models import Notification
from actions.db.session import get_engine
from bot.web.chat import ChatApi
from core.settings import PROJECT_ROOT, Settings

SCREENSHOTS = PROJECT_ROOT / "reports" / "screenshots"
QUESTION = "Was ist die Mitmachplattform?"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
expect = playwright_api.expect


def new_page(browser, assistant, viewport=DESKTOP, path="/"):
    phone = viewport == PHONE
    context = browser.new_context(
        locale="de-DE", viewport=viewport, is_mobile=phone, has_touch=phone
    )
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(assistant.web_url + path)
    return page


@pytest.fixture
def desktop(browser, assistant):
    page = new_page(browser, assistant)
    yield page
    page.context.close()


@pytest.fixture
def phone(browser, assistant):
    page = new_page(browser, assistant, PHONE)
    yield page
    page.context.close()


def launcher(page):
    return page.get_by_role("button", name="Chat mit dem Stadt-Assistenten")


def open_widget(page):
    launcher(page).click()
    return page.get_by_role("log")


def ask(page, text: str) -> None:
    box = page.get_by_role("textbox", name="Ihre Nachricht")
    box.fill(text)
    box.press("Enter")


def answered(page) -> None:
    expect(page.locator(".sa-typing")).to_have_text("", timeout=30_000)


def stored_history(page) -> str:
    return page.evaluate("localStorage.getItem('stadtAssistent.history') || ''")


@pytest.mark.parametrize("how", ["typed", "tapped"])
def test_deleting_by_chat_message_clears_what_the_widget_shows_and_stores(desktop, how):
    log = open_widget(desktop)
    idea = "Idee zum Löschen: Sitzbänke mit Solardach am Stiftsplatz"
    ask(desktop, idea)
    answered(desktop)
    ask(desktop, "Meine Daten löschen")
    expect(log).to_contain_text(
        "Soll ich wirklich alle Ihre Daten löschen?", timeout=30_000
    )
    old_session = desktop.evaluate("localStorage.getItem('stadtAssistent.session')")
    if how == "typed":
        ask(desktop, "Ja, alles löschen")
    else:
        desktop.get_by_role("button", name="Ja, alles löschen").click()
    expect(log).to_contain_text("Erledigt", timeout=30_000)
    expect(log).not_to_contain_text(idea)
    assert idea not in stored_history(desktop)
    assert "Meine Daten löschen" not in stored_history(desktop)
    assert (
        desktop.evaluate("localStorage.getItem('stadtAssistent.session')")
        != old_session
    )

    desktop.reload()  # the widget was open, so it opens again: still nothing of it
    log = desktop.get_by_role("log")
    expect(log).to_contain_text("Erledigt")
    expect(log).not_to_contain_text(idea)
    assert desktop.errors == []


def test_after_enter_on_a_quick_reply_the_text_box_has_the_focus(desktop):
    open_widget(desktop)
    ask(desktop, QUESTION)
    choice = desktop.get_by_role("button", name="Weitere Projekte")
    choice.focus()
    desktop.keyboard.press("Enter")
    expect(desktop.get_by_role("textbox", name="Ihre Nachricht")).to_be_focused()
    expect(desktop.get_by_role("log")).to_contain_text(
        "Digitaler Zwilling", timeout=30_000
    )
    answered(desktop)
    expect(desktop.get_by_role("textbox", name="Ihre Nachricht")).to_be_focused()
    # The typed way to the same answer keeps the focus too.
    ask(desktop, "Weitere Projekte")
    answered(desktop)
    expect(desktop.get_by_role("textbox", name="Ihre Nachricht")).to_be_focused()


def in_view(page) -> dict:
    """Where the newest answer stands in the log: its start and its end."""
    return page.evaluate(
        """() => {
          const log = document.querySelector('.sa-log').getBoundingClientRect();
          const bubbles = [...document.querySelectorAll('.sa-msg')];
          let first = bubbles.length - 1;
          while (first > 0 && !bubbles[first - 1].classList.contains('sa-user')) first--;
          const start = bubbles[first].getBoundingClientRect();
          const last = bubbles[bubbles.length - 1].getBoundingClientRect();
          return {startVisible: start.top >= log.top - 1 && start.top < log.bottom,
                  endVisible: last.bottom <= log.bottom + 1,
                  scrolled: document.querySelector('.sa-log').scrollTop};
        }"""
    )


def test_a_long_answer_is_shown_from_its_start_and_a_reload_shows_the_newest(phone):
    log = open_widget(phone)
    for text in (QUESTION, "Welche Termine gibt es?"):
        ask(phone, text)
        answered(phone)
    ask(phone, "Welche Projekte gibt es?")
    expect(log).to_contain_text("von", timeout=30_000)
    answered(phone)
    where = in_view(phone)
    assert where["startVisible"], where
    assert where["scrolled"] > 0, where

    phone.reload()
    expect(phone.get_by_role("log")).to_contain_text("Welche Projekte gibt es?")
    phone.wait_for_load_state("load")
    where = in_view(phone)
    assert where["scrolled"] > 0 and where["startVisible"], where
    assert phone.errors == []


def put_notification(page, assistant, text: str) -> int:
    session = page.evaluate(
        "JSON.parse(localStorage.getItem('stadtAssistent.session'))"
    )
    settings = Settings.from_env({"SMARTCITY_VAR_DIR": str(assistant.workdir / "var")})
    recipient = ChatApi(settings, gateway=None).sender(session)
    with Session(get_engine(assistant.database_url), future=True) as db, db.begin():
        row = Notification(channel="web", recipient=recipient, text=text, attempts=0)
        db.add(row)
        db.flush()
        return row.id


def confirmed(assistant, row_id: int) -> bool:
    with Session(get_engine(assistant.database_url), future=True) as db:
        row = db.execute(
            select(Notification).where(Notification.id == row_id)
        ).scalar_one()
        return row.sent_at is not None


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_news_from_the_team_while_the_widget_is_closed_show_on_the_launcher(
    browser, assistant, viewport
):
    page = new_page(browser, assistant, viewport)
    log = open_widget(page)
    ask(page, QUESTION)
    answered(page)
    page.get_by_role("button", name="Chat schließen").click()
    text = "Neuigkeiten zu Ihrem Vorschlag V-TEST-0002: Er ist jetzt „in Prüfung“."
    row_id = put_notification(page, assistant, text)

    page.reload()  # a citizen moves to another page of the city's website
    expect(launcher(page)).to_have_accessible_name(
        "Chat mit dem Stadt-Assistenten (1 neue Nachricht vom Team)", timeout=10_000
    )
    expect(page.locator(".sa-badge")).to_be_visible()
    assert not confirmed(assistant, row_id)  # nobody has read it yet
    if viewport == PHONE:
        page.screenshot(path=SCREENSHOTS / "widget-unread-phone.png")

    launcher(page).click()
    news = log.locator(".sa-team").filter(has_text=text)
    expect(news).to_be_visible()
    expect(news.locator(".sa-sender")).to_have_text("Smart-City-Team")
    expect(page.locator(".sa-badge")).to_be_hidden()
    page.wait_for_timeout(500)
    assert confirmed(assistant, row_id)
    page.reload()
    expect(page.get_by_role("log").get_by_text(text)).to_have_count(1)
    # The assistant's own answers carry no team sender.
    assert page.locator(".sa-bot .sa-sender").count() == 0
    assert page.errors == []
    page.context.close()


def test_phone_numbers_and_addresses_can_be_tapped(phone):
    log = open_widget(phone)
    ask(phone, "Wie kann ich euch erreichen?")
    expect(log).to_contain_text("smartcity@example.org", timeout=30_000)
    mail = log.get_by_role("link", name="smartcity@example.org")
    expect(mail).to_have_attribute("href", "mailto:smartcity@example.org")
    call = log.get_by_role("link", name="0631 000 000")
    expect(call).to_have_attribute("href", "tel:0631000000")
    # Markup around a number stays text; dates and references are no numbers.
    ask(phone, "<b>0631 123456</b> am 05.12.2026 zu V-ABCD-1234")
    answered(phone)
    mine = log.locator(".sa-user").last
    expect(mine).to_contain_text("<b>0631 123456</b>")
    hrefs = mine.locator("a").evaluate_all("links => links.map(a => a.href)")
    assert hrefs == ["tel:0631123456"]


def test_the_launcher_leaves_the_footer_s_privacy_link_free_on_a_phone(phone):
    phone.keyboard.press("End")
    phone.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    link = phone.locator(".site-footer").get_by_role("link", name="Datenschutz")
    expect(link).to_be_in_viewport()
    button = launcher(phone).bounding_box()
    box = link.bounding_box()
    overlaps = not (
        box["x"] + box["width"] <= button["x"]
        or button["x"] + button["width"] <= box["x"]
        or box["y"] + box["height"] <= button["y"]
        or button["y"] + button["height"] <= box["y"]
    )
    assert not overlaps, (box, button)
    link.click()  # a tap reaches the link, not the launcher
    expect(phone).to_have_url(
        phone.url.split("#")[0].rsplit("/", 1)[0] + "/datenschutz"
    )


@pytest.mark.parametrize("how", ["button", "typed"])
def test_idee_einreichen_on_the_board_opens_the_form(browser, assistant, how):
    page = new_page(browser, assistant, PHONE, "/vorschlaege")
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    expect(nav.get_by_role("link", name="Projekte")).to_have_attribute(
        "href", "/#projekte"
    )
    expect(nav.get_by_role("link", name="Termine")).to_have_attribute(
        "href", "/#termine"
    )
    if how == "button":
        page.get_by_role("button", name="Idee einreichen").click()
    else:  # as a citizen who finds the chat first
        open_widget(page)
        ask(page, "Ich möchte eine Idee einreichen")
    log = page.get_by_role("log")
    expect(log).to_contain_text("Ich möchte eine Idee einreichen")
    expect(log).to_contain_text("Beschreiben Sie", timeout=30_000)
    expect(page.get_by_role("textbox", name="Ihre Nachricht")).to_be_in_viewport()
    ask(page, "Abbrechen")
    answered(page)
    assert page.errors == []
    page.context.close()


def jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


def test_a_chosen_photo_shows_as_a_thumbnail_before_and_after_sending(
    desktop, tmp_path
):
    photo = tmp_path / "laterne-kaputt.jpg"
    photo.write_bytes(jpeg())
    log = open_widget(desktop)
    desktop.locator("#sa-photo").set_input_files(str(photo))
    preview = desktop.locator(".sa-attachment .sa-thumb")
    expect(preview).to_be_visible()
    ask(desktop, "Die Laterne am Stiftsplatz ist kaputt")
    sent = log.locator(".sa-user").get_by_role(
        "img", name="Ihr Foto laterne-kaputt.jpg"
    )
    expect(sent).to_be_visible()
    size = sent.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert max(size) <= 160
    answered(desktop)
    stored = json.loads(stored_history(desktop))
    thumbs = [e["photo"]["thumb"] for e in stored if e.get("photo")]
    assert thumbs and all(t.startswith("data:image/jpeg;base64,") for t in thumbs)
    assert max(len(t) for t in thumbs) < 60_000
    desktop.reload()
    expect(
        desktop.get_by_role("img", name="Ihr Foto laterne-kaputt.jpg")
    ).to_be_visible()
    assert desktop.errors == []


def choose_by_keyboard(page, name: str) -> None:
    """Shift+Tab back from the text box to a choice, Enter, and back to typing."""
    for _ in range(30):
        page.keyboard.press("Shift+Tab")
        focused = page.evaluate("document.activeElement.textContent")
        if focused == name:
            break
    else:
        raise AssertionError(f"no choice {name!r} on the way back from the text box")
    page.keyboard.press("Enter")
    expect(page.get_by_role("textbox", name="Ihre Nachricht")).to_be_focused()


def type_and_send(page, text: str) -> None:
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def test_keyboard_only_through_the_form_and_the_rating(desktop):
    for _ in range(20):  # Tab through the page to the launcher
        desktop.keyboard.press("Tab")
        if launcher(desktop).evaluate("node => node === document.activeElement"):
            break
    desktop.keyboard.press("Enter")
    log = desktop.get_by_role("log")
    type_and_send(desktop, "Ich möchte einen Vorschlag machen")
    expect(log).to_contain_text("Beschreiben Sie", timeout=30_000)
    type_and_send(desktop, "Am Pfaffplatz fehlt ein Trinkbrunnen für heiße Tage")
    expect(log).to_contain_text("Zu welchem Thema", timeout=30_000)
    choose_by_keyboard(desktop, "Umwelt und Energie")
    expect(log).to_contain_text("Ort", timeout=30_000)
    type_and_send(desktop, "Pfaffplatz")
    expect(log).to_contain_text("erfahren", timeout=30_000)
    choose_by_keyboard(desktop, "Ja, hier im Chat")
    expect(log).to_contain_text("öffentlich", timeout=30_000)
    choose_by_keyboard(desktop, "Nein")
    expect(log).to_contain_text("Bitte prüfen", timeout=30_000)
    choose_by_keyboard(desktop, "Absenden")
    expect(log).to_contain_text("gespeichert", timeout=30_000)

    type_and_send(desktop, QUESTION)
    rating = desktop.get_by_role("group", name="War die Antwort hilfreich?")
    expect(rating).to_be_visible(timeout=30_000)
    choose_by_keyboard(desktop, "👎 Nicht hilfreich")
    expect(log).to_contain_text("Was hat Ihnen gefehlt?", timeout=30_000)
    type_and_send(desktop, "Mir fehlte, wer das Projekt betreut")
    expect(log).to_contain_text("liest Ihren Hinweis", timeout=30_000)
    assert desktop.errors == []


def test_more_news_than_one_page_all_arrive_once(browser, assistant):
    """The API hands out 20 news at a time: held ones must all be confirmed."""
    page = new_page(browser, assistant)
    open_widget(page)
    ask(page, QUESTION)
    answered(page)
    page.get_by_role("button", name="Chat schließen").click()
    texts = [f"Neuigkeit {n} zu Ihrem Vorschlag V-TEST-0003." for n in range(23)]
    for text in texts:
        put_notification(page, assistant, text)
    page.reload()
    expect(page.locator(".sa-badge")).to_contain_text("9+")
    launcher(page).click()
    log = page.get_by_role("log")
    # The first 20 now; the rest with the next look for news (every 20 s).
    expect(log).to_contain_text(texts[-1], timeout=45_000)
    for text in texts:
        expect(log.get_by_text(text, exact=True)).to_have_count(1)
    page.context.close()
