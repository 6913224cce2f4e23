"""Staff accounts: Argon2id password hashes, roles, enabling and disabling.

Every function takes an open session; the caller owns the transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.db.audit import record
from actions.db.models import StaffUser, utcnow

ROLES = ("reviewer", "admin")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # bounds the hashing work an attacker can cause

# OWASP Password Storage Cheat Sheet: Argon2id, 19 MiB, 2 iterations, 1 lane.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified when the user is unknown, so that a wrong name takes as long as a
# wrong password and does not reveal which names exist.
_DUMMY_HASH = HASHER.hash("not a real password, only for constant timing")


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message says why."""


def check_username(username: str) -> str:
    name = (username or "").strip().lower()
    if not USERNAME.match(name):
        raise AccountError(
            "the user name must be 2-40 characters: a-z, 0-9, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"the password must have at least {MIN_PASSWORD_LENGTH} characters"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at most {MAX_PASSWORD_LENGTH}")
    return password


def by_name(session: Session, username: str) -> StaffUser | None:
    return session.scalar(
        select(StaffUser).where(StaffUser.username == username.strip().lower())
    )


def all_users(session: Session) -> list[StaffUser]:
    return list(session.scalars(select(StaffUser).order_by(StaffUser.username)))


def active_names(session: Session) -> list[str]:
    return list(
        session.scalars(
            select(StaffUser.username)
            .where(StaffUser.active.is_(True))
            .order_by(StaffUser.username)
        )
    )


def add_user(
    session: Session, username: str, role: str, password: str, *, actor: str
) -> StaffUser:
    name = check_username(username)
    if role not in ROLES:
        raise AccountError(f"the role must be one of {', '.join(ROLES)}")
    if by_name(session, name) is not None:
        raise AccountError(f"the user {name!r} exists already")
    user = StaffUser(
        username=name,
        password_hash=HASHER.hash(check_password(password)),
        role=role,
        active=True,
    )
    session.add(user)
    session.flush()
    record(session, actor, "user_added", "user", name, None, {"role": role})
    return user


def _existing(session: Session, username: str) -> StaffUser:
    user = by_name(session, username)
    if user is None:
        raise AccountError(f"there is no user {username.strip().lower()!r}")
    return user


def set_active(session: Session, username: str, active: bool, *, actor: str) -> None:
    user = _existing(session, username)
    before = user.active
    user.active = active
    # Disabling also ends the user's sessions (see session_user).
    user.password_changed_at = utcnow()
    record(
        session,
        actor,
        "user_enabled" if active else "user_disabled",
        "user",
        user.username,
        {"active": before},
        {"active": active},
    )


def reset_password(
    session: Session, username: str, password: str, *, actor: str
) -> None:
    user = _existing(session, username)
    user.password_hash = HASHER.hash(check_password(password))
    user.password_changed_at = utcnow()
    record(session, actor, "password_reset", "user", user.username, None, None)


@dataclass(frozen=True)
class Credentials:
    """What a login checks, read in one short transaction."""

    username: str
    password_hash: str
    active: bool


def credentials(session: Session, username: str) -> Credentials | None:
    user = by_name(session, username or "")
    if user is None:
        return None
    return Credentials(user.username, user.password_hash, user.active)


def password_matches(stored: Credentials | None, password: str) -> str | None:
    """None if wrong, else the hash to keep (a new one when parameters changed).

    Slow on purpose (Argon2id) and outside any transaction, so that a login
    never holds a database lock while it hashes.
    """
    if len(password) > MAX_PASSWORD_LENGTH:
        return None
    try:
        HASHER.verify(stored.password_hash if stored else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if stored is None or not stored.active:
        return None
    if HASHER.check_needs_rehash(stored.password_hash):
        return HASHER.hash(password)
    return stored.password_hash


def record_login(
    session: Session, stored: Credentials, password_hash: str
) -> StaffUser | None:
    """Note the login; None if the account changed since its password was checked."""
    user = by_name(session, stored.username)
    if user is None or not user.active or user.password_hash != stored.password_hash:
        return None
    user.password_hash = password_hash
    user.last_login_at = utcnow()
    return user


def session_user(
    session: Session, username: str, issued_at: datetime
) -> StaffUser | None:
    """The user a session cookie names, if still active and not reset since."""
    user = by_name(session, username)
    if user is None or not user.active or issued_at < user.password_changed_at:
        return None
    return user
