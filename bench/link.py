"""Benchmark: linking n synthetic quantity claims vs an O(n log n) baseline (same run).

    python bench/link.py [--n 20000]

The baseline sorts the same claims by (what, scope, low) — the least any interval
clustering must do. Printed for n, 2n and 4n: if linking stays near-linear, its ratio to
the baseline stays roughly flat as n doubles.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from harvestwatch.link.build import build_links  # noqa: E402

WHAT = ("victims", "transplants", "organs", "donors", "hospitals", "executions")
OUTLETS = ("Daily Mail", "Reuters", "The Epoch Times", "BBC", "Xinhua", "ETAC")


def synth(n: int, seed: int = 0):
    rng = random.Random(seed)
    docs, items = {}, []
    per_doc = 10
    for d in range(n // per_doc + 1):
        outlet = rng.choice(OUTLETS)
        text = (f"According to {outlet}, figures were reported. " * 3)
        docs[d] = {"id": d, "title": f"doc {d}", "site": None, "url": None, "text": text}
    for i in range(n):
        what = rng.choice(WHAT)
        value = rng.choice((1_000, 2_766, 10_000, 60_000, 65_000, 100_000)) * rng.uniform(0.9, 1.1)
        items.append({"id": i, "document_id": i // per_doc, "item_type": "quantity", "label": what,
                      "text": f"{value:,.0f} {what} a year", "start": 0, "end": 20, "canonical": None,
                      "data": {"value": value, "low": value, "high": value, "what": what,
                               "unit": what, "time_scope": rng.choice(("per year", None, "2016"))}})
    return items, docs


def baseline(items):
    return sorted(items, key=lambda i: (i["data"]["what"], str(i["data"]["time_scope"]), i["data"]["low"]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20_000)
    args = ap.parse_args()
    for n in (args.n, 2 * args.n, 4 * args.n):
        items, docs = synth(n)
        t0 = time.perf_counter()
        baseline(items)
        t_base = time.perf_counter() - t0
        t0 = time.perf_counter()
        out = build_links(items, docs, [], {})
        t_link = time.perf_counter() - t0
        print(f"n={n:>7,}: link {t_link:6.2f} s ({out['counts']['claim_clusters']:,} clusters), "
              f"sort baseline {t_base:6.3f} s, ratio {t_link / t_base:6.1f}x, "
              f"per claim {t_link / n * 1e6:6.1f} µs")


if __name__ == "__main__":
    main()
