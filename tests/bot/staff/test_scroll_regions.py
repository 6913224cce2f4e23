"""On a phone, staff tables scroll sideways: each scrolling wrapper must be
reachable by keyboard and named (axe: scrollable-region-focusable), whether
or not its rows hold a link. Checked on every template, not page by page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[3] / "bot" / "staff" / "templates"
WRAPPER = re.compile(r'<div class="table-wrap"[^>]*>')


@pytest.mark.parametrize(
    "template", sorted(TEMPLATES.glob("*.html")), ids=lambda p: p.name
)
def test_every_scrolling_table_is_a_named_focusable_region(template):
    for wrapper in WRAPPER.findall(template.read_text(encoding="utf-8")):
        assert 'tabindex="0"' in wrapper and 'role="region"' in wrapper, wrapper
        assert "aria-label=" in wrapper or "aria-labelledby=" in wrapper, wrapper
