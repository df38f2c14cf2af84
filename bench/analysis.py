"""Benchmarks of the analyses, each against a baseline measured in the same run.

    python bench/analysis.py [--repeats 3] [--series 2000] [--draws 2000] [--quick]

1. CLI: every analysis command on the shipped series, start-up included, against
   `python -c pass` (goal: ≤ 1.5 s each); then what the CLI's import costs, by package.
2. Calibration of the integrity test: Poisson and NB(φ = 2, 5) series around one quadratic
   trend, tested by the verdict's Poisson null; the share flagged at p < 0.01 (goal ≤ 1%).
3. Capacity Monte Carlo: 10^6 draws × 10 hospitals vs the same arithmetic in raw numpy (≤ 2×).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

COMMANDS = {
    "integrity CN:deceased_donors": ["analyse", "integrity", "--dataset", "CN:deceased_donors"],
    "integrity US:deceased_liver_donors": ["analyse", "integrity", "--dataset", "US:deceased_liver_donors"],
    "robertson": ["analyse", "robertson"],
    "supply-gap --year 2018": ["analyse", "supply-gap", "--year", "2018"],
    "capacity-validation": ["analyse", "capacity-validation"],
    "waiting --population national": ["analyse", "waiting", "--wait-days", "7", "--population", "national"],
}
GOAL_S = 1.5


def _best(cmd: list[str], repeats: int, env: dict) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        run = subprocess.run(cmd, capture_output=True, text=True, env=env)
        best = min(best, time.perf_counter() - t0)
        if run.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed: {run.stderr[-400:]}")
    return best


def bench_cli(repeats: int) -> None:
    env = dict(os.environ, COLUMNS="200")
    with tempfile.TemporaryDirectory() as store:
        cli = [sys.executable, "-m", "harvestwatch", "--store", store]
        base = _best([sys.executable, "-c", "pass"], repeats, env)
        print(f"baseline `python -c pass`: {base:.3f} s (best of {repeats})")
        for name, args in COMMANDS.items():
            t = _best([*cli, *args], repeats, env)
            flag = "ok" if t <= GOAL_S else "over"
            print(f"  {name:34s} {t:6.2f} s = {t / base:6.1f}× baseline  [{flag}: goal ≤ {GOAL_S} s]")
        imp = subprocess.run([sys.executable, "-X", "importtime", "-c", "import harvestwatch.cli"],
                             capture_output=True, text=True, env=env).stderr
    per_pkg: dict[str, int] = {}
    total = 0
    for line in imp.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if not m:
            continue
        self_us, name = int(m.group(1)), m.group(4)
        top = name.split(".")[0] if not name.startswith("harvestwatch") else ".".join(name.split(".")[:2])
        per_pkg[top] = per_pkg.get(top, 0) + self_us
        total += self_us
    print(f"import harvestwatch.cli: {total / 1e6:.2f} s of module execution; largest:")
    for name, us in sorted(per_pkg.items(), key=lambda kv: -kv[1])[:10]:
        print(f"  {name:32s} {us / 1e6:5.2f} s")


def bench_in_process() -> None:
    """The same analyses called in one process (no start-up): what the analysis itself costs."""
    from harvestwatch.services import analysis as svc

    calls = {
        "integrity CN:deceased_donors": lambda: svc.run_integrity("CN:deceased_donors"),
        "integrity US:deceased_liver_donors": lambda: svc.run_integrity("US:deceased_liver_donors"),
        "robertson": svc.robertson_comparison,
        "supply-gap --year 2018": lambda: svc.run_supply_gap(year=2018),
        "capacity-validation": svc.capacity_validation,
        "waiting --population national": lambda: svc.run_waiting(7, population="national"),
    }
    t0 = time.perf_counter()
    import numpy  # noqa: F401  (imported once by any analysis; timed apart)

    print(f"in process (after `import numpy` {time.perf_counter() - t0:.2f} s):")
    for name, call in calls.items():
        t0 = time.perf_counter()
        call()
        print(f"  {name:34s} {time.perf_counter() - t0:6.2f} s")


def bench_calibration(series: int, draws: int) -> None:
    import numpy as np

    from harvestwatch.analysis import countmodel as cm
    from harvestwatch.analysis.smoothness import ALPHA

    t = np.arange(1, 10, dtype=float)
    trend = 120 * t * t + 35 * t + 30
    print(f"calibration: {series:,} series × {draws:,} simulated nulls each, n = 9, p < {ALPHA}")
    for phi in (1.0, 2.0, 5.0):
        rng = np.random.default_rng(int(phi * 1000))
        t0 = time.perf_counter()
        tests = [cm.null_test(cm.fit_glm(t, cm.simulate(trend, 1, rng, phi)[0]), t, draws=draws, seed=i)
                 for i in range(series)]
        rate = float(np.mean([nt.flagged(ALPHA) for nt in tests]))
        raw = float(np.mean([nt.percentile < ALPHA for nt in tests]))
        se = (ALPHA * (1 - ALPHA) / series) ** 0.5
        label = "Poisson" if phi == 1 else f"NB φ = {phi:g}"
        print(f"  {label:10s} flagged {rate:.2%} (nominal {ALPHA:.0%}, binomial SE {se:.2%}; percentile "
              f"alone < {ALPHA}: {raw:.2%}); {time.perf_counter() - t0:.1f} s")
    fit = cm.fit_glm(t, np.round(trend))
    exact = cm.null_test(fit, t, draws=draws)
    print(f"  exact quadratic: percentile {exact.percentile:.4f}, flagged {exact.flagged(ALPHA)}; power "
          + ", ".join(f"{c:g}×√μ noise {p:.0%}" for c, p in cm.power(fit, t, alpha=ALPHA, draws=2000).items()))


def bench_capacity(draws: int = 1_000_000, hospitals: int = 10) -> None:
    import numpy as np

    from harvestwatch.analysis.capacity import (
        HospitalInput,
        Provenance,
        SharedAssumptions,
        capacity_model,
    )
    from harvestwatch.analysis.montecarlo import Prior

    def raw(seed: int) -> float:
        rng = np.random.default_rng(seed)

        def pert(lo, mode, hi, n):
            a = 1 + 4 * (mode - lo) / (hi - lo)
            b = 1 + 4 * (hi - mode) / (hi - lo)
            return lo + (hi - lo) * rng.beta(a, b, n)

        occ, los = pert(0.6, 0.8, 0.95, draws), pert(14, 21, 35, draws)
        total = np.zeros(draws)
        for _ in range(hospitals):
            total += pert(40, 60, 120, draws) * occ * 365.0 / los
        return float(np.median(total))

    prov = Provenance("bench")
    hs = [HospitalInput(f"H{i}", Prior(40, 60, 120), prov) for i in range(hospitals)]
    shared = SharedAssumptions(Prior(0.6, 0.8, 0.95), Prior(14, 21, 35))
    t0 = time.perf_counter()
    raw(1)
    t_raw = time.perf_counter() - t0
    t0 = time.perf_counter()
    capacity_model(hs, shared, draws=draws, seed=1)
    t_model = time.perf_counter() - t0
    print(f"capacity: {draws:,} draws × {hospitals} hospitals: raw numpy {t_raw:.3f} s, model (with tornado, "
          f"summary) {t_model:.3f} s, ratio {t_model / t_raw:.2f}× (goal ≤ 2×)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--series", type=int, default=2000)
    ap.add_argument("--draws", type=int, default=2000)
    ap.add_argument("--quick", action="store_true", help="200 series × 400 draws, one repeat")
    args = ap.parse_args()
    if args.quick:
        args.repeats, args.series, args.draws = 1, 200, 400
    bench_cli(args.repeats)
    bench_in_process()
    bench_calibration(args.series, args.draws)
    bench_capacity()


if __name__ == "__main__":
    main()
