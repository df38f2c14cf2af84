"""The extractors against the hand-made gold of the seed articles, and idempotent store runs."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from harvestwatch.extract.evaluation import evaluate
from harvestwatch.ingest.pipeline import ingest_paths
from harvestwatch.services.extract import extract_documents, list_claims, list_entities
from harvestwatch.store.models import ExtractedItem
from tests.conftest import SAMPLES, SHARED

GOLD = SHARED / "corpus" / "gold_seeds.jsonl"


@pytest.mark.skipif(not GOLD.exists(), reason="shared/corpus not beside the checkout")
def test_micro_f1_on_seed_gold():
    result = evaluate(GOLD, SHARED / "corpus" / "seeds")
    assert result["micro_f1"] >= 0.90, result
    assert result["fields"]["testimonies"]["recall"] >= 0.8
    assert result["fields"]["denials"]["f1"] >= 0.8


def test_extraction_into_store_is_idempotent(sqlite_store):
    report = ingest_paths(sqlite_store, [str(SAMPLES)])
    first = extract_documents(sqlite_store, report.document_ids)
    with sqlite_store.session() as s:
        ids_before = sorted(s.scalars(select(ExtractedItem.id)))
    second = extract_documents(sqlite_store, report.document_ids)
    assert first["items"] == second["items"] > 50
    with sqlite_store.session() as s:
        assert s.scalar(select(func.count()).select_from(ExtractedItem)) == len(ids_before)
        for item in s.scalars(select(ExtractedItem)):
            assert item.extractor == first["extractor"]
    people = {r["name"] for r in list_entities(sqlite_store, label="person")}
    assert {"David Matas", "Leon Lee", "Sophia Bryskine"} <= people
    denials = list_claims(sqlite_store, kind="denial")
    assert any("denies these allegations" in d.text for d in denials)


def test_every_item_points_at_its_text(sqlite_store):
    report = ingest_paths(sqlite_store, [str(SAMPLES)])
    extract_documents(sqlite_store, report.document_ids)
    from harvestwatch.store.models import Document

    with sqlite_store.session() as s:
        texts = {d.id: d.text for d in s.scalars(select(Document))}
        for item in s.scalars(select(ExtractedItem)):
            assert texts[item.document_id][item.start:item.end].strip() == item.text.strip()
