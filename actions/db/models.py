"""The tables of the project database: projects, calendar events,
suggestions with their status changes, photos and supports, notifications,
links that carry a suggestion to Telegram, staff accounts, the audit log,
live chats with staff availability, callback requests, and staff decisions
on messages the assistant did not understand.

No table is named like one of Rasa's (its SQL tracker store has `events`), so
one database can hold both.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, declarative_base, relationship

from core.places import Position

Base = declarative_base()

CONTENT_SOURCE = "content"
STAFF_SOURCE = "staff"


def ics_source(feed: str) -> str:
    """The source of events imported from one iCalendar feed (URL or file name)."""
    return f"ics:{feed}"[:300]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC, so SQLite and PostgreSQL agree."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing to store a naive datetime; pass an aware one")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = Column(Integer, primary_key=True)
    slug: Mapped[str] = Column(String(80), nullable=False, unique=True)
    name: Mapped[str] = Column(String(200), nullable=False, unique=True)
    aliases: Mapped[list[str]] = Column(JSON, nullable=False, default=list)
    summary: Mapped[str] = Column(Text, nullable=False)
    description: Mapped[str] = Column(Text, nullable=False, default="")
    # English texts (issue 34); None where the city wrote none.
    name_en: Mapped[str | None] = Column(String(200))
    summary_en: Mapped[str | None] = Column(Text)
    description_en: Mapped[str | None] = Column(Text)
    topic: Mapped[str] = Column(String(80), nullable=False, index=True)
    status: Mapped[str] = Column(String(40), nullable=False, index=True)
    district: Mapped[str | None] = Column(String(80), index=True)
    contact: Mapped[str | None] = Column(String(300))
    url: Mapped[str | None] = Column(String(500))
    start_date: Mapped[date | None] = Column(Date)
    end_date: Mapped[date | None] = Column(Date)
    updated_at: Mapped[datetime] = Column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )
    # Who brought it in: "content" (the files) or "staff". A content import
    # overwrites and prunes only its own rows, and none that staff edited.
    source: Mapped[str] = Column(
        String(300), nullable=False, default=CONTENT_SOURCE, server_default="content"
    )
    staff_edited_at: Mapped[datetime | None] = Column(UTCDateTime)

    events: Mapped[list[Event]] = relationship("Event", back_populates="project")

    @property
    def names(self) -> list[str]:
        """The canonical name first, then every alias people use for it."""
        return [self.name, *self.aliases]


class Event(Base):
    __tablename__ = "calendar_events"
    __table_args__ = (
        UniqueConstraint("source", "uid", name="uq_calendar_events_source_uid"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    # "content", "staff" or "ics:<feed>"; an import touches only its own rows.
    source: Mapped[str] = Column(String(300), nullable=False, default=CONTENT_SOURCE)
    # Stable key within its source (content file or iCalendar UID), so imports
    # are idempotent; two feeds may use the same UID.
    uid: Mapped[str] = Column(String(200), nullable=False)
    title: Mapped[str] = Column(String(300), nullable=False)
    description: Mapped[str] = Column(Text, nullable=False, default="")
    title_en: Mapped[str | None] = Column(String(300))
    description_en: Mapped[str | None] = Column(Text)
    registration_en: Mapped[str | None] = Column(Text)
    starts_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, index=True)
    ends_at: Mapped[datetime | None] = Column(UTCDateTime)
    location: Mapped[str | None] = Column(String(300))
    topic: Mapped[str | None] = Column(String(80), index=True)
    project_id: Mapped[int | None] = Column(
        Integer, ForeignKey("projects.id", ondelete="SET NULL"), index=True
    )
    url: Mapped[str | None] = Column(String(500))
    registration: Mapped[str | None] = Column(Text)
    updated_at: Mapped[datetime] = Column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )
    staff_edited_at: Mapped[datetime | None] = Column(UTCDateTime)

    project: Mapped[Project | None] = relationship("Project", back_populates="events")


class Suggestion(Base):
    """A citizen's idea. Contact fields are filled only with explicit consent."""

    __tablename__ = "suggestions"

    id: Mapped[int] = Column(Integer, primary_key=True)
    reference: Mapped[str] = Column(String(11), nullable=False, unique=True)
    # One row per completed form run, so a repeated confirmation stores nothing new.
    form_run_id: Mapped[str] = Column(String(64), nullable=False, unique=True)
    channel: Mapped[str] = Column(String(40), nullable=False)
    # HMAC of the platform's sender id: links a person's suggestions, reveals no id.
    sender_key: Mapped[str] = Column(String(64), nullable=False, index=True)
    # The conversation's language when it was handed in ("en"; None: German).
    language: Mapped[str | None] = Column(String(10))
    text: Mapped[str] = Column(Text, nullable=False)
    text_fingerprint: Mapped[str] = Column(String(64), nullable=False)
    topic: Mapped[str] = Column(String(80), nullable=False)
    location: Mapped[str | None] = Column(String(200))
    # A position the citizen shared (rounded, see core.places), and its district.
    latitude: Mapped[float | None] = Column(Float)
    longitude: Mapped[float | None] = Column(Float)
    district: Mapped[str | None] = Column(String(80))
    status: Mapped[str] = Column(String(20), nullable=False, index=True)
    # Where to send status notifications (the chat), kept only if the citizen asked for it.
    reply_to: Mapped[str | None] = Column(String(255))
    email: Mapped[str | None] = Column(String(254))
    email_consent_at: Mapped[datetime | None] = Column(UTCDateTime)
    created_at: Mapped[datetime] = Column(
        UTCDateTime, nullable=False, default=utcnow, index=True
    )
    updated_at: Mapped[datetime] = Column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )
    closed_at: Mapped[datetime | None] = Column(UTCDateTime)
    # Review by staff: who handles it, which older idea it repeats, hidden as spam.
    assigned_to: Mapped[str | None] = Column(String(40))
    duplicate_of_id: Mapped[int | None] = Column(
        Integer,
        ForeignKey(
            "suggestions.id", name="fk_suggestions_duplicate_of", ondelete="SET NULL"
        ),
    )
    hidden_at: Mapped[datetime | None] = Column(UTCDateTime)
    # Shown on the public board only if the citizen agreed and staff published
    # it, under a short title staff write; never with contact data.
    public_consent_at: Mapped[datetime | None] = Column(UTCDateTime)
    public_title: Mapped[str | None] = Column(String(120))
    published_at: Mapped[datetime | None] = Column(UTCDateTime, index=True)
    # When its author carried it from the web chat to Telegram (issue 36.3):
    # `channel`, `reply_to` and `sender_key` are the Telegram chat's since.
    carried_at: Mapped[datetime | None] = Column(UTCDateTime)

    history: Mapped[list[StatusChange]] = relationship(
        "StatusChange",
        back_populates="suggestion",
        cascade="all, delete-orphan",
        order_by="StatusChange.id",
    )
    photos: Mapped[list[Photo]] = relationship(
        "Photo",
        back_populates="suggestion",
        cascade="all, delete-orphan",
        order_by="Photo.id",
    )

    @property
    def position(self) -> Position | None:
        return Position.parse(self.latitude, self.longitude)


class StatusChange(Base):
    __tablename__ = "suggestion_status_changes"

    id: Mapped[int] = Column(Integer, primary_key=True)
    suggestion_id: Mapped[int] = Column(
        Integer,
        ForeignKey("suggestions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    changed_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)
    changed_by: Mapped[str] = Column(String(80), nullable=False)
    from_status: Mapped[str | None] = Column(String(20))
    to_status: Mapped[str] = Column(String(20), nullable=False)
    public_note: Mapped[str | None] = Column(Text)
    # The reply also goes to the board and to supporters: staff wrote it as
    # public. Else only the citizen reads it, whenever the idea is published.
    on_board: Mapped[bool] = Column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    # For staff only; never sent to the citizen.
    internal_note: Mapped[str | None] = Column(Text)

    suggestion: Mapped[Suggestion] = relationship(
        "Suggestion", back_populates="history"
    )


class Photo(Base):
    """A photo of the spot, re-encoded without metadata (bot.shared.photos).

    Until the form is sent it waits for its sender (`suggestion_id` NULL)
    and expires within the hour (bot.shared.expiry). `address_key` counts it
    against the budget of its client address for that hour, then goes.
    """

    __tablename__ = "suggestion_photos"

    id: Mapped[int] = Column(Integer, primary_key=True)
    suggestion_id: Mapped[int | None] = Column(
        Integer, ForeignKey("suggestions.id", ondelete="CASCADE"), index=True
    )
    sender_key: Mapped[str] = Column(String(64), nullable=False, index=True)
    address_key: Mapped[str | None] = Column(String(64), index=True)
    content: Mapped[bytes] = Column(LargeBinary, nullable=False)
    media_type: Mapped[str] = Column(String(40), nullable=False)
    width: Mapped[int] = Column(Integer, nullable=False)
    height: Mapped[int] = Column(Integer, nullable=False)
    created_at: Mapped[datetime] = Column(
        UTCDateTime, nullable=False, default=utcnow, index=True
    )

    suggestion: Mapped[Suggestion | None] = relationship(
        "Suggestion", back_populates="photos"
    )


class Support(Base):
    """A citizen backs a suggestion, once, by pseudonym (sender_key). With
    `reply_to` (their chat) they get the suggestion's news too. `address_key`,
    a keyed hash of the client address valid for one day, limits supports
    per address and day and shows staff a burst; it goes after two days."""

    __tablename__ = "suggestion_supports"
    __table_args__ = (
        UniqueConstraint("suggestion_id", "sender_key", name="uq_support_once"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    suggestion_id: Mapped[int] = Column(
        Integer, ForeignKey("suggestions.id", ondelete="CASCADE"), nullable=False,
        index=True,
    )  # fmt: skip
    sender_key: Mapped[str] = Column(String(64), nullable=False, index=True)
    channel: Mapped[str] = Column(String(40), nullable=False)
    reply_to: Mapped[str | None] = Column(String(255))
    address_key: Mapped[str | None] = Column(String(64), index=True)
    language: Mapped[str | None] = Column(String(10))  # for the news; None: German
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)


class Notification(Base):
    """Outbox: channels deliver rows and set sent_at only once delivery succeeded.

    A deliverer claims a row until `claimed_until`, so that two workers never send
    it twice; a failed attempt sets `next_attempt_at`, a hopeless one `failed_at`.
    """

    __tablename__ = "notifications"

    id: Mapped[int] = Column(Integer, primary_key=True)
    suggestion_id: Mapped[int | None] = Column(
        Integer, ForeignKey("suggestions.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = Column(String(40), nullable=False, index=True)
    # Indexed: every turn asks whether the team's last message awaits an answer.
    recipient: Mapped[str] = Column(String(255), nullable=False, index=True)
    text: Mapped[str] = Column(Text, nullable=False)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)
    sent_at: Mapped[datetime | None] = Column(UTCDateTime, index=True)
    attempts: Mapped[int] = Column(Integer, nullable=False, default=0)
    last_error: Mapped[str | None] = Column(Text)
    next_attempt_at: Mapped[datetime | None] = Column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = Column(UTCDateTime)
    # The deliverer holding the lease; only it may mark the row.
    claimed_by: Mapped[str | None] = Column(String(36))
    failed_at: Mapped[datetime | None] = Column(UTCDateTime)
    # The team's answer to a message left for it (callback request).
    callback_id: Mapped[int | None] = Column(
        Integer, ForeignKey("callback_requests.id", ondelete="CASCADE"), index=True
    )
    # The citizen's next message was taken as a possible answer to this one.
    reply_offered_at: Mapped[datetime | None] = Column(UTCDateTime)


class TelegramLink(Base):
    """A one-time link that carries a suggestion from the web chat to Telegram
    (actions.db.telegram_links). Only the token's hash is kept; the row goes
    a day after it expired, when the daily budget no longer counts it."""

    __tablename__ = "telegram_links"

    id: Mapped[int] = Column(Integer, primary_key=True)
    token_hash: Mapped[str] = Column(String(64), nullable=False, unique=True)
    suggestion_id: Mapped[int] = Column(
        Integer, ForeignKey("suggestions.id", ondelete="CASCADE"), nullable=False,
        index=True,
    )  # fmt: skip
    # The web chat's pseudonym that asked: its budget, and the author's mark.
    sender_key: Mapped[str] = Column(String(64), nullable=False, index=True)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, index=True)
    used_at: Mapped[datetime | None] = Column(UTCDateTime)
    # The citizen asked to take their follows along (actions.db.follows).
    with_follows: Mapped[bool] = Column(
        Boolean, nullable=False, default=False, server_default=false()
    )


class StaffUser(Base):
    """A member of the Smart-City office; role "reviewer" or "admin"."""

    __tablename__ = "staff_users"

    id: Mapped[int] = Column(Integer, primary_key=True)
    username: Mapped[str] = Column(String(40), nullable=False, unique=True)
    password_hash: Mapped[str] = Column(String(255), nullable=False)
    role: Mapped[str] = Column(String(20), nullable=False)
    active: Mapped[bool] = Column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)
    # Sessions issued before this instant are void: a reset logs everyone out.
    password_changed_at: Mapped[datetime] = Column(
        UTCDateTime, nullable=False, default=utcnow
    )
    last_login_at: Mapped[datetime | None] = Column(UTCDateTime)


class AuditEntry(Base):
    """Who changed what, when, with the values before and after."""

    __tablename__ = "audit_log"

    id: Mapped[int] = Column(Integer, primary_key=True)
    at: Mapped[datetime] = Column(
        UTCDateTime, nullable=False, default=utcnow, index=True
    )
    actor: Mapped[str] = Column(String(40), nullable=False, index=True)
    action: Mapped[str] = Column(String(40), nullable=False)
    object_type: Mapped[str] = Column(String(40), nullable=False)
    object_id: Mapped[str] = Column(String(80), nullable=False)
    before: Mapped[dict | None] = Column(JSON)
    after: Mapped[dict | None] = Column(JSON)


class LiveAvailability(Base):
    """A staff member who takes live chats, until `until` or until their staff
    session would end (`seen_at` + the idle timeout, see actions.db.live)."""

    __tablename__ = "live_availability"

    username: Mapped[str] = Column(String(40), primary_key=True)
    until: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    seen_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)


class LiveChat(Base):
    """A conversation handed from the assistant to a person ("waiting" for
    someone, "taken" by a member, "ended"). The transcript stays in Rasa's
    tracker; this row says who has the conversation and where to reply."""

    __tablename__ = "live_chats"

    id: Mapped[int] = Column(Integer, primary_key=True)
    # Rasa's sender id: where replies go and which tracker to read.
    sender_id: Mapped[str] = Column(String(255), nullable=False, index=True)
    sender_key: Mapped[str] = Column(String(64), nullable=False, index=True)
    channel: Mapped[str] = Column(String(40), nullable=False)
    status: Mapped[str] = Column(String(20), nullable=False, index=True)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)
    last_message_at: Mapped[datetime] = Column(
        UTCDateTime, nullable=False, default=utcnow
    )
    taken_by: Mapped[str | None] = Column(String(40))
    taken_at: Mapped[datetime | None] = Column(UTCDateTime)
    ended_at: Mapped[datetime | None] = Column(UTCDateTime, index=True)
    # A staff member's name, or "citizen".
    ended_by: Mapped[str | None] = Column(String(40))
    # The web client's address, keyed for the day (core.secret_key.address_key),
    # while the chat is open: waiting chats are capped per address.
    address_key: Mapped[str | None] = Column(String(64), index=True)
    language: Mapped[str | None] = Column(String(10))  # "en"; None: German


class CallbackRequest(Base):
    """A message left for the team when nobody could chat live."""

    __tablename__ = "callback_requests"

    id: Mapped[int] = Column(Integer, primary_key=True)
    reference: Mapped[str] = Column(String(11), nullable=False, unique=True)
    channel: Mapped[str] = Column(String(40), nullable=False)
    sender_key: Mapped[str] = Column(String(64), nullable=False, index=True)
    language: Mapped[str | None] = Column(String(10))  # "en"; None: German
    text: Mapped[str] = Column(Text, nullable=False)
    # Optional: how the citizen wants to be reached besides the chat.
    contact: Mapped[str | None] = Column(String(200))
    reply_to: Mapped[str | None] = Column(String(255))
    status: Mapped[str] = Column(String(20), nullable=False, index=True)
    created_at: Mapped[datetime] = Column(
        UTCDateTime, nullable=False, default=utcnow, index=True
    )
    updated_at: Mapped[datetime] = Column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )
    handled_by: Mapped[str | None] = Column(String(40))
    answer: Mapped[str | None] = Column(Text)
    answered_at: Mapped[datetime | None] = Column(UTCDateTime)


class ThreadReply(Base):
    """A citizen's answer to the team's message about a suggestion or a
    callback request: "offered" while the citizen is asked whether it is
    meant for the team, "sent" once it is on the staff page."""

    __tablename__ = "thread_replies"

    id: Mapped[int] = Column(Integer, primary_key=True)
    suggestion_id: Mapped[int | None] = Column(
        Integer, ForeignKey("suggestions.id", ondelete="CASCADE"), index=True
    )
    callback_id: Mapped[int | None] = Column(
        Integer, ForeignKey("callback_requests.id", ondelete="CASCADE"), index=True
    )
    sender_key: Mapped[str] = Column(String(64), nullable=False, index=True)
    channel: Mapped[str] = Column(String(40), nullable=False)
    text: Mapped[str] = Column(Text, nullable=False)
    status: Mapped[str] = Column(String(20), nullable=False)
    created_at: Mapped[datetime] = Column(
        UTCDateTime, nullable=False, default=utcnow, index=True
    )
    sent_at: Mapped[datetime | None] = Column(UTCDateTime)


class NluReview(Base):
    """A staff decision on a message the assistant did not understand: the
    intent (or FAQ answer) it should have been, or out of scope. No sender."""

    __tablename__ = "nlu_reviews"

    id: Mapped[int] = Column(Integer, primary_key=True)
    # The message as normalised for grouping: one decision per wording.
    text_key: Mapped[str] = Column(String(255), nullable=False, unique=True)
    text: Mapped[str] = Column(Text, nullable=False)
    intent: Mapped[str] = Column(String(120), nullable=False)
    decided_by: Mapped[str] = Column(String(40), nullable=False)
    decided_at: Mapped[datetime] = Column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )


class AnswerRating(Base):
    """A citizen's 👍 or 👎 on one answer. Not the chat, only its pseudonym
    (as suggestions keep it), so "Meine Daten löschen" finds the ratings of
    every session; retention removes it with the citizen's words."""

    __tablename__ = "answer_ratings"

    id: Mapped[int] = Column(Integer, primary_key=True)
    offer_id: Mapped[str] = Column(String(32), nullable=False, unique=True)
    sender_key: Mapped[str | None] = Column(String(64), index=True)
    # The citizen's words; the retention purge removes them and the comment.
    question: Mapped[str | None] = Column(Text)
    intent: Mapped[str] = Column(String(120), nullable=False)
    response: Mapped[str] = Column(String(160), nullable=False)
    channel: Mapped[str] = Column(String(40), nullable=False)
    rating: Mapped[str] = Column(String(8), nullable=False)
    comment: Mapped[str | None] = Column(Text)
    created_at: Mapped[datetime] = Column(
        UTCDateTime, nullable=False, default=utcnow, index=True
    )
    updated_at: Mapped[datetime] = Column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )


class Response(Base):
    """The text of one of the assistant's answers in one variant ("standard",
    or "leicht" for Leichte Sprache). Seeded from domain.yml (`default_text`);
    a staff edit sets `edited_at`, and only edited texts replace the domain's
    (bot.plugins.nlg), so a new release's wording reaches unedited answers."""

    __tablename__ = "responses"
    __table_args__ = (UniqueConstraint("name", "variant"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    name: Mapped[str] = Column(String(160), nullable=False)
    variant: Mapped[str] = Column(String(20), nullable=False)
    text: Mapped[str] = Column(Text, nullable=False)
    default_text: Mapped[str] = Column(Text, nullable=False)
    edited_by: Mapped[str | None] = Column(String(40))
    edited_at: Mapped[datetime | None] = Column(UTCDateTime)
    # "Geprüft von der Prüfgruppe" (DIN SPEC 33429): set by hand, for the
    # text as it was then; an edit clears it.
    reviewed_by: Mapped[str | None] = Column(String(40))
    reviewed_at: Mapped[datetime | None] = Column(UTCDateTime)
    versions: Mapped[list[ResponseVersion]] = relationship(
        "ResponseVersion",
        back_populates="response",
        cascade="all, delete-orphan",
        order_by="ResponseVersion.id.desc()",
    )


class ResponseVersion(Base):
    """One change of an answer's text by staff: an edit, a restore or a reset."""

    __tablename__ = "response_versions"

    id: Mapped[int] = Column(Integer, primary_key=True)
    response_id: Mapped[int] = Column(
        ForeignKey("responses.id", ondelete="CASCADE"), nullable=False, index=True
    )
    text_before: Mapped[str] = Column(Text, nullable=False)
    text_after: Mapped[str] = Column(Text, nullable=False)
    actor: Mapped[str] = Column(String(40), nullable=False)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)
    response: Mapped[Response] = relationship("Response", back_populates="versions")


class Follow(Base):
    """A citizen follows a topic, a district, a project or a published
    suggestion and gets its news once a day at most (actions.db.follows).

    Asked for with explicit consent in the chat; `recipient` is the chat the
    news goes to, `sender_key` the pseudonym "Meine Daten löschen" finds it by.
    `news_since`: what happened after it is news for the next digest."""

    __tablename__ = "follows"
    __table_args__ = (
        UniqueConstraint("sender_key", "kind", "value", name="uq_follow_once"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    sender_key: Mapped[str] = Column(String(64), nullable=False, index=True)
    channel: Mapped[str] = Column(String(40), nullable=False)
    recipient: Mapped[str] = Column(String(255), nullable=False, index=True)
    kind: Mapped[str] = Column(String(20), nullable=False)
    value: Mapped[str] = Column(String(300), nullable=False)
    language: Mapped[str | None] = Column(String(10))  # for the news; None: German
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)
    news_since: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)
    # The local day of the recipient's last digest: one message a day at most.
    digest_on: Mapped[date | None] = Column(Date)
