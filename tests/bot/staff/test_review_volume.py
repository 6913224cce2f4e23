"""The review page under volume (issue 30): its input is capped to the most
frequent wordings, the grouping is the greedy one of before computed in sparse
chunks, and it is computed once per week's messages."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta, timezone

from sklearn.feature_extraction.text import TfidfVectorizer

from actions.db import nlu_review, ratings
from actions.db.session import in_transaction
from actions.db.similar import stems
from bot.plugins.tracker_store import ErasableSQLTrackerStore
from tests.bot.staff.helpers import login, store_messages

FALLBACK = "action_fallback"


async def miss(url: str, sender: str, *texts: str) -> None:
    await store_messages(url, sender, [(t, "nlu_fallback", FALLBACK) for t in texts])


def rows_of(page: str) -> list[str]:
    return page[page.index("<tbody>") :].split("</tr>")[:-1]


async def test_only_the_most_frequent_wordings_are_shown_and_the_rest_is_counted(
    client, staff_settings, monkeypatch
):
    monkeypatch.setattr(nlu_review, "MAX_WORDINGS", 3, raising=False)
    url = staff_settings.tracker_store_url
    for sender in "abc":
        await miss(url, sender, "Wann kommt die Müllabfuhr?")
    for sender in "de":
        await miss(url, sender, "Wo ist das Bürgerbüro?", "Gibt es WLAN im Rathaus?")
    await miss(url, "f", "Blau Tisch Ofen", "Zebra Mond Kiste", "Lampe Fluss Wand")
    await miss(url, "g", "Turm Gabel Nebel")
    await login(client, "rudi")
    page = await (await client.get("/staff/review")).text()
    rows = rows_of(page)
    assert len(rows) == 3, rows
    assert "Müllabfuhr" in rows[0] and "<td>3</td>" in rows[0]
    assert "Tisch" not in page and "Nebel" not in page
    assert "Gezeigt sind die 3 häufigsten Formulierungen" in page
    assert "4 seltenere Formulierungen (4 Nachrichten) sind nicht aufgeführt" in page


def test_questions_rated_down_are_read_newest_first_up_to_the_limit(
    staff_settings, monkeypatch
):
    monkeypatch.setattr(nlu_review, "SCAN_LIMIT", 2)
    start = datetime.now(timezone.utc) - timedelta(hours=1)

    def rate(session):
        for n in range(4):
            row = ratings.rate(session, ratings.NewRating(
                f"{n:016d}", f"Frage {n}", "faq", "utter_faq/kontakt", "web", "down"))  # fmt: skip
            row.created_at = start + timedelta(minutes=n)

    in_transaction(staff_settings.database_url, rate)
    since, until = start.timestamp() - 60, start.timestamp() + 3600
    found = in_transaction(
        staff_settings.database_url,
        lambda s: nlu_review.rated_down(s, since, until),
    )
    assert [m.text for m in found] == ["Frage 2", "Frage 3"]


async def test_other_conversation_does_not_use_up_the_scan(staff_settings, monkeypatch):
    """The scan limit counts missed messages, not every event of the week."""
    monkeypatch.setattr(nlu_review, "SCAN_LIMIT", 5)
    url = staff_settings.tracker_store_url
    # Sorted first by sender, as an attacker's chosen session id would be.
    await store_messages(url, "0000", [("Hallo", "greet", "utter_greet")] * 10)
    await miss(url, "ffff", "Wann kommt die Müllabfuhr?", "Wo ist das Bürgerbüro?")
    found = nlu_review.missed(url, 0)
    assert [m.text for m in found] == [
        "Wann kommt die Müllabfuhr?", "Wo ist das Bürgerbüro?"
    ]  # fmt: skip


def dense_greedy(messages: list[nlu_review.Missed]) -> list[list[str]]:
    """The grouping as it was before issue 30: a dense N x N matrix."""
    counts = Counter(nlu_review.text_key(m.text) for m in messages)
    keys = [key for key, _ in counts.most_common()]
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5),
                                 sublinear_tf=True)  # fmt: skip
    matrix = vectorizer.fit_transform([stems(key) or key for key in keys])
    cosines = (matrix @ matrix.T).toarray()
    groups: list[list[str]] = []
    leaders: list[int] = []
    for index, key in enumerate(keys):
        home = next(
            (g for g, lead in zip(groups, leaders, strict=True)
             if cosines[index, lead] >= nlu_review.GROUP_THRESHOLD),
            None,
        )  # fmt: skip
        if home is None:
            home = []
            groups.append(home)
            leaders.append(index)
        home.append(key)
    return sorted(sorted(g) for g in groups)


def test_the_chunked_grouping_groups_what_the_dense_one_grouped(monkeypatch):
    rng = random.Random(30)
    questions = ["Wann kommt die Müllabfuhr", "Wo ist das Bürgerbüro",
                 "Gibt es WLAN im Rathaus", "Wie hoch ist die Hundesteuer",
                 "Wann fährt der Bus zum Betzenberg"]  # fmt: skip
    extras = ["", " bitte", " heute", " in Kotten", " eigentlich", " denn"]
    words = ["Tisch", "Ofen", "Zebra", "Mond", "Kiste", "Lampe", "Fluss", "Wand",
             "Turm", "Gabel", "Nebel"]  # fmt: skip
    texts = [rng.choice(questions) + rng.choice(extras) + rng.choice("?!. ")
             for _ in range(300)]  # fmt: skip
    texts += [" ".join(rng.choices(words, k=4)) for _ in range(200)]
    messages = [
        nlu_review.Missed(t, "nicht verstanden", n) for n, t in enumerate(texts)
    ]
    monkeypatch.setattr(nlu_review, "CHUNK", 7, raising=False)
    found = sorted(
        sorted(nlu_review.text_key(t) for t in g.texts)
        for g in nlu_review.grouped(messages)
    )
    assert found == dense_greedy(messages)
    assert len(found) < len(set(map(nlu_review.text_key, texts)))  # it did group


async def test_the_grouping_is_computed_once_per_week_of_messages(
    client, staff_settings, monkeypatch
):
    calls = []
    grouped = nlu_review.grouped

    def counted(messages):
        calls.append(len(messages))
        return grouped(messages)

    monkeypatch.setattr(nlu_review, "grouped", counted)
    url = staff_settings.tracker_store_url
    await miss(url, "a", "Wann kommt die Müllabfuhr?")
    await login(client, "rudi")
    for _ in range(3):
        assert "Müllabfuhr" in await (await client.get("/staff/review")).text()
    assert len(calls) == 1
    # A new message, or one erased with "Meine Daten löschen", shows at once.
    await miss(url, "b", "Wo ist das Bürgerbüro?")
    assert "Bürgerbüro" in await (await client.get("/staff/review")).text()
    ErasableSQLTrackerStore(host=url).erase("a")
    assert "Müllabfuhr" not in await (await client.get("/staff/review")).text()
    assert len(calls) == 3
