"""Handlers that carry Telegram updates to Rasa and Rasa's replies back."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from functools import cached_property
from html import escape

from sqlalchemy.exc import SQLAlchemyError
from telegram import (
    Bot,
    CallbackQuery,
    Chat,
    Document,
    Message,
    MessageEntity,
    PhotoSize,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
    Update,
    User,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from actions.db import photos, telegram_links
from actions.db.models import utcnow
from actions.db.suggestions import normalize_reference
from bot.shared.gateway import ConversationGateway
from bot.shared.photo_intake import PhotoIntake
from bot.shared.photos import MAX_BYTES, PhotoRefused
from bot.shared.unavailable import Unavailable
from bot.telegram import texts
from bot.telegram.render import ButtonPayloads, Outgoing, render
from core.places import Position
from core.protocol import (
    ENGLISH,
    ENGLISH_PAYLOAD,
    LEICHTE_SPRACHE,
    TELEGRAM_CHANNEL,
    intent_payload,
)
from core.secret_key import sender_key
from core.settings import Settings

logger = logging.getLogger(__name__)

CHANNEL = TELEGRAM_CHANNEL
# Telegram shows "typing…" for 5 seconds; refresh it a little earlier.
TYPING_REFRESH_SECONDS = 4.5
MAX_CAPTION = 2000
MAX_PLACE = 200
# Chats whose "Standort senden" keyboard may still be open; past this, forget
# them (an open one-time keyboard only costs the citizen a tap to hide it).
MAX_OPEN_KEYBOARDS = 10_000
COMMANDS = {command.name: command for command in texts.COMMANDS}
# After a link from the web chat, /start greets in the language used there.
GREETINGS = {ENGLISH: COMMANDS["english"], LEICHTE_SPRACHE: COMMANDS["leicht"]}


def sender_id(chat: Chat, user: User | None) -> str:
    """One conversation per private chat, and one per member in a group."""
    if chat.type == Chat.PRIVATE or user is None:
        return f"{CHANNEL}:{chat.id}"
    return f"{CHANNEL}:{chat.id}:{user.id}"


def chat_id_of(recipient: str) -> int | None:
    """The chat a sender id (see `sender_id`) talks in, or None if it is not ours."""
    channel, _, rest = recipient.partition(":")
    try:
        return int(rest.split(":")[0]) if channel == CHANNEL else None
    except ValueError:
        return None


def addressed_text(message: Message, bot: Bot) -> str | None:
    """In a group: the text without our @mention, if it mentions or answers us."""
    text = message.text or ""
    mention = f"@{bot.username}".casefold()
    mentions = [
        entity
        for entity, value in message.parse_entities([MessageEntity.MENTION]).items()
        if value.casefold() == mention
    ]
    replied = message.reply_to_message
    if not mentions and not (
        replied and replied.from_user and replied.from_user.id == bot.id
    ):
        return None
    for entity in sorted(mentions, key=lambda e: e.offset, reverse=True):
        # Entity offsets count UTF-16 code units, as Telegram does.
        units = text.encode("utf-16-le")
        start, end = entity.offset * 2, (entity.offset + entity.length) * 2
        text = (units[:start] + units[end:]).decode("utf-16-le")
    return " ".join(text.split())


def _is_private(update: Update) -> bool:
    return (
        update.effective_chat is not None and update.effective_chat.type == Chat.PRIVATE
    )


def _asks_for_team(text: str) -> bool:
    return text.split("{")[0].split("@")[0] in texts.TEAM_PAYLOADS


def _team_only_in_private(bot: Bot) -> Outgoing:
    return Outgoing(
        escape(texts.TEAM_ONLY_IN_PRIVATE.format(bot=bot.username), quote=False)
    )


@contextlib.asynccontextmanager
async def typing(bot: Bot, chat_id: int) -> AsyncIterator[None]:
    """Show "typing…" until the block ends; a failure to show it never matters."""

    async def keep_typing() -> None:
        while True:
            with contextlib.suppress(TelegramError):
                await bot.send_chat_action(chat_id, ChatAction.TYPING)
            await asyncio.sleep(TYPING_REFRESH_SECONDS)

    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _pressed_title(query: CallbackQuery) -> str | None:
    markup = query.message.reply_markup if isinstance(query.message, Message) else None
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            if button.callback_data == query.data:
                return button.text
    return None


def largest(sizes: tuple[PhotoSize, ...]) -> PhotoSize:
    return max(sizes, key=lambda size: size.width * size.height)


class Bridge:
    def __init__(
        self, gateway: ConversationGateway, payloads: ButtonPayloads | None = None
    ) -> None:
        self.gateway = gateway
        self.settings: Settings = gateway.settings
        self.payloads = payloads or ButtonPayloads()
        self._open_keyboards: set[int] = set()
        # Chats in Leichter Sprache or English, as their last switch said: the
        # bridge's own texts follow them even while Rasa is away.
        self._languages: dict[int, str] = {}

    @cached_property
    def intake(self) -> PhotoIntake:
        return PhotoIntake(self.settings, self.gateway.db, self.gateway.rasa)

    def register(self, application: Application) -> None:
        new_messages = filters.UpdateType.MESSAGE
        application.add_handlers(
            [
                CommandHandler(list(COMMANDS), self.on_command),
                MessageHandler(new_messages & filters.COMMAND, self.on_unknown_command),
                MessageHandler(new_messages & filters.TEXT, self.on_text),
                MessageHandler(
                    new_messages & (filters.PHOTO | filters.Document.IMAGE),
                    self.on_photo,
                ),
                MessageHandler(
                    new_messages & (filters.LOCATION | filters.VENUE),
                    self.on_location,
                ),
                MessageHandler(
                    new_messages & ~filters.TEXT & ~filters.StatusUpdate.ALL,
                    self.on_not_text,
                ),
                CallbackQueryHandler(self.on_button),
            ]
        )
        application.add_error_handler(self.on_error)

    async def on_command(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE
    ) -> None:
        name = update.message.text.split()[0][1:].split("@")[0].casefold()
        payload = COMMANDS[name].payload
        reference = normalize_reference(" ".join(context.args or []))
        if name == "status" and reference:
            payload = intent_payload("ask_suggestion_status", reference=reference)
        if name == "start" and _speaks_english(update):
            # Telegram's app language: English from the first answer on (the
            # switch greets and says how to get German).
            payload = ENGLISH_PAYLOAD
        if name == "start" and context.args and _is_private(update):
            # The web chat's link, https://t.me/<bot>?start=<token>; in a
            # group the news would reach every member, so there it is a greeting.
            followed = await self.follow_link(update, context.args[0])
            if followed is None:
                return  # the database is away; the link still works
            if followed.reference is not None:
                payload = GREETINGS.get(followed.language, COMMANDS["start"]).payload
        await self.converse(update, context, payload)

    async def follow_link(
        self, update: Update, token: str
    ) -> telegram_links.Answer | None:
        """`/start <token>`: the web chat's suggestion moves to this chat
        (actions.db.telegram_links), which is told so, or why not."""
        chat = update.effective_chat
        sender = sender_id(chat, update.effective_user)
        here = telegram_links.Chat(CHANNEL, sender, sender_key(sender, self.settings))
        language = ENGLISH if _speaks_english(update) else self._languages.get(chat.id)
        try:
            followed = await self.gateway.db.run(
                lambda s: telegram_links.answer(
                    s, token, here, now=utcnow(), language=language
                )
            )
        except SQLAlchemyError as error:
            logger.warning("a link from the web chat was not followed: %s",
                           type(error).__name__)  # fmt: skip
            await update.message.reply_text(self._said(update, texts.UNAVAILABLE))
            return None
        await update.message.reply_text(followed.text)
        return followed

    async def on_unknown_command(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE
    ) -> None:
        command = update.message.text.split()[0]
        # In a group, "/foo" may be meant for another bot; "/foo@us" is for us.
        if _is_private(update) or command.casefold().endswith(
            f"@{context.bot.username}".casefold()
        ):
            await update.message.reply_text(self._said(update, texts.UNKNOWN_COMMAND))

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if _is_private(update):
            await self.converse(update, context, update.message.text)
            return
        text = addressed_text(update.message, context.bot)
        if text is not None:
            await self.converse(update, context, text or "/help")

    async def on_not_text(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE
    ) -> None:
        replied = update.message.reply_to_message
        to_us = (
            replied is not None
            and replied.from_user is not None
            and (replied.from_user.id == context.bot.id)
        )
        if _is_private(update) or to_us:
            await update.message.reply_text(self._said(update, texts.NOT_TEXT))

    async def on_photo(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE
    ) -> None:
        """A photo for the suggestion whose form is asking; outside the form
        its caption is answered as if typed (bot.shared.photo_intake)."""
        if not _is_private(update):
            await self.on_not_text(update, context)
            return
        message = update.message
        upload: PhotoSize | Document = (
            largest(message.photo) if message.photo else message.document
        )
        sender = sender_id(update.effective_chat, update.effective_user)
        if await self._live_open(sender):
            await message.reply_text(self._said(update, texts.NO_PHOTOS_IN_LIVE_CHAT))
            return
        data = await self._download(upload)
        if isinstance(data, str):
            await message.reply_text(self._said(update, data))
            return
        caption = " ".join((message.caption or "").split())[:MAX_CAPTION]
        refusal = None
        try:
            await self.intake.check_header(data)
            waits = await self.intake.form_waits(sender)
            if not waits and caption:
                await self.converse(update, context, caption)
                caption, waits = "", await self.intake.form_waits(sender)
            if not waits:
                raise PhotoRefused("not_in_form")
            # Telegram has no client address; an account there is not free.
            await self.intake.check_room(None)
            await self.intake.keep(sender, data, None)
        except PhotoRefused as refused:
            refusal = refused.german
        except photos.TooManyPhotos:
            refusal = texts.TOO_MANY_PHOTOS
        except SQLAlchemyError:
            logger.exception("photo not stored")
            refusal = texts.PHOTO_FAILED
        except Unavailable as error:
            logger.warning("not handled, %s: %s", type(error).__name__, error)
            refusal = texts.UNAVAILABLE
        if refusal:
            await message.reply_text(self._said(update, refusal))
            return
        payload = (
            intent_payload("attach_photo", caption=caption)
            if caption
            else "/attach_photo"
        )
        await self.converse(update, context, payload)

    async def on_location(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE
    ) -> None:
        """A shared location or venue: the place of a suggestion."""
        if not _is_private(update):
            await self.on_not_text(update, context)
            return
        message = update.message
        place = {}
        if message.venue:
            name = ", ".join(
                part for part in (message.venue.title, message.venue.address) if part
            )
            place = {"place": " ".join(name.split())[:MAX_PLACE]}
        # Rounded as the widget rounds: Rasa's tracker gets no more than is used.
        position = Position.parse(message.location.latitude, message.location.longitude)
        if position is None:
            await message.reply_text(self._said(update, texts.NOT_TEXT))
            return
        payload = intent_payload("share_location", **position.as_dict(), **place)
        await self.converse(update, context, payload)

    async def _live_open(self, sender: str) -> bool:
        try:
            return await self.gateway.is_live(sender)
        except Unavailable:
            return False  # the photo is kept; the dialogue says what next

    async def _download(self, upload: PhotoSize | Document) -> bytes | str:
        """The upload's bytes, or a German refusal."""
        if upload.file_size and upload.file_size > MAX_BYTES:
            return PhotoRefused("too_big").german
        try:
            file = await upload.get_file()
            return bytes(await file.download_as_bytearray())
        except TelegramError as error:
            logger.warning("photo not downloaded: %s", error)
            return texts.PHOTO_FAILED

    async def on_button(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE
    ) -> None:
        query = update.callback_query
        payload = await self.payloads.payload(query.data or "")
        if payload is None:
            await query.answer(self._said(update, texts.STALE_BUTTON), show_alert=True)
            return
        with contextlib.suppress(BadRequest):  # e.g. too old: still answer the press
            await query.answer()
        await self._show_choice(query)
        await self.converse(update, context, payload)

    async def _show_choice(self, query: CallbackQuery) -> None:
        """Replace the buttons by the chosen one, so the chat shows what was picked."""
        if not isinstance(query.message, Message):
            return  # too old to edit
        title = _pressed_title(query)
        try:
            if title and query.message.text:
                chosen = texts.CHOSEN.format(title=escape(title, quote=False))
                await query.edit_message_text(
                    f"{query.message.text_html}\n\n<i>{chosen}</i>",
                    parse_mode=ParseMode.HTML,
                )
            else:
                await query.edit_message_reply_markup(None)
        except BadRequest as error:
            logger.info("could not mark the chosen button: %s", error)

    async def converse(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, text: str
    ) -> None:
        chat = update.effective_chat
        sender = sender_id(chat, update.effective_user)
        if chat.type != Chat.PRIVATE and _asks_for_team(text):
            outgoing = [_team_only_in_private(context.bot)]
        else:
            async with typing(context.bot, chat.id):
                outgoing, live = await self._answer(sender, chat, text)
            if live and chat.type != Chat.PRIVATE:
                outgoing = await self._leave_live_chat(sender, context.bot)
        outgoing = self._close_or_track_keyboard(chat.id, outgoing)
        quote = None
        if not _is_private(update) and update.message is not None:
            quote = ReplyParameters(
                update.message.message_id, allow_sending_without_reply=True
            )
        for index, message in enumerate(outgoing):
            await context.bot.send_message(
                chat.id,
                message.html,
                parse_mode=ParseMode.HTML,
                reply_markup=message.keyboard,
                reply_parameters=quote if index == 0 else None,
            )

    async def replies(self, sender: str, chat: Chat, text: str) -> list[Outgoing]:
        return (await self._answer(sender, chat, text))[0]

    async def _answer(
        self, sender: str, chat: Chat, text: str
    ) -> tuple[list[Outgoing], bool]:
        """Our messages, and whether a person from the team has the conversation."""
        metadata = {"channel": CHANNEL, "chat_type": chat.type}
        try:
            turn = await self.gateway.turn(
                sender, text, channel=CHANNEL, metadata=metadata
            )
        except Unavailable as error:
            logger.warning("not handled, %s: %s", type(error).__name__, error)
            unavailable = texts.worded(texts.UNAVAILABLE, self._languages.get(chat.id))
            return [Outgoing(escape(unavailable, quote=False))], False
        if turn.language is not None:
            self._remember_language(chat.id, turn.language)
        outgoing = render(
            turn.replies, self.payloads, location_button=chat.type == Chat.PRIVATE
        )
        await self.payloads.share()  # before a button can be pressed elsewhere
        if turn.live:
            return outgoing, True  # a person answers, through the outbox
        no_answer = texts.worded(texts.NO_ANSWER, self._languages.get(chat.id))
        return outgoing or [Outgoing(escape(no_answer, quote=False))], False

    async def _leave_live_chat(self, sender: str, bot: Bot) -> list[Outgoing]:
        """A live chat in a group (asked for in words): the team's replies
        would reach every member, so the assistant takes the conversation back."""
        try:
            await self.gateway.back_to_assistant(sender)
        except Unavailable as error:
            logger.warning("live chat in a group not ended: %s", error)  # next turn
        return [_team_only_in_private(bot)]

    def _remember_language(self, chat_id: int, language: str) -> None:
        if language not in texts.IN:
            self._languages.pop(chat_id, None)
            return
        if len(self._languages) >= MAX_OPEN_KEYBOARDS:
            self._languages.clear()  # a bound: only the error texts forget
        self._languages[chat_id] = language

    def _said(self, update: Update, text: str) -> str:
        chat = update.effective_chat
        return texts.worded(text, self._languages.get(chat.id) if chat else None)

    def _close_or_track_keyboard(
        self, chat_id: int, outgoing: list[Outgoing]
    ) -> list[Outgoing]:
        """A reply keyboard stays until a message removes it: the first reply
        without inline buttons after the place step does."""
        if any(isinstance(m.keyboard, ReplyKeyboardMarkup) for m in outgoing):
            if len(self._open_keyboards) >= MAX_OPEN_KEYBOARDS:
                self._open_keyboards.clear()
            self._open_keyboards.add(chat_id)
            return outgoing
        if chat_id not in self._open_keyboards:
            return outgoing
        for index, message in enumerate(outgoing):
            if message.keyboard is None:
                self._open_keyboards.discard(chat_id)
                closed = Outgoing(message.html, ReplyKeyboardRemove())
                return [*outgoing[:index], closed, *outgoing[index + 1 :]]
        return outgoing

    async def on_error(
        self, update: object, context: ContextTypes.DEFAULT_TYPE
    ) -> None:
        logger.error("error while handling a Telegram update", exc_info=context.error)
        if isinstance(update, Update) and _is_private(update):
            with contextlib.suppress(TelegramError):
                await context.bot.send_message(
                    update.effective_chat.id, self._said(update, texts.FAILED)
                )


def _speaks_english(update: Update) -> bool:
    user = update.effective_user
    code = (user.language_code or "") if user else ""
    return code.casefold().split("-")[0] == ENGLISH
