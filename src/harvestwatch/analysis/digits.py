"""Digit tests: Benford first digit (χ² and Nigrini's MAD) and terminal-digit uniformity."""

from __future__ import annotations

import math

import numpy as np

MIN_FIRST_DIGIT = 50
MIN_TERMINAL = 50
NIGRINI = ((0.006, "close conformity"), (0.012, "acceptable conformity"),
           (0.015, "marginally acceptable conformity"))


def _gammainc_lower(a: float, x: float) -> float:
    """Regularized lower incomplete gamma P(a, x): series below a + 1, continued fraction above
    (Numerical Recipes §6.2). Pure Python: importing scipy.special costs 0.3–1.3 s per command."""
    if x <= 0:
        return 0.0
    log_front = a * math.log(x) - x - math.lgamma(a)
    if x < a + 1:
        term = total = 1.0 / a
        n = a
        for _ in range(1000):
            n += 1
            term *= x / n
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        return min(1.0, total * math.exp(log_front))
    b = x + 1 - a
    c, d = 1e300, 1 / b
    h = d
    for i in range(1, 1000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = 1e-300 if abs(d) < 1e-300 else d
        c = b + an / c
        c = 1e-300 if abs(c) < 1e-300 else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return max(0.0, 1.0 - math.exp(log_front) * h)


def chi2_cdf(x: float, df: int) -> float:
    """Lower tail of χ²(df)."""
    return _gammainc_lower(df / 2, x / 2)


def chi2_sf(x: float, df: int) -> float:
    """Upper tail of χ²(df)."""
    return 1.0 - chi2_cdf(x, df)


def _first_digit(v: float) -> int | None:
    v = abs(v)
    if v == 0 or math.isnan(v):
        return None
    return int(f"{v:e}"[0])


def benford(values: list[float]) -> dict:
    """First-digit test; below MIN_FIRST_DIGIT numbers it returns 'insufficient data', no verdict."""
    digits = [d for d in (_first_digit(v) for v in values) if d]
    n = len(digits)
    if n < MIN_FIRST_DIGIT:
        return {"test": "benford_first_digit", "n": n, "verdict": "insufficient data",
                "reason": f"{n} numbers; the first-digit test needs at least {MIN_FIRST_DIGIT}"}
    observed = np.bincount(digits, minlength=10)[1:10]
    expected_p = np.log10(1 + 1 / np.arange(1, 10))
    chi2 = float(np.sum((observed - n * expected_p) ** 2 / (n * expected_p)))
    mad = float(np.mean(np.abs(observed / n - expected_p)))
    verdict = next((label for limit, label in NIGRINI if mad <= limit), "nonconformity")
    return {"test": "benford_first_digit", "n": n, "chi2": chi2, "df": 8,
            "p_value": chi2_sf(chi2, 8), "mad": mad, "verdict": verdict,
            "observed": observed.tolist(), "expected": (n * expected_p).tolist()}


def terminal_digit(values: list[float]) -> dict:
    """Uniformity of last digits of integers ≥ 10 (χ², 9 df)."""
    digits = [int(abs(v)) % 10 for v in values if abs(v) >= 10 and float(v).is_integer()]
    n = len(digits)
    if n < MIN_TERMINAL:
        return {"test": "terminal_digit", "n": n, "verdict": "insufficient data",
                "reason": f"{n} numbers; the terminal-digit test needs at least {MIN_TERMINAL}"}
    observed = np.bincount(digits, minlength=10)
    chi2 = float(np.sum((observed - n / 10) ** 2 / (n / 10)))
    p = chi2_sf(chi2, 9)
    return {"test": "terminal_digit", "n": n, "chi2": chi2, "df": 9, "p_value": p,
            "verdict": "not uniform (p < 0.01)" if p < 0.01 else "consistent with uniform",
            "observed": observed.tolist()}
