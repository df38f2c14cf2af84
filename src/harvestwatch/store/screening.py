"""Tables of literature screening: records, duplicates, flags, review decisions, resolutions."""

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
    source: Mapped[str | None] = mapped_column(String(300))  # file name it was imported from
    doi_key: Mapped[str | None] = mapped_column(String(300))  # dedupe keys (screen/dedupe.py);
    pmid_key: Mapped[str | None] = mapped_column(String(20))  # title_key NULL: not keyed yet
    title_key: Mapped[str | None] = mapped_column(String(40))
    year: Mapped[int | None] = mapped_column(Integer)


class ScreenDuplicate(Base):
    """An imported record that duplicates a kept one: recorded, counted in PRISMA, not screened."""

    __tablename__ = "screen_duplicates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project: Mapped[str] = mapped_column(String(120), index=True)
    record_id: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(300))
    data: Mapped[dict] = mapped_column(JSON)
    duplicate_of: Mapped[int] = mapped_column(ForeignKey("screen_records.id"), index=True)
    key: Mapped[str] = mapped_column(String(20))  # doi | pmid | title_year | title | id
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
    """One reviewer's decision on a record; the latest per reviewer counts."""

    __tablename__ = "screen_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_pk: Mapped[int] = mapped_column(ForeignKey("screen_records.id"), index=True)
    decision: Mapped[str] = mapped_column(String(20))  # include | exclude | flag_confirmed | flag_wrong
    rule: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    ledger_seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reason: Mapped[str | None] = mapped_column(String(40))  # exclusion reason code


class ScreenResolution(Base):
    """The final decision on a record the two reviewers disagreed on; the latest counts."""

    __tablename__ = "screen_resolutions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_pk: Mapped[int] = mapped_column(ForeignKey("screen_records.id"), index=True)
    decision: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    mode: Mapped[str] = mapped_column(String(20))  # third_reviewer | consensus
    actor: Mapped[str] = mapped_column(String(200))
    ledger_seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ScreenProject(Base):
    """Per-project review settings: reviewers per record and the stopping rule."""

    __tablename__ = "screen_projects"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    reviewers: Mapped[int] = mapped_column(Integer)  # 1 or 2
    stop_after: Mapped[int] = mapped_column(Integer)  # consecutive irrelevant records
    min_screened: Mapped[float] = mapped_column()  # fraction screened before stopping may apply
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
