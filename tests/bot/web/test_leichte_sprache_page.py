"""/leichte-sprache: the four explanations BITV 2.0 §4 asks for, in Leichter
Sprache (issue 33.4), linked from the widget."""

from __future__ import annotations

import html
import re

from bot.server import create_app
from core.leichte_sprache import check
from core.settings import PROJECT_ROOT

SECTIONS = (
    "was-der-assistent-macht",
    "so-geht-der-chat",
    "barrierefreiheit",
    "mehr-leichte-sprache",
)
# The example city's name and a Telegram command need no explanation.
KNOWN = frozenset({"Musterstadt", "loeschen"})


def visible_text(page: str) -> str:
    page = re.sub(
        r"<!--.*?-->|<head>.*?</head>|<script.*?</script>", "", page, flags=re.S
    )
    return html.unescape(re.sub(r"<[^>]+>", "\n", page))


async def test_the_page_has_the_four_explanations(aiohttp_client, web_settings):
    client = await aiohttp_client(create_app(web_settings))
    response = await client.get("/leichte-sprache")
    assert response.status == 200
    page = await response.text()
    assert all(f'id="{section}"' in page for section in SECTIONS)
    widget = (PROJECT_ROOT / "bot" / "web" / "static" / "widget.js").read_text("utf-8")
    assert '"/leichte-sprache"' in widget


def test_the_page_keeps_the_rules_of_leichte_sprache():
    page = (PROJECT_ROOT / "bot" / "web" / "static" / "leichte-sprache.html").read_text(
        "utf-8"
    )
    assert [str(f) for f in check(visible_text(page), KNOWN)] == []
