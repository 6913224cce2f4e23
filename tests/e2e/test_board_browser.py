"""The public board in Debian's Chromium: filters, sorting, keyboard, contrast,
escaped titles, only published suggestions, and "Im Chat unterstützen"."""

from __future__ import annotations

import uuid

import pytest
from playwright import sync_api as playwright_api
from sqlalchemy.orm import Session

from actions.db import review, supports
from actions.db import suggestions as store
from actions.db.models import utcnow
from actions.db.session import get_engine
from core.settings import PROJECT_ROOT
from tests.e2e.contrast import CONTRAST_SCRIPT, contrast

SCREENSHOTS = PROJECT_ROOT / "reports" / "screenshots"
SCRIPT = "<img src=x onerror=alert(1)>"
ENTRIES = [  # title, topic, district, supporters, status with public reply
    ("Zebrastreifen an der Grundschule Kotten", "Mobilität", "Kotten", 4,
     ("in_pruefung", "Wir prüfen das mit der Verkehrsbehörde.")),
    ("Mehr Bänke im Volkspark", "Stadtentwicklung", "Innenstadt", 1, None),
    (f"Trinkbrunnen {SCRIPT} am Stiftsplatz", "Umwelt und Energie", "Innenstadt", 2,
     ("angenommen", "Im Frühjahr stellen wir zwei Trinkbrunnen auf.")),
]  # fmt: skip


@pytest.fixture
def board_entries(assistant):
    """Published for one test only: the other e2e tests share this database."""
    engine = get_engine(assistant.database_url)
    references = []
    with Session(engine, future=True) as session, session.begin():
        for title, topic, district, count, change in ENTRIES:
            new = store.NewSuggestion(form_run_id=uuid.uuid4().hex, channel="web",
                                      sender_key=uuid.uuid4().hex,
                                      text=f"Bürgertext, nicht öffentlich: {title}",
                                      topic=topic, district=district,
                                      public_consent_at=utcnow())  # fmt: skip
            suggestion, _ = store.create(session, new, daily_limit=5)
            review.publish(session, suggestion.reference, title, actor="redaktion")
            for _ in range(count):
                supports.add(session, suggestion.reference, f"fan-{uuid.uuid4().hex}",
                             channel="web")  # fmt: skip
            if change:
                store.change_status(session, suggestion, change[0], actor="redaktion",
                                    public_note=change[1],
                                    public_note_on_board=True)  # fmt: skip
            references.append(suggestion.reference)
        hidden = store.NewSuggestion(form_run_id=uuid.uuid4().hex, channel="web",
                                     sender_key=uuid.uuid4().hex, text="Nicht öffentlich",
                                     topic="Mobilität")  # fmt: skip
        store.create(session, hidden, daily_limit=5)
    yield references
    with Session(engine, future=True) as session, session.begin():
        for reference in references:
            review.unpublish(session, reference, actor="redaktion")


@pytest.fixture
def page(browser, assistant):
    context = browser.new_context(
        locale="de-DE", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}"))
    yield page
    context.close()
    assert errors == []


def titles(page) -> list[str]:
    return page.locator(".entry h2").all_inner_texts()


def test_filter_sort_and_read_an_entry_by_keyboard(page, assistant, board_entries):
    page.goto(f"{assistant.web_url}/vorschlaege")
    shown = titles(page)
    assert set(shown) == {t for t, *_ in ENTRIES}, shown  # only the published ones
    assert any(SCRIPT in t for t in shown)  # as text: never run (no dialog)

    page.get_by_label("Reihenfolge").select_option(label="Meiste Unterstützung zuerst")
    page.get_by_role("button", name="Anzeigen").click()
    playwright_api.expect(page.locator(".entry h2").first).to_have_text(ENTRIES[0][0])
    assert titles(page)[:3] == [ENTRIES[0][0], ENTRIES[2][0], ENTRIES[1][0]]

    page.get_by_label("Stadtteil").focus()
    page.keyboard.press("End")  # the last district in the list
    page.get_by_label("Stadtteil").select_option("Innenstadt")
    page.get_by_label("Stand").select_option(label="angenommen")
    page.get_by_role("button", name="Anzeigen").press("Enter")
    playwright_api.expect(page.get_by_role("status")).to_have_text("1 Vorschlag")
    assert titles(page) == [ENTRIES[2][0]]

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.get_by_label("Stand").select_option("")
    page.get_by_label("Stadtteil").select_option("")
    page.get_by_role("button", name="Anzeigen").click()
    page.screenshot(path=SCREENSHOTS / "board.png", full_page=True)
    pairs = page.locator("main p, main a, main label, main h1, main h2, main button, "
                         ".state, .site-header a").evaluate_all(CONTRAST_SCRIPT)  # fmt: skip
    assert len(pairs) > 10
    assert [(n, fg, bg) for n, fg, bg in pairs if contrast(fg, bg) < 4.5] == []

    page.get_by_role("link", name=ENTRIES[0][0]).focus()
    page.keyboard.press("Enter")
    page.get_by_role("heading", level=1, name=ENTRIES[0][0]).wait_for()
    assert "Wir prüfen das mit der Verkehrsbehörde." in page.inner_text("main")
    assert "Bürgertext" not in page.content()
    assert page.url.endswith(f"/vorschlaege/{board_entries[0]}")


def test_support_from_the_board_goes_through_the_chat(page, assistant, board_entries):
    page.goto(f"{assistant.web_url}/vorschlaege/{board_entries[1]}")
    page.get_by_role("button", name="Im Chat unterstützen").click()
    log = page.get_by_role("log")
    playwright_api.expect(log).to_contain_text(f"Ich unterstütze {board_entries[1]}")
    playwright_api.expect(log).to_contain_text(
        "Sie unterstützen jetzt „Mehr Bänke im Volkspark“ (bisher 2-mal unterstützt)",
        timeout=30_000,
    )
    page.reload()
    playwright_api.expect(page.locator(".support-count")).to_have_text(
        "2-mal unterstützt"
    )


def test_following_from_the_board_is_asked_in_the_chat(page, assistant, board_entries):
    page.goto(f"{assistant.web_url}/vorschlaege/{board_entries[1]}")
    page.get_by_role("button", name="Im Chat folgen").click()
    log = page.get_by_role("log")
    playwright_api.expect(log).to_contain_text(f"{board_entries[1]} folgen")
    playwright_api.expect(log).to_contain_text(
        f"Möchten Sie dem Vorschlag {board_entries[1]} folgen?", timeout=30_000
    )
    page.get_by_role("button", name="Ja, folgen").click()
    playwright_api.expect(log).to_contain_text(
        f"Sie folgen jetzt dem Vorschlag {board_entries[1]}.", timeout=30_000
    )
