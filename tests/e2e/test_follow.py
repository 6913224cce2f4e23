"""Issue 36.2 end to end: a citizen follows a district on the widget and on
Telegram; a suggestion staff publish there and an event imported from a feed
reach each follower once, in one digest; "Abbestellen" stops it and
"Meine Daten löschen" removes the follow."""

from __future__ import annotations

import itertools
import uuid
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone

import aiohttp
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.db import digest, ics, review
from actions.db import suggestions as store
from actions.db.models import Follow, Notification
from actions.db.session import get_engine
from core.settings import get_settings
from tests.e2e.chat import WebCitizen
from tests.e2e.test_telegram import ask, press, shown

chat_ids = itertools.count(9801)
DISTRICT = "Wiesenthalerhof"  # no other e2e test uses it


@contextmanager
def transaction(assistant):
    engine = get_engine(assistant.database_url)
    with Session(engine, future=True) as session, session.begin():
        yield session


def publish_there(assistant, title: str) -> str:
    with transaction(assistant) as session:
        new = store.NewSuggestion(
            form_run_id=uuid.uuid4().hex, channel="web",
            sender_key=uuid.uuid4().hex, text=f"{title}, bitte",
            topic="Stadtentwicklung", district=DISTRICT,
            public_consent_at=datetime.now(timezone.utc),
        )  # fmt: skip
        suggestion, _ = store.create(session, new, daily_limit=5)
        review.publish(session, suggestion.reference, title, actor="redaktion")
        return suggestion.reference


def import_event_there(assistant, summary: str) -> None:
    start = datetime.now(timezone.utc) + timedelta(days=3)
    feed = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//follow//DE\r\n"
        f"BEGIN:VEVENT\r\nUID:{uuid.uuid4().hex}@test\r\nSUMMARY:{summary}\r\n"
        f"DTSTART:{start:%Y%m%dT%H%M00Z}\r\nLOCATION:Bürgerhaus {DISTRICT}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()
    with transaction(assistant) as session:
        ics.import_events(session, feed, tz=get_settings().tz, feed="follow-test")


def run_digest(assistant, today: date) -> digest.Report:
    with transaction(assistant) as session:
        # News settles for digest.SETTLE before it is sent: the run
        # comes as late as that after what this test just did.
        return digest.run(
            session, today=today, tz=get_settings().tz,
            now=datetime.now(timezone.utc) + digest.SETTLE,
            districts={DISTRICT.casefold(): DISTRICT},
            board_url="https://stadt.example",
        )  # fmt: skip


def follows_of(assistant, recipient: str) -> list[tuple[str, str]]:
    with Session(get_engine(assistant.database_url), future=True) as session:
        rows = session.scalars(select(Follow).where(Follow.recipient == recipient))
        return [(f.kind, f.value) for f in rows]


def digests_to(assistant, recipient: str) -> list[str]:
    with Session(get_engine(assistant.database_url), future=True) as session:
        return list(
            session.scalars(
                select(Notification.text).where(
                    Notification.recipient == recipient,
                    Notification.suggestion_id.is_(None),
                )
            )
        )


async def test_a_followed_district_brings_one_digest_on_both_channels(
    assistant, bot_api
):
    today = date(2031, 1, 6)  # later than any other test's digest
    async with aiohttp.ClientSession() as http:
        web = WebCitizen(http, assistant.web_url)
        asked = await web.say(f"Halten Sie mich über {DISTRICT} auf dem Laufenden")
        assert f"Möchten Sie dem Stadtteil {DISTRICT} folgen?" in asked, asked
        saved = await web.say("ja")  # typed, not tapped
        assert f"Sie folgen jetzt dem Stadtteil {DISTRICT}" in saved, saved

        chat = next(chat_ids)
        question = ask(bot_api, chat, f"Ich möchte Neuigkeiten aus {DISTRICT}")
        assert "folgen?" in shown(question), shown(question)
        _, done = press(bot_api, question[-1], "Ja, folgen")
        assert f"Sie folgen jetzt dem Stadtteil {DISTRICT}" in shown(done)
        assert follows_of(assistant, f"telegram:{chat}") == [("district", DISTRICT)]

        reference = publish_there(assistant, "Spielplatz am Wiesenthalerhof")
        import_event_there(assistant, "Stadtteilgespräch Wiesenthalerhof")
        report = run_digest(assistant, today)
        assert report.sent >= 2
        news = await web.news()
        assert len(news) == 1, news
        assert (
            f"„Spielplatz am Wiesenthalerhof“ https://stadt.example/vorschlaege/{reference}"
            in news[0]
        )
        assert "Termin: Stadtteilgespräch Wiesenthalerhof" in news[0]
        telegram = digests_to(assistant, f"telegram:{chat}")
        assert len(telegram) == 1 and "Stadtteilgespräch" in telegram[0]

        # Once a day: the same day again sends nothing, even with news.
        publish_there(assistant, "Bank am Wiesenthalerhof")
        run_digest(assistant, today)
        assert len(digests_to(assistant, f"telegram:{chat}")) == 1

        stopped = ask(bot_api, chat, "Abbestellen")
        assert f"keine Nachrichten mehr zu:\n• dem Stadtteil {DISTRICT}" in shown(
            stopped
        )
        assert follows_of(assistant, f"telegram:{chat}") == []
        run_digest(assistant, today + timedelta(days=1))
        assert len(digests_to(assistant, f"telegram:{chat}")) == 1

        listed = await web.say("Meine Abos")
        assert f"• dem Stadtteil {DISTRICT}" in listed
        await web.say("Meine Daten löschen")
        await web.say("Ja, alles löschen")
        assert "Sie verfolgen zurzeit nichts" in await web.say("Meine Abos")
