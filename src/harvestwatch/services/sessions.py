"""Workbench sessions: log in (with per-account lockout), resolve a session token on every
request (role read from the users table each time), log out, and end every session of an
account when its role or password changes.

The browser holds only a random token; the database keeps its SHA-256. Times come from the
caller (``now``), so timeouts are tested with a clock, not with sleep.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from harvestwatch.core.hashing import sha256_bytes
from harvestwatch.core.roles import is_role
from harvestwatch.services.passwords import password_matches
from harvestwatch.store import Store
from harvestwatch.store.accounts import User, aware
from harvestwatch.store.sessions import WebSession

__all__ = ["LockoutPolicy", "SessionUser", "LoginResult", "login", "resolve", "logout",
           "end_sessions", "active_sessions"]

TOUCH_EVERY = timedelta(seconds=30)  # last_seen_at is rewritten at most this often
KEEP_ENDED = timedelta(days=30)  # an account's sessions older than this are deleted at its next login


@dataclass(frozen=True)
class LockoutPolicy:
    """After ``after`` failed logins in a row an account is locked for ``base``, doubling with
    each further failure up to ``ceiling``; a successful login starts the count again."""

    after: int = 5
    base: timedelta = timedelta(seconds=30)
    ceiling: timedelta = timedelta(hours=1)

    def lock_for(self, failures: int) -> timedelta | None:
        if failures < self.after:
            return None
        return min(self.ceiling, self.base * (2 ** min(failures - self.after, 20)))


@dataclass(frozen=True)
class SessionUser:
    """The account behind a live session, as read from the database for this request."""

    session_id: int
    name: str
    role: str
    csrf: str

    def as_dict(self) -> dict:
        return {"name": self.name, "role": self.role}


@dataclass(frozen=True)
class LoginResult:
    """``status``: ok (``token`` and ``user`` set), wrong (name or password), locked
    (``retry_after`` seconds)."""

    status: str
    token: str | None = None
    user: SessionUser | None = None
    retry_after: int = 0


def _digest(token: str) -> str:
    return sha256_bytes(token.encode())


def login(store: Store, name: str, password: str, *, now: datetime, address: str = "",
          policy: LockoutPolicy = LockoutPolicy()) -> LoginResult:
    """Check a password and open a session; count failures and lock the account per ``policy``."""
    with store.session() as s:
        user = s.scalar(select(User).where(User.name == name))
        locked_until = aware(user.locked_until) if user else None
        if user is not None and locked_until and locked_until > now:
            return LoginResult("locked", retry_after=max(1, int((locked_until - now).total_seconds())))
        if user is None or not password_matches(user.password_hash if user else None, password):
            if user is not None:
                user.failed_logins = (user.failed_logins or 0) + 1
                span = policy.lock_for(user.failed_logins)
                user.locked_until = now + span if span else None
            return LoginResult("wrong")
        user.failed_logins, user.locked_until = 0, None
        s.execute(delete(WebSession).where(WebSession.user_id == user.id,
                                           WebSession.created_at < now - KEEP_ENDED))
        token = secrets.token_urlsafe(32)
        row = WebSession(token_sha256=_digest(token), user_id=user.id, csrf=secrets.token_urlsafe(32),
                         created_at=now, last_seen_at=now, address=address[:64])
        s.add(row)
        s.flush()
        return LoginResult("ok", token=token, user=SessionUser(row.id, user.name, user.role, row.csrf))


def resolve(store: Store, token: str, *, now: datetime, idle: timedelta,
            absolute: timedelta) -> SessionUser | None:
    """The live session ``token`` names, or None (unknown, ended, idle too long, too old)."""
    if not token or len(token) > 200:
        return None
    with store.session() as s:
        found = s.execute(select(WebSession, User).join(User, User.id == WebSession.user_id)
                          .where(WebSession.token_sha256 == _digest(token))).first()
        if found is None:
            return None
        row, user = found
        if row.ended_at is not None:
            return None
        if now - aware(row.last_seen_at) > idle:
            row.ended_at, row.end_reason = now, "idle"
            return None
        if now - aware(row.created_at) > absolute:
            row.ended_at, row.end_reason = now, "expired"
            return None
        if not is_role(user.role):
            return None
        if now - aware(row.last_seen_at) >= TOUCH_EVERY:
            row.last_seen_at = now
        return SessionUser(row.id, user.name, user.role, row.csrf)


def logout(store: Store, token: str, *, now: datetime) -> bool:
    """End the session ``token`` names; True when there was a live one."""
    with store.session() as s:
        result = s.execute(update(WebSession).where(WebSession.token_sha256 == _digest(token),
                                                    WebSession.ended_at.is_(None))
                           .values(ended_at=now, end_reason="logout"))
        return bool(result.rowcount)


def end_sessions(session: Session, user_id: int, reason: str, *, now: datetime) -> int:
    """End every live session of one account, in the caller's transaction; returns how many."""
    result = session.execute(update(WebSession).where(WebSession.user_id == user_id,
                                                      WebSession.ended_at.is_(None))
                             .values(ended_at=now, end_reason=reason))
    return result.rowcount or 0


def active_sessions(store: Store, name: str) -> int:
    """How many sessions of ``name`` have not ended (timeouts are applied when next used)."""
    with store.session() as s:
        return len(s.scalars(select(WebSession.id).join(User, User.id == WebSession.user_id)
                             .where(User.name == name, WebSession.ended_at.is_(None))).all())
