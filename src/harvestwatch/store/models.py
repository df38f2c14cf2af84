"""Tables of the evidence store: sources, documents, tags, extracted items, custody ledger."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from harvestwatch.store.base import Base


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class Source(Base):
    """One ingested input (a file or a fetched URL), stored as a blob exactly as received."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    blob_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(Text)  # original file name or URL
    size: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40), default="other")
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    actor: Mapped[str] = mapped_column(String(200))
    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    documents: Mapped[list[Document]] = relationship(back_populates="source")


class Document(Base):
    """A document taken from a source; every evidence offset points into ``text``."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)  # of the document's own bytes
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    record_index: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    published: Mapped[str | None] = mapped_column(String(32))
    site: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8), default="other")
    mime: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40), default="other")
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str] = mapped_column(Text)  # "enc:v1:..." for restricted documents
    text_sha256: Mapped[str] = mapped_column(String(64), index=True)
    text_length: Mapped[int] = mapped_column(Integer)
    pages: Mapped[list] = mapped_column(JSON, default=list)
    meta: Mapped[dict] = mapped_column(JSON, default=dict)
    near_duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    source: Mapped[Source] = relationship(back_populates="documents")
    tags: Mapped[list[DocumentTag]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def tag_names(self) -> list[str]:
        return sorted(t.tag for t in self.tags)


class DocumentTag(Base):
    __tablename__ = "document_tags"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(200), primary_key=True, index=True)


class SearchText(Base):
    """Case- and script-folded copy of a document's text (same offsets), for search."""

    __tablename__ = "search_text"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")


class ExtractedItem(Base):
    """An entity, quantity, testimony or stance taken from a document span by an extractor
    (``store.items`` turns a row into a typed ``core.items.Item`` and back)."""

    __tablename__ = "extracted_items"
    __table_args__ = (
        UniqueConstraint("document_id", "extractor", "item_type", "label", "start", "end",
                         name="uq_extracted_items_span"),
        Index("ix_extracted_items_type_label", "item_type", "label"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    document_sha256: Mapped[str] = mapped_column(String(64))
    extractor: Mapped[str] = mapped_column(String(80))
    item_type: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    canonical: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LedgerEntry(Base):
    """One append-only custody entry; ``entry_hash`` chains it to the one before."""

    __tablename__ = "ledger"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[str] = mapped_column(String(200), index=True)
    payload: Mapped[dict] = mapped_column(JSON)
    payload_hash: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)

    def to_dict(self) -> dict:
        return {"seq": self.seq, "at": self.at, "actor": self.actor, "action": self.action,
                "object_type": self.object_type, "object_id": self.object_id,
                "payload": self.payload, "payload_hash": self.payload_hash,
                "prev_hash": self.prev_hash, "entry_hash": self.entry_hash}


class Checkpoint(Base):
    """A published Merkle root over ledger entries 1..last_seq."""

    __tablename__ = "checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[str] = mapped_column(String(32))
    last_seq: Mapped[int] = mapped_column(Integer)
    merkle_root: Mapped[str] = mapped_column(String(64))
