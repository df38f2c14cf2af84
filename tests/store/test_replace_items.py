"""Re-extraction keeps item ids stable and never orphans a review decision."""

from __future__ import annotations

from sqlalchemy import select

from harvestwatch.core.evidence import Span
from harvestwatch.core.items import Item, payload_from
from harvestwatch.services import store as store_svc
from harvestwatch.services import users as users_svc
from harvestwatch.store.items import replace_items
from harvestwatch.store.models import ExtractedItem
from tests.conftest import SAMPLES


def _items(store, doc_id):
    with store.session() as s:
        return {(i.item_type, i.label, i.start, i.end): (i.id, i.extractor)
                for i in s.scalars(select(ExtractedItem).where(ExtractedItem.document_id == doc_id))}


def test_new_extractor_version_updates_in_place_and_keeps_reviewed_items(sqlite_store):
    report = store_svc.ingest(sqlite_store, [str(SAMPLES)])
    doc_id = report.document_ids[0]
    before = _items(sqlite_store, doc_id)
    (key, (reviewed_id, _)), *_ = [(k, v) for k, v in before.items() if k[0] == "quantity"]
    users_svc.review_item(sqlite_store, reviewed_id, "confirm", user="rita", role="reviewer")
    kept = [k for k in before if k != key][:5]
    new_items = [Item(Span(s, e), "x", payload_from(t, lb, None, {})) for t, lb, s, e in kept]
    with sqlite_store.session() as s:
        replace_items(s, doc_id, "harvestwatch-extract/9.9", new_items)
    after = _items(sqlite_store, doc_id)
    assert after[key][0] == reviewed_id  # reviewed, so kept although no longer produced
    for k in kept:
        assert after[k] == (before[k][0], "harvestwatch-extract/9.9")  # same id, new version
    assert set(after) == set(kept) | {key}
