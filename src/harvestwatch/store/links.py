"""Tables of the linking layer: manual entity decisions, source grades, and the links built
from them (entities, mentions, claims, clusters, members, lines, contradictions)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, Index, Integer, String, Text
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


class LinkState(Base):
    """What the stored links were built from (linker version, last decision and grade) and
    what the last run did."""

    __tablename__ = "link_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(20))
    decisions: Mapped[int] = mapped_column(Integer, default=0)
    grades: Mapped[int] = mapped_column(Integer, default=0)
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    last_run: Mapped[dict] = mapped_column(JSON, default=dict)


class LinkDocument(Base):
    """A document the links include, with a digest of its items (changed: re-link it)."""

    __tablename__ = "link_documents"

    document_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    digest: Mapped[str] = mapped_column(String(64))


class LinkEntity(Base):
    """An entity: the names (keys) resolution joined, why, and how often it is mentioned."""

    __tablename__ = "link_entities"
    __table_args__ = (Index("ix_link_entities_label_mentions", "label", "mentions"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(Text, index=True)  # "person:david matas"
    label: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(Text, index=True)
    root: Mapped[str] = mapped_column(Text)  # the least normalised name: orders name lookups
    last_word: Mapped[str | None] = mapped_column(Text, index=True)  # of a person's full name
    aliases: Mapped[list] = mapped_column(JSON, default=list)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    mentions: Mapped[int] = mapped_column(Integer, default=0)
    documents: Mapped[int] = mapped_column(Integer, default=0)


class LinkEntityKey(Base):
    """A normalised name (any alias) of an entity, by type: looks names up, blocks resolution."""

    __tablename__ = "link_entity_keys"

    label: Mapped[str] = mapped_column(String(40), primary_key=True)
    norm: Mapped[str] = mapped_column(Text, primary_key=True)
    entity_id: Mapped[int] = mapped_column(Integer, index=True)
    alias: Mapped[bool] = mapped_column(Boolean, default=False)  # a spelling, not a mention's key


Index("ix_link_entity_keys_norm", LinkEntityKey.norm)


class LinkEntityToken(Base):
    """What a resolution rule may join an entity's names on (rule, label, value)."""

    __tablename__ = "link_entity_tokens"
    __table_args__ = (Index("ix_link_entity_tokens_token", "rule", "label", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule: Mapped[str] = mapped_column(String(10))
    label: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(Text)
    entity_id: Mapped[int] = mapped_column(Integer, index=True)


class LinkMention(Base):
    """An entity mention (an extracted item) and the entity it resolved to."""

    __tablename__ = "link_mentions"

    item_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    entity_id: Mapped[int] = mapped_column(Integer, index=True)
    document_id: Mapped[int] = mapped_column(Integer, index=True)


class LinkClaim(Base):
    """A claim as its document links it: origin, actor block, subjects, context, block."""

    __tablename__ = "link_claims"

    item_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    document_id: Mapped[int] = mapped_column(Integer, index=True)
    item_type: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(40))
    block: Mapped[str | None] = mapped_column(Text, index=True)  # a quantity's what|scope|family
    origin: Mapped[str] = mapped_column(Text)
    via: Mapped[str] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(Text)
    subjects: Mapped[list] = mapped_column(JSON, default=list)
    context: Mapped[list] = mapped_column(JSON, default=list)
    # a figure's normalised reading (``link.claims.normalised``), re-clustered without the item
    text: Mapped[str | None] = mapped_column(Text)
    value: Mapped[float | None] = mapped_column(Float)
    low: Mapped[float | None] = mapped_column(Float)
    high: Mapped[float | None] = mapped_column(Float)  # None: open
    qualifier: Mapped[str | None] = mapped_column(String(20))
    subject: Mapped[str | None] = mapped_column(Text)


class LinkName(Base):
    """A resolved name a claim's linking used: re-link the claim when that name changes."""

    __tablename__ = "link_names"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text, index=True)
    item_id: Mapped[int] = mapped_column(Integer, index=True)
    document_id: Mapped[int] = mapped_column(Integer)


class LinkCluster(Base):
    """A claim cluster with its independent support."""

    __tablename__ = "link_clusters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(Text, unique=True)  # "q:victims|-|:0", "allegation~Falun Gong"
    kind: Mapped[str] = mapped_column(String(40), index=True)
    block: Mapped[str] = mapped_column(Text, index=True)
    summary: Mapped[str] = mapped_column(Text)
    low: Mapped[float | None] = mapped_column(Float)
    high: Mapped[float | None] = mapped_column(Float)
    independent: Mapped[int] = mapped_column(Integer)
    documents: Mapped[int] = mapped_column(Integer)
    members: Mapped[int] = mapped_column(Integer)


class LinkMember(Base):
    """A claim in a cluster, and the line of evidence (origin) it belongs to."""

    __tablename__ = "link_members"
    # the corroboration page reads each shown line's first claims: (cluster, origin) in item order
    __table_args__ = (Index("ix_link_members_line", "cluster_id", "origin", "item_id"),)

    cluster_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    item_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False, index=True)
    document_id: Mapped[int] = mapped_column(Integer, index=True)
    origin: Mapped[str] = mapped_column(Text)
    via: Mapped[str] = mapped_column(Text)


class LinkLine(Base):
    """An independent line of evidence of a cluster: one origin, its grade, how many claims."""

    __tablename__ = "link_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cluster_id: Mapped[int] = mapped_column(Integer)
    origin: Mapped[str] = mapped_column(Text)
    grade: Mapped[dict | None] = mapped_column(JSON)
    claims: Mapped[int] = mapped_column(Integer)


# what the corroboration page orders by: clusters best supported first, each cluster's
# strongest lines first (the second also serves look-ups by cluster)
Index("ix_link_clusters_rank", LinkCluster.independent.desc(), LinkCluster.members.desc(), LinkCluster.key)
Index("ix_link_lines_top", LinkLine.cluster_id, LinkLine.claims.desc(), LinkLine.origin)


class LinkContradiction(Base):
    """Two claims that cannot both hold (figures of one block, or an allegation and a denial)."""

    __tablename__ = "link_contradictions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(40), index=True)
    key: Mapped[str] = mapped_column(Text, default="")
    block: Mapped[str | None] = mapped_column(Text, index=True)
    a_item: Mapped[int] = mapped_column(Integer, index=True)
    b_item: Mapped[int] = mapped_column(Integer, index=True)
    a_cluster: Mapped[str | None] = mapped_column(Text)
    b_cluster: Mapped[str | None] = mapped_column(Text)
    shared: Mapped[list] = mapped_column(JSON, default=list)
    also: Mapped[list] = mapped_column(JSON, default=list)  # item ids
    answers_document: Mapped[bool] = mapped_column(Boolean, default=False)
    topics: Mapped[list] = mapped_column(JSON, default=list)


class LinkTopic(Base):
    """A topic an allegation or a denial talks about (pairs denials with allegations)."""

    __tablename__ = "link_topics"

    topic: Mapped[str] = mapped_column(String(20), primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(20))  # allegation | denial
    document_id: Mapped[int] = mapped_column(Integer, index=True)


LINK_TABLES = (LinkDocument, LinkEntity, LinkEntityKey, LinkEntityToken, LinkMention, LinkClaim,
               LinkName, LinkCluster, LinkMember, LinkLine, LinkContradiction, LinkTopic)
