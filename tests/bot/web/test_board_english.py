"""The public board and the privacy page in English (issue 34): `?sprache=en`
puts every word of the page in English and every link keeps it; German stays
the default, and the suggestions' own words stay as written."""

from __future__ import annotations

import html
import re

import pytest

from actions.db.board import PER_PAGE
from actions.db.suggestions import STATUS_LABELS
from bot.web import board
from core.responses import variant_texts
from core.settings import PROJECT_ROOT
from core.wording import english_names
from tests.bot.web.test_board import add

EN = "?sprache=en"
STATIC = PROJECT_ROOT / "bot" / "web" / "static"
TEMPLATES = PROJECT_ROOT / "bot" / "web" / "templates"
# Words of the German pages that no English page may keep.
GERMAN_WORDS = ("Vorschl", "Thema", "Themen", "Stadtteil", "Stand", "Reihenfolge",
                "Anzeigen", "Seite", "nterstütz", "eröffentlicht", "Antwort", "Alle",
                "Jeder", "Nummer", "Datenschutz", "Inhalt", "Stadtverwaltung",
                "Projekte", "Termine", "Idee", "Schreiben", " Sie ", "zuerst",
                "Bürger", "ä", "ö", "ü", "ß")  # fmt: skip
# Reachable from "eingegangen" in one step; "abgelehnt" needs a reply.
STATUSES = {"eingegangen": None, "in_pruefung": None, "angenommen": None,
            "abgelehnt": "Dafür fehlt der Platz.", "duplikat": None,
            "zurueckgezogen": None}  # fmt: skip


def english_state(key: str) -> str:
    return variant_texts("en")[f"tpl_state_{key}"]


def words(page: str) -> str:
    """What a reader meets: the visible text, the title and the aria-labels."""
    labels = " ".join(re.findall(r'aria-label="([^"]*)"', page))
    body = re.sub(r"<script.*?</script>|<style.*?</style>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "\n", body) + "\n" + labels)


def german_left(page: str) -> list[str]:
    return [word for word in GERMAN_WORDS if word in words(page)]


async def get(client, path: str, status: int = 200) -> str:
    response = await client.get(path)
    assert response.status == status, path
    return await response.text()


def written(template: str) -> set[str | tuple[str, str]]:
    """The German texts a template says through t(...): one, or a pair."""
    text = (TEMPLATES / template).read_text("utf-8")
    pairs = re.findall(r'\bt\(\("([^"]+)", "([^"]+)"\)', text)
    return set(re.findall(r'\bt\("([^"]+)"', text)) | set(pairs)


def test_every_text_of_the_templates_has_an_english_one():
    templates = ("layout.html", "board.html", "board_entry.html", "board_missing.html")
    texts = set().union(*(written(name) for name in templates))
    assert len(texts) > 40 and any(isinstance(text, tuple) for text in texts)
    assert texts | set(board.SORT_LABELS.values()) == set(board.ENGLISH)
    for german, english in board.ENGLISH.items():
        assert english != german
        for text in english if isinstance(english, tuple) else (english,):
            assert not [word for word in GERMAN_WORDS if word in text], text


def test_every_status_has_an_english_name():
    names = [english_state(key) for key in STATUS_LABELS]
    assert names[:3] == ["received", "under review", "accepted"]
    assert len(set(names)) == len(STATUS_LABELS)
    assert not set(names) & set(STATUS_LABELS.values())


async def test_the_board_in_english(client, web_settings):
    for number, (status, reply) in enumerate(STATUSES.items()):
        add(web_settings, "a", f"Benches number {number}", district="Kotten",
            supporters=number, status=None if status == "eingegangen" else status,
            reply=reply)  # fmt: skip
    page = await get(client, f"/vorschlaege{EN}")
    assert '<html lang="en">' in page
    assert "<title>Suggestions from residents | City administration</title>" in page
    assert german_left(page) == []
    for status in STATUSES:
        assert f">{english_state(status)}</" in page
    assert f">{english_names()['Mobilität']}<" in page
    assert '<p role="status">6 suggestions</p>' in page
    assert "supported once" in page and "supported 3 times" in page
    assert re.search(r"published on [A-Z][a-z]+ \d{1,2}, \d{4}", page)
    # Every link but "Deutsch" and the filter form keep the language.
    links = re.findall(r'href="(/vorschlaege[^"]*)"(?! hreflang="de")', page)
    assert len(links) == 1 + len(STATUSES)  # the main navigation's and each entry's
    assert [link for link in links if not link.endswith(EN)] == []
    assert '<input type="hidden" name="sprache" value="en">' in page
    assert 'href="/privacy"' in page and 'href="/datenschutz"' not in page
    assert german_left(await get(client, f"/vorschlaege{EN}&stadtteil=Nirgendwo")) == []


async def test_the_switch_links_keep_the_filters(client, web_settings):
    add(web_settings, "a", "Benches", district="Kotten")
    german = await get(client, "/vorschlaege?stadtteil=Kotten")
    assert (
        '<a href="/vorschlaege?stadtteil=Kotten&amp;sprache=en" hreflang="en" '
        'lang="en">English</a>'
    ) in german
    english = await get(client, f"/vorschlaege{EN}&stadtteil=Kotten")
    assert (
        '<a href="/vorschlaege?stadtteil=Kotten" hreflang="de" lang="de">Deutsch</a>'
    ) in english


async def test_pagination_keeps_the_language(client, web_settings):
    for number in range(PER_PAGE + 1):
        add(web_settings, "a", f"Idea {number}")
    first = await get(client, f"/vorschlaege{EN}&sortierung=unterstuetzt")
    assert "Page 1 of 2" in first
    following = re.search(r'<a href="\?([^"]+)" rel="next">Next page →</a>', first)
    assert following, first
    query = html.unescape(following[1])
    assert "sprache=en" in query and "sortierung=unterstuetzt" in query
    second = await get(client, f"/vorschlaege?{query}")
    assert '<html lang="en">' in second and "Page 2 of 2" in second
    assert re.search(
        r'href="\?[^"]*sprache=en[^"]*" rel="prev">← Previous page', second
    )
    assert german_left(second) == []


async def test_an_entry_and_a_missing_one_in_english(client, web_settings):
    reference = add(web_settings, "a", "Benches in the park", supporters=1,
                    status="in_pruefung", reply="Wir prüfen das.")  # fmt: skip
    page = await get(client, f"/vorschlaege/{reference}{EN}")
    assert '<html lang="en">' in page
    assert "<title>Benches in the park | City administration</title>" in page
    assert english_state("in_pruefung") in page and "supported once" in page
    assert "Replies from the city" in page and f"“I support {reference}”" in page
    assert "Wir prüfen das." in page  # the city's reply, as written
    assert german_left(page.replace("Wir prüfen das.", "")) == []
    assert f'href="/vorschlaege{EN}"' in page
    assert f'href="/vorschlaege/{reference}" hreflang="de"' in page

    lower = await client.get(
        f"/vorschlaege/{reference.lower()}{EN}", allow_redirects=False
    )
    assert lower.status == 301
    assert lower.headers["Location"] == f"/vorschlaege/{reference}{EN}"

    missing = await get(client, f"/vorschlaege/V-0000-0000{EN}", status=404)
    assert '<html lang="en">' in missing and "Suggestion not found" in missing
    assert german_left(missing) == []
    assert f'href="/vorschlaege{EN}"' in missing


@pytest.mark.parametrize("other", ["", "?sprache=de", "?sprache=leicht", "?sprache=EN"])
async def test_german_stays_the_default(client, web_settings, other):
    reference = add(web_settings, "a", "Bänke", status="in_pruefung", supporters=2)
    page = await get(client, f"/vorschlaege{other}")
    assert '<html lang="de">' in page and "in Prüfung" in page
    assert "2-mal unterstützt" in page and "1 Vorschlag" in page
    assert f'<a href="/vorschlaege/{reference}">' in page
    assert 'href="/datenschutz"' in page and "sprache=en" in page  # the switch only
    assert page.count("sprache=en") == 1
    entry = await get(client, f"/vorschlaege/{reference}{other}")
    assert '<html lang="de">' in entry and "Antworten der Stadt" in entry


async def test_the_privacy_page_in_english(client):
    response = await client.get("/privacy")
    assert response.status == 200
    english = await response.text()
    german = await get(client, "/datenschutz")
    assert '<html lang="en">' in english and "180 days" in english
    assert 'href="/datenschutz" hreflang="de" lang="de">Deutsch</a>' in english
    assert 'href="/privacy" hreflang="en" lang="en">English</a>' in german
    for tag in ("<h2>", "<li>", "<p>"):  # the same structure
        assert english.count(tag) == german.count(tag), tag
    visible = words(english).replace("Keine E-Mails mehr bekommen", "")
    assert [w for w in GERMAN_WORDS if w in visible] == []
    widget = (STATIC / "widget.js").read_text("utf-8")
    assert '"/privacy"' in widget and "data-privacy-url" in widget
