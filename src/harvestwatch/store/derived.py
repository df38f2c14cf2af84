"""Ledger entries that vouch for derived items: a digest of each document's items per extractor.

After an extractor writes a document's items, an ``extract`` entry records the digest of all
that extractor family's items of the document; ``verify`` recomputes it, so an edited, added
or deleted claim is named. A run is bracketed by ``extract_run`` / ``extract_run_done``
entries, so an interrupted run is reported as incomplete rather than intact.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from harvestwatch.core.hashing import sha256_json
from harvestwatch.store import ledger
from harvestwatch.store.models import Document, ExtractedItem

EXTRACT = "extract"
RUN_START = "extract_run"
RUN_DONE = "extract_run_done"


def family(extractor: str) -> str:
    return extractor.split("/", 1)[0]


def items_digest(session: Session, document_id: int, family_name: str) -> tuple[str, int]:
    """SHA-256 over a document's items of one extractor family (all versions), and their count."""
    rows = session.scalars(select(ExtractedItem).where(
        ExtractedItem.document_id == document_id,
        ExtractedItem.extractor.startswith(family_name + "/")).order_by(
        ExtractedItem.item_type, ExtractedItem.label, ExtractedItem.start, ExtractedItem.end,
        ExtractedItem.extractor))
    values = [[i.extractor, i.item_type, i.label, i.start, i.end, i.text, i.canonical, i.data]
              for i in rows]
    return sha256_json(values), len(values)


def record_extraction(session: Session, document_id: int, extractor: str, *, actor: str,
                      run: int | None = None) -> None:
    """Vouch for a document's items as ``extractor`` just left them (same transaction)."""
    session.flush()
    doc = session.get(Document, document_id)
    digest, n = items_digest(session, document_id, family(extractor))
    ledger.append(session, actor=actor, action=EXTRACT, object_type="document",
                  object_id=doc.sha256, payload={"document_id": document_id, "extractor": extractor,
                                                 "items": n, "digest": digest, "run": run})


def start_run(session: Session, extractor: str, document_ids: list[int], *, actor: str) -> int:
    """Record that ``extractor`` is about to run over ``document_ids``; returns the entry's seq."""
    entry = ledger.append(session, actor=actor, action=RUN_START, object_type="extraction",
                          object_id=extractor, payload={"documents": len(document_ids),
                                                        "ranges": id_ranges(document_ids)})
    session.flush()
    return entry.seq


def id_ranges(ids: list[int]) -> list[list[int]]:
    """Sorted ids as inclusive [first, last] runs (a whole store is usually one run)."""
    out: list[list[int]] = []
    for i in sorted(set(ids)):
        if out and out[-1][1] == i - 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return out


def expand_ranges(ranges: list[list[int]]) -> list[int]:
    return [i for first, last in ranges for i in range(first, last + 1)]


def finish_run(session: Session, run: int, extractor: str, documents: int, *, actor: str) -> None:
    ledger.append(session, actor=actor, action=RUN_DONE, object_type="extraction",
                  object_id=extractor, payload={"run": run, "documents": documents})
