"""Rasa replies turned into Telegram messages: splitting, escaping, keyboards."""

from __future__ import annotations

import pytest
from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup

from bot.telegram.bridge import chat_id_of
from bot.telegram.render import (
    BUTTONS_ONLY_TEXT,
    MAX_CALLBACK_DATA,
    MAX_TEXT,
    ButtonPayloads,
    render,
    split_text,
    utf16_length,
)
from core.protocol import rating_buttons


def test_long_text_is_split_at_paragraphs_without_losing_words():
    paragraph = "Der Digitale Zwilling bildet die Stadt als 3D-Modell ab. " * 18
    text = "\n\n".join(paragraph.strip() for _ in range(6))
    assert len(text) > 6000
    parts = split_text(text)
    assert len(parts) == 2
    assert all(utf16_length(part) <= MAX_TEXT for part in parts)
    assert parts[0].endswith("ab.")  # cut between paragraphs, not inside one
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())


def test_text_without_spaces_is_cut_hard():
    parts = split_text("x" * 9000)
    assert [len(p) for p in parts] == [4096, 4096, 808]


def test_limit_counts_utf16_units_like_telegram():
    parts = split_text("😀" * 3000)  # each emoji is two UTF-16 code units
    assert [len(p) for p in parts] == [2048, 952]


def test_short_text_stays_whole():
    assert split_text("  Hallo!  ") == ["Hallo!"]
    assert split_text("   ") == []


def test_markup_from_rasa_or_the_database_is_escaped():
    (message,) = render(
        [{"text": "<script>alert(1)</script> & <b>Co</b>"}], ButtonPayloads()
    )
    assert (
        message.html
        == "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;Co&lt;/b&gt;"
    )


def test_buttons_go_under_the_last_part():
    long_text = "Wort " * 1000  # 5,000 characters
    payloads = ButtonPayloads()
    messages = render(
        [{"text": long_text, "buttons": [{"title": "Hilfe", "payload": "/help"}]}],
        payloads,
    )
    assert len(messages) == 2
    assert messages[0].keyboard is None
    (row,) = messages[1].keyboard.inline_keyboard
    assert (row[0].text, row[0].callback_data) == ("Hilfe", "/help")


def test_short_titles_share_rows_and_long_ones_do_not():
    short = [{"title": t, "payload": f"/{t}"} for t in ("a", "b", "c")]
    (message,) = render([{"text": "Wählen Sie", "buttons": short}], ButtonPayloads())
    assert [len(row) for row in message.keyboard.inline_keyboard] == [2, 1]
    long = [{"title": "Ein sehr langer Projektname", "payload": "/x"}] * 2
    (message,) = render([{"text": "Wählen Sie", "buttons": long}], ButtonPayloads())
    assert [len(row) for row in message.keyboard.inline_keyboard] == [1, 1]


async def test_thumbs_share_the_last_row_and_their_payload_comes_back():
    payloads = ButtonPayloads()
    buttons = [{"title": "Ein sehr langer Projektname", "payload": "/x"},
               *rating_buttons("a1b2c3d4e5f60718")]  # fmt: skip
    (message,) = render([{"text": "Antwort", "buttons": buttons}], payloads)
    rows = message.keyboard.inline_keyboard
    assert [[b.text for b in row] for row in rows] == [
        ["Ein sehr langer Projektname"],
        ["👍 Hilfreich", "👎 Nicht hilfreich"],
    ]
    down = rows[1][1].callback_data
    assert len(down.encode()) <= MAX_CALLBACK_DATA
    assert await payloads.payload(down) == buttons[2]["payload"]


async def test_long_payloads_travel_under_a_key():
    payloads = ButtonPayloads(capacity=2)
    payload = (
        '/ask_project_info{"project": "Nachhaltige Quartiersentwicklung Pfaff-Gelände"}'
    )
    key = payloads.callback_data(payload)
    assert len(key.encode()) <= MAX_CALLBACK_DATA < len(payload.encode())
    assert await payloads.payload(key) == payload
    assert await payloads.payload("/help") == "/help"  # short ones: the payload
    payloads.callback_data(payload + "1")
    payloads.callback_data(payload + "2")
    assert await payloads.payload(key) is None  # forgotten: the oldest went first
    assert await payloads.payload("#unknown") is None


async def test_with_redis_a_button_works_in_every_process_and_after_a_restart():
    from bot.shared.redis_state import RedisPayloads, connect
    from tests.helpers import temporary_redis_url

    with temporary_redis_url() as url:
        sender, other = connect(url), connect(url)
        try:
            sending = ButtonPayloads(shared=RedisPayloads(sender))
            payload = '/inform{"district": "Innenstadt-Ost", "choice": "Nachbarschaft"}'
            key = sending.callback_data(payload)
            await sending.share()
            pressed = ButtonPayloads(shared=RedisPayloads(other))  # another process
            assert await pressed.payload(key) == payload
            assert await pressed.payload("#" + "0" * 32) is None
        finally:
            await sender.close()
            await other.close()


def test_only_web_links_become_link_buttons():
    buttons = [
        {"title": "Website", "payload": "https://www.kaiserslautern.de"},
        {"title": "Trick", "payload": "javascript:alert(1)"},
    ]
    (message,) = render([{"text": "", "buttons": buttons}], ButtonPayloads())
    assert message.html == BUTTONS_ONLY_TEXT
    web, trick = [b for row in message.keyboard.inline_keyboard for b in row]
    assert web.url == "https://www.kaiserslautern.de" and web.callback_data is None
    assert trick.url is None  # sent back to Rasa as text, never opened


def test_empty_messages_and_images_without_text_are_skipped():
    assert render([{"text": ""}, {"image": "https://x/y.png"}], ButtonPayloads()) == []


@pytest.mark.parametrize(
    ("recipient", "chat_id"),
    [
        ("telegram:501", 501),
        ("telegram:-600:7", -600),
        ("web:abc", None),
        ("telegram:", None),
        ("telegram:abc", None),
    ],
)
def test_chat_of_a_recipient(recipient, chat_id):
    assert chat_id_of(recipient) == chat_id


LOCATION_QUESTION = [
    {"text": "Betrifft Ihre Idee einen Ort?",
     "buttons": [{"title": "Überspringen", "payload": '/inform{"choice":"skip"}'}]},
    {"custom": {"ask_location": True}},
]  # fmt: skip


def test_a_place_question_offers_to_send_the_location_in_private_chats():
    (message,) = render(LOCATION_QUESTION, ButtonPayloads(), location_button=True)
    assert isinstance(message.keyboard, ReplyKeyboardMarkup)
    (send,), (skip,) = message.keyboard.keyboard
    assert send.text == "📍 Standort senden" and send.request_location is True
    assert skip.text == "Überspringen" and not skip.request_location
    assert message.keyboard.one_time_keyboard and message.keyboard.resize_keyboard


def test_in_groups_the_place_question_keeps_its_inline_buttons():
    (message,) = render(LOCATION_QUESTION, ButtonPayloads(), location_button=False)
    assert isinstance(message.keyboard, InlineKeyboardMarkup)
    assert [b.text for row in message.keyboard.inline_keyboard for b in row] == [
        "Überspringen"
    ]
