"""Benchmark: p50/p95 of the entity, claims and corroboration pages against the raw query each
page runs, in the same run.

    python bench/link_pages.py [--docs 2000] [--requests 200] [--clients 4]

The store holds the synthetic linked corpus of bench/link.py (10 claims and 6 entity mentions
per document, bulk-loaded as in bench/link_incremental.py) and its links (a full ``link``).
Pages are fetched over HTTP from the workbench (uvicorn, logged in as a viewer); the raw query
is the SQL each page runs, on a plain connection: the entity's mentions with their titles and
contexts (``/entities/...``), one page of claims (``/claims``), one page of clusters by support
with their shown lines and claims, the first contradictions and the link status
(``/corroboration``). The server runs in its own process; besides wall-clock percentiles the
bench prints CPU time per request (the server's for a page, the raw side's for its statements),
which a loaded machine does not distort. ``--store DIR`` builds the store once and reuses it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _workbench import serve_as_viewer  # noqa: E402
from link_incremental import lay_out, load  # noqa: E402

from harvestwatch.core.config import Settings  # noqa: E402
from harvestwatch.services import link as link_svc  # noqa: E402
from harvestwatch.services import store as store_svc  # noqa: E402
from link import synth  # noqa: E402

ITEM = ("extracted_items.id, extracted_items.document_id, extracted_items.document_sha256, "
        "extracted_items.extractor, extracted_items.item_type, extracted_items.label, extracted_items.text, "
        'extracted_items.start, extracted_items."end", extracted_items.canonical, extracted_items.data')
FROM_VISIBLE = ("FROM extracted_items JOIN documents ON documents.id = extracted_items.document_id WHERE "
                "documents.restricted = 0 AND ")
CUT = "CASE WHEN extracted_items.start > 80 THEN extracted_items.start - 80 ELSE 0 END"
# the statements each page runs for what it shows (services.store.entity_mentions,
# services.extract.list_claims, services.link.corroboration / contradictions / status)
RAW = {
    "entity": (f"SELECT {ITEM}, documents.title, substr(documents.text, {CUT} + 1, extracted_items.\"end\" + 80 - {CUT}) "
               f"{FROM_VISIBLE}extracted_items.item_type = 'entity' AND extracted_items.label = :label AND "
               "lower(extracted_items.canonical) = :name ORDER BY extracted_items.document_id, extracted_items.start "
               "LIMIT 500",),
    "claims": (f"SELECT {ITEM} {FROM_VISIBLE}extracted_items.item_type IN ('quantity', 'testimony', 'stance') "
               "ORDER BY documents.id, extracted_items.start, extracted_items.id LIMIT 201 OFFSET :offset",),
    "corroboration": (
        "SELECT * FROM link_state WHERE id = 1",
        "SELECT id, key, kind, block, summary, low, high, independent, documents, members FROM link_clusters "
        "WHERE independent >= 1 ORDER BY independent DESC, members DESC, key LIMIT 51 OFFSET 0",
        # each shown cluster's 20 strongest lines, then each line's first 20 claims with their spans
        "SELECT l.cluster_id, l.origin, l.grade, l.claims, l.id FROM link_clusters c JOIN link_lines l ON l.id IN "
        "(SELECT x.id FROM link_lines x WHERE x.cluster_id = c.id ORDER BY x.claims DESC, x.origin LIMIT 20) "
        "WHERE c.id IN ({clusters}) ORDER BY l.cluster_id, l.origin",
        "SELECT m.cluster_id, m.origin, m.via, extracted_items.id, extracted_items.document_id, extracted_items.start, "
        'extracted_items."end" FROM link_clusters c JOIN link_lines l ON l.id IN (SELECT x.id FROM link_lines x '
        "WHERE x.cluster_id = c.id ORDER BY x.claims DESC, x.origin LIMIT 20) JOIN link_members m ON "
        "m.cluster_id = l.cluster_id AND m.item_id IN (SELECT y.item_id FROM link_members y WHERE y.cluster_id = "
        "l.cluster_id AND y.origin = l.origin ORDER BY y.item_id LIMIT 20) JOIN extracted_items ON "
        "extracted_items.id = m.item_id JOIN documents ON documents.id = extracted_items.document_id "
        "WHERE c.id IN ({clusters}) AND documents.restricted = 0 ORDER BY extracted_items.id",
        # the first 50 contradictions, their claims (and the allegations a denial answers), topic counts
        "SELECT type, key, a_item, b_item, a_cluster, b_cluster, shared, also, answers_document, topics "
        "FROM link_contradictions ORDER BY id LIMIT 50 OFFSET 0",
        "SELECT extracted_items.id, extracted_items.document_id, extracted_items.item_type, extracted_items.label, "
        'extracted_items.text, extracted_items.start, extracted_items."end", extracted_items.canonical, '
        f"extracted_items.data {FROM_VISIBLE}extracted_items.id IN ({{items}})",
        "SELECT topic, count(*) FROM link_topics WHERE kind = 'allegation' AND topic IN ({topics}) GROUP BY topic"),
}


def run_raw(conn, page: str, params: dict) -> None:
    """The page's statements on a plain connection, each fed the ids the one before found."""
    found = {"clusters": "0", "items": "0", "topics": ""}
    for sql in RAW[page]:
        if "{topics}" in sql and not found["topics"]:
            continue  # the page skips the count when no contradiction has topics
        rows = conn.execute(text(sql.format(**found)), params).all()
        if sql.startswith("SELECT id, key"):
            found["clusters"] = ",".join(str(r[0]) for r in rows) or "0"
        elif sql.startswith("SELECT type, key"):
            ids = {i for r in rows for i in (r[2], r[3], *json.loads(r[7]))}
            found["items"] = ",".join(map(str, sorted(ids))) or "0"
            found["topics"] = ",".join(sorted({f"'{t}'" for r in rows for t in json.loads(r[9])}))


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))] * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--store", type=Path, help="build the store here once and reuse it on later runs "
                    "with the same --docs (default: a new temporary store)")
    args = ap.parse_args()
    store_dir = args.store or Path(tempfile.mkdtemp(prefix="hw-linkpages-")) / "store"
    built = store_dir / f"bench-link-pages-{args.docs}"
    settings = Settings(store_dir=store_dir, actor="bench")
    st = store_svc.open(settings)
    t0 = time.perf_counter()
    if not built.exists():
        items, docs = synth(args.docs * 10 - 1, seed=0, first_doc=1, first_id=1)
        load(st, lay_out(items, docs), docs)
        link_svc.rebuild(st)
        with st.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        built.touch()
    load_s = time.perf_counter() - t0
    n_items = link_svc.status(st)["items"]
    people = [e["name"] for e in link_svc.entities(st, label="person", limit=50)]
    timed, stop_server = serve_as_viewer(settings, st, timeout=120)

    raw_engine = create_engine(st.engine.url, pool_size=args.clients)

    def raw(job: tuple[str, dict]) -> float:
        with raw_engine.connect() as conn:
            t = time.perf_counter()
            run_raw(conn, *job)
            return time.perf_counter() - t

    n = args.requests
    pages = {
        "entity": ([f"/entities/person/{quote(people[i % len(people)])}" for i in range(n)],
                   [("entity", {"label": "person", "name": people[i % len(people)].lower()}) for i in range(n)]),
        "claims": ([f"/claims?page_no={1 + i % 20}" for i in range(n)],
                   [("claims", {"offset": 200 * (i % 20)}) for i in range(n)]),
        "corroboration": (["/corroboration"] * n, [("corroboration", {})] * n),
    }
    results = {}
    with ThreadPoolExecutor(args.clients) as pool:
        for name, (paths, jobs) in pages.items():
            list(pool.map(timed, paths[:10]))  # warm both paths
            list(pool.map(raw, jobs[:10]))
            cpu0 = timed.server_cpu()
            page = list(pool.map(timed, paths))
            cpu1, raw0 = timed.server_cpu(), time.process_time()
            rawq = list(pool.map(raw, jobs))
            cpu = ((cpu1 - cpu0) / n if cpu0 is not None else float("nan"), (time.process_time() - raw0) / n)
            results[name] = (page, rawq, cpu)
    stop_server()
    st.close()
    raw_engine.dispose()
    load_avg = os.getloadavg()[0]
    print(f"\n{args.docs:,} documents ({n_items:,} items, linked; setup {load_s:.0f} s), {n} requests "
          f"per page, {args.clients} concurrent clients, load average {load_avg:.1f} on {os.cpu_count()} CPUs")
    for name, (page, rawq, _) in results.items():
        print(f"  {name:14} page p50 {pct(page, .5):7.1f} ms  p95 {pct(page, .95):7.1f} ms | raw query "
              f"p50 {pct(rawq, .5):6.1f} ms  p95 {pct(rawq, .95):6.1f} ms | p95 ratio "
              f"{pct(page, .95) / pct(rawq, .95):5.1f}x (goal ≤ 2x)")
    print("  CPU per request (load-independent): the server's for a page, the raw side's for its statements")
    for name, (_, _, (page_cpu, raw_cpu)) in results.items():
        print(f"  {name:14} page {page_cpu * 1000:6.1f} ms | raw {raw_cpu * 1000:6.1f} ms | "
              f"ratio {page_cpu / raw_cpu:4.1f}x")


if __name__ == "__main__":
    main()
