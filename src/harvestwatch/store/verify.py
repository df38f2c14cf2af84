"""Recompute every blob hash, the ledger chain and the document rows the ledger vouches for."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from harvestwatch.store import Store
from harvestwatch.store.documents import fingerprint, plain_text, text_hash
from harvestwatch.store.ledger import check_chain, merkle_root
from harvestwatch.store.models import Checkpoint, Document, LedgerEntry, Source

VOUCHING_ACTIONS = ("ingest", "edit")
SOURCE_FIELDS = ("name", "size", "kind", "restricted")


@dataclass
class VerifyReport:
    ok: bool
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counts: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"ok": self.ok, "problems": self.problems, "notes": self.notes, "counts": self.counts}


def verify_store(store: Store) -> VerifyReport:
    """Everything that differs from what the custody ledger recorded, named precisely."""
    problems: list[str] = []
    notes: list[str] = []
    with store.session() as session:
        problems += check_chain(session)
        problems += check_checkpoints(session)
        vouched: dict[str, str] = {}
        for entry in session.scalars(select(LedgerEntry).where(
                LedgerEntry.object_type == "document",
                LedgerEntry.action.in_(VOUCHING_ACTIONS)).order_by(LedgerEntry.seq)):
            fp = entry.payload.get("fingerprint")
            if fp:
                vouched[entry.object_id] = fp
        sources = list(session.scalars(select(Source)))
        source_shas = {s.blob_sha256 for s in sources}
        referenced = set(source_shas)
        problems += check_sources(session, sources)
        for src in sources:
            if issue := store.blobs.check(src.blob_sha256):
                problems.append(f"source {src.id} ({src.name}): {issue}")
        n_docs = 0
        for doc in session.scalars(select(Document).order_by(Document.id)):
            n_docs += 1
            referenced.add(doc.sha256)
            label = f"document {doc.id} ({doc.sha256[:12]})"
            if doc.sha256 not in source_shas and (
                    issue := store.blobs.check(doc.sha256)):
                problems.append(f"{label}: {issue}")
            try:
                body = plain_text(doc, store.cipher)
            except ValueError as exc:
                problems.append(f"{label}: text cannot be decrypted ({exc})")
                continue
            if text_hash(body) != doc.text_sha256:
                problems.append(f"{label}: row 'documents.text' differs from its recorded hash")
            expected = vouched.get(doc.sha256)
            if expected is None:
                problems.append(f"{label}: row is not vouched for by any ledger entry")
            elif fingerprint(doc) != expected:
                problems.append(f"{label}: row 'documents' differs from what ledger recorded")
        for sha in vouched.keys() - referenced:
            problems.append(f"document {sha[:12]}: recorded in the ledger but its row is missing")
        n_entries = session.query(LedgerEntry).count()
    orphans = set(store.blobs.all_hashes()) - referenced
    if orphans:
        notes.append(f"{len(orphans)} blob(s) without rows (an interrupted ingest; re-run it to "
                     "use them): " + ", ".join(sorted(o[:12] for o in orphans)[:10]))
    if temps := store.blobs.temp_files():
        notes.append(f"{len(temps)} temporary file(s) from interrupted blob writes, safe to "
                     "delete: " + ", ".join(str(t) for t in temps[:10]))
    return VerifyReport(ok=not problems, problems=problems, notes=notes,
                        counts={"sources": len(sources), "documents": n_docs,
                                "ledger_entries": n_entries})


def check_sources(session, sources: list[Source]) -> list[str]:
    """Source rows against their ingest entries: values, rows nobody vouches for, lost rows."""
    recorded: dict[str, dict] = {}
    for entry in session.scalars(select(LedgerEntry).where(
            LedgerEntry.object_type == "source", LedgerEntry.action == "ingest")
            .order_by(LedgerEntry.seq)):
        recorded[entry.object_id] = entry.payload
    problems = []
    for src in sources:
        label = f"source {src.id} ({src.blob_sha256[:12]})"
        payload = recorded.get(src.blob_sha256)
        if payload is None:
            problems.append(f"{label}: row is not vouched for by any ledger entry")
            continue
        for name in SOURCE_FIELDS:
            if name in payload and payload[name] != getattr(src, name):
                problems.append(f"{label}: row 'sources.{name}' differs from what ledger recorded")
    for sha in recorded.keys() - {s.blob_sha256 for s in sources}:
        problems.append(f"source {sha[:12]}: recorded in the ledger but its row is missing")
    return problems


def check_checkpoints(session) -> list[str]:
    """Each stored Merkle checkpoint must still match the entries it covered.

    This catches what the hash chain alone cannot: entries cut off the end of the ledger,
    or the whole tail rewritten consistently after a checkpoint was taken (and published).
    """
    problems = []
    rows = session.execute(select(LedgerEntry.seq, LedgerEntry.entry_hash)
                           .order_by(LedgerEntry.seq)).all()
    last = rows[-1][0] if rows else 0
    for cp in session.scalars(select(Checkpoint).order_by(Checkpoint.id)):
        if cp.last_seq > last:
            problems.append(f"checkpoint {cp.id} ({cp.at}) covers ledger entries 1..{cp.last_seq} "
                            f"but the ledger ends at entry {last}")
            continue
        if merkle_root([h for seq, h in rows if seq <= cp.last_seq]) != cp.merkle_root:
            problems.append(f"checkpoint {cp.id} ({cp.at}): ledger entries 1..{cp.last_seq} no "
                            f"longer hash to its Merkle root {cp.merkle_root[:16]}")
    return problems
