"""A typed button label counts as the button; anything else stays text."""

from __future__ import annotations

import pytest

from bot.shared.button_labels import (
    MAX_BUTTONS,
    MAX_CHARS,
    MAX_TYPED,
    Button,
    LocalButtonMemory,
    decode,
    encode,
    offered_buttons,
    pressed,
)
from bot.shared.redis_state import RedisButtonMemory, connect
from tests.helpers import temporary_redis_url

SUMMARY = [
    Button("Absenden", "/affirm"),
    Button("Idee ändern", '/inform{"choice": "change_text"}'),
    Button("Thema ändern", '/inform{"choice": "change_topic"}'),
    Button("Ort ändern", '/inform{"choice": "change_location"}'),
    Button("Abbrechen", "/cancel"),
]
NEWS = [
    Button("Ja, hier im Chat", '/inform{"choice": "chat"}'),
    Button("Ja, auch per E-Mail", '/inform{"choice": "email"}'),
    Button("Nein, danke", '/inform{"choice": "none"}'),
]
RATING = [
    Button("👍 Hilfreich", '/rate{"rating": "up", "rating_id": "a"}'),
    Button("👎 Nicht hilfreich", '/rate{"rating": "down", "rating_id": "a"}'),
]


@pytest.mark.parametrize(
    ("typed", "buttons", "payload"),
    [
        ("Absenden", SUMMARY, "/affirm"),
        ("absenden", SUMMARY, "/affirm"),
        ("  ABSENDEN!  ", SUMMARY, "/affirm"),
        ("Absenden bitte", SUMMARY, "/affirm"),
        ("bitte absenden.", SUMMARY, "/affirm"),
        ("Absnden", SUMMARY, "/affirm"),  # one slip
        ("abbrechen", SUMMARY, "/cancel"),
        ("Thema aendern", SUMMARY, '/inform{"choice": "change_topic"}'),
        ("thema andern", SUMMARY, '/inform{"choice": "change_topic"}'),
        ("Ja hier im Chat", NEWS, '/inform{"choice": "chat"}'),
        ("ja, hier im chat!", NEWS, '/inform{"choice": "chat"}'),
        ("Ja, auch per Email", NEWS, '/inform{"choice": "email"}'),
        ("nein danke", NEWS, '/inform{"choice": "none"}'),
        ("Hilfreich", RATING, '/rate{"rating": "up", "rating_id": "a"}'),
        ("nicht hilfreich", RATING, '/rate{"rating": "down", "rating_id": "a"}'),
        ("„Mehr Bänke am Stadtpark“ unterstützen",
         [Button("„Mehr Bänke am Stadtpark“ unterstützen", "/support")], "/support"),
    ],
)  # fmt: skip
def test_a_typed_label_is_its_button(typed, buttons, payload):
    assert pressed(typed, buttons).payload == payload


@pytest.mark.parametrize(
    ("typed", "buttons"),
    [
        ("Ja", NEWS),  # not a label, only the start of two
        ("Nein", [Button("Ja", "/affirm"), Button("Ne", "/deny")]),  # short: exact only
        ("Jo", [Button("Ja", "/affirm")]),
        ("Absenden an die Stadt, sie soll den Radweg bauen", SUMMARY),
        ("Ort", SUMMARY),
        ("", SUMMARY),
        ("!!!", SUMMARY),
        ("Absenden", []),
        ("x" * (MAX_TYPED + 1), [Button("x" * (MAX_TYPED + 1), "/affirm")]),
    ],
)
def test_other_text_is_no_button(typed, buttons):
    assert pressed(typed, buttons) is None


def test_two_labels_equally_close_press_neither():
    buttons = [Button("Termin A1", "/a"), Button("Termin A2", "/b")]
    assert pressed("Termin A3", buttons) is None
    assert pressed("Termin A1", buttons).payload == "/a"


def test_only_payload_buttons_of_the_replies_are_offered():
    replies = [
        {"text": "Hallo", "buttons": [{"title": "Projekte", "payload": "/ask_projects"}]},
        {"text": "Mehr", "buttons": [
            {"title": "Website", "payload": "https://www.kaiserslautern.de"},
            {"title": "", "payload": "/help"},
            {"title": "Hilfe", "payload": ""},
            "kaputt",
            {"title": "x" * 500, "payload": "/help"},
        ]},
        {"custom": {"ask_location": True}},
    ]  # fmt: skip
    assert offered_buttons(replies) == [Button("Projekte", "/ask_projects")]
    many = [{"buttons": [{"title": f"T{i}", "payload": "/x"} for i in range(99)]}]
    assert len(offered_buttons(many)) == MAX_BUTTONS
    big = [{"buttons": [{"title": "T" * 150, "payload": "/" + "x" * 1500}] * 9}]
    kept = offered_buttons(big)
    assert sum(len(b.title) + len(b.payload) for b in kept) <= MAX_CHARS
    assert len(kept) == MAX_CHARS // 1651


async def test_the_local_memory_keeps_only_the_last_reply_and_forgets():
    memory = LocalButtonMemory(capacity=2)
    await memory.remember("a", SUMMARY)
    await memory.remember("a", NEWS)
    assert await memory.recall("a") == NEWS
    await memory.remember("a", [])
    assert await memory.recall("a") == []
    for sender in ("a", "b", "c"):
        await memory.remember(sender, NEWS)
    assert await memory.recall("a") == []  # the least recently used went
    assert await memory.recall("c") == NEWS
    expired = LocalButtonMemory(keep_seconds=-1)
    await expired.remember("a", NEWS)
    assert await expired.recall("a") == []


def test_stored_buttons_survive_a_round_trip_and_garbage_counts_as_none():
    assert decode(encode(SUMMARY + RATING)) == SUMMARY + RATING
    for garbage in ("{", '{"a": 1}', "[[1, 2]]", '[["a"]]', "", None, "[1]"):
        assert decode(garbage) == []


async def test_redis_memory_is_shared_between_processes():
    with temporary_redis_url() as url:
        one, two = connect(url), connect(url)
        try:
            await RedisButtonMemory(one).remember("web:x", NEWS)
            assert await RedisButtonMemory(two).recall("web:x") == NEWS
            assert 0 < await one.ttl("smartcity:offered:web:x") <= 7 * 24 * 3600
            await RedisButtonMemory(two).remember("web:x", [])
            assert await RedisButtonMemory(one).recall("web:x") == []
        finally:
            await one.close()
            await two.close()
