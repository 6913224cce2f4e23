"""CSV export of suggestions that Excel opens correctly in German."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from actions.db.models import Suggestion
from actions.db.suggestions import STATUS_LABELS

# A spreadsheet runs a cell starting with one of these as a formula (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADER = [
    "Referenz",
    "Eingegangen",
    "Status",
    "Thema",
    "Ort",
    "Stadtteil",
    "Breitengrad",
    "Längengrad",
    "Kanal",
    "Zuständig",
    "Ausgeblendet",
    "Fotos",
    "Unterstützer",
    "Text",
]
CONTACT_HEADER = ["Antwort an (Chat)", "E-Mail"]


def neutralise(value: object) -> str:
    """Text a spreadsheet shows as text: a leading apostrophe defuses formulas."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def german_number(value: float | None) -> str:
    """A decimal comma, as German Excel reads numbers."""
    return "" if value is None else f"{value:.4f}".replace(".", ",")


def to_csv(
    suggestions: Iterable[Suggestion],
    tz: ZoneInfo,
    *,
    with_contact: bool,
    photo_counts: dict[int, int] | None = None,
    support_counts: dict[int, int] | None = None,
) -> bytes:
    # German Excel expects ';' between cells and reads UTF-8 only after a BOM.
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER + (CONTACT_HEADER if with_contact else []))
    for s in suggestions:
        row = [
            s.reference,
            s.created_at.astimezone(tz).strftime("%d.%m.%Y %H:%M"),
            STATUS_LABELS.get(s.status, s.status),
            s.topic,
            s.location,
            s.district,
            german_number(s.latitude),
            german_number(s.longitude),
            s.channel,
            s.assigned_to,
            "ja" if s.hidden_at else "nein",
            (photo_counts or {}).get(s.id, 0),
            (support_counts or {}).get(s.id, 0),
            s.text,
        ]
        if with_contact:
            row += [s.reply_to, s.email]
        writer.writerow([neutralise(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
