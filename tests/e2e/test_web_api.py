"""The web app's chat API in front of the real Rasa (pytest-aiohttp)."""

from __future__ import annotations

import json
import re
import sqlite3
import uuid

import pytest
from sqlalchemy.orm import Session

from actions.db.models import Notification
from actions.db.session import get_engine
from bot.shared.photos import REFUSALS
from bot.web import chat
from bot.web.app import CHAT
from tests.e2e.assistant import free_port
from tests.e2e.chat import ORIGIN, SERVICE_PORTAL


def session() -> str:
    return uuid.uuid4().hex


async def post_chat(client, body):
    response = await client.post("/api/chat", json=body)
    return response.status, await response.json()


async def test_chat_answers_from_the_database(make_client):
    client = await make_client()
    status, body = await post_chat(
        client, {"session": session(), "message": "Was ist die Mitmachplattform?"}
    )
    assert status == 200
    text = "\n".join(m["text"] for m in body["messages"])
    assert "KL MitWirkung" in text
    titles = [b["title"] for m in body["messages"] for b in m["buttons"]]
    assert "Weitere Projekte" in titles


async def test_an_out_of_scope_question_gets_the_city_service_portal(make_client):
    """Issue 31.8: a user test asked where to renew an identity card."""
    client = await make_client()
    status, body = await post_chat(
        client,
        {"session": session(), "message": "Wo verlängere ich meinen Personalausweis?"},
    )
    assert status == 200
    text = "\n".join(m["text"] for m in body["messages"])
    assert "Dabei kann ich leider nicht helfen" in text, text
    assert text.endswith(
        f"Dienstleistungen der Stadt finden Sie hier: {SERVICE_PORTAL}"
    ), text
    titles = [b["title"] for m in body["messages"] for b in m["buttons"]]
    assert "Was kann ich fragen?" in titles and "Kontakt" in titles


async def test_the_sender_is_derived_on_the_server(assistant, make_client):
    client = await make_client()
    mine = session()
    await post_chat(client, {"session": mine, "message": "Hallo"})
    sender = client.app[CHAT].sender(mine)
    assert re.fullmatch(r"web:[0-9a-f]{32}", sender) and mine not in sender
    with sqlite3.connect(assistant.tracker_db) as db:
        senders = {s for (s,) in db.execute("SELECT DISTINCT sender_id FROM events")}
    assert sender in senders and mine not in senders


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{kaputt", chat.BAD_REQUEST),
        ('["Hallo"]', chat.BAD_REQUEST),
        (json.dumps({"message": "Hallo"}), chat.BAD_REQUEST),
        (json.dumps({"session": "kurz", "message": "Hallo"}), chat.BAD_REQUEST),
        (
            json.dumps({"session": "../../etc/passwd/0000", "message": "Hallo"}),
            chat.BAD_REQUEST,
        ),
        (json.dumps({"session": "a" * 32, "message": 42}), chat.BAD_REQUEST),
        (json.dumps({"session": "a" * 32, "message": "   "}), chat.EMPTY),
        (json.dumps({"session": "a" * 32, "message": "x" * 2001}), chat.TOO_LONG),
    ],
)
async def test_bad_requests_get_a_german_400(make_client, body, message):
    client = await make_client()
    response = await client.post(
        "/api/chat", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    assert (await response.json()) == {"error": message}


async def test_huge_bodies_are_refused(make_client):
    client = await make_client()
    response = await client.post("/api/chat", data="x" * 200_000)
    assert response.status == 413


async def test_rate_limit_per_session(make_client):
    client = await make_client(WEB_CHAT_PER_MINUTE="3")
    fast, other = session(), session()
    statuses = [
        (await post_chat(client, {"session": fast, "message": "Hallo"}))[0]
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    response = await client.post(
        "/api/chat", json={"session": fast, "message": "Hallo"}
    )
    assert (await response.json())["error"] == chat.TOO_FAST
    assert response.headers["Retry-After"]
    assert (await post_chat(client, {"session": other, "message": "Hallo"}))[0] == 200


async def test_rasa_down_is_a_german_503(make_client):
    client = await make_client(RASA_PORT=str(free_port()))
    status, body = await post_chat(client, {"session": session(), "message": "Hallo"})
    assert status == 503 and body == {"error": chat.UNAVAILABLE}


async def test_security_headers_and_no_inline_script(make_client):
    client = await make_client()
    response = await client.get("/")
    assert response.status == 200
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    page = await response.text()
    assert '<script src="/widget.js" data-server="" defer></script>' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)  # every script has a src
    widget = await client.get("/widget.js")
    assert widget.headers["Content-Type"].startswith(
        ("application/javascript", "text/javascript")
    )
    assert "innerHTML" not in await widget.text()


async def test_cors_only_for_allowed_origins(make_client):
    client = await make_client()
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    allowed = await client.options("/api/chat", headers={"Origin": ORIGIN, **preflight})
    assert allowed.status == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == ORIGIN
    other = await client.options(
        "/api/chat", headers={"Origin": "https://evil.example", **preflight}
    )
    assert "Access-Control-Allow-Origin" not in other.headers
    response = await client.post(
        "/api/chat",
        json={"session": session(), "message": "Hallo"},
        headers={"Origin": "https://evil.example"},
    )
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_news_are_shown_once_and_only_to_their_session(make_client):
    client = await make_client()
    mine, theirs = session(), session()
    url = client.app[CHAT].settings.database_url
    with Session(get_engine(url), future=True) as db, db.begin():
        row = Notification(
            channel="web",
            recipient=client.app[CHAT].sender(mine),
            text="Neuigkeiten zu Ihrem Vorschlag V-AAAA-BBBB: angenommen",
            attempts=0,
        )
        db.add(row)
        db.flush()
        row_id = row.id

    other = await (await client.get(f"/api/notifications?session={theirs}")).json()
    assert other == {"notifications": [], "live": False, "live_taken": False}
    response = await client.post(
        "/api/notifications/seen", json={"session": theirs, "ids": [row_id]}
    )
    assert response.status == 200  # accepted, but changes nothing of someone else's
    news = await (await client.get(f"/api/notifications?session={mine}")).json()
    assert [n["id"] for n in news["notifications"]] == [row_id]

    await client.post(
        "/api/notifications/seen", json={"session": mine, "ids": [row_id]}
    )
    again = await (await client.get(f"/api/notifications?session={mine}")).json()
    assert again == {"notifications": [], "live": False, "live_taken": False}
    for bad in ({"session": mine, "ids": ["1"]}, {"session": mine}, {"ids": [row_id]}):
        assert (await client.post("/api/notifications/seen", json=bad)).status == 400


async def test_forget_erases_the_conversation(assistant, make_client):
    client = await make_client()
    mine = session()
    await post_chat(
        client, {"session": mine, "message": "Was ist die Mitmachplattform?"}
    )
    response = await client.post("/api/forget", json={"session": mine})
    assert response.status == 200
    text = "\n".join(m["text"] for m in (await response.json())["messages"])
    assert "gelöscht" in text
    sender = client.app[CHAT].sender(mine)
    with sqlite3.connect(assistant.tracker_db) as db:
        (kept,) = db.execute(
            "SELECT count(*) FROM events WHERE sender_id = ?", (sender,)
        ).fetchone()
    assert kept == 0


async def to_the_place_step(client, mine: str) -> list[dict]:
    for message in (
        "Ich möchte einen Vorschlag machen",
        "Am Stiftsplatz fehlt ein Trinkbrunnen für heiße Tage",
        '/inform{"topic":"Umwelt und Energie"}',
    ):
        status, body = await post_chat(client, {"session": mine, "message": message})
        assert status == 200
    return body["messages"]


async def test_the_place_question_asks_for_a_location(make_client):
    """Issue 16: the widget learns to offer "Meinen Standort verwenden"."""
    client = await make_client()
    mine = session()
    messages = await to_the_place_step(client, mine)
    assert "senden Sie Ihren Standort" in messages[-1]["text"]
    assert messages[-1]["ask_location"] is True
    assert all("ask_location" not in m for m in messages[:-1])
    _status, body = await post_chat(client, {
        "session": mine,
        "message": '/share_location{"latitude": 49.4443, "longitude": 7.7689}',
    })  # fmt: skip
    text = "\n".join(m["text"] for m in body["messages"])
    assert "Er liegt im Stadtteil Innenstadt." in text
    assert "Möchten Sie erfahren" in text
    assert all("ask_location" not in m for m in body["messages"])


@pytest.mark.parametrize(
    "payload",
    [
        '/share_location{"latitude": "nan", "longitude": 7.7}',
        '/share_location{"latitude": 1e999, "longitude": 7.7}',
        '/share_location{"latitude": {"$gt": 0}, "longitude": true}',
        '/share_location{"latitude": 49.4}',
        '/share_location{"place": "' + "x" * 400 + '"}',
    ],
)
async def test_a_crafted_location_is_refused_and_the_step_asked_again(
    make_client, payload
):
    client = await make_client()
    mine = session()
    await to_the_place_step(client, mine)
    status, body = await post_chat(client, {"session": mine, "message": payload})
    assert status == 200
    text = "\n".join(m["text"] for m in body["messages"])
    assert "Diesen Standort konnte ich nicht lesen" in text
    assert body["messages"][-1].get("ask_location") is True


async def hand_in_by_widget(http, base: str, mine: str) -> str:
    """A whole suggestion through the running web app's chat API, typed."""
    replies = []
    for message in (
        "Ich möchte einen Vorschlag machen",
        "Am Stiftsplatz fehlt ein Trinkbrunnen für heiße Tage",
        "Umwelt und Energie",
        "Überspringen",
        "Ja, hier im Chat",
        "Nein",
        "Absenden",
    ):
        async with http.post(
            f"{base}/api/chat", json={"session": mine, "message": message}
        ) as response:
            assert response.status == 200, await response.text()
            replies = (await response.json())["messages"]
    return re.search(r"V-[0-9A-Z]{4}-[0-9A-Z]{4}", replies[0]["text"]).group(0)


@pytest.mark.parametrize("scope", ["conversation", "all"])
async def test_verlauf_loeschen_names_what_goes_and_keeps_it_on_request(
    assistant, scope
):
    """Issue 29: the widget's question names the suggestions; clearing the
    conversation alone keeps them, deleting everything audits each one."""
    import aiohttp

    mine = session()
    async with aiohttp.ClientSession() as http:
        reference = await hand_in_by_widget(http, assistant.web_url, mine)
        async with http.get(f"{assistant.web_url}/api/forget?session={mine}") as left:
            assert left.status == 200
            named = await left.json()
        assert named == {
            "suggestions": [{"reference": reference, "status": "eingegangen",
                             "published": False, "supporters": 0}],
            "supports": 0, "messages": 0, "follows": [],
        }  # fmt: skip
        async with http.post(
            f"{assistant.web_url}/api/forget", json={"session": mine, "scope": scope}
        ) as response:
            assert response.status == 200
        for wrong in ("alles", {}, ["all"], None, 1):
            bad = {"session": mine, "scope": wrong}
            async with http.post(
                f"{assistant.web_url}/api/forget", json=bad
            ) as response:
                assert response.status == 400, wrong
    with sqlite3.connect(assistant.database_url.removeprefix("sqlite:///")) as db:
        stored = db.execute(
            "SELECT reply_to FROM suggestions WHERE reference = ?", (reference,)
        ).fetchall()
        audited = db.execute(
            "SELECT actor, before FROM audit_log WHERE object_id = ?", (reference,)
        ).fetchall()
    if scope == "conversation":
        assert stored == [(None,)]  # kept, without a chat to reach
        assert audited == []
    else:
        assert stored == []
        [(actor, before)] = audited
        assert actor == "citizen" and "Trinkbrunnen" not in before


def upload(session_id: str, extra: list[tuple[str, bytes]], photo: bytes) -> object:
    import aiohttp

    form = aiohttp.FormData()
    form.add_field("session", session_id)
    for name, value in extra:
        form.add_field(name, value, filename="x.bin")
    form.add_field("photo", photo, filename="foto.png", content_type="image/png")
    return form


def tiny_png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(out, "PNG")
    return out.getvalue()


async def test_parts_of_other_names_count_against_the_upload_limit(make_client):
    """Issue 30: unknown multipart parts streamed through without any cap."""
    client = await make_client()
    mine = session()
    flood = [("x", b"\0" * (chat.MAX_UPLOAD + 1))]
    response = await client.post("/api/photos", data=upload(mine, flood, tiny_png()))
    assert response.status == 413
    assert "zu groß" in (await response.json())["error"]
    many = [(f"x{n}", b"a") for n in range(chat.MAX_PARTS)]
    response = await client.post("/api/photos", data=upload(mine, many, tiny_png()))
    assert response.status == 400
    fine = [("note", b"a small extra part")]
    response = await client.post("/api/photos", data=upload(mine, fine, tiny_png()))
    # Read in full and checked: it only waits for a form that asks (issue 30.11).
    assert response.status == 409, await response.text()
    assert (await response.json())["error"] == REFUSALS["not_in_form"]
