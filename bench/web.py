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
import inspect
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
from rich.progress import Progress, TextColumn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus_gen  # noqa: E402
from _workbench import serve_as_viewer  # noqa: E402
from corpus_gen import CorpusGenerator  # noqa: E402
from sqlalchemy import create_engine, insert, text  # noqa: E402

from harvestwatch.core import folding  # noqa: E402
from harvestwatch.core.config import Settings  # noqa: E402
from harvestwatch.core.folding import fold_for_search  # noqa: E402
from harvestwatch.services import store as store_svc  # noqa: E402
from harvestwatch.store import facets  # noqa: E402
from harvestwatch.store.models import Document, DocumentTag, SearchText, Source  # noqa: E402
from harvestwatch.store.search import match_sql, parse_query  # noqa: E402

# From very common to rare, English and Chinese, one to three terms, 1–5 character Chinese.
QUERIES = ["hospital", "kidney", "surgeon tribunal", "waiting time", "immunosuppressant",
           "Sujiatun", '"organ donors"', "医院", "器官", "肾", "捐献者", "免疫抑制剂", "移植 2006"]
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))] * 1000


def _rows(docs: list) -> tuple[list[dict], list[dict]]:
    """Source and document rows of generated documents."""
    sources, rows = [], []
    for doc in docs:
        data = doc.html().encode("utf-8")
        sha = hashlib.sha256(data).hexdigest()
        sources.append({"blob_sha256": sha, "name": f"gen/{doc.number:06}.html", "size": len(data),
                        "kind": doc.kind, "restricted": False, "actor": "bench"})
        rows.append({"sha256": sha, "record_index": 0, "title": doc.title, "published": doc.published,
                     "language": doc.language, "mime": "text/html", "kind": doc.kind,
                     "restricted": False, "text": doc.text, "text_length": len(doc.text), "pages": [],
                     "meta": {}, "text_sha256": hashlib.sha256(doc.text.encode()).hexdigest()})
    return sources, rows


def _index_sql(conn) -> list[tuple[str, str]]:
    """(drop, create) statements of the search text's indexes, set aside during the load:
    SQLite's full-text trigger on insert, PostgreSQL's GIN indexes."""
    if conn.dialect.name == "sqlite":
        return [("DROP TRIGGER " + name, sql) for name, sql in conn.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name = 'search_text_ai'"))]
    return [("DROP INDEX " + name, sql) for name, sql in conn.execute(text(
        "SELECT indexname, indexdef FROM pg_indexes WHERE indexdef LIKE '%USING gin%' "
        "AND tablename IN ('search_text', 'search_cjk')"))]


def populate(store, n: int, batch: int = 2000) -> None:
    """``n`` generated documents bulk-inserted into the store's tables (sources, documents, tags,
    folded search text) with the search text's indexes set aside, then indexed once: FTS5
    ``rebuild`` on SQLite, the GIN indexes created on PostgreSQL, and the search side tables
    built in one pass (``store.facets.rebuild``, as the migration does)."""
    gen = CorpusGenerator(0).documents(n)
    done, t0 = 0, time.perf_counter()
    with store.engine.begin() as conn:
        indexes = _index_sql(conn)
        for drop, _ in indexes:
            conn.execute(text(drop))
    with Progress(*Progress.get_default_columns(), TextColumn("{task.fields[rate]}"),
                  transient=True) as progress:
        task = progress.add_task("storing generated documents", total=n, rate="")
        while done < n:
            docs = [next(gen) for _ in range(min(batch, n - done))]
            sources, rows = _rows(docs)
            with store.engine.begin() as conn:
                source_ids = conn.execute(insert(Source).returning(Source.id, sort_by_parameter_order=True),
                                          sources).scalars().all()
                for row, source_id in zip(rows, source_ids, strict=True):
                    row["source_id"] = source_id
                ids = conn.execute(insert(Document).returning(Document.id, sort_by_parameter_order=True),
                                   rows).scalars().all()
                conn.execute(insert(DocumentTag), [{"document_id": i, "tag": t}
                                                   for i, doc in zip(ids, docs, strict=True) for t in doc.tags])
                conn.execute(insert(SearchText), [
                    {"document_id": i, "title": fold_for_search(doc.title), "body": fold_for_search(doc.text)}
                    for i, doc in zip(ids, docs, strict=True)])
            done += len(docs)
            progress.update(task, completed=done, rate=f"{done / (time.perf_counter() - t0):.0f} docs/s")
    t1 = time.perf_counter()
    with store.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text("INSERT INTO search_fts(search_fts) VALUES ('rebuild')"))
        facets.rebuild(conn)
        for _, create in indexes:
            conn.execute(text(create))
    print(f"  stored {n} documents in {t1 - t0:.0f} s, indexed in {time.perf_counter() - t1:.0f} s",
          file=sys.stderr)


def cache_key(dialect: str, n: int) -> str:
    """What a cached store depends on: the loader, the generator, text folding, the search side
    tables and the migrations of the tables it loads (the store's and search's branches), the
    backend and the size. Other branches' later migrations are applied when the copy opens, as
    on any store."""
    h = hashlib.sha256(f"{dialect}:{n}".encode())
    for fn in (_rows, _index_sql, populate):
        h.update(inspect.getsource(fn).encode())
    versions = Path(facets.__file__).parent / "migrations" / "versions"
    for path in [Path(corpus_gen.__file__), Path(folding.__file__), Path(facets.__file__),
                 *sorted(versions.glob("store_*.py")), *sorted(versions.glob("search_*.py"))]:
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def raw_sql(dialect: str, query: str) -> tuple[str, dict]:
    """The index lookup the search page runs for ``query`` (``store.search.match_sql``)."""
    return match_sql(dialect, parse_query(query))


def ranked_sql(dialect: str, query: str) -> tuple[str, dict]:
    """The same lookup ranked and cut to one page in SQL (a reference: no total, no facets)."""
    sql, params = raw_sql(dialect, query)
    return f"SELECT id, score FROM ({sql}) m ORDER BY score, id LIMIT 20", params


class PrivatePostgres:
    """A throwaway PostgreSQL 15 cluster on 127.0.0.1 (as the tests start one), optionally
    started from a copy of a cached data directory."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="hw-bench-pg-"))
        os.chmod(self.root, 0o777)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]

    def _run(self, *cmd: str) -> None:
        cmd = (["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else list(cmd))
        subprocess.run(cmd, check=True, capture_output=True)

    @property
    def data(self) -> Path:
        return self.root / "data"

    def start(self, copy_of: Path | None = None) -> str:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        if copy_of is not None:
            subprocess.run(["cp", "-a", str(copy_of), str(self.data)], check=True)
        elif not self.data.exists():
            self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                      "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-l",
                  str(self.root / "log"), "-o", f"-p {self.port} -h 127.0.0.1 -k {self.root} "
                  "-c shared_buffers=512MB -c work_mem=32MB -c maintenance_work_mem=512MB", "start")
        if copy_of is None:
            subprocess.run((["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else [])
                           + [str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                              "-U", "postgres", "bench"], capture_output=True)
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/bench"

    def stop(self, remove: bool = True) -> None:
        subprocess.run((["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else [])
                       + [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"],
                       capture_output=True)
        if remove:
            shutil.rmtree(self.root, ignore_errors=True)


def _copy(src: Path, dst: Path) -> None:
    subprocess.run(["cp", "-a", str(src), str(dst)], check=True)


def open_corpus(args: argparse.Namespace, tmp: Path) -> tuple[Settings, object, PrivatePostgres | None, str]:
    """The store holding the generated corpus: copied from the cache when one was built with the
    same loader, generator and schema (``cache_key``), else loaded and then cached. Returns
    (settings, store, private cluster or None, how it was obtained)."""
    dialect = "postgresql" if args.postgres or args.database_url else "sqlite"
    cache = Path(tempfile.gettempdir()) / f"hw-bench-web-{dialect}-{args.docs}-{cache_key(dialect, args.docs)}"
    cached = (cache / "complete").exists() and not args.database_url and not args.no_cache
    cluster = PrivatePostgres() if args.postgres else None
    if cached:
        _copy(cache / "store", tmp / "store")
    url = cluster.start(cache / "data" if cached else None) if cluster else args.database_url
    settings = Settings(store_dir=tmp / "store", database_url=url)
    st = store_svc.open(settings)
    if cached:
        return settings, st, cluster, f"copied from cache {cache}"
    t0 = time.perf_counter()
    populate(st, args.docs)
    with st.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if st.dialect == "postgresql" else "ANALYZE"))
    how = f"bulk load {time.perf_counter() - t0:.0f} s"
    if args.database_url or args.no_cache:
        return settings, st, cluster, how
    st.close()
    if cluster:
        cluster.stop(remove=False)
    shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir()
    _copy(tmp / "store", cache / "store")
    if cluster:
        _copy(cluster.data, cache / "data")
        cluster.start()
    (cache / "complete").touch()
    return settings, store_svc.open(settings), cluster, how + f", cached in {cache}"


def run(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="hw-webbench-"))
    settings, st, cluster, how = open_corpus(args, tmp)
    try:
        bench(args, settings, st, how)
    finally:
        st.close()
        if cluster:
            cluster.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def bench(args: argparse.Namespace, settings: Settings, st, how: str) -> None:
    engine = st.engine
    timed, stop_server = serve_as_viewer(settings, st, timeout=60)
    raw_engine = create_engine(engine.url, pool_size=args.clients)

    def lookup(make_sql):
        def one(query: str) -> float:
            sql, params = make_sql(engine.dialect.name, query)
            with raw_engine.connect() as conn:  # rows read as the page reads them (driver cursor)
                t = time.perf_counter()
                result = conn.execute(text(sql), params)
                result.cursor.fetchall()
                result.close()
                return time.perf_counter() - t
        return one

    raw, ranked = lookup(raw_sql), lookup(ranked_sql)
    queries = [QUERIES[i % len(QUERIES)] for i in range(args.requests)]
    pages = ["/search?" + str(httpx.QueryParams({"q": q})) for q in queries]
    with ThreadPoolExecutor(args.clients) as pool:  # warm every path once
        list(pool.map(timed, pages[:len(QUERIES)]))
        list(pool.map(raw, queries[:len(QUERIES)]))
        t_search = list(pool.map(timed, pages))
        t_raw = list(pool.map(raw, queries))
        t_ranked = list(pool.map(ranked, queries))
        t_doc = list(pool.map(timed, [f"/documents/{1 + (i * 7919) % args.docs}"
                                      for i in range(args.requests // 2)]))
    stop_server()
    totals = {q: store_svc.search_page(st, q, limit=1).total for q in QUERIES}
    raw_engine.dispose()
    load = os.getloadavg()
    print(f"\n{args.docs} documents on {engine.dialect.name} ({how}), "
          f"{args.requests} requests each, {args.clients} concurrent clients, "
          f"load average {load[0]:.1f} / {load[1]:.1f} on {os.cpu_count()} CPUs")
    for name, xs in (("search page", t_search), ("raw index query", t_raw),
                     ("ranked top 20", t_ranked), ("document page", t_doc)):
        print(f"  {name:16}: p50 {pct(xs, .5):7.1f} ms  p95 {pct(xs, .95):7.1f} ms  "
              f"mean {statistics.mean(xs) * 1000:7.1f} ms")
    print(f"  ratio search page / raw query: p50 {pct(t_search, .5) / pct(t_raw, .5):.2f}x  "
          f"p95 {pct(t_search, .95) / pct(t_raw, .95):.2f}x  (goal p95 <= 1.5x and <= 150 ms)")
    print(f"  ratio search page / ranked top 20: p50 {pct(t_search, .5) / pct(t_ranked, .5):.2f}x  "
          f"p95 {pct(t_search, .95) / pct(t_ranked, .95):.2f}x")
    print("  per query: matches; page p50 / p95; raw p50 / p95; ranked top 20 p50 (ms); p95 ratio")
    for q in QUERIES:
        ps = [t for t, qq in zip(t_search, queries, strict=True) if qq == q]
        rs = [t for t, qq in zip(t_raw, queries, strict=True) if qq == q]
        ks = [t for t, qq in zip(t_ranked, queries, strict=True) if qq == q]
        print(f"    {q:20} {totals[q]:7}  {pct(ps, .5):7.1f} / {pct(ps, .95):7.1f}   "
              f"{pct(rs, .5):7.1f} / {pct(rs, .95):7.1f}   {pct(ks, .5):7.1f}   "
              f"{pct(ps, .95) / pct(rs, .95):5.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--requests", type=int, default=260)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--database-url", help="an existing, empty database (default: SQLite in a temp folder)")
    ap.add_argument("--postgres", action="store_true",
                    help="start a private PostgreSQL 15 cluster on 127.0.0.1 and stop it after")
    ap.add_argument("--no-cache", action="store_true", help="load the corpus even when a cached copy exists")
    run(ap.parse_args())


if __name__ == "__main__":
    main()
