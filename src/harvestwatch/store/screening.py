"""Tables of literature screening: records, their flags, and review decisions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from harvestwatch.store.base import Base
from harvestwatch.store.models import utcnow


class ScreenRecord(Base):
    __tablename__ = "screen_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project: Mapped[str] = mapped_column(String(120), index=True)
    record_id: Mapped[str] = mapped_column(String(300))
    data: Mapped[dict] = mapped_column(JSON)  # Record.to_dict()
    screened_version: Mapped[str | None] = mapped_column(String(40))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ScreenFlag(Base):
    __tablename__ = "screen_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_pk: Mapped[int] = mapped_column(ForeignKey("screen_records.id"), index=True)
    rule: Mapped[str] = mapped_column(String(40), index=True)
    strength: Mapped[str] = mapped_column(String(10))
    explanation: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list] = mapped_column(JSON)


class ScreenDecision(Base):
    __tablename__ = "screen_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_pk: Mapped[int] = mapped_column(ForeignKey("screen_records.id"), index=True)
    decision: Mapped[str] = mapped_column(String(20))  # include | exclude | flag_confirmed | flag_wrong
    rule: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    ledger_seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
