"""Finding published suggestions from the chat (issue 36.1).

"Gibt es schon Vorschläge zu Fahrradständern?", "Was wurde in Morlautern
vorgeschlagen?", "Zeig mir die meistunterstützten Ideen", or a shared
position: only what the board shows can be found, and only as the board shows
it (actions.db.board.Entry), never the citizen's text, place or contact.

Words are matched by their Snowball stems, as similar ideas are: a searched
stem matches a stem of the suggestion that contains it or that it contains
("Radständer" finds "Fahrradständer" and back), or one a typo away. A search
of several words wants at least half of them; the more, the higher it ranks.
The text a citizen wrote is searched too (it says more than the title staff
gave), but only the title is shown.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.db import supports
from actions.db.board import Entry, entry_of, public
from actions.db.models import Suggestion
from actions.db.similar import MAX_COMPARED_CHARS, WORD, stems
from core.places import Position

NEAR_KM = 1.0  # "in meiner Nähe": a walk of a quarter of an hour
MAX_CANDIDATES = 1000  # the newest published ones; as for similar ideas
MAX_TERMS = 8  # a search is a few words; the rest of a long message is noise
MIN_PART = 4  # "rad" in "fahrrad" is a match, "an" in "bank" is not
TYPO_SIMILARITY = 0.8

# Words of asking and of the frame "Vorschläge zu …" (as Snowball stems), and
# German function words. spaCy's stop-word list would cost the action server
# two seconds and TensorFlow at import; this one is the part searches use.
FRAME_WORDS = frozenset(
    stems(
        """
    vorschlag vorschläge vorgeschlagen vorschlagen idee ideen anregung
    anregungen wunsch wünsche eingereicht einreichen eingegeben meldung
    meldungen gibt gab gebe geben gegeben schon bereits bisher jemand jemanden
    andere anderen anderer bürger bürgerinnen leute menschen stadt zeig zeige
    zeigen zeigt sag sage sagen such suche suchen finde finden welche welcher
    welches was wer wie wo gibts mir mich uns euch ihnen sie ich du wir es das
    der die den dem des ein eine einen einem einer zu zum zur für über von vom
    im in an am auf aus bei mit nach um und oder auch noch mal etwas alles
    alle viel viele meist meisten meistunterstützten meistunterstützte
    beliebteste beliebtesten unterstützt unterstützten unterstützung top
    wurde wurden werden wird ist sind war waren hat haben habe hatte kann
    können bitte mal hier da dort gerade aktuell neu neue neuen neuesten
    thema themen stadtteil viertel gegend ort nähe umgebung dazu davon darüber
    irgendwas irgendwelche öffentlich öffentliche liste überblick weitere
    mehr nächste restlichen so
    suggestion suggestions suggested idea ideas proposal proposals there any
    anyone someone has have been was were what which show me the most
    supported popular about for on in near nearby other people citizens
"""
    ).split()
)


@dataclass(frozen=True)
class Search:
    """What the citizen looks for; empty fields do not narrow the search."""

    words: tuple[str, ...] = ()  # stems (terms_of)
    topic: str | None = None
    district: str | None = None
    near: Position | None = None
    most_supported: bool = False


def head(text: str) -> str:
    """The first MAX_COMPARED_CHARS of a message, without a word cut in two
    (its stump would be searched for as a word of its own)."""
    if len(text) <= MAX_COMPARED_CHARS:
        return text
    cut = text[: MAX_COMPARED_CHARS + 1]
    return cut[: cut.rfind(" ")] if " " in cut else cut[:MAX_COMPARED_CHARS]


def terms_of(text: str) -> tuple[str, ...]:
    """The stems of a message worth searching for, in their order, once each."""
    found = [s for s in stems(head(text)).split()
             if len(s) > 2 and s not in FRAME_WORDS and not s.isdigit()]  # fmt: skip
    return tuple(dict.fromkeys(found))[:MAX_TERMS]


def find(
    session: Session, search: Search, *, limit: int, offset: int = 0
) -> tuple[list[Entry], int]:
    """One page of published suggestions that match, and how many match."""
    statement = (
        select(Suggestion, supports.count_column())
        .where(*public())
        .order_by(Suggestion.published_at.desc(), Suggestion.id.desc())
        .limit(MAX_CANDIDATES)
    )
    if search.topic:
        statement = statement.where(Suggestion.topic == search.topic)
    if search.district:
        statement = statement.where(Suggestion.district == search.district)
    rows = session.execute(statement).all()
    if search.near is not None:
        rows = [(s, n) for s, n in rows
                if s.position and s.position.km_to(search.near) <= NEAR_KM]  # fmt: skip
    ranked = [
        (relevance(search.words, f"{s.public_title or ''} {s.text}"), s, n or 0)
        for s, n in rows
    ]
    ranked = [r for r in ranked if r[0] > 0]
    if search.most_supported:
        ranked.sort(key=lambda r: (r[2], r[0]), reverse=True)
    elif search.near is not None:  # the nearest first
        ranked.sort(key=lambda r: r[1].position.km_to(search.near))
    else:  # stable: the newest first among equally good matches
        ranked.sort(key=lambda r: r[0], reverse=True)
    page = ranked[offset : offset + limit]
    return [entry_of(s, n) for _, s, n in page], len(ranked)


def relevance(terms: tuple[str, ...], text: str) -> float:
    """The share of the terms the text has; 1.0 without terms, 0 below half."""
    if not terms:
        return 1.0
    have = _stem_set(text[: MAX_COMPARED_CHARS * 2])
    share = sum(_matches(term, have) for term in terms) / len(terms)
    return share if share >= 0.5 else 0.0


@functools.lru_cache(maxsize=4096)
def _stem_set(text: str) -> frozenset[str]:
    return frozenset(stems(" ".join(WORD.findall(text))).split())


def _matches(term: str, have: Iterable[str]) -> bool:
    for stem in have:
        if term in stem or (len(stem) >= MIN_PART and stem in term):
            return True
        if len(term) >= 5 and Levenshtein.normalized_similarity(term, stem) >= (
            TYPO_SIMILARITY
        ):
            return True
    return False
