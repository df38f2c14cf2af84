"""The store boundary of extracted items: ``core.items.Item`` ⇄ an ``extracted_items`` row.

``to_row`` and ``from_row`` are the only places that know how an item is laid out in the
table; everything above the store sees typed items. Restricted content is sealed and opened
here too (one place to hook encryption at rest of item text, names and payloads).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from harvestwatch.core.evidence import Span
from harvestwatch.core.items import Item, payload_data, payload_from
from harvestwatch.store.models import Document, ExtractedItem


def to_row(item: Item) -> dict:
    """The column values of an item (without its ids)."""
    return {"item_type": item.item_type, "label": item.label, "text": item.text,
            "start": item.start, "end": item.end, "canonical": item.canonical,
            "data": payload_data(item.payload)}


def from_row(row: ExtractedItem) -> Item:
    """The typed item a stored row holds."""
    return Item(Span(row.start, row.end), row.text,
                payload_from(row.item_type, row.label, row.canonical, row.data),
                row.document_id, row.document_sha256, row.id, row.extractor)


def load_items(session: Session, query) -> list[Item]:
    """The typed items a ``select(ExtractedItem)`` query finds."""
    return [from_row(r) for r in session.scalars(query)]


def replace_items(session: Session, document_id: int, extractor: str, items: Iterable[Item]) -> int:
    """Make ``items`` the extractor's items for one document, inside the current transaction.

    Items are matched on (type, label, start, end) across every version of the same
    extractor (the part of ``extractor`` before '/'): a matched item keeps its id and is
    updated, so review decisions that point at it stay valid; items no longer produced
    are removed unless a review decision refers to them.
    """
    from harvestwatch.store.accounts import ReviewDecision

    doc = session.get(Document, document_id)
    if doc is None:
        raise LookupError(f"no document {document_id}")
    family = extractor.split("/", 1)[0] + "/"
    existing = {(i.item_type, i.label, i.start, i.end): i for i in session.scalars(
        select(ExtractedItem).where(ExtractedItem.document_id == document_id,
                                    ExtractedItem.extractor.startswith(family)))}
    seen: set[tuple] = set()
    for item in items:
        values = to_row(item)
        key = (values["item_type"], values["label"], values["start"], values["end"])
        if key in seen:
            continue
        seen.add(key)
        row = existing.get(key)
        if row is None:
            row = ExtractedItem(document_id=document_id, document_sha256=doc.sha256,
                                item_type=values["item_type"], label=values["label"],
                                start=values["start"], end=values["end"])
            session.add(row)
        row.extractor = extractor
        row.text = values["text"]
        row.canonical = values["canonical"]
        row.data = values["data"]
    stale = [i.id for k, i in existing.items() if k not in seen]
    if stale:
        reviewed = set(session.scalars(select(ReviewDecision.item_id).where(ReviewDecision.item_id.in_(stale))))
        gone = [i for i in stale if i not in reviewed]
        if gone:
            session.execute(delete(ExtractedItem).where(ExtractedItem.id.in_(gone)))
    session.flush()
    return len(seen)
