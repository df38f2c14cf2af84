"""Benchmark: p50/p95 of the entity, claims and corroboration pages against the raw query each
page runs, in the same run.

    python bench/link_pages.py [--docs 2000] [--requests 200] [--clients 4]

The store holds the synthetic linked corpus of bench/link.py (10 claims and 6 entity mentions
per document, bulk-loaded as in bench/link_incremental.py) and its links (a full ``link``).
Pages are fetched over HTTP from the workbench (uvicorn, logged in as a viewer); the raw query
is the SQL each page runs, on a plain connection: the entity's mentions with their documents
(``/entities/...``), one page of claims (``/claims``), one page of clusters by support with
their shown members, lines and items (``/corroboration``).
"""

from __future__ import annotations

import argparse
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

RAW = {
    "entity": ("SELECT extracted_items.id, documents.id, documents.text FROM extracted_items "
               "JOIN documents ON documents.id = extracted_items.document_id "
               "WHERE extracted_items.item_type = 'entity' AND extracted_items.label = :label "
               "AND lower(extracted_items.canonical) = :name AND documents.restricted = 0 "
               "ORDER BY documents.id, extracted_items.start LIMIT 500"),
    "claims": ("SELECT extracted_items.* FROM extracted_items JOIN documents ON documents.id = "
               "extracted_items.document_id WHERE extracted_items.item_type IN "
               "('quantity', 'testimony', 'stance') AND documents.restricted = 0 "
               "ORDER BY extracted_items.document_id, extracted_items.start LIMIT 201 OFFSET :offset"),
    "corroboration": ("SELECT * FROM link_clusters WHERE independent >= 1 "
                      "ORDER BY independent DESC, members DESC, key LIMIT 51"),
}
# what the corroboration page reads for the clusters it shows: lines (20 per cluster), members
# (20 per line), items
CORROBORATION_REST = (
    "SELECT * FROM link_lines WHERE id IN (SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY "
    "cluster_id ORDER BY claims DESC, origin) AS top FROM link_lines WHERE cluster_id IN ({ids})) "
    "WHERE top <= 20) ORDER BY origin",
    "SELECT * FROM (SELECT m.cluster_id, m.item_id, m.origin, m.via, row_number() OVER (PARTITION BY "
    "m.cluster_id, m.origin ORDER BY m.item_id) AS rank FROM link_members m JOIN (SELECT cluster_id, "
    "origin FROM (SELECT cluster_id, origin, row_number() OVER (PARTITION BY cluster_id ORDER BY "
    "claims DESC, origin) AS top FROM link_lines WHERE cluster_id IN ({ids})) WHERE top <= 20) l "
    "ON l.cluster_id = m.cluster_id AND l.origin = m.origin) WHERE rank <= 20 ORDER BY item_id",
    "SELECT extracted_items.id, extracted_items.text, extracted_items.data FROM extracted_items "
    "JOIN documents ON documents.id = extracted_items.document_id WHERE extracted_items.id IN "
    "(SELECT item_id FROM link_members WHERE cluster_id IN ({ids})) AND documents.restricted = 0 "
    "LIMIT 20400")


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))] * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--clients", type=int, default=4)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hw-linkpages-"))
    settings = Settings(store_dir=tmp / "store", actor="bench")
    st = store_svc.open(settings)
    t0 = time.perf_counter()
    items, docs = synth(args.docs * 10 - 1, seed=0, first_doc=1, first_id=1)
    load(st, lay_out(items, docs), docs)
    link_svc.rebuild(st)
    with st.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    load_s = time.perf_counter() - t0
    people = [e["name"] for e in link_svc.entities(st, label="person", limit=50)]
    timed, stop_server = serve_as_viewer(settings, st, timeout=120)

    raw_engine = create_engine(st.engine.url, pool_size=args.clients)

    def raw(job: tuple[str, dict]) -> float:
        with raw_engine.connect() as conn:
            t = time.perf_counter()
            rows = conn.execute(text(RAW[job[0]]), job[1]).all()
            if job[0] == "corroboration":  # the page's other reads, for the clusters found
                ids = ",".join(str(r[0]) for r in rows) or "0"
                for sql in CORROBORATION_REST:
                    conn.execute(text(sql.format(ids=ids))).all()
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
            results[name] = (list(pool.map(timed, paths)), list(pool.map(raw, jobs)))
    stop_server()
    st.close()
    raw_engine.dispose()
    load_avg = os.getloadavg()[0]
    print(f"\n{args.docs:,} documents ({len(items):,} items, linked; setup {load_s:.0f} s), {n} requests "
          f"per page, {args.clients} concurrent clients, load average {load_avg:.1f} on {os.cpu_count()} CPUs")
    for name, (page, rawq) in results.items():
        print(f"  {name:14} page p50 {pct(page, .5):7.1f} ms  p95 {pct(page, .95):7.1f} ms | raw query "
              f"p50 {pct(rawq, .5):6.1f} ms  p95 {pct(rawq, .95):6.1f} ms | p95 ratio "
              f"{pct(page, .95) / pct(rawq, .95):5.1f}x (goal ≤ 2x)")


if __name__ == "__main__":
    main()
