"""Telegram end to end: `smartcity run` with a token, against the loopback Bot API.

The real python-telegram-bot in the web app polls the fake Bot API server, talks
to the real Rasa and action server, and answers from the real database.
"""

from __future__ import annotations

import html
import io
import itertools
import sqlite3
import time
from contextlib import contextmanager
from datetime import datetime, timezone

from PIL import Image
from sqlalchemy.orm import Session

from actions.db import suggestions as store
from actions.db.session import get_engine
from bot.shared.photos import REFUSALS
from bot.telegram import texts
from bot.telegram.render import MAX_TEXT, utf16_length
from tests.bot.telegram.bot_api import BOT_USER
from tests.e2e.chat import REFERENCE

chat_ids = itertools.count(9001)


def ask(bot_api, chat_id: int, text: str, **kwargs):
    """Send `text` and return the bot's reply, one Call per Telegram message."""
    before = len(bot_api.sent("sendMessage", chat_id))
    bot_api.send_text(chat_id, text, **kwargs)
    return bot_api.reply_after(chat_id, before)


def shown(calls) -> str:
    """The reply as the citizen reads it: HTML entities decoded."""
    assert all(c.params.get("parse_mode") == "HTML" for c in calls)
    return "\n".join(html.unescape(c.text) for c in calls)


def titles(call) -> list[str]:
    markup = call.params.get("reply_markup") or {"inline_keyboard": []}
    return [b["text"] for row in markup["inline_keyboard"] for b in row]


def press(bot_api, call, title: str):
    before = len(bot_api.sent("sendMessage", call.chat_id))
    update = bot_api.press(call, title)
    return update, bot_api.reply_after(call.chat_id, before)


def db_rows(assistant, query: str, *args) -> list[tuple]:
    with sqlite3.connect(assistant.database_url.removeprefix("sqlite:///")) as db:
        return db.execute(query, args).fetchall()


@contextmanager
def project_summary(assistant, name: str, summary: str):
    """Give a project another summary for the length of a test, as staff could."""
    (old,) = db_rows(assistant, "SELECT summary FROM projects WHERE name = ?", name)[0]
    with sqlite3.connect(assistant.database_url.removeprefix("sqlite:///")) as db:
        db.execute("UPDATE projects SET summary = ? WHERE name = ?", (summary, name))
    try:
        yield
    finally:
        with sqlite3.connect(assistant.database_url.removeprefix("sqlite:///")) as db:
            db.execute("UPDATE projects SET summary = ? WHERE name = ?", (old, name))


def test_commands_are_registered_in_german_and_in_english(assistant, bot_api):
    german, english = bot_api.wait_for("setMyCommands", count=2)
    commands = {c["command"]: c["description"] for c in german.params["commands"]}
    assert {"start", "hilfe", "vorschlag", "status", "datenschutz", "loeschen"} <= set(
        commands
    )
    assert commands["hilfe"] == "Was ich für Sie tun kann"
    assert "language_code" not in german.params
    # Issue 34: the menu of an app in English.
    assert english.params["language_code"] == "en"
    described = {c["command"]: c["description"] for c in english.params["commands"]}
    assert described.keys() == commands.keys()
    assert described["hilfe"] == "What I can do for you"


def test_start_welcomes_with_transparency_and_buttons(assistant, bot_api):
    chat = next(chat_ids)
    reply = ask(bot_api, chat, "/start")
    assert "Computerprogramm, kein Mensch" in shown(reply)
    assert {"Projekte", "Termine"} <= set(titles(reply[-1]))
    assert bot_api.sent("sendChatAction", chat), "no typing action while waiting"


def test_questions_are_answered_from_the_database(assistant, bot_api):
    chat = next(chat_ids)
    ((mitwirkung,),) = db_rows(
        assistant, "SELECT summary FROM projects WHERE name = 'KL MitWirkung'"
    )
    answer = shown(ask(bot_api, chat, "Was ist die Mitmachplattform?"))
    assert "KL MitWirkung" in answer and mitwirkung in answer

    mobility = shown(ask(bot_api, chat, "Welche Projekte gibt es zum Thema Mobilität?"))
    names = [
        n
        for (n,) in db_rows(
            assistant, "SELECT name FROM projects WHERE topic = 'Mobilität'"
        )
    ]
    assert "Smart Parking" in names
    assert all(name in mobility for name in names)


def test_button_press_is_answered_and_marked(assistant, bot_api):
    chat = next(chat_ids)
    welcome = ask(bot_api, chat, "/start")[-1]
    update, reply = press(bot_api, welcome, "Projekte")

    answered = [
        c
        for c in bot_api.sent("answerCallbackQuery")
        if c.params["callback_query_id"] == update["callback_query"]["id"]
    ]
    assert len(answered) == 1
    edited = [c for c in bot_api.sent("editMessageText", chat)]
    assert "Ihre Auswahl: Projekte" in edited[-1].text
    projects = [n for (n,) in db_rows(assistant, "SELECT name FROM projects")]
    assert sum(name in shown(reply) for name in projects) >= 3


def reply_keyboard(call) -> list[dict]:
    markup = call.params.get("reply_markup") or {}
    return [button for row in markup.get("keyboard", []) for button in row]


def tap(bot_api, call, title: str):
    """Tap a reply-keyboard button: Telegram sends its title as text."""
    assert title in [b["text"] for b in reply_keyboard(call)], call.params
    return ask(bot_api, call.chat_id, title)


def share_location(bot_api, chat_id: int, latitude, longitude, **kwargs):
    before = len(bot_api.sent("sendMessage", chat_id))
    bot_api.send_location(chat_id, latitude, longitude, **kwargs)
    return bot_api.reply_after(chat_id, before)


def send_photo(bot_api, chat_id: int, sizes, **kwargs):
    before = len(bot_api.sent("sendMessage", chat_id))
    bot_api.send_photo(chat_id, sizes, **kwargs)
    return bot_api.reply_after(chat_id, before)


def jpeg(width: int, height: int, *, gps: bool = False) -> bytes:
    image = Image.new("RGB", (width, height), (200, 80, 40))
    exif = Image.Exif()
    if gps:
        exif[0x8825] = {1: "N", 2: (49.0, 26.0, 41.0), 3: "E", 4: (7.0, 46.0, 8.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_a_file_that_is_no_photo_gets_a_polite_answer_and_the_chat_goes_on(
    assistant, bot_api
):
    chat = next(chat_ids)
    (reply,) = send_photo(bot_api, chat, [(b"%PDF-1.7 not a photo", 90, 90)])
    assert reply.text.startswith("Diese Datei kann ich nicht als Foto lesen")
    assert "MitWirkung" in shown(ask(bot_api, chat, "Was ist die Mitmachplattform?"))


def test_a_photo_with_an_idea_is_offered_and_goes_with_the_suggestion(
    assistant, bot_api
):
    """Issue 16: the caption is the idea; the largest size is kept, bare.
    Issue 30.11: outside the form the photo is not kept; sent again once the
    form asks, it is."""
    chat = next(chat_ids)
    idea = "An dieser Kreuzung fehlt ein Zebrastreifen für die Schulkinder"
    sizes = [(jpeg(90, 60), 90, 60), (jpeg(1280, 853, gps=True), 1280, 853)]
    offer = send_photo(bot_api, chat, sizes, caption=idea)
    assert "als Vorschlag einreichen?" in shown(offer[:-1])
    assert offer[-1].text == REFUSALS["not_in_form"]
    _, topics = press(bot_api, offer[-2], "Ja, einreichen")
    assert "Zu welchem Thema" in shown(topics)
    again = send_photo(bot_api, chat, sizes)
    assert "Danke, das Foto ist dabei (1 von 3)." in shown(again)
    assert "Zu welchem Thema" in shown(again)
    _, place = press(bot_api, again[-1], "Mobilität")
    assert "Ort" in shown(place)
    notify = ask(bot_api, chat, "Kreuzung Pariser Straße")
    _, public = press(bot_api, notify[-1], "Nein, danke")
    _, summary = press(bot_api, public[-1], "Nein")
    assert f"Idee: {idea}" in shown(summary), shown(summary)
    assert "Fotos: 1 angehängt" in shown(summary)  # issue 31.6
    _, saved = press(bot_api, summary[-1], "Absenden")
    reference = REFERENCE.search(shown(saved)).group(0)
    ((width, height, content),) = db_rows(
        assistant,
        "SELECT p.width, p.height, p.content FROM suggestion_photos p "
        "JOIN suggestions s ON s.id = p.suggestion_id WHERE s.reference = ?",
        reference,
    )
    assert (width, height) == (1280, 853)
    assert not Image.open(io.BytesIO(content)).getexif()


def test_a_photo_during_the_form_is_kept_and_the_form_goes_on(assistant, bot_api):
    chat = next(chat_ids)
    ask(bot_api, chat, "/vorschlag")
    ask(bot_api, chat, "Mehr Fahrradbügel vor der Stadtbibliothek")
    reply = send_photo(bot_api, chat, [(jpeg(800, 600), 800, 600)])
    assert "Danke, das Foto ist dabei (1 von 3)." in shown(reply)
    assert "Zu welchem Thema" in shown(reply)


def test_the_place_step_offers_standort_senden_and_takes_a_location(assistant, bot_api):
    """Issue 16: a shared location at the place step, stored with its district."""
    chat = next(chat_ids)
    ask(bot_api, chat, "/vorschlag")
    topics = ask(bot_api, chat, "Die Laterne am Stiftsplatz ist seit Wochen kaputt")
    _, place = press(bot_api, topics[-1], "Mobilität")
    assert "senden Sie Ihren Standort" in shown(place)
    send, skip = reply_keyboard(place[-1])
    assert send == {"text": "📍 Standort senden", "request_location": True}
    assert skip == {"text": "Überspringen"}
    assert place[-1].params["reply_markup"]["one_time_keyboard"] is True
    how = ask(bot_api, chat, "Wie kann ich Ihnen meinen Standort schicken?")
    assert "mit „Standort senden“" in shown(how), shown(how)
    assert "Ort oder Stadtteil" in shown(how), "the step is asked again"
    assert reply_keyboard(how[-1])[0]["request_location"] is True

    notify = share_location(bot_api, chat, 49.444312, 7.768923)
    assert "Standort übernommen. Er liegt im Stadtteil Innenstadt." in shown(notify)
    assert notify[0].params["reply_markup"] == {"remove_keyboard": True}
    _, public = press(bot_api, notify[-1], "Nein, danke")
    _, summary = press(bot_api, public[-1], "Nein")
    assert "Ort: Gesendeter Standort (Stadtteil Innenstadt)" in shown(summary)
    _, saved = press(bot_api, summary[-1], "Absenden")
    reference = REFERENCE.search(shown(saved)).group(0)
    assert db_rows(
        assistant,
        "SELECT location, latitude, longitude, district FROM suggestions "
        "WHERE reference = ?",
        reference,
    ) == [("Gesendeter Standort", 49.4443, 7.7689, "Innenstadt")]


def test_a_venue_names_the_place_and_a_location_early_is_kept(assistant, bot_api):
    chat = next(chat_ids)
    ask(bot_api, chat, "/vorschlag")
    early = share_location(bot_api, chat, 49.4241, 7.7525,
                           venue=("Mensa", "Erwin-Schrödinger-Straße"))  # fmt: skip
    assert "Er liegt im Stadtteil Universitätswohnstadt." in shown(early)
    assert "Beschreiben Sie Ihre Idee" in shown(early)
    topics = ask(bot_api, chat, "In der Mensa fehlen Steckdosen zum Laden")
    _, notify = press(bot_api, topics[-1], "Sonstiges")
    assert "Möchten Sie erfahren" in shown(notify), "the place step is skipped"
    _, public = press(bot_api, notify[-1], "Nein, danke")
    _, summary = press(bot_api, public[-1], "Nein")
    assert (
        "Ort: Mensa, Erwin-Schrödinger-Straße (Stadtteil Universitätswohnstadt)"
        in shown(summary)
    )


def test_a_location_outside_the_form_is_explained(assistant, bot_api):
    chat = next(chat_ids)
    reply = share_location(bot_api, chat, 49.4443, 7.7689)
    assert "Schreiben Sie mir zuerst Ihre Idee" in shown(reply)
    group, anna = -next(chat_ids), 73
    bot_api.send_location(group, 49.4443, 7.7689, user_id=anna)
    reply = ask(bot_api, group, f"@{BOT_USER['username']} Hallo", user_id=anna)
    assert len(bot_api.sent("sendMessage", group)) == len(reply), "ignored in groups"


def test_long_reply_is_split_and_escaped(assistant, bot_api):
    chat = next(chat_ids)
    paragraph = "Der Zwilling zeigt <Gebäude> & Straßen im Modell. " * 20
    long_summary = "\n\n".join([paragraph.strip()] * 6)  # about 6,000 characters
    assert 5800 < len(long_summary) < 6500
    with project_summary(assistant, "Digitaler Zwilling", long_summary):
        reply = ask(bot_api, chat, "Was ist der Digitale Zwilling?")
    assert len(reply) >= 2
    # Telegram's limit counts the text after parsing, so entities count as one.
    assert all(utf16_length(html.unescape(c.text)) <= MAX_TEXT for c in reply)
    assert all(
        "<Gebäude>" not in c.text and "&lt;Gebäude&gt; &amp;" in c.text for c in reply
    )
    joined = " ".join(html.unescape(c.text) for c in reply)
    assert " ".join(long_summary.split()) in " ".join(joined.split())
    assert titles(reply[-1]) == [
        "Termine dazu", "Weitere Projekte", "Dem Projekt Digitaler Zwilling folgen",
        "👍 Hilfreich", "👎 Nicht hilfreich",
    ]  # fmt: skip


def test_group_answers_only_when_addressed_and_keeps_members_apart(assistant, bot_api):
    group, anna, ben = -next(chat_ids), 71, 72
    mention = f"@{BOT_USER['username']}"
    # Not addressed: ignored. Updates of one chat are handled in order, so once the
    # addressed question is answered, the first one would have been answered too.
    bot_api.send_text(group, "Was ist die Mitmachplattform?", user_id=anna)
    bot_api.send_photo(group, user_id=anna)
    reply = ask(
        bot_api, group, f"{mention} Was ist die Mitmachplattform?", user_id=anna
    )
    assert len(bot_api.sent("sendMessage", group)) == len(reply)
    assert "MitWirkung" in shown(reply)
    assert reply[0].params["reply_parameters"]["message_id"]  # quotes the question

    # Anna starts a suggestion; Ben's question is not taken as her idea.
    started = shown(
        ask(bot_api, group, f"/vorschlag@{BOT_USER['username']}", user_id=anna)
    )
    assert "Beschreiben Sie Ihre Idee" in started
    answer = shown(
        ask(bot_api, group, f"{mention} Was ist die Mitmachplattform?", user_id=ben)
    )
    assert "MitWirkung" in answer and "Thema" in answer
    senders = {
        s
        for (s,) in db_rows_tracker(assistant, "SELECT DISTINCT sender_id FROM events")
        if s.startswith(f"telegram:{group}:")
    }
    assert senders == {f"telegram:{group}:{anna}", f"telegram:{group}:{ben}"}


def db_rows_tracker(assistant, query: str) -> list[tuple]:
    with sqlite3.connect(assistant.tracker_db) as db:
        return db.execute(query).fetchall()


def test_status_change_reaches_the_citizen_once(assistant, bot_api):
    chat = next(chat_ids)
    idea = "Mehr Fahrradbügel am Stiftsplatz, damit Räder nicht an Bäumen stehen"
    ask(bot_api, chat, "/vorschlag")
    topics = ask(bot_api, chat, idea)[-1]
    _, location = press(bot_api, topics, "Mobilität")
    notify = tap(bot_api, location[-1], "Überspringen")
    _, public = press(bot_api, notify[-1], "Ja, hier im Chat")
    assert "öffentlich zeigen?" in shown(public)
    _, summary = press(bot_api, public[-1], "Nein")
    _, saved = press(bot_api, summary[-1], "Absenden")
    reference = REFERENCE.search(shown(saved)).group(0)

    status = shown(ask(bot_api, chat, f"/status {reference}"))
    assert reference in status and "eingegangen" in status

    before = len(bot_api.sent("sendMessage", chat))
    with Session(
        get_engine(assistant.database_url), future=True
    ) as session, session.begin():
        suggestion = store.by_reference(session, reference)
        assert suggestion.reply_to == f"telegram:{chat}"
        store.change_status(
            session,
            suggestion,
            "angenommen",
            actor="test",
            public_note="Wir bauen <20> Bügel.",
        )
    (news,) = bot_api.reply_after(chat, before, timeout=30)
    assert reference in news.text and "angenommen" in news.text
    assert "&lt;20&gt;" in news.text  # the staff's note is escaped
    time.sleep(2)  # several outbox rounds: nothing is sent twice
    assert len(bot_api.sent("sendMessage", chat)) == before + 1
    ((sent_at, attempts),) = db_rows(
        assistant,
        "SELECT sent_at, attempts FROM notifications WHERE recipient = ?",
        f"telegram:{chat}",
    )
    assert sent_at is not None and attempts == 1


def test_one_user_writing_too_fast_is_slowed_down_once(assistant, bot_api):
    """Issue 13: one Telegram user could keep Rasa busy; now 20 a minute
    (TELEGRAM_PER_MINUTE), and the bot says so once, not for every message."""
    chat_id = next(chat_ids)
    for _ in range(30):
        bot_api.send_text(chat_id, "Hallo")
    bot_api.wait_for("sendMessage", chat_id, count=21, timeout=120)
    time.sleep(3)  # nothing more comes
    texts_sent = [html.unescape(c.text) for c in bot_api.sent("sendMessage", chat_id)]
    assert texts_sent.count(texts.TOO_FAST) == 1
    answers = [t for t in texts_sent if t != texts.TOO_FAST]
    assert len(answers) in range(20, 24), texts_sent  # a few leak back in meanwhile


def test_an_idea_in_plain_words_is_offered_and_a_question_is_answered(
    assistant, bot_api
):
    """Issue 16 on Telegram: the offer with buttons, a question at the idea step."""
    chat = next(chat_ids)
    offer = ask(bot_api, chat, "Im Volkspark ist es abends viel zu dunkel")
    assert "als Vorschlag einreichen?" in shown(offer)
    _, asked = press(bot_api, offer[-1], "Ja, einreichen")
    assert "Zu welchem Thema" in shown(asked), shown(asked)

    chat = next(chat_ids)
    ask(bot_api, chat, "/vorschlag")
    answer = shown(ask(bot_api, chat, "Wie funktioniert denn die Mitmachplattform?"))
    assert "MitWirkung" in answer and "Beschreiben Sie Ihre Idee" in answer


def test_dazu_after_a_project_lists_its_events(assistant, bot_api):
    chat = next(chat_ids)
    assert "EnStadt:Pfaff" in shown(ask(bot_api, chat, "Was ist EnStadt:Pfaff?"))
    events = shown(ask(bot_api, chat, "Gibt es dazu Termine?"))
    assert "Termine zu EnStadt:Pfaff" in events, events


def test_a_similar_published_suggestion_is_backed_with_a_button(assistant, bot_api):
    """Issue 17 on Telegram: the similar step after the place, then one press."""
    from actions.db import review

    title = "Trinkbrunnen am Stiftsplatz"
    engine = get_engine(assistant.database_url)
    with Session(engine, future=True) as session, session.begin():
        new = store.NewSuggestion(
            form_run_id=f"tg-similar-{next(chat_ids)}", channel="web",
            sender_key="someone-else", text="Am Stiftsplatz fehlt ein Trinkbrunnen",
            topic="Umwelt und Energie", district="Innenstadt",
            public_consent_at=datetime.now(timezone.utc),
        )  # fmt: skip
        suggestion, _ = store.create(session, new, daily_limit=5)
        review.publish(session, suggestion.reference, title, actor="redaktion")
        reference = suggestion.reference
    try:
        chat = next(chat_ids)
        ask(bot_api, chat, "/vorschlag")
        topics = ask(bot_api, chat, "Ein Trinkbrunnen am Stiftsplatz wäre toll")
        _, place = press(bot_api, topics[-1], "Umwelt und Energie")
        offer = tap(bot_api, place[-1], "Überspringen")
        assert "Ähnliche Vorschläge gibt es schon" in shown(offer), shown(offer)
        assert f"/vorschlaege/{reference}" in shown(offer)
        _, backed = press(bot_api, offer[-1], f"„{title}“ unterstützen")
        assert f"Sie unterstützen jetzt „{title}“ (bisher 1-mal unterstützt)" in shown(
            backed
        )
        assert titles(backed[-1]) == ["Neuigkeiten dazu erhalten"]
    finally:
        with Session(engine, future=True) as session, session.begin():
            review.unpublish(session, reference, actor="redaktion")
