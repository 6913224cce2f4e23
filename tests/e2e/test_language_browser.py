"""Issue 34 in Chromium: the widget's language control ("Deutsch", "English",
"Leichte Sprache") by keyboard alone, English chosen for a browser in
English, and each message marked with the language it is written in, so that
a screen reader pronounces it right."""

from __future__ import annotations

import re

import pytest
from playwright import sync_api as playwright_api

from core.responses import domain_responses, variant_texts
from tests.e2e.accessibility import axe_violations, report
from tests.e2e.contrast import CONTRAST_SCRIPT, contrast
from tests.e2e.test_widget_journeys_browser import answered, new_page, open_widget

expect = playwright_api.expect
ENGLISH = variant_texts("en")
GERMAN = {name: response.text for name, response in domain_responses().items()}
SMALL_PHONE = {"width": 360, "height": 740}


def language(page, name: str):
    """One of the control's buttons (.sa-languages .sa-language)."""
    return page.locator(".sa-header .sa-languages").get_by_role(
        "button", name=name, exact=True
    )


def tab_to(page, target, key: str = "Tab") -> None:
    for _ in range(40):
        if target.evaluate("node => node === document.activeElement"):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{key} never reached {target}")


def opening(text: str) -> str:
    """The first words of a response as the widget shows them."""
    return re.sub(r"\s+", " ", text).strip()[:40]


def is_english_reply(text: str) -> bool:
    said = re.sub(r"\s+", " ", text)
    return any(opening(answer) in said for answer in ENGLISH.values())


def is_german_reply(text: str) -> bool:
    said = re.sub(r"\s+", " ", text)
    return any(opening(answer) in said for answer in GERMAN.values())


def bubbles(page, kind: str):
    return page.get_by_role("log").locator(f".sa-msg.sa-{kind}")


def body(bubble) -> str:
    return bubble.locator(":scope > p").last.inner_text()


def test_the_control_by_keyboard_switches_to_english_and_back(browser, assistant):
    page = new_page(browser, assistant)
    try:
        open_widget(page)
        root = page.locator(".sa-root")
        expect(root).to_have_attribute("lang", "de")
        expect(language(page, "Deutsch")).to_have_attribute("aria-pressed", "true")
        english = language(page, "English")
        tab_to(page, english, "Shift+Tab")  # back from the text box, which has focus
        page.keyboard.press("Enter")
        answered(page)
        expect(english).to_have_attribute("aria-pressed", "true")
        expect(language(page, "Deutsch")).to_have_attribute("aria-pressed", "false")
        expect(root).to_have_attribute("lang", "en")
        expect(bubbles(page, "user").last).to_have_attribute("lang", "en")
        reply = bubbles(page, "bot").last
        expect(reply).to_have_attribute("lang", "en")
        expect(page.get_by_role("log")).to_contain_text(
            opening(ENGLISH["utter_english_an"])
        )
        assert not is_german_reply(body(reply))
        # The widget's own words are English now, the text box's name too.
        box = page.get_by_role("textbox", name="Your message")
        box.focus()
        page.keyboard.type("What is a smart city?")
        page.keyboard.press("Enter")
        answered(page)
        expect(bubbles(page, "user").last).to_have_attribute("lang", "en")
        expect(bubbles(page, "bot").last).to_have_attribute("lang", "en")
        assert is_english_reply(body(bubbles(page, "bot").last))

        deutsch = language(page, "Deutsch")
        tab_to(page, deutsch, "Shift+Tab")
        page.keyboard.press("Space")
        answered(page)
        expect(deutsch).to_have_attribute("aria-pressed", "true")
        expect(english).to_have_attribute("aria-pressed", "false")
        expect(root).to_have_attribute("lang", "de")
        expect(bubbles(page, "user").last).to_have_attribute("lang", "de")
        expect(bubbles(page, "bot").last).to_have_attribute("lang", "de")
        expect(page.get_by_role("log")).to_contain_text(
            opening(GERMAN["utter_deutsch"])
        )
        # What was written in English stays marked so, also after a reload.
        page.reload()
        expect(page.locator(".sa-root")).to_have_attribute("lang", "de")
        marks = bubbles(page, "bot").evaluate_all("ns => ns.map(n => n.lang)")
        assert marks[:2] == ["en", "en"] and marks[-1] == "de", marks
        assert page.errors == []
    finally:
        page.context.close()


@pytest.mark.parametrize(
    "locale, launcher",
    [
        ("en-US", "Chat with the city assistant"),
        ("de-DE", "Chat mit dem Stadt-Assistenten"),
    ],
)
def test_the_browser_s_language_chooses_the_first(browser, assistant, locale, launcher):
    context = browser.new_context(locale=locale, viewport=SMALL_PHONE)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    sent = []

    def remember(request) -> None:
        if "/api/chat" in request.url:
            sent.append(request.post_data_json["message"])

    page.on("request", remember)
    try:
        page.goto(assistant.web_url + "/")
        page.get_by_role("button", name=launcher).click()
        root = page.locator(".sa-root")
        if locale == "de-DE":
            expect(root).to_have_attribute("lang", "de")
            expect(page.locator(".sa-typing")).to_have_text("")  # nothing was sent
            expect(language(page, "Deutsch")).to_have_attribute("aria-pressed", "true")
            assert sent == []
            return
        answered(page)
        expect(root).to_have_attribute("lang", "en")
        expect(language(page, "English")).to_have_attribute("aria-pressed", "true")
        assert sent == ["/english"]
        expect(bubbles(page, "user")).to_have_count(0)  # not typed, so not shown
        first = bubbles(page, "bot").first
        expect(first).to_have_attribute("lang", "en")
        assert is_english_reply(body(first)) and not is_german_reply(body(first))
        stored = "JSON.parse(localStorage.getItem('stadtAssistent.language'))"
        assert page.evaluate(stored) == "en"
        page.reload()  # a conversation now: English stays, nothing is sent again
        expect(page.locator(".sa-root")).to_have_attribute("lang", "en")
        expect(language(page, "English")).to_have_attribute("aria-pressed", "true")
        assert sent == ["/english"]
        assert page.errors == []
    finally:
        context.close()


@pytest.mark.parametrize("choice", ["Deutsch", "English"])
def test_the_control_meets_wcag_aa_on_a_small_phone(browser, assistant, choice):
    context = browser.new_context(
        locale="de-DE", viewport=SMALL_PHONE, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    try:
        page.goto(assistant.web_url + "/")
        open_widget(page)
        if choice != "Deutsch":
            language(page, choice).tap()
            answered(page)
        control = page.locator(".sa-header .sa-languages")
        expect(control).to_have_attribute("role", "group")
        expect(control).to_have_attribute("aria-label", re.compile(r"\w"))
        expect(language(page, choice)).to_have_attribute("aria-pressed", "true")
        found = axe_violations(page)
        assert found == [], f"{choice}:\n{report(found)}"
        pairs = control.locator("button").evaluate_all(CONTRAST_SCRIPT)
        assert len(pairs) == 3
        low = [(name, fg, bg) for name, fg, bg in pairs if contrast(fg, bg) < 4.5]
        assert low == []
        # The whole control fits the header; no button is cut off.
        header = page.locator(".sa-header").bounding_box()
        for button in control.locator("button").all():
            box = button.bounding_box()
            assert header["x"] <= box["x"] and box["x"] + box["width"] <= (
                header["x"] + header["width"]
            )
            assert box["height"] >= 24  # WCAG 2.2 target size
        # The keyboard's focus is visible.
        page.locator("#sa-input").focus()
        tab_to(page, language(page, "Leichte Sprache"), "Shift+Tab")
        outline = language(page, "Leichte Sprache").evaluate(
            "node => getComputedStyle(node).outlineStyle"
        )
        assert outline == "solid"
    finally:
        context.close()
