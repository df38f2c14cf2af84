"""Search facets, the CJK character index and stable paging, checked against brute force over
the stored texts, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import delete, func, select, text

from harvestwatch.core.config import Settings
from harvestwatch.core.folding import fold_for_search
from harvestwatch.ingest.pipeline import ingest_paths
from harvestwatch.services.store import search_documents, search_page
from harvestwatch.store import facets as facets_table
from harvestwatch.store import open_store
from harvestwatch.store.models import Document, DocumentTag

EN = ["The kidney transplant waiting time at the hospital was {n} days.",
      "Officials denied that prisoners were used as organ donors in {y}.",
      "A surgeon told the tribunal that kidney and liver operations doubled."]
ZH = ["医院称肾脏移植等待时间只有{n}天。", "官方否认强摘器官的指控，称捐献者都是自愿的。",
      "醫院的肝臟移植在{y}年增加了一倍。"]


def _write(folder, i: int, body: str, year: int, lang: str) -> None:
    (folder / f"d{i:03}.html").write_text(
        f"<html lang='{lang}'><head><meta charset='utf-8'><title>Report {i}</title>"
        f"<meta property='article:published_time' content='{year}-05-0{1 + i % 9}'></head>"
        f"<body><article><p>{body}</p><p>Reference number {i}.</p></article></body></html>",
        encoding="utf-8")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def corpus(request, tmp_path_factory):
    """40 dated documents in two kinds, two tags, English and Chinese, plus a restricted one;
    built once per backend for the module (tests that change it put it back)."""
    tmp_path = tmp_path_factory.mktemp("facets")
    url = request.getfixturevalue("pg_cluster")() if request.param == "postgresql" else None
    any_store = open_store(Settings(store_dir=tmp_path / "store", database_url=url, actor="tester"))
    for i in range(40):
        folder = tmp_path / ("news" if i % 3 else "ngo") / ("a" if i % 2 else "b")
        folder.mkdir(parents=True, exist_ok=True)
        lang = "zh" if i % 4 == 0 else "en"
        pool = ZH if lang == "zh" else EN
        body = " ".join(pool[(i + k) % 3].format(n=i + 2, y=2000 + i % 7) for k in range(1 + i % 3))
        _write(folder, i, body, 2000 + i % 7, lang)
    for kind in ("news", "ngo"):
        for tag in ("a", "b"):
            ingest_paths(any_store, [str(tmp_path / kind / tag)],
                         kind="news" if kind == "news" else "ngo_report", tags=[tag])
    secret = tmp_path / "secret.txt"
    secret.write_text("证人说肾脏在苏家屯被摘取。The kidney witness.", encoding="utf-8")
    ingest_paths(any_store, [str(secret)], kind="testimony", restricted=True, tags=["a"])
    yield any_store
    any_store.close()


def _brute(store, query: str, **filters) -> list[int]:
    """Ids of unrestricted documents whose folded text or title holds every query term."""
    terms = [fold_for_search(t) for t in query.split()]
    with store.session() as s:
        docs = list(s.scalars(select(Document).where(Document.restricted.is_(False))))
        out = []
        for d in docs:
            folded = fold_for_search(d.text + "\n" + (d.title or ""))
            if not all(t in folded for t in terms):
                continue
            if filters.get("kind") and d.kind != filters["kind"]:
                continue
            if filters.get("tag") and filters["tag"] not in d.tag_names:
                continue
            out.append(d.id)
    return sorted(out)


def _facets(store, ids: list[int]) -> dict:
    with store.session() as s:
        docs = list(s.scalars(select(Document).where(Document.id.in_(ids))))
        return {"kind": Counter(d.kind for d in docs), "language": Counter(d.language for d in docs),
                "year": Counter(d.published[:4] if d.published else "unknown" for d in docs),
                "tag": Counter(t for d in docs for t in d.tag_names)}


@pytest.mark.parametrize("query", ["kidney", "kidney hospital", "肾", "肾脏", "移植", "肝", "器官 自愿",
                                   "医院 200", "肾脏移植", "kidney 2", "医 官方"])
def test_matches_and_facets_equal_brute_force(corpus, query):
    page = search_page(corpus, query, limit=100)
    expected = _brute(corpus, query)
    assert expected, query  # the corpus must exercise the query
    assert sorted(h.document_id for h in page.hits) == expected and page.total == len(expected)
    want = _facets(corpus, expected)
    assert {k: dict(v) for k, v in want.items()} == page.facets.to_dict()


def test_facets_follow_the_filters(corpus):
    page = search_page(corpus, "移植", kind="ngo_report", tag="b", limit=100)
    expected = _brute(corpus, "移植", kind="ngo_report", tag="b")
    assert expected and sorted(h.document_id for h in page.hits) == expected
    assert page.facets.kind == {"ngo_report": len(expected)}
    assert page.facets.tag == {"b": len(expected)}


def test_pages_never_repeat_or_skip(corpus):
    """Every document scores alike for 'reference' (ties): the id decides, page after page."""
    total = search_page(corpus, "reference", limit=1).total
    assert total == 40
    seen = []
    for offset in range(0, total, 7):
        seen += [h.document_id for h in search_page(corpus, "reference", limit=7, offset=offset).hits]
    assert len(seen) == len(set(seen)) == total
    again = [h.document_id for h in search_page(corpus, "reference", limit=100).hits]
    assert seen == again


def test_restricted_documents_stay_out_of_side_tables(corpus):
    with corpus.session() as s:
        secret = s.scalar(select(Document.id).where(Document.restricted.is_(True)))
        assert s.scalar(select(func.count()).select_from(facets_table.SearchFacet)
                        .where(facets_table.SearchFacet.document_id == secret)) == 0
    for q in ("苏家屯", "肾", "witness"):
        assert secret not in [h.document_id for h in search_documents(corpus, q, limit=100)[0]]
    page = search_page(corpus, "肾脏", include_restricted=True, limit=100)
    assert secret in [h.document_id for h in page.hits]
    assert page.facets.kind["testimony"] == 1 and page.total == len(_brute(corpus, "肾脏")) + 1


def test_rebuild_equals_what_ingest_maintained(corpus):
    def snapshot(s):
        rows = s.execute(select(facets_table.SearchFacet.__table__)).all()
        short = {t: search_documents(corpus, t, limit=100)[1] for t in ("肾", "肝脏", "器官")}
        return sorted(rows), short

    with corpus.session() as s:
        before = snapshot(s)
    with corpus.engine.begin() as conn:
        assert facets_table.rebuild(conn) == 40
    with corpus.session() as s:
        assert snapshot(s) == before


def test_kind_change_and_removal_reach_the_facets(corpus):
    with corpus.session() as s:
        doc = s.scalar(select(Document).where(Document.kind == "news").limit(1))
        doc.kind, doc_id = "academic", doc.id
        tags = doc.tag_names
    try:
        assert search_page(corpus, "reference", kind="academic").total == 1
        with corpus.session() as s:
            s.execute(delete(DocumentTag).where(DocumentTag.document_id == doc_id))
        assert sum(search_page(corpus, "reference", limit=1).facets.tag.values()) == 39
    finally:
        with corpus.session() as s:
            s.get(Document, doc_id).kind = "news"
            s.add_all(DocumentTag(document_id=doc_id, tag=t) for t in tags)
    assert search_page(corpus, "reference", kind="academic").total == 0


def test_short_cjk_terms_use_the_character_index(corpus):
    if corpus.dialect != "sqlite":
        pytest.skip("the query plan check reads SQLite's EXPLAIN")
    from harvestwatch.store.search import match_sql

    sql, params = match_sql("sqlite", ["肾"])
    with corpus.engine.connect() as conn:
        plan = " ".join(r[-1] for r in conn.execute(text("EXPLAIN QUERY PLAN " + sql), params))
    assert "search_cjk VIRTUAL TABLE" in plan and "search_text" not in plan


def test_a_document_made_restricted_leaves_the_index_side_tables(any_store, tmp_path):
    (tmp_path / "a.txt").write_text("医院的肾脏移植记录 hospital ledger one", encoding="utf-8")
    (tmp_path / "b.txt").write_text("医院的肝脏移植记录 hospital ledger two", encoding="utf-8")
    ingest_paths(any_store, [str(tmp_path)], kind="news")
    assert search_documents(any_store, "肾")[1] == 1 and search_documents(any_store, "ledger")[1] == 2
    with any_store.session() as s:
        doc = s.scalar(select(Document).where(Document.text.contains("肾脏")))
        doc.restricted = True
    assert search_documents(any_store, "肾")[1] == 0
    assert search_documents(any_store, "ledger")[1] == 1
    assert search_page(any_store, "医院").facets.kind == {"news": 1}


def test_facet_index_is_reused_until_the_store_changes(any_store, tmp_path):
    """Searches share one in-memory facet index; an ingest, a retag or a kind change is seen
    by the very next search."""
    from harvestwatch.store import facet_index

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.txt").write_text("kidney ledger one 医院", encoding="utf-8")
    ingest_paths(any_store, [str(tmp_path / "a")], kind="news", tags=["first"])
    assert search_page(any_store, "ledger").facets.tag == {"first": 1}
    with any_store.session() as s:
        loaded = facet_index.current(s)
    search_page(any_store, "kidney", tag="first")
    with any_store.session() as s:
        assert facet_index.current(s) is loaded  # nothing changed: nothing reloaded
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "two.txt").write_text("kidney ledger two 医院", encoding="utf-8")
    ingest_paths(any_store, [str(tmp_path / "b")], kind="ngo_report", tags=["second"])
    page = search_page(any_store, "ledger")
    assert page.total == 2 and page.facets.kind == {"news": 1, "ngo_report": 1}
    assert search_page(any_store, "医院", tag="second").total == 1
    with any_store.session() as s:
        doc = s.scalar(select(Document).where(Document.kind == "news"))
        s.add(DocumentTag(document_id=doc.id, tag="second"))
        doc.kind = "academic"
    page = search_page(any_store, "ledger", tag="second")
    assert page.total == 2 and page.facets.kind == {"academic": 1, "ngo_report": 1}
    assert page.facets.tag == {"first": 1, "second": 2}
