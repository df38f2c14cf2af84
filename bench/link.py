"""Benchmark: linking n synthetic claims vs an O(n log n) baseline (same run).

    python bench/link.py [--n 20000]

The corpus: n claims (80% quantities over 6 kinds × 3 time scopes, 20% allegations and
denials on 4 topics) in documents of 10 claims, each document naming 4 people (full names
or bare surnames from a pool of 20,000 names), an outlet and a group; every document
attributes its claims to an outlet. Linking runs everything: entity resolution, quantity
clusters, subject/actor clusters, independent support, contradictions.
The baseline sorts the same items once by (type, what, scope, low): the least any blocking
by key and interval order must do. Printed for n, 2n and 4n: if linking stays near-linear,
its ratio to the baseline and its time per claim stay roughly flat as n doubles.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from harvestwatch.core.evidence import Span  # noqa: E402
from harvestwatch.core.items import Item, Mention, Stance  # noqa: E402
from harvestwatch.core.quantity import Interval, Quantity  # noqa: E402
from harvestwatch.link.build import build_links  # noqa: E402

WHAT = ("victims", "transplants", "organs", "donors", "hospitals", "executions")
OUTLETS = ("Daily Mail", "Reuters", "The Epoch Times", "BBC", "Xinhua", "ETAC")


FIRST = ("David", "Anna", "Wei", "Ethan", "Maria", "Jin", "Sophia", "Leon", "Yang", "Omar")
SURNAMES = tuple(f"Name{i}" for i in range(2_000))
TOPICS = ("organs were harvested from prisoners", "Falun Gong detainees were killed for organs",
          "Uyghur prisoners were blood tested", "executed prisoners supplied transplant organs")


def synth(n: int, seed: int = 0, first_doc: int = 0, first_id: int = 1):
    """n claims (80% quantities, 20% allegations/denials) in documents of 10 claims, each
    document also naming 4 people (full names or surnames), an organisation and a group.
    Returns typed items (ids from ``first_id``) and document dicts (ids from ``first_doc``)."""
    rng = random.Random(seed)
    docs, items = {}, []
    per_doc = 10
    next_id = iter(range(first_id, 10**12))

    def item(doc, text, payload):
        items.append(Item(Span(0, len(text)), text, payload, doc, "0" * 64, next(next_id), "bench/1"))

    for d in range(first_doc, first_doc + n // per_doc + 1):
        outlet = rng.choice(OUTLETS)
        docs[d] = {"id": d, "title": f"doc {d}", "site": None, "url": None,
                   "text": f"According to {outlet}, figures were reported. " * 3}
        for _ in range(4):
            full = f"{rng.choice(FIRST)} {rng.choice(SURNAMES)}"
            name = full if rng.random() < 0.6 else full.split()[-1]
            item(d, name, Mention("person", name))
        item(d, rng.choice(OUTLETS), Mention("organization", rng.choice(OUTLETS)))
        item(d, "Falun Gong", Mention("victim_group", "Falun Gong"))
    for i in range(n):
        d = first_doc + i // per_doc
        if rng.random() < 0.2:
            kind = rng.choice(("allegation", "allegation", "denial"))
            item(d, rng.choice(TOPICS) + ".", Stance(kind, rng.choice(OUTLETS)))
            continue
        what = rng.choice(WHAT)
        value = rng.choice((1_000, 2_766, 10_000, 60_000, 65_000, 100_000)) * rng.uniform(0.9, 1.1)
        q = Quantity(Interval.exact(value), what, what, value,
                     time_scope=rng.choice(("per year", None, "2016")))
        item(d, f"{value:,.0f} {what} a year", q)
    return items, docs


def baseline(items):
    """Sort every item once by (type, what, scope, low): the least any blocking by key and
    interval order must do, O(n log n)."""
    def key(i):
        p = i.payload
        if isinstance(p, Quantity):
            return i.item_type, p.what, str(p.time_scope), p.interval.low
        return i.item_type, i.label, "", 0.0
    return sorted(items, key=key)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    for n in (args.n, 2 * args.n, 4 * args.n):
        items, docs = synth(n)
        t_base = t_link = float("inf")
        for _ in range(args.repeat):  # best of: the machine is shared
            gc.collect()
            gc.freeze()  # the synthetic input is not the linker's garbage: keep it out of GC scans
            t0 = time.perf_counter()
            baseline(items)
            t_base = min(t_base, time.perf_counter() - t0)
            t0 = time.perf_counter()
            out = build_links(items, docs, [], {})
            t_link = min(t_link, time.perf_counter() - t0)
            gc.unfreeze()
        print(f"n={n:>7,}: link {t_link:6.2f} s ({len(out.clusters):,} clusters), "
              f"sort baseline {t_base:6.3f} s, ratio {t_link / t_base:6.1f}x, "
              f"per claim {t_link / n * 1e6:6.1f} µs")


if __name__ == "__main__":
    main()
