"""Tables of the ingest layer: parent/child links between documents (archive members, e-mail
attachments), OCR word boxes per page, and the inputs that failed (for ``--retry-failed``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from harvestwatch.store.base import Base
from harvestwatch.store.models import utcnow


class DocumentLink(Base):
    """``child`` came inside ``parent``: an archive member, an attachment, a mailbox message."""

    __tablename__ = "document_links"
    __table_args__ = (UniqueConstraint("parent_id", "child_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    relation: Mapped[str] = mapped_column(String(20))  # member | attachment | message
    name: Mapped[str | None] = mapped_column(Text)  # the child's name inside the parent


class OcrPage(Base):
    """Tesseract's reading of one page: word boxes as [start, end, left, top, width, height,
    confidence], offsets into the document text, boxes in pixels of the page image."""

    __tablename__ = "ocr_pages"
    __table_args__ = (UniqueConstraint("document_id", "page"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    page: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    dpi: Mapped[int] = mapped_column(Integer)
    lang: Mapped[str] = mapped_column(String(40))
    confidence: Mapped[float | None] = mapped_column(Float)
    words: Mapped[list] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)


class IngestFailure(Base):
    """An input whose last ingest failed, with the reason; removed when it is stored."""

    __tablename__ = "ingest_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[bytes] = mapped_column(LargeBinary, unique=True)  # file system bytes or URL
    name: Mapped[str] = mapped_column(Text)  # printable form
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
