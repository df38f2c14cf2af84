"""Tables of FollowTheMoney entities imported from other tools (Aleph, OpenSanctions): one row
per entity id with its merged properties, and one provenance row per file line it came from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from harvestwatch.store.base import Base
from harvestwatch.store.models import utcnow


class FtmEntity(Base):
    """One imported FtM entity; ``properties`` as followthemoney cleaned them."""

    __tablename__ = "ftm_entities"

    entity_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    schema: Mapped[str] = mapped_column(String(60), index=True)
    caption: Mapped[str] = mapped_column(Text)
    properties: Mapped[dict] = mapped_column(JSON)
    datasets: Mapped[list] = mapped_column(JSON, default=list)
    referents: Mapped[list] = mapped_column(JSON, default=list)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FtmProvenance(Base):
    """Where an imported entity came from: the file (a stored source, by sha256), its line, and
    the dataset it was published in."""

    __tablename__ = "ftm_provenance"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[str] = mapped_column(ForeignKey("ftm_entities.entity_id"), index=True)
    source_sha256: Mapped[str] = mapped_column(String(64), index=True)
    line: Mapped[int] = mapped_column(Integer)
    dataset: Mapped[str] = mapped_column(String(200))
