"""Benchmark: adding 1% more documents re-links in a small share of a full rebuild (same run).

    python bench/link_incremental.py [--n 20000] [--add 0.01]

A SQLite store is filled with the synthetic corpus of bench/link.py (n claims in documents of
10, each naming people, an outlet and a group), written straight to the tables (extraction
is not what is measured); each document's text is made of its items' texts, one sentence
each. Then, on that store: a full rebuild (``services.link.rebuild`` with
``force``), ``--add`` more documents from the same generator, and the incremental rebuild
that links them. Printed: both times, what the incremental run re-linked, and its share of
the full rebuild (the target is ≤ 5%). A forced full rebuild after it checks that both leave
the same counts.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from harvestwatch.core.config import Settings  # noqa: E402
from harvestwatch.core.evidence import Span  # noqa: E402
from harvestwatch.services import link as link_svc  # noqa: E402
from harvestwatch.services import store as store_svc  # noqa: E402
from harvestwatch.store.items import to_row  # noqa: E402
from harvestwatch.store.models import Document, ExtractedItem, Source  # noqa: E402
from link import synth  # noqa: E402


def lay_out(items, docs):
    """Each document's text made of its items, one sentence each, so every item has its own
    span (the store holds one item per span)."""
    out = []
    for it in items:
        doc = docs[it.document_id]
        start = len(doc["text"])
        doc["text"] += it.text + ". "
        out.append(replace(it, span=Span(start, start + len(it.text))))
    return out


def load(store, items, docs) -> None:
    """Documents and their items, bulk-inserted (ids as generated)."""
    with store.session() as s:
        rows_src, rows_doc = [], []
        for d, doc in docs.items():
            sha = hashlib.sha256(f"bench {d}".encode()).hexdigest()
            rows_src.append({"id": d, "blob_sha256": sha, "name": f"doc{d}.txt", "size": len(doc["text"]),
                             "kind": "news", "restricted": False, "actor": "bench"})
            rows_doc.append({"id": d, "sha256": sha, "source_id": d, "record_index": 0, "title": doc["title"],
                             "language": "en", "mime": "text/plain", "kind": "news", "restricted": False,
                             "text": doc["text"], "text_sha256": hashlib.sha256(doc["text"].encode()).hexdigest(),
                             "text_length": len(doc["text"]), "pages": [], "meta": {}})
        s.execute(insert(Source), rows_src)
        s.execute(insert(Document), rows_doc)
        rows = [to_row(i) | {"id": i.id, "document_id": i.document_id, "document_sha256": i.document_sha256,
                             "extractor": i.extractor} for i in items]
        for k in range(0, len(rows), 5000):
            s.execute(insert(ExtractedItem), rows[k:k + 5000])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20_000, help="claims in the store before the addition")
    ap.add_argument("--add", type=float, default=0.01, help="share of documents added")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hw-linkbench-"))
    store = store_svc.open(Settings(store_dir=tmp / "store", actor="bench"))
    items, docs = synth(args.n, seed=0, first_doc=1, first_id=1)
    items = lay_out(items, docs)
    load(store, items, docs)
    link_svc.rebuild(store, force=True)  # warm: the gazetteer, outlet lists, caches
    t0 = time.perf_counter()
    full = link_svc.rebuild(store, force=True)
    t_full = time.perf_counter() - t0
    extra = max(1, round(len(docs) * args.add))
    more, more_docs = synth(extra * 10 - 1, seed=1, first_doc=max(docs) + 1, first_id=max(i.id for i in items) + 1)
    more = lay_out(more, more_docs)
    load(store, more, more_docs)
    t0 = time.perf_counter()
    step = link_svc.rebuild(store)
    t_inc = time.perf_counter() - t0
    again = link_svc.rebuild(store, force=True)
    same = all(step[k] == again[k] for k in ("entities", "claim_clusters", "contradictions", "items"))
    print(f"store: {len(docs):,} documents, {len(items):,} items ({args.n:,} claims); "
          f"added {len(more_docs):,} documents ({len(more):,} items)")
    print(f"full rebuild     : {t_full:6.2f} s ({full['blocks']:,} blocks)")
    print(f"incremental ({step['mode']}): {t_inc:6.2f} s, re-linked {step['relinked_blocks']:,} of "
          f"{step['blocks']:,} blocks, {step['documents']:,} document(s)")
    print(f"share of a full rebuild: {t_inc / t_full:.1%} (target ≤ 5%); "
          f"counts equal to a full rebuild after it: {same}")


if __name__ == "__main__":
    main()
