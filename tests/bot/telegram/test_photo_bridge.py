"""Issue 30.11 on Telegram: a photo waits only while the suggestion form asks,
within the budget of everyone; outside the form a caption is answered as if
typed. A stand-in for Rasa, the loopback Bot API for Telegram, a real database."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from PIL import Image
from sqlalchemy import func, select
from telegram import Update
from telegram.ext import ExtBot

from actions.db.models import Photo
from actions.db.session import Database, in_transaction
from bot.shared.gateway import Turn
from bot.shared.photos import REFUSALS
from bot.telegram.bridge import Bridge
from bot.telegram.service import file_url_of
from core.settings import Settings
from tests.bot.telegram.bot_api import TOKEN

CHAT = 4711
SENDER = f"telegram:{CHAT}"
FORM = "suggestion_form"


class FormRasa:
    def __init__(self) -> None:
        self.forms: dict[str, str] = {}

    async def active_form(self, sender: str) -> str | None:
        return self.forms.get(sender)


class RecordingGateway:
    """Says what Rasa would; "Ich möchte einen Vorschlag machen" starts the form."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = Database(settings.database_url)
        self.rasa = FormRasa()
        self.turns: list[str] = []

    async def turn(self, sender, text, *, channel, metadata) -> Turn:
        self.turns.append(text)
        if text == "Ich möchte einen Vorschlag machen":
            self.rasa.forms[sender] = FORM
        return Turn([{"recipient_id": sender, "text": f"Antwort auf {text}"}], False)

    async def is_live(self, sender: str) -> bool:
        return False


@pytest.fixture
async def bot(bot_api):
    bot = ExtBot(
        TOKEN, base_url=bot_api.base_url, base_file_url=file_url_of(bot_api.base_url)
    )
    async with bot:
        yield bot


@pytest.fixture
def gateway(database_url, tmp_path) -> RecordingGateway:
    return RecordingGateway(
        Settings.from_env(
            {
                "DATABASE_URL": database_url,
                "SMARTCITY_VAR_DIR": str(tmp_path / "var"),
                "PHOTOS_PER_HOUR": "2",
            }
        )
    )


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 80), (30, 120, 200)).save(out, "JPEG")
    return out.getvalue()


async def send_photo(bot, bot_api, gateway, caption: str | None = None) -> list[str]:
    content = jpeg()
    photo = [{"file_id": bot_api.add_file(content), "file_unique_id": "p1",
              "width": 120, "height": 80, "file_size": len(content)}]  # fmt: skip
    extra = {"caption": caption} if caption else {}
    message = bot_api.message(CHAT, photo=photo, **extra)
    update = Update.de_json({"update_id": 1, "message": message}, bot)
    before = len(bot_api.sent("sendMessage", CHAT))
    await Bridge(gateway).on_photo(update, SimpleNamespace(bot=bot, args=[]))
    return [call.text for call in bot_api.sent("sendMessage", CHAT)[before:]]


def stored(database_url: str) -> int:
    return in_transaction(
        database_url, lambda s: s.scalar(select(func.count(Photo.id)))
    )


async def test_a_photo_outside_the_form_is_not_kept(
    bot, bot_api, gateway, database_url
):
    assert await send_photo(bot, bot_api, gateway) == [REFUSALS["not_in_form"]]
    assert stored(database_url) == 0 and gateway.turns == []


async def test_a_caption_outside_the_form_is_answered_as_typed(
    bot, bot_api, gateway, database_url
):
    idea = "Am Bahnhof fehlt eine Ladesäule für E-Bikes"
    said = await send_photo(bot, bot_api, gateway, caption=idea)
    assert said == [f"Antwort auf {idea}", REFUSALS["not_in_form"]]
    assert stored(database_url) == 0 and gateway.turns == [idea]


async def test_a_caption_that_starts_the_form_brings_the_photo(
    bot, bot_api, gateway, database_url
):
    said = await send_photo(bot, bot_api, gateway, "Ich möchte einen Vorschlag machen")
    assert gateway.turns == ["Ich möchte einen Vorschlag machen", "/attach_photo"]
    assert said[-1] == "Antwort auf /attach_photo"
    assert stored(database_url) == 1


async def test_in_the_form_photos_are_kept_within_the_budget_of_everyone(
    bot, bot_api, gateway, database_url
):
    gateway.rasa.forms[SENDER] = FORM
    for _ in range(2):
        assert await send_photo(bot, bot_api, gateway) == ["Antwort auf /attach_photo"]
    assert await send_photo(bot, bot_api, gateway) == [REFUSALS["overall_budget"]]
    assert stored(database_url) == 2
