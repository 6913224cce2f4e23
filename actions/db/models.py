"""Tables of the project database: the city's Smart-City projects and events."""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import Mapped, declarative_base, relationship

Base = declarative_base()


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

    events: Mapped[list[Event]] = relationship("Event", back_populates="project")

    @property
    def names(self) -> list[str]:
        """The canonical name first, then every alias people use for it."""
        return [self.name, *self.aliases]


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = Column(Integer, primary_key=True)
    # Stable key from the content file or an iCalendar UID, so imports are idempotent.
    uid: Mapped[str] = Column(String(200), nullable=False, unique=True)
    title: Mapped[str] = Column(String(300), nullable=False)
    description: Mapped[str] = Column(Text, nullable=False, default="")
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

    project: Mapped[Project | None] = relationship("Project", back_populates="events")
