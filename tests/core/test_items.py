"""Typed items: each payload survives the store's row form; evidence, shifting, readings."""

from __future__ import annotations

import dataclasses
import math

import pytest

from harvestwatch.core.evidence import Evidence, Span
from harvestwatch.core.items import Item, Mention, Stance, payload_data, payload_from
from harvestwatch.core.items import Testimony as Quote
from harvestwatch.core.quantity import Cue, Interval, Quantity

SHA = "a" * 64
PAYLOADS = [
    Mention("organization", "End Transplant Abuse in China", "acronym", ("ETAC",)),
    Quantity(Interval(65_000, math.inf), "persons", "victims", 65_000, "over", "per year", "Falun Gong",
             (Cue("killed", 30, 36, "predicate"),)),
    Quantity(Interval(10_000, 99_999), "persons", "victims", counted=False),
    Quote("Wang Lin", Span(0, 8), "surgeon", "told"),
    Stance("denial", "National Health Commission", ("NHC",), "denied", "Falun Gong"),
]


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: type(p).__name__)
def test_payload_survives_its_row_form(payload):
    item = Item(Span(3, 9), "x" * 6, payload, 1, SHA, 7, "rules/1")
    back = payload_from(item.item_type, item.label, item.canonical, payload_data(payload))
    assert back == payload
    assert item.evidence == Evidence(SHA, 3, 9)


def test_items_are_frozen_and_know_their_kind():
    item = Item(Span(0, 4), "over", PAYLOADS[1])
    assert (item.item_type, item.label, item.canonical) == ("quantity", "victims", None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.text = "changed"  # type: ignore[misc]
    with pytest.raises(ValueError, match="document is known"):
        _ = item.evidence
    with pytest.raises(ValueError, match="unknown stance"):
        Stance("rumour")


def test_shifted_moves_every_offset_it_holds():
    q = Item(Span(30, 40), "65,000", PAYLOADS[1]).shifted(100)
    assert q.span == Span(130, 140) and q.payload.decided_by[0].start == 130
    t = Item(Span(10, 20), "quote", PAYLOADS[3]).shifted(5)
    assert t.payload.speaker_span == Span(5, 13)


def test_reading_says_what_was_read_and_why():
    q = Item(Span(0, 6), "65,000", PAYLOADS[1])
    assert q.reading == "victims: over 65000 persons per year (why: killed)"
    assert Item(Span(0, 1), "x", PAYLOADS[4]).reading == "denial by National Health Commission"


def test_stored_rows_round_trip_through_the_store(sqlite_store, tmp_path):
    from sqlalchemy import select

    from harvestwatch.services import store as store_svc
    from harvestwatch.store.items import from_row, replace_items
    from harvestwatch.store.models import ExtractedItem

    f = tmp_path / "d.txt"
    f.write_text("0123456789" * 10)
    doc_id = store_svc.ingest(sqlite_store, [str(f)], extract=False).document_ids[0]
    items = [Item(Span(i * 10, i * 10 + 5), "01234", p) for i, p in enumerate(PAYLOADS)]
    with sqlite_store.session() as s:
        assert replace_items(s, doc_id, "rules/1", items) == len(items)
    with sqlite_store.session() as s:
        back = [from_row(r) for r in s.scalars(select(ExtractedItem).order_by(ExtractedItem.start))]
    assert [b.payload for b in back] == PAYLOADS
    assert all(b.document_id == doc_id and b.id and len(b.evidence.document_sha256) == 64 for b in back)
