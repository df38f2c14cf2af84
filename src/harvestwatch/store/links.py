"""Tables of the linking layer: manual entity decisions, source grades, built link results."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from harvestwatch.store.base import Base
from harvestwatch.store.models import utcnow


class LinkDecision(Base):
    """A manual merge or split of entities; replayed on every rebuild."""

    __tablename__ = "link_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # merge | split
    label: Mapped[str] = mapped_column(String(40))
    a: Mapped[str] = mapped_column(Text)
    b: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    ledger_seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SourceGrade(Base):
    """Admiralty grading of a source: reliability A–F, information credibility 1–6."""

    __tablename__ = "source_grades"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(Text, index=True)
    reliability: Mapped[str] = mapped_column(String(1))
    credibility: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LinkResult(Base):
    """The last build of derived links (entities, clusters, contradictions) as JSON."""

    __tablename__ = "link_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    items: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON)
