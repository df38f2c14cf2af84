"""Cohen's kappa between two reviewers, with its large-sample confidence interval.

The standard error is the non-null one of Fleiss, Cohen & Everitt (1969), as in Stata's
``kap`` and statsmodels' ``cohens_kappa``; the interval is kappa ± z·SE, clipped to [-1, 1].
That large-sample interval is too narrow on few records (on five it can look precise), so
under ``SMALL`` records it is widened to also cover a seeded percentile bootstrap interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SMALL = 50


@dataclass(frozen=True)
class Kappa:
    n: int  # records both reviewers decided
    agreement: float  # observed proportion of agreement
    expected: float  # agreement expected by chance from the marginals
    kappa: float | None  # None where undefined (chance agreement is 1: one category only)
    se: float | None
    low: float | None
    high: float | None
    categories: tuple[str, ...]
    method: str = "asymptotic (Fleiss, Cohen & Everitt 1969)"

    def describe(self) -> str:
        if self.kappa is None:
            return f"κ undefined (n = {self.n}: both reviewers used one category only)"
        return (f"κ = {self.kappa:.2f} (95% CI {self.low:.2f} to {self.high:.2f}; n = {self.n}, "
                f"{self.agreement:.0%} agreement)")


def cohen_kappa(a: Sequence[str], b: Sequence[str], *, z: float = 1.959964) -> Kappa:
    """Kappa of two equally long label sequences (reviewer A's and B's decision per record)."""
    if len(a) != len(b):
        raise ValueError("both reviewers need a label for every record")
    n = len(a)
    cats = tuple(sorted(set(a) | set(b)))
    if n == 0:
        return Kappa(0, 0.0, 0.0, None, None, None, None, cats)
    k = {c: i for i, c in enumerate(cats)}
    p = [[0.0] * len(cats) for _ in cats]
    for x, y in zip(a, b, strict=True):
        p[k[x]][k[y]] += 1 / n
    rows = [sum(r) for r in p]
    cols = [sum(p[i][j] for i in range(len(cats))) for j in range(len(cats))]
    po = sum(p[i][i] for i in range(len(cats)))
    pe = sum(r * c for r, c in zip(rows, cols, strict=True))
    if pe >= 1 - 1e-12:
        return Kappa(n, po, pe, None, None, None, None, cats)
    kappa = (po - pe) / (1 - pe)
    big_a = sum(p[i][i] * (1 - (rows[i] + cols[i]) * (1 - kappa)) ** 2 for i in range(len(cats)))
    big_b = (1 - kappa) ** 2 * sum(p[i][j] * (cols[i] + rows[j]) ** 2
                                   for i in range(len(cats)) for j in range(len(cats)) if i != j)
    big_c = (kappa - pe * (1 - kappa)) ** 2
    var = max(big_a + big_b - big_c, 0.0) / (n * (1 - pe) ** 2)
    se = math.sqrt(var)
    low, high = max(-1.0, kappa - z * se), min(1.0, kappa + z * se)
    method = Kappa.method
    if n < SMALL:
        blow, bhigh = _bootstrap([k[x] for x in a], [k[y] for y in b], len(cats))
        low, high = min(low, blow), max(high, bhigh)
        method = f"asymptotic, widened to a percentile bootstrap (n < {SMALL})"
    return Kappa(n, po, pe, kappa, se, low, high, cats, method)


def _bootstrap(a: list[int], b: list[int], m: int, reps: int = 2000, seed: int = 0) -> tuple[float, float]:
    """2.5 and 97.5 percentiles of kappa over resamples (resamples where it is undefined skipped)."""
    rng = np.random.default_rng(seed)
    x, y = np.array(a), np.array(b)
    idx = rng.integers(0, len(a), (reps, len(a)))
    xa, yb = x[idx], y[idx]
    po = (xa == yb).mean(axis=1)
    pe = sum((xa == c).mean(axis=1) * (yb == c).mean(axis=1) for c in range(m))
    ok = pe < 1 - 1e-12
    kap = (po[ok] - pe[ok]) / (1 - pe[ok])
    if not len(kap):
        return -1.0, 1.0
    return float(np.percentile(kap, 2.5)), float(np.percentile(kap, 97.5))
