"""Benchmark: adding 1% more documents re-links in a small share of a full rebuild (same run).

    python bench/link_incremental.py [--n 20000] [--add 0.01]

A SQLite store is filled with the synthetic corpus of bench/link.py (n claims in documents of
10, each naming people, an outlet and a group), written straight to the tables (extraction
is not what is measured); each document's text is made of its items' texts, one sentence
each. Then, on that store: a full rebuild (``services.link.rebuild`` with
``force``), ``--add`` more documents from the same generator, and the incremental rebuild
that links them. Printed: both times (wall clock, and the process's CPU time, which other
work on a shared machine disturbs less), what the incremental run re-linked, and its share of
the full rebuild (the target is ≤ 5%). A forced full rebuild after it checks that both leave
the same links: every claim cluster with its members, and every contradiction.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from harvestwatch.core.config import Settings  # noqa: E402
from harvestwatch.core.evidence import Span  # noqa: E402
from harvestwatch.services import link as link_svc  # noqa: E402
from harvestwatch.services import store as store_svc  # noqa: E402
from harvestwatch.store.items import to_row  # noqa: E402
from harvestwatch.store.links import LinkCluster, LinkContradiction, LinkMember  # noqa: E402
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


def links(store) -> tuple[dict, set]:
    """Each claim cluster's members, and the contradictions (by their claims and clusters)."""
    with store.session() as s:
        members: dict[str, set[int]] = {}
        for key, item in s.execute(select(LinkCluster.key, LinkMember.item_id)
                                   .join(LinkMember, LinkMember.cluster_id == LinkCluster.id)):
            members.setdefault(key, set()).add(item)
        contra = set(s.execute(select(LinkContradiction.type, LinkContradiction.a_item, LinkContradiction.b_item,
                                      LinkContradiction.a_cluster, LinkContradiction.b_cluster)).all())
    return members, contra


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
    t0, c0 = time.perf_counter(), time.process_time()
    full = link_svc.rebuild(store, force=True)
    t_full, c_full = time.perf_counter() - t0, time.process_time() - c0
    extra = max(1, round(len(docs) * args.add))
    more, more_docs = synth(extra * 10 - 1, seed=1, first_doc=max(docs) + 1, first_id=max(i.id for i in items) + 1)
    more = lay_out(more, more_docs)
    load(store, more, more_docs)
    t0, c0 = time.perf_counter(), time.process_time()
    step = link_svc.rebuild(store)
    t_inc, c_inc = time.perf_counter() - t0, time.process_time() - c0
    mine = links(store)
    again = link_svc.rebuild(store, force=True)
    same = all(step[k] == again[k] for k in ("entities", "claim_clusters", "contradictions", "items"))
    same_links = mine == links(store)
    print(f"store: {len(docs):,} documents, {len(items):,} items ({args.n:,} claims); "
          f"added {len(more_docs):,} documents ({len(more):,} items)")
    print(f"full rebuild     : {t_full:6.2f} s wall, {c_full:6.2f} s CPU ({full['blocks']:,} blocks)")
    print(f"incremental ({step['mode']}): {t_inc:6.2f} s wall, {c_inc:6.2f} s CPU, re-linked "
          f"{step['relinked_blocks']:,} of {step['blocks']:,} blocks ({step.get('relinked_clusters', 0):,} "
          f"claim clusters), {step['documents']:,} document(s)")
    print(f"share of a full rebuild: {t_inc / t_full:.1%} wall, {c_inc / c_full:.1%} CPU (target ≤ 5%); "
          f"counts equal to a full rebuild after it: {same}; clusters, members and contradictions "
          f"equal: {same_links}")


if __name__ == "__main__":
    main()
