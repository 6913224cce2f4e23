"""Issue 17 over real REST: one citizen's published suggestion is found by two
others while they write theirs, and backed; deletion takes a support back."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.db import review, supports
from actions.db import suggestions as store
from actions.db.models import Notification
from actions.db.session import get_engine
from tests.e2e.chat import REFERENCE, joined, payloads

IDEA = "Vor der Grundschule in Kotten fehlt ein Zebrastreifen für die Kinder"
SIMILAR = "Ein Zebrastreifen an der Grundschule in Kotten wäre wichtig"
TITLE = "Zebrastreifen an der Grundschule Kotten"


async def hand_in(chat, idea: str, who: str, *, public: bool) -> list[dict]:
    """The form up to the reply after the place step."""
    await chat("Ich möchte einen Vorschlag machen", who)
    await chat(idea, who)
    await chat('/inform{"topic":"Mobilität"}', who)
    return await chat("Kotten", who)


def publish(assistant, reference: str) -> int:
    with Session(
        get_engine(assistant.database_url), future=True
    ) as session, session.begin():
        return review.publish(session, reference, TITLE, actor="redaktion").id


def support_count(assistant, suggestion_id: int) -> int:
    with Session(get_engine(assistant.database_url), future=True) as session:
        return supports.count(session, suggestion_id)


def unpublish(assistant, reference: str) -> None:
    """The assistant is shared by the e2e tests: others must not see it."""
    with Session(
        get_engine(assistant.database_url), future=True
    ) as session, session.begin():
        review.unpublish(session, reference, actor="redaktion")


async def test_two_citizens_find_and_back_a_published_suggestion(assistant, chat):
    published: list[str] = []
    try:
        await find_and_back(assistant, chat, published)
    finally:
        for reference in published:
            unpublish(assistant, reference)


async def find_and_back(assistant, chat, published: list[str]) -> None:
    author, ben, cem = (uuid.uuid4().hex for _ in range(3))
    await hand_in(chat, IDEA, author, public=True)
    assert "öffentlich zeigen?" in joined(
        await chat('/inform{"choice":"chat"}', author)
    )
    assert "Öffentlich zeigen: ja" in joined(
        await chat('/inform{"choice":"public"}', author)
    )
    reference = REFERENCE.search(joined(await chat("/affirm", author))).group(0)

    # Not published yet: nobody is shown it.
    unpublished = await hand_in(chat, SIMILAR, ben, public=False)
    assert "Ähnliche Vorschläge" not in joined(unpublished)
    await chat("abbrechen", ben)
    suggestion_id = publish(assistant, reference)
    published.append(reference)

    offer = await hand_in(chat, SIMILAR, ben, public=False)
    assert "Ähnliche Vorschläge gibt es schon" in joined(offer), offer
    assert f"„{TITLE}“: eingegangen, 0-mal unterstützt. " in joined(offer)
    assert f"/vorschlaege/{reference}" in joined(offer)
    assert IDEA not in joined(offer)  # only the public title, never the citizen's words
    backed = joined(await chat(payloads(offer)[0], ben))
    assert f"Sie unterstützen jetzt „{TITLE}“ (bisher 1-mal unterstützt)" in backed
    assert "Möchten Sie erfahren" not in backed  # the form ends: nothing is handed in

    typed = joined(await chat(f"Ich unterstütze {reference}", cem))
    assert "(bisher 2-mal unterstützt)" in typed
    again = joined(await chat(f"Ich unterstütze {reference}", cem))
    assert "schon" in again and "(bisher 2-mal unterstützt)" in again
    own = joined(await chat(f"Ich unterstütze {reference}", author))
    assert "Ihr eigener Vorschlag" in own

    news = joined(await chat(
        f'/support_suggestion{{"reference":"{reference}","choice":"news"}}', ben
    ))  # fmt: skip
    assert "schreibe ich Ihnen hier" in news
    await chat("Bitte meine Daten löschen", cem)
    await chat("/affirm", cem)
    assert support_count(assistant, suggestion_id) == 1

    with Session(
        get_engine(assistant.database_url), future=True
    ) as session, session.begin():
        suggestion = store.by_reference(session, reference)
        store.change_status(session, suggestion, "in_pruefung", actor="redaktion")
    with Session(get_engine(assistant.database_url), future=True) as session:
        recipients = session.scalars(
            select(Notification.recipient).where(
                Notification.suggestion_id == suggestion_id
            )
        ).all()
    assert sorted(recipients) == sorted(
        [author, ben]
    ), "the author and the supporter who asked"


@pytest.mark.parametrize(
    "payload",
    [
        '/support_suggestion{"reference": 5}',
        '/support_suggestion{"reference": ["V-AB12-CD34", "V-0000-0000"]}',
        '/support_suggestion{"reference": "<script>alert(1)</script>"}',
        '/support_suggestion{"reference": "V-0000-0000", "choice": "news"}',
        '/support_suggestion{"choice": "news"}',
        "/support_suggestion",
    ],
)
async def test_crafted_support_payloads_get_a_german_answer(chat, payload):
    reply = joined(await chat(payload))
    assert reply and "<script>" not in reply
    assert any(
        phrase in reply
        for phrase in ("Welchen Vorschlag möchten Sie unterstützen?", "finde ich nicht")
    ), reply
