"""Linking on a small set of documents that cite each other, with hand-checked answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from harvestwatch.services import link as link_svc
from harvestwatch.services import store as store_svc
from tests.conftest import SAMPLES

DOCS = Path(__file__).parent / "docs"


@pytest.fixture
def linked(sqlite_store):
    store_svc.ingest(sqlite_store, [str(DOCS)], kind="news")
    link_svc.rebuild(sqlite_store)
    return sqlite_store


def _victim_cluster(store):
    clusters = [c for c in link_svc.corroboration(store, min_sources=1)
                if c["kind"] == "quantity" and c["key"].startswith("victims")]
    return max(clusters, key=lambda c: len(c["members"]))


def test_compatible_figures_form_one_cluster(linked):
    cluster = _victim_cluster(linked)
    texts = sorted(m["text"] for m in cluster["members"])
    assert any("over 60,000" in t for t in texts) and sum("65,000" in t for t in texts) == 2


def test_independence_counts_origins_not_documents(linked):
    support = _victim_cluster(linked)["support"]
    assert support["documents"] == 3
    assert support["independent_sources"] == 2  # the Daily Mail (two mirrors) + David Matas
    origins = {line["origin"]: sorted({c["document_id"] for c in line["chain"]}) for line in support["lines"]}
    assert "Daily Mail" in origins and len(origins["Daily Mail"]) == 2
    assert any("Matas" in o for o in origins)


def test_incompatible_figures_are_a_contradiction(linked):
    rows = link_svc.contradictions(linked)
    figures = [c for c in rows if c["type"] == "incompatible figures"]
    pair = {figures[0]["a"]["text"], figures[0]["b"]["text"]} if figures else set()
    assert any("1,000 transplants a year" in t for t in pair)
    assert any("10,000 transplants a year" in t for t in pair)
    assert any(c["type"] == "allegation vs denial" for c in rows)


def test_entities_resolve_across_documents_and_languages(linked):
    matas = link_svc.entity(linked, "Matas")
    assert matas["name"] == "David Matas"
    assert link_svc.entity(linked, "human rights lawyer David Matas")["id"] == matas["id"]
    falun = link_svc.entity(linked, "法轮功")
    assert falun["name"] == "Falun Gong" and len(falun["documents"]) == 4  # all but the official one


def test_manual_split_and_merge_are_replayed_and_recorded(linked):
    from harvestwatch.services.store import ledger_entries

    link_svc.decide(linked, "merge", "organization", "Daily Mail", "National Health Commission",
                    note="test merge")
    merged = link_svc.entity(linked, "Daily Mail")
    assert "National Health Commission" in merged["aliases"]
    assert any("manual merge" in r for r in merged["reasons"])
    link_svc.decide(linked, "split", "organization", "National Health Commission")
    assert "National Health Commission" not in link_svc.entity(linked, "Daily Mail")["aliases"]
    actions = [e["action"] for e in ledger_entries(linked, limit=5)]
    assert "entity_merge" in actions and "entity_split" in actions


def test_grades_show_in_support(linked):
    link_svc.grade_source(linked, "Daily Mail", "C", credibility=3, note="tabloid, usually relays")
    link_svc.rebuild(linked)
    lines = _victim_cluster(linked)["support"]["lines"]
    grade = next(line["grade"] for line in lines if line["origin"] == "Daily Mail")
    assert grade["reliability"] == "C" and grade["credibility"] == 3


def test_seed_corpus_links(sqlite_store):
    store_svc.ingest(sqlite_store, [str(SAMPLES)], kind="news")
    counts = link_svc.rebuild(sqlite_store)
    assert counts["entities"] > 20
    dafoh = link_svc.entity(sqlite_store, "DAFOH")
    assert dafoh["name"] == "Doctors Against Forced Organ Harvesting" and len(dafoh["documents"]) == 2
    denials = [c for c in link_svc.contradictions(sqlite_store) if c["type"] == "allegation vs denial"]
    assert denials and all(c["b"]["label"] == "denial" for c in denials)
