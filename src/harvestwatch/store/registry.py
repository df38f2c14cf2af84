"""Tables of the transplant-centre registry: hospitals, names, accreditations, facts, proposals.

Facts that disagree are separate rows (never merged); every fact and every review decision
also has a custody-ledger entry (``ledger_seq``). Conversion to the typed records of
``harvestwatch.core.registry`` happens here (``*_from_row``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from harvestwatch.core.registry import Accreditation, Alias, Fact, Hospital, SourceRef
from harvestwatch.store.base import Base
from harvestwatch.store.models import utcnow


class RegistryHospital(Base):
    __tablename__ = "registry_hospitals"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    name_en: Mapped[str] = mapped_column(Text)
    name_zh_hans: Mapped[str | None] = mapped_column(Text)
    name_zh_hant: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(String(120))
    province: Mapped[str | None] = mapped_column(String(120), index=True)
    affiliation: Mapped[str] = mapped_column(String(40), default="civilian")
    source_title: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str] = mapped_column(Text)
    quote: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(200), default="shipped")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RegistryAlias(Base):
    __tablename__ = "registry_aliases"
    __table_args__ = (UniqueConstraint("hospital_id", "name", name="uq_registry_aliases_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hospital_id: Mapped[str] = mapped_column(ForeignKey("registry_hospitals.id"), index=True)
    name: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(20), default="alias")


class RegistryAccreditation(Base):
    __tablename__ = "registry_accreditations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hospital_id: Mapped[str] = mapped_column(ForeignKey("registry_hospitals.id"), index=True)
    list_name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int | None] = mapped_column(Integer)
    organs: Mapped[str] = mapped_column(Text, default="")
    source_title: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str] = mapped_column(Text)
    quote: Mapped[str] = mapped_column(Text)
    verified: Mapped[str] = mapped_column(String(200), default="yes")
    origin: Mapped[str] = mapped_column(String(200), default="shipped")


class RegistryFact(Base):
    """A sourced figure: from a URL + exact quote, or from a span of a stored document."""

    __tablename__ = "registry_facts"
    __table_args__ = (Index("ix_registry_facts_hospital_metric", "hospital_id", "metric"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hospital_id: Mapped[str] = mapped_column(ForeignKey("registry_hospitals.id"))
    metric: Mapped[str] = mapped_column(String(40))
    value: Mapped[float] = mapped_column(Float)
    value_high: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    date: Mapped[str | None] = mapped_column(String(10))
    scope: Mapped[str | None] = mapped_column(Text)
    source_title: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(Text)
    quote: Mapped[str | None] = mapped_column(Text)
    document_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    start: Mapped[int | None] = mapped_column(Integer)
    end: Mapped[int | None] = mapped_column(Integer)
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    verified: Mapped[str] = mapped_column(String(200), default="yes")
    notes: Mapped[str | None] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(200), default="shipped")
    actor: Mapped[str] = mapped_column(String(200), default="shipped")
    ledger_seq: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RegistryMention(Base):
    """A registry hospital named in a stored document (offsets into its normalised text)."""

    __tablename__ = "registry_mentions"
    __table_args__ = (UniqueConstraint("document_id", "start", "end", "hospital_id",
                                       name="uq_registry_mentions_span"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hospital_id: Mapped[str] = mapped_column(ForeignKey("registry_hospitals.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))


class RegistryProposal(Base):
    """A figure found beside a hospital in a document; a reviewer accepts or rejects it."""

    __tablename__ = "registry_proposals"
    __table_args__ = (UniqueConstraint("hospital_id", "metric", "document_sha256", "item_start",
                                       "item_end", name="uq_registry_proposals_figure"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hospital_id: Mapped[str] = mapped_column(ForeignKey("registry_hospitals.id"), index=True)
    metric: Mapped[str] = mapped_column(String(40))
    value: Mapped[float] = mapped_column(Float)
    value_high: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    document_sha256: Mapped[str] = mapped_column(String(64))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    item_start: Mapped[int] = mapped_column(Integer)
    item_end: Mapped[int] = mapped_column(Integer)
    quote: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="proposed", index=True)
    reviewer: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    fact_id: Mapped[int | None] = mapped_column(Integer)
    ledger_seq: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RegistryMeta(Base):
    """Key/value bookkeeping (which shipped registry was loaded)."""

    __tablename__ = "registry_meta"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# --- conversion at the store boundary -------------------------------------------------------

def hospital_from_row(row: RegistryHospital, aliases: list[RegistryAlias]) -> Hospital:
    return Hospital(id=row.id, name_en=row.name_en, name_zh_hans=row.name_zh_hans,
                    name_zh_hant=row.name_zh_hant, city=row.city, province=row.province,
                    affiliation=row.affiliation,
                    source=SourceRef(row.source_title, row.source_url, row.quote),
                    aliases=[Alias(a.name, a.lang, a.kind) for a in aliases], origin=row.origin)


def hospital_to_row(h: Hospital) -> RegistryHospital:
    return RegistryHospital(id=h.id, name_en=h.name_en, name_zh_hans=h.name_zh_hans,
                            name_zh_hant=h.name_zh_hant, city=h.city, province=h.province,
                            affiliation=h.affiliation, source_title=h.source.title,
                            source_url=h.source.url, quote=h.source.quote, origin=h.origin)


def fact_from_row(row: RegistryFact) -> Fact:
    return Fact(hospital_id=row.hospital_id, metric=row.metric, value=row.value,
                value_high=row.value_high, unit=row.unit, year=row.year, date=row.date,
                scope=row.scope, verified=row.verified, notes=row.notes, id=row.id,
                origin=row.origin, restricted=row.restricted,
                source=SourceRef(row.source_title, row.source_url, row.quote, row.document_sha256,
                                 row.start, row.end))


def fact_to_row(f: Fact, actor: str) -> RegistryFact:
    s = f.source
    return RegistryFact(hospital_id=f.hospital_id, metric=f.metric, value=f.value,
                        value_high=f.value_high, unit=f.unit, year=f.year, date=f.date,
                        scope=f.scope, source_title=s.title, source_url=s.url, quote=s.quote,
                        document_sha256=s.document_sha256, start=s.start, end=s.end,
                        restricted=f.restricted, verified=f.verified, notes=f.notes,
                        origin=f.origin, actor=actor)


def accreditation_from_row(row: RegistryAccreditation) -> Accreditation:
    return Accreditation(hospital_id=row.hospital_id, list_name=row.list_name, year=row.year,
                         organs=tuple(o for o in row.organs.split(";") if o),
                         source=SourceRef(row.source_title, row.source_url, row.quote),
                         verified=row.verified)


def accreditation_to_row(a: Accreditation, origin: str) -> RegistryAccreditation:
    return RegistryAccreditation(hospital_id=a.hospital_id, list_name=a.list_name, year=a.year,
                                 organs=";".join(a.organs), source_title=a.source.title,
                                 source_url=a.source.url, quote=a.source.quote,
                                 verified=a.verified, origin=origin)
