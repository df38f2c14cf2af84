"""Benchmark: p50/p95 latency of the search page (page of hits, total and facets) and of the
document page, against the raw full-text query the search page runs, in the same run.

    python bench/web.py [--docs 2000] [--requests 300] [--clients 4]
    python bench/web.py --docs 100000 --postgres          # a private PostgreSQL 15 cluster
    python bench/web.py --database-url postgresql+psycopg://user@host/db

The corpus comes from ``bench/corpus_gen.py`` (mixed English/Chinese, realistic lengths) and
is bulk-inserted through the store layer (rows, folded search text, tags; the search side
tables follow through the store's own events) instead of the full ingest pipeline, so that
100,000 documents load in minutes. The raw query is the index lookup alone, ranked and limited
to one page: FTS5 ``MATCH … ORDER BY bm25 LIMIT 20`` on SQLite (the trigram index, or the CJK
character index for 1–2 character Chinese terms); on PostgreSQL the pg_trgm/array lookup with
``count(*) OVER ()`` (it has no ranked index order, so the page's total is part of the lookup).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _workbench import serve_as_viewer  # noqa: E402
from corpus_gen import CorpusGenerator  # noqa: E402
from sqlalchemy import create_engine, insert, text  # noqa: E402

from harvestwatch.core.config import Settings  # noqa: E402
from harvestwatch.core.folding import fold_for_search  # noqa: E402
from harvestwatch.services import store as store_svc  # noqa: E402
from harvestwatch.store import facets  # noqa: E402
from harvestwatch.store.facets import is_cjk  # noqa: E402
from harvestwatch.store.models import Document, DocumentTag, SearchText, Source  # noqa: E402
from harvestwatch.store.search import parse_query  # noqa: E402

# From very common to rare, English and Chinese, one to three terms, 1–5 character Chinese.
QUERIES = ["hospital", "kidney", "surgeon tribunal", "waiting time", "immunosuppressant",
           "Sujiatun", '"organ donors"', "医院", "器官", "肾", "捐献者", "免疫抑制剂", "移植 2006"]
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))] * 1000


def populate(store, n: int, batch: int = 1000) -> None:
    """``n`` generated documents bulk-inserted into the store's tables (sources, documents,
    tags, folded search text; the full-text index follows through its triggers), then the
    search side tables built in one pass (``store.facets.rebuild``, as the migration does)."""
    gen = CorpusGenerator(0).documents(n)
    done, t0 = 0, time.perf_counter()
    while done < n:
        docs = [next(gen) for _ in range(min(batch, n - done))]
        with store.session() as session:
            sources, rows = [], []
            for doc in docs:
                data = doc.html().encode("utf-8")
                sha = hashlib.sha256(data).hexdigest()
                sources.append({"blob_sha256": sha, "name": f"gen/{doc.number:06}.html",
                                "size": len(data), "kind": doc.kind, "restricted": False,
                                "actor": "bench"})
                rows.append({"sha256": sha, "record_index": 0, "title": doc.title,
                             "published": doc.published, "language": doc.language,
                             "mime": "text/html", "kind": doc.kind, "restricted": False,
                             "text": doc.text, "text_length": len(doc.text), "pages": [], "meta": {},
                             "text_sha256": hashlib.sha256(doc.text.encode()).hexdigest()})
            source_ids = session.scalars(insert(Source).returning(Source.id, sort_by_parameter_order=True),
                                         sources).all()
            for row, source_id in zip(rows, source_ids, strict=True):
                row["source_id"] = source_id
            ids = session.scalars(insert(Document).returning(Document.id, sort_by_parameter_order=True),
                                  rows).all()
            session.execute(insert(DocumentTag), [{"document_id": i, "tag": t}
                                                  for i, doc in zip(ids, docs, strict=True) for t in doc.tags])
            session.execute(insert(SearchText), [
                {"document_id": i, "title": fold_for_search(doc.title), "body": fold_for_search(doc.text)}
                for i, doc in zip(ids, docs, strict=True)])
        done += len(docs)
        print(f"\r  stored {done}/{n} ({done / (time.perf_counter() - t0):.0f} docs/s)", end="",
              file=sys.stderr, flush=True)
    with store.engine.begin() as conn:
        facets.rebuild(conn)
    print(f" and indexed in {time.perf_counter() - t0:.0f} s", file=sys.stderr)


def raw_sql(dialect: str, query: str) -> tuple[str, dict]:
    """The index lookup the search page runs for ``query``, alone, ranked, one page."""
    terms = parse_query(query)
    long_terms = [t for t in terms if len(t) >= 3]
    short = [t for t in terms if len(t) < 3 and is_cjk(t)]
    if dialect == "sqlite":
        fts = " AND ".join('"' + t.replace('"', '""') + '"' for t in long_terms)
        cjk = " AND ".join(f'"{t}"' for t in short)
        if long_terms:
            extra = " AND rowid IN (SELECT rowid FROM search_cjk WHERE search_cjk MATCH :cjk)" if short else ""
            return (f"SELECT rowid, bm25(search_fts) FROM search_fts WHERE search_fts MATCH :fts{extra} "
                    "ORDER BY bm25(search_fts) LIMIT 20", {"fts": fts, "cjk": cjk})
        return ("SELECT rowid, bm25(search_cjk) FROM search_cjk WHERE search_cjk MATCH :cjk "
                "ORDER BY bm25(search_cjk) LIMIT 20", {"cjk": cjk})
    where, params = [], {}
    for i, t in enumerate(long_terms):
        where.append(f"(body LIKE :p{i} OR title LIKE :p{i})")
        params[f"p{i}"] = "%" + t + "%"
    if short:
        where.append("document_id IN (SELECT document_id FROM search_cjk WHERE grams @> CAST(:g AS text[]))")
        params["g"] = short
    return ("SELECT document_id, count(*) OVER () FROM search_text WHERE " + " AND ".join(where)
            + " ORDER BY document_id LIMIT 20", params)


class PrivatePostgres:
    """A throwaway PostgreSQL 15 cluster on 127.0.0.1 (as the tests start one)."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="hw-bench-pg-"))
        os.chmod(self.root, 0o777)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]

    def _run(self, *cmd: str) -> None:
        cmd = (["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else list(cmd))
        subprocess.run(cmd, check=True, capture_output=True)

    def start(self) -> str:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.root / "data"), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.root / "data"), "-w", "-l",
                  str(self.root / "log"), "-o", f"-p {self.port} -h 127.0.0.1 -k {self.root} "
                  "-c shared_buffers=512MB -c work_mem=32MB", "start")
        self._run(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U",
                  "postgres", "bench")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/bench"

    def stop(self) -> None:
        subprocess.run((["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else [])
                       + [str(PG_BIN / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "stop"],
                       capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)


def run(args: argparse.Namespace, database_url: str | None) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="hw-webbench-"))
    settings = Settings(store_dir=tmp / "store", database_url=database_url)
    st = store_svc.open(settings)
    t0 = time.perf_counter()
    populate(st, args.docs)
    engine = st.engine
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    load_s = time.perf_counter() - t0
    timed, stop_server = serve_as_viewer(settings, st, timeout=60)

    raw_engine = create_engine(engine.url, pool_size=args.clients)

    def raw(query: str) -> float:
        sql, params = raw_sql(engine.dialect.name, query)
        with raw_engine.connect() as conn:
            t = time.perf_counter()
            conn.execute(text(sql), params).all()
            return time.perf_counter() - t

    queries = [QUERIES[i % len(QUERIES)] for i in range(args.requests)]
    pages = ["/search?" + str(httpx.QueryParams({"q": q})) for q in queries]
    with ThreadPoolExecutor(args.clients) as pool:  # warm both paths once
        list(pool.map(timed, pages[:len(QUERIES)]))
        list(pool.map(raw, queries[:len(QUERIES)]))
        t_search = list(pool.map(timed, pages))
        t_raw = list(pool.map(raw, queries))
        t_doc = list(pool.map(timed, [f"/documents/{1 + (i * 7919) % args.docs}"
                                      for i in range(args.requests // 2)]))
    stop_server()
    totals = {q: store_svc.search_page(st, q, limit=1).total for q in QUERIES}
    st.close()
    raw_engine.dispose()
    shutil.rmtree(tmp, ignore_errors=True)
    load = os.getloadavg()
    print(f"\n{args.docs} documents on {engine.dialect.name} (bulk load {load_s:.0f} s), "
          f"{args.requests} requests each, {args.clients} concurrent clients, "
          f"load average {load[0]:.1f} on {os.cpu_count()} CPUs")
    for name, xs in (("search page", t_search), ("raw FTS query", t_raw), ("document page", t_doc)):
        print(f"  {name:14}: p50 {pct(xs, .5):7.1f} ms  p95 {pct(xs, .95):7.1f} ms  "
              f"mean {statistics.mean(xs) * 1000:7.1f} ms")
    print(f"  ratio search page / raw query: p50 {pct(t_search, .5) / pct(t_raw, .5):.2f}x  "
          f"p95 {pct(t_search, .95) / pct(t_raw, .95):.2f}x  (goal p95 <= 1.5x and <= 150 ms)")
    print("  per query (matches; p50 page / raw ms):")
    for q in QUERIES:
        ps = [t for t, qq in zip(t_search, queries, strict=True) if qq == q]
        rs = [t for t, qq in zip(t_raw, queries, strict=True) if qq == q]
        print(f"    {q:22} {totals[q]:7}  {pct(ps, .5):7.1f} / {pct(rs, .5):7.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--requests", type=int, default=260)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--database-url", help="an existing database (default: SQLite in a temp folder)")
    ap.add_argument("--postgres", action="store_true",
                    help="start a private PostgreSQL 15 cluster on 127.0.0.1 and stop it after")
    args = ap.parse_args()
    if not args.postgres:
        run(args, args.database_url)
        return
    cluster = PrivatePostgres()
    try:
        run(args, cluster.start())
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
