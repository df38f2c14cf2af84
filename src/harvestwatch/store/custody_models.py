"""Custody tables: signed tree heads over the ledger and the cached nodes of its Merkle tree."""

from __future__ import annotations

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from harvestwatch.store.base import Base


class TreeHead(Base):
    """A signed tree head: the RFC 6962 root over ledger entries 1..tree_size, Ed25519-signed.

    ``frontier`` (the roots of the perfect subtrees, largest first) lets the next head extend
    this one without rehashing the ledger; ``tsa_token`` is an RFC 3161 TimeStampResp (base64)
    over the signature, when a timestamp authority was asked.
    """

    __tablename__ = "tree_heads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tree_size: Mapped[int] = mapped_column(Integer, index=True)
    root_hash: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[str] = mapped_column(String(32))
    key_id: Mapped[str] = mapped_column(String(64))
    public_key: Mapped[str] = mapped_column(String(64))  # base64 of the raw Ed25519 key
    signature: Mapped[str] = mapped_column(String(100))  # base64
    frontier: Mapped[list] = mapped_column(JSON, default=list)
    tsa_url: Mapped[str | None] = mapped_column(Text)
    tsa_token: Mapped[str | None] = mapped_column(Text)


class MerkleNode(Base):
    """The hash of one perfect subtree (2**level leaves from index << level), a cache for proofs."""

    __tablename__ = "merkle_nodes"

    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))
