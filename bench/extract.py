"""Benchmark: full extraction against bare spaCy ``nlp.pipe`` with the same components.

    python bench/extract.py [--repeat 40]

Both run over the same texts (the sample corpus repeated) in the same process; prints
words/s of each and the ratio (full / bare). Issue 3's goal is ≥ 0.7×.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from harvestwatch.extract.nlp import english_nlp  # noqa: E402
from harvestwatch.extract.pipeline import extract_many  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=40)
    args = ap.parse_args()
    texts = [p.read_text() for p in sorted((ROOT / "samples" / "corpus").glob("*.txt"))] * args.repeat
    words = sum(len(t.split()) for t in texts)
    nlp = english_nlp()
    list(nlp.pipe(texts[:3]))  # warm up
    extract_many(texts[:3], ["en"] * 3)
    t0 = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=16):
        pass
    bare = time.perf_counter() - t0
    t0 = time.perf_counter()
    extract_many(texts, ["en"] * len(texts))
    full = time.perf_counter() - t0
    print(f"texts: {len(texts)}, words: {words:,}; spaCy components: {', '.join(nlp.pipe_names)}")
    print(f"bare nlp.pipe:   {words / bare:,.0f} words/s")
    print(f"full extraction: {words / full:,.0f} words/s")
    print(f"ratio full/bare: {bare / full:.3f}x")


if __name__ == "__main__":
    main()
