"""Issue 33.2 in Chromium: the widget's "Leichte Sprache" control is a toggle
button with its state for screen readers; pressed by keyboard or touch, or
followed when the citizen types the wish, it survives a reload."""

from __future__ import annotations

import pytest
from playwright import sync_api as playwright_api

from core.responses import leicht_texts
from tests.e2e.test_widget_journeys_browser import (
    DESKTOP,
    PHONE,
    SCREENSHOTS,
    answered,
    ask,
    new_page,
    open_widget,
)

expect = playwright_api.expect
LEICHT = leicht_texts()
JOIN_IN = "Wie kann ich mitmachen?"


def control(page, name: str = "Leichte Sprache"):
    # In the header: an answer may offer a choice of the same name.
    header = page.locator(".sa-header")
    return header.get_by_role("button", name=name, exact=True)


def first_line(name: str) -> str:
    return LEICHT[name].split("\n")[0]


@pytest.mark.parametrize("how", ["keyboard", "touch", "typed"])
def test_the_control_switches_and_shows_the_mode(browser, assistant, how):
    page = new_page(browser, assistant, PHONE if how == "touch" else DESKTOP)
    try:
        log = open_widget(page)
        expect(control(page)).to_have_attribute("aria-pressed", "false")
        if how == "keyboard":
            control(page).focus()
            page.keyboard.press("Enter")
        elif how == "touch":
            control(page).tap()
        else:
            ask(page, "Bitte schreiben Sie in Leichter Sprache")
        answered(page)
        expect(control(page)).to_have_attribute("aria-pressed", "true")
        expect(log).to_contain_text("Ab jetzt schreibe ich in Leichter Sprache.")
        ask(page, JOIN_IN)
        answered(page)
        expect(log).to_contain_text(first_line("utter_faq/mitmachen"))
        if how == "touch":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "widget-leichte-sprache.png"))
        page.reload()  # the widget was open, so it opens again
        expect(control(page)).to_have_attribute("aria-pressed", "true")
        control(page, "Deutsch").click()  # the language control's way back
        answered(page)
        expect(control(page)).to_have_attribute("aria-pressed", "false")
        expect(page.get_by_role("log")).to_contain_text(
            "wieder in der gewohnten Sprache"
        )
        assert page.errors == []
    finally:
        page.context.close()
