"""Search pages through results without gaps or repeats, filters by date, and agrees across
SQLite (FTS5 trigram) and PostgreSQL (pg_trgm/LIKE)."""

from __future__ import annotations

import pytest

from harvestwatch.ingest.pipeline import ingest_paths
from harvestwatch.services.store import search_documents, show_document

YEARS = list(range(2000, 2012))


@pytest.fixture
def dated(any_store, tmp_path):
    for i, year in enumerate(YEARS):
        (tmp_path / f"r{year}.html").write_text(
            f"<html><head><title>Report {year}</title><meta property='article:published_time' "
            f"content='{year}-0{1 + i % 9}-15'></head><body><article><p>In {year} the hospital "
            f"reported {i * 10 + 5} kidney transplants and waiting times of {i + 3} days for "
            f"foreign patients.</p></article></body></html>", encoding="utf-8")
    (tmp_path / "zh.txt").write_text("二〇〇六年，該醫院的腎臟移植等待時間只有一週。", encoding="utf-8")
    report = ingest_paths(any_store, [str(tmp_path)], kind="news", tags=["dated"])
    assert len(report.by_status("stored")) == len(YEARS) + 1
    return any_store


def test_pages_cover_all_hits_once(dated):
    _, total = search_documents(dated, "kidney transplants", limit=100)
    assert total == len(YEARS)
    seen = []
    for offset in range(0, total, 5):
        hits, t = search_documents(dated, "kidney transplants", limit=5, offset=offset)
        assert t == total and len(hits) == min(5, total - offset)
        seen += [h.document_id for h in hits]
    assert len(seen) == len(set(seen)) == total
    assert search_documents(dated, "kidney transplants", limit=5, offset=total)[0] == []


def test_date_range_filters_on_published(dated):
    hits, total = search_documents(dated, "hospital", since="2004", until="2006", limit=50)
    assert total == 3
    assert sorted(h.published[:4] for h in hits) == ["2004", "2005", "2006"]
    assert search_documents(dated, "hospital", since="2011-01-01")[1] == 1
    assert search_documents(dated, "hospital", until="1999-12-31")[1] == 0


def test_every_highlight_points_at_the_matched_text(dated):
    for query, expected in (("Transplants", "transplants"), ("肾脏移植", "腎臟移植"),
                            ("周", "週")):
        hits, total = search_documents(dated, query, limit=50)
        assert total >= 1, query
        for hit in hits:
            text = show_document(dated, hit.document_id)["text"]
            assert hit.highlights
            assert {text[s:e] for s, e in hit.highlights} == {expected}, query


def test_all_terms_must_match(dated):
    assert search_documents(dated, "kidney 2003")[1] == 1
    assert search_documents(dated, "kidney nonexistentword")[1] == 0
    assert search_documents(dated, '"waiting times of 5 days"')[1] == 1
    assert search_documents(dated, "   ")[1] == 0
