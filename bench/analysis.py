"""Benchmark: 10^6 Monte Carlo draws of the capacity model vs raw numpy draws (same run).

    python bench/analysis.py [--draws 1000000] [--hospitals 10]

The baseline draws the same PERT distributions with numpy and computes the same
arithmetic inline; the ratio (model / raw) is issue 8's goal ≤ 2×.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from harvestwatch.analysis.capacity import Hospital, capacity_model  # noqa: E402
from harvestwatch.analysis.montecarlo import Prior  # noqa: E402


def raw(hospitals: int, n: int, seed: int) -> float:
    rng = np.random.default_rng(seed)

    def pert(lo, mode, hi):
        a = 1 + 4 * (mode - lo) / (hi - lo)
        b = 1 + 4 * (hi - mode) / (hi - lo)
        return lo + (hi - lo) * rng.beta(a, b, n)

    total = np.zeros(n)
    for _ in range(hospitals):
        total += pert(40, 60, 120) * pert(0.6, 0.8, 0.95) * 365.0 / pert(14, 21, 35)
    return float(np.median(total))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=1_000_000)
    ap.add_argument("--hospitals", type=int, default=10)
    args = ap.parse_args()
    hs = [Hospital(f"H{i}", Prior(40, 60, 120), Prior(0.6, 0.8, 0.95), Prior(14, 21, 35))
          for i in range(args.hospitals)]
    t0 = time.perf_counter()
    raw(args.hospitals, args.draws, 1)
    t_raw = time.perf_counter() - t0
    t0 = time.perf_counter()
    capacity_model(hs, draws=args.draws, seed=1)
    t_model = time.perf_counter() - t0
    print(f"{args.draws:,} draws × {args.hospitals} hospitals")
    print(f"raw numpy: {t_raw:.3f} s; capacity model (with tornado, summary): {t_model:.3f} s")
    print(f"ratio model/raw: {t_model / t_raw:.2f}x (goal ≤ 2x)")


if __name__ == "__main__":
    main()
