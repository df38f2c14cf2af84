"""Benchmark of registry name matching, against a baseline measured in the same run.

    python bench/registry.py [--repeats 5] [--copies 200]

Finds every registry hospital name (all scripts, aliases, abbreviations) in a text made of
the shared dev corpus repeated ``--copies`` times, with the Aho-Corasick matcher
(`registry.names.Matcher`) and with the obvious baseline: ``str.find`` of every folded name
over the folded text. Folding (traditional → simplified, case) is the same for both and is
timed apart. Prints MB/s and the ratio of the matching step (goal ≥ 2× at today's registry
size; the baseline's cost grows with the number of names, the matcher's does not).
Other work on the machine makes figures noisy; compare the ratio, not the absolute speeds.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from harvestwatch.registry.csvio import load_shipped  # noqa: E402
from harvestwatch.registry.names import Matcher, all_names, fold_text  # noqa: E402

DEV = ROOT.parent / "shared" / "corpus" / "dev" / "docs"


def baseline(folded: str, names: list[str]) -> int:
    hits = 0
    for name in names:
        i = folded.find(name)
        while i >= 0:
            hits += 1
            i = folded.find(name, i + 1)
    return hits


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--copies", type=int, default=200)
    args = ap.parse_args()
    hospitals = load_shipped().hospitals
    names = sorted({fold_text(a.name) for h in hospitals for a in all_names(h) if len(a.name) >= 3})
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(DEV.glob("*.txt"))) * args.copies
    mb = len(text.encode("utf-8")) / 1e6
    matcher = Matcher(hospitals)
    best_f = best_m = best_b = float("inf")
    for _ in range(args.repeats):  # interleaved, best of each
        t0 = time.perf_counter()
        folded = fold_text(text)
        best_f = min(best_f, time.perf_counter() - t0)
        t0 = time.perf_counter()
        found = matcher.find_folded(text, folded)
        best_m = min(best_m, time.perf_counter() - t0)
        t0 = time.perf_counter()
        base_hits = baseline(folded, names)
        best_b = min(best_b, time.perf_counter() - t0)
    print(f"{len(hospitals)} hospitals, {len(names)} names; text {mb:.1f} MB")
    print(f"folding  {mb / best_f:8.2f} MB/s  (shared by both)")
    print(f"matcher  {mb / best_m:8.2f} MB/s  ({len(found)} matches, leftmost-longest, bounded)")
    print(f"baseline {mb / best_b:8.2f} MB/s  ({base_hits} raw hits, str.find per name)")
    print(f"ratio matcher/baseline (matching step): {best_b / best_m:.2f}x (goal ≥ 2x)")


if __name__ == "__main__":
    main()
