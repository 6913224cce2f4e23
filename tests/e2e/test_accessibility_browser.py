"""axe-core's WCAG 2.1 A/AA checks (names, roles, contrast, ...) in Debian's
Chromium on a phone and a desktop viewport (issue 31): the demo page with the
widget closed and open, the public board, an entry, the pages around it, and
the staff app's login, inbox, suggestion page, dashboard and live chat. No violation of
any impact is allowed, not only the serious and critical ones."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright import sync_api as playwright_api
from sqlalchemy.orm import Session

from actions.db import review
from actions.db import suggestions as store
from actions.db.models import utcnow
from actions.db.session import get_engine
from core.secret_key import unsubscribe_token
from core.settings import PROJECT_ROOT, Settings
from tests.e2e.accessibility import axe_violations, report
from tests.e2e.staff import add_staff_user, assistant_env, fill_login
from tests.e2e.test_widget_browser import QUESTION, ask, open_widget

STAFF_NAME, PASSWORD = "a11y-redaktion", "barrierefrei-pruefen-2026"
ADDRESS = "a11y-probe@example.org"
SCREENSHOTS = PROJECT_ROOT / "reports" / "screenshots"
VIEWPORTS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True,
              "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}  # fmt: skip


@dataclass(frozen=True)
class Site:
    base: str
    reference: str  # published on the board, with an address for news by e-mail
    unsubscribe_path: str


@pytest.fixture(scope="module")
def site(assistant) -> Site:
    engine = get_engine(assistant.database_url)
    with Session(engine, future=True) as session, session.begin():
        new = store.NewSuggestion(
            form_run_id=uuid.uuid4().hex, channel="web", sender_key=uuid.uuid4().hex,
            text="Mehr Schatten auf dem Spielplatz am Volkspark", topic="Umwelt und Energie",
            district="Innenstadt", email=ADDRESS, email_consent_at=utcnow(),
            public_consent_at=utcnow(),
        )  # fmt: skip
        suggestion, _ = store.create(session, new, daily_limit=5)
        review.publish(session, suggestion.reference, "Schatten am Spielplatz",
                       actor="redaktion")  # fmt: skip
        reference, number = suggestion.reference, suggestion.id
    # An admin: the pages with forms that only admins get are checked too.
    add_staff_user(assistant, STAFF_NAME, "admin", PASSWORD)
    settings = Settings.from_env(assistant_env(assistant))
    token = unsubscribe_token(number, ADDRESS, settings)
    yield Site(assistant.web_url, reference, f"/abmelden?token={token}")
    with Session(engine, future=True) as session, session.begin():
        review.unpublish(session, reference, actor="redaktion")


def demo_closed(page, site: Site) -> None:
    page.goto(f"{site.base}/")
    launcher = page.get_by_role("button", name="Chat mit dem Stadt-Assistenten")
    playwright_api.expect(launcher).to_be_visible()


def widget_answered(page, site: Site) -> None:
    demo_closed(page, site)
    log = open_widget(page)
    ask(page, QUESTION)
    playwright_api.expect(log).to_contain_text("KL MitWirkung", timeout=30_000)
    rating = page.get_by_role("group", name="War die Antwort hilfreich?")
    playwright_api.expect(rating).to_be_visible()


def widget_forget(page, site: Site) -> None:
    widget_answered(page, site)
    page.get_by_role("button", name="Verlauf löschen").click()
    page.get_by_role("alertdialog", name="Was möchten Sie löschen?").wait_for()


def board(page, site: Site) -> None:
    page.goto(f"{site.base}/vorschlaege")
    page.get_by_role("link", name="Schatten am Spielplatz").wait_for()


def board_entry(page, site: Site) -> None:
    page.goto(f"{site.base}/vorschlaege/{site.reference}")
    page.get_by_role("heading", level=1, name="Schatten am Spielplatz").wait_for()


def board_missing(page, site: Site) -> None:
    assert page.goto(f"{site.base}/vorschlaege/V-0000-0000").status == 404


def privacy(page, site: Site) -> None:
    page.goto(f"{site.base}/datenschutz")


def leichte_sprache(page, site: Site) -> None:
    page.goto(f"{site.base}/leichte-sprache")


def unsubscribe(page, site: Site) -> None:
    page.goto(site.base + site.unsubscribe_path)
    page.get_by_role("button", name="E-Mails abbestellen").wait_for()


def staff_login(page, site: Site) -> None:
    page.goto(f"{site.base}/staff/login")


def staff_inbox(page, site: Site) -> None:
    staff_login(page, site)
    fill_login(page, STAFF_NAME, PASSWORD)
    page.wait_for_url("**/staff/suggestions")
    page.get_by_role("link", name=site.reference).wait_for()


def staff_suggestion(page, site: Site) -> None:
    staff_inbox(page, site)
    page.goto(f"{site.base}/staff/suggestions/{site.reference}")
    page.get_by_role("heading", name=f"Vorschlag {site.reference}").wait_for()


def staff_dashboard(page, site: Site) -> None:
    staff_inbox(page, site)
    page.goto(f"{site.base}/staff")
    page.get_by_role("heading", level=1).wait_for()


def staff_live(page, site: Site) -> None:
    staff_inbox(page, site)
    page.goto(f"{site.base}/staff/live")
    page.get_by_role("heading", level=1).wait_for()


def staff_answers(page, site: Site) -> None:
    staff_inbox(page, site)
    page.goto(f"{site.base}/staff/antworten")
    page.get_by_role("heading", name="Häufige Fragen").wait_for()


def staff_answer_preview(page, site: Site) -> None:
    staff_inbox(page, site)
    page.goto(f"{site.base}/staff/antworten/standard/utter_greet")
    page.get_by_role("textbox", name="Text").fill(
        "Hallo! Ich bin der digitale Assistent der Stadt. Fragen Sie mich nach"
        " Smart-City-Projekten und Terminen, oder machen Sie einen Vorschlag."
    )
    page.get_by_role("button", name="Vorschau").click()
    page.get_by_role("heading", name="Vorschau", exact=True).wait_for()
    if page.viewport_name == "desktop":  # for the README
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "staff-answer-preview.png"))


PAGES: dict[str, Callable] = {
    "demo-widget-closed": demo_closed,
    "demo-widget-answered": widget_answered,
    "demo-widget-forget": widget_forget,
    "board": board,
    "board-entry": board_entry,
    "board-missing": board_missing,
    "privacy": privacy,
    "leichte-sprache": leichte_sprache,
    "unsubscribe": unsubscribe,
    "staff-login": staff_login,
    "staff-inbox": staff_inbox,
    "staff-suggestion": staff_suggestion,
    "staff-dashboard": staff_dashboard,
    "staff-live": staff_live,
    "staff-answers": staff_answers,
    "staff-answer-preview": staff_answer_preview,
}


@pytest.fixture(params=list(VIEWPORTS))
def page(request, browser):
    context = browser.new_context(
        locale="de-DE", reduced_motion="reduce", **VIEWPORTS[request.param]
    )
    page = context.new_page()
    page.viewport_name = request.param
    yield page
    context.close()


def test_axe_reports_what_it_finds(browser):
    """The harness itself: a nameless image and button are found and named."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content('<html lang="de"><title>t</title><main><img src="x.png">'
                         "<button></button></main></html>")  # fmt: skip
        found = {(v.rule, v.impact) for v in axe_violations(page)}
    finally:
        context.close()
    assert found == {("image-alt", "critical"), ("button-name", "critical")}


@pytest.mark.parametrize("name", list(PAGES))
def test_no_wcag_violations(page, site, name):
    PAGES[name](page, site)
    found = axe_violations(page)
    assert found == [], f"{name} ({page.viewport_name}):\n{report(found)}"
