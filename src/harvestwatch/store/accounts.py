"""Accounts and review tables: users, the audit's access log, review decisions.

Role rules (which roles exist, which are cleared) live in ``harvestwatch.core.roles``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from harvestwatch.store.base import Base


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def aware(at: datetime | None) -> datetime | None:
    """A stored time as an aware UTC datetime (SQLite hands timezone-aware columns back naive)."""
    if at is None or at.tzinfo is not None:
        return at
    return at.replace(tzinfo=UTC)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # consecutive failed logins and the lockout they earned (exponential backoff)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AccessLog(Base):
    """One row per audited event (restricted view, download, export, admin action).

    Each row has exactly one custody ledger entry, ``ledger_seq``, written in the same
    transaction by ``services.audit.record``.
    """

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user: Mapped[str] = mapped_column(String(120), index=True)
    document_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    object_type: Mapped[str] = mapped_column(String(40), default="document", server_default="document")
    object_id: Mapped[str] = mapped_column(String(200), default="", server_default="")
    via: Mapped[str] = mapped_column(String(10), default="cli", server_default="cli")
    ledger_seq: Mapped[int | None] = mapped_column(Integer)


class ReviewDecision(Base):
    """A reviewer's decision on an extracted item; the ledger entry is the authoritative record."""

    __tablename__ = "review_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("extracted_items.id"), index=True)
    decision: Mapped[str] = mapped_column(String(20))  # confirm | reject
    note: Mapped[str | None] = mapped_column(Text)
    user: Mapped[str] = mapped_column(String(120))
    ledger_seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
