"""Extraction use cases: run the extractors over stored documents; list entities and claims."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from harvestwatch.core.items import Item
from harvestwatch.engine.runner import run_batches
from harvestwatch.extract.evaluation import evaluate
from harvestwatch.extract.mentions import ENTITY_LABELS
from harvestwatch.extract.registry import EXTRACTOR_VERSION
from harvestwatch.services.long_text import extract_items
from harvestwatch.store import Store, derived, sealed
from harvestwatch.store.documents import plain_text
from harvestwatch.store.items import from_row, load_items, replace_items
from harvestwatch.store.models import Document, ExtractedItem

__all__ = ["extract_documents", "list_entities", "list_claims", "evaluate_extraction",
           "CLAIM_KINDS", "ENTITY_LABELS"]

CLAIM_KINDS = ("quantity", "testimony", "allegation", "denial", "condemnation", "legal_measure",
               "call_to_action")
BATCH = 16


def _extract_batch(texts_langs: list[tuple[str, str]]) -> list[list[Item]]:
    return extract_items(texts_langs)  # long texts in chunks (spaCy refuses over 1M chars)


def extract_documents(store: Store, doc_ids: list[int] | None = None, *, workers: int = 1,
                      on_document: Callable[[int], None] | None = None) -> dict:
    """Extract items from documents (all when ``doc_ids`` is None); re-running changes nothing.

    Each document's items are replaced in one transaction, so an interrupted run leaves
    every document either fully extracted or untouched.
    """
    with store.session() as session:
        q = select(Document.id).order_by(Document.id)
        if doc_ids is not None:
            q = q.where(Document.id.in_(doc_ids))
        ids = list(session.scalars(q))
    batches = [ids[i:i + BATCH] for i in range(0, len(ids), BATCH)]
    counts = {"documents": 0, "items": 0, "extractor": EXTRACTOR_VERSION}
    if not ids:
        return counts
    actor = store.settings.actor
    with store.session() as session:  # the run and each document's items are ledger entries
        run = derived.start_run(session, EXTRACTOR_VERSION, ids, actor=actor)

    def load(batch: list[int]) -> list[tuple[str, str]]:
        with store.session() as session:
            docs = {d.id: d for d in session.scalars(select(Document).where(Document.id.in_(batch)))}
            return [(plain_text(docs[i], store.cipher), docs[i].language) for i in batch]

    def save(batch: list[int], items: list[list[Item]]) -> None:
        for doc_id, doc_items in zip(batch, items, strict=True):
            with store.session() as session:
                counts["items"] += replace_items(session, doc_id, EXTRACTOR_VERSION, doc_items)
                derived.record_extraction(session, doc_id, EXTRACTOR_VERSION, actor=actor, run=run)
            counts["documents"] += 1
            if on_document:
                on_document(doc_id)

    texts = (load(b) for b in batches)  # loaded a few batches ahead of the workers
    results = run_batches(_extract_batch, texts, workers=workers if len(batches) > 1 else 1)
    for batch, items in zip(batches, results, strict=True):
        save(batch, items)
    with store.session() as session:
        derived.finish_run(session, run, EXTRACTOR_VERSION, counts["documents"], actor=actor)
    return counts


def _visible(q, include_restricted: bool):
    if not include_restricted:
        q = q.join(Document, Document.id == ExtractedItem.document_id).where(
            Document.restricted.is_(False))
    return q


def list_entities(store: Store, *, label: str | None = None, include_restricted: bool = False,
                  limit: int = 200, offset: int = 0) -> list[dict]:
    """Entities with their mention and document counts, most mentioned first (paged)."""
    with store.session() as session:
        q = select(ExtractedItem.label, ExtractedItem.canonical, func.count(),
                   func.count(func.distinct(ExtractedItem.document_id))).where(
            ExtractedItem.item_type == "entity")
        if label:
            q = q.where(ExtractedItem.label == label)
        q = _visible(q, False).group_by(ExtractedItem.label, ExtractedItem.canonical)
        q = q.order_by(func.count().desc(), ExtractedItem.canonical)
        rows = session.execute(q if include_restricted else q.limit(limit).offset(offset)).all()
        if include_restricted:  # restricted names are sealed in the table: counted here
            rows = _with_restricted(rows, sealed.restricted_items(session, "entity", label))[
                offset:offset + limit]
    return [{"label": lb, "name": name, "mentions": n, "documents": d} for lb, name, n, d in rows]


def _with_restricted(rows: list, items: list) -> list[tuple]:
    """Entity counts of public rows merged with those of restricted items, most mentioned first."""
    mentions = {(lb, name): n for lb, name, n, _ in rows}
    docs: dict[tuple, int] = {(lb, name): d for lb, name, _, d in rows}
    seen: dict[tuple, set[int]] = {}
    for item in items:
        key = (item.label, item.canonical)
        mentions[key] = mentions.get(key, 0) + 1
        seen.setdefault(key, set()).add(item.document_id)
    for key, ids in seen.items():
        docs[key] = docs.get(key, 0) + len(ids)
    ordered = sorted(mentions, key=lambda k: (-mentions[k], k[1] or ""))
    return [(lb, name, mentions[(lb, name)], docs[(lb, name)]) for lb, name in ordered]


def list_claims(store: Store, *, kind: str | None = None, document: int | None = None,
                include_restricted: bool = False, limit: int = 500, offset: int = 0) -> list[Item]:
    """Quantity, testimony and stance items with their evidence spans, in document order."""
    with store.session() as session:
        q = select(ExtractedItem).where(ExtractedItem.item_type.in_(("quantity", "testimony", "stance")))
        if kind == "quantity":
            q = q.where(ExtractedItem.item_type == "quantity")
        elif kind == "testimony":
            q = q.where(ExtractedItem.item_type == "testimony")
        elif kind:
            q = q.where(ExtractedItem.item_type == "stance", ExtractedItem.label == kind)
        if document is not None:
            q = q.where(ExtractedItem.document_id == document)
        # in document order, by documents.id where documents is joined: SQLite then reads documents
        # in order and stops at the page (by extracted_items.document_id it sorts every claim first)
        first = ExtractedItem.document_id if include_restricted else Document.id
        q = (_visible(q, include_restricted).order_by(first, ExtractedItem.start, ExtractedItem.id)
             .limit(limit).offset(offset))
        if include_restricted:  # restricted rows are sealed in the table: opened as ORM rows load
            return load_items(session, q)
        return [from_row(r) for r in session.execute(q.with_only_columns(*_ITEM_COLUMNS))]


# what ``from_row`` reads: public rows are built from plain columns, without ORM objects
_ITEM_COLUMNS = (ExtractedItem.id, ExtractedItem.document_id, ExtractedItem.document_sha256,
                 ExtractedItem.extractor, ExtractedItem.item_type, ExtractedItem.label, ExtractedItem.text,
                 ExtractedItem.start, ExtractedItem.end, ExtractedItem.canonical, ExtractedItem.data)


def evaluate_extraction(gold_path: str, docs_dir: str, *, details: bool = False) -> dict:
    """Score the extractors against a gold file (see ``extract.evaluation``)."""
    return evaluate(gold_path, docs_dir, details=details)
