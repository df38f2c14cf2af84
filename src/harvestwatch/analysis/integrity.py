"""Integrity of an official yearly series (METHODS §1, after Robertson, Hinde & Lavee 2019).

Fits simple curves, then asks how smooth the series is compared with counting noise:
a count has at least Poisson variance (variance ≈ mean), so residuals much smaller than
that mean the series is smoother than real counts can be. Pure functions, no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import stats


@dataclass
class Fit:
    name: str
    params: dict
    k: int
    fitted: list[float]
    residuals: list[float]
    r2: float
    adj_r2: float
    loo_rmse: float | None
    dispersion: float  # D = Σ r² / Σ ŷ   (METHODS §1)
    pearson_chi2: float  # Σ r² / ŷ, ~ χ²(n − k) under Poisson counting noise
    p_smoother: float  # lower-tail P(χ²(n − k) ≤ pearson_chi2): small = smoother than Poisson
    one_minus_r2_log10: float | None = None

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _design(name: str, t: np.ndarray) -> np.ndarray | None:
    if name == "linear":
        return np.column_stack([np.ones_like(t), t])
    if name == "quadratic":
        return np.column_stack([np.ones_like(t), t, t * t])
    if name == "one_parameter_quadratic":
        return (t * t)[:, None]
    return None


def _ols(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    return coef


def _fit(name: str, t: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, dict, int] | None:
    if name == "exponential":
        if np.any(y <= 0):
            return None
        X = np.column_stack([np.ones_like(t), t])
        b = _ols(X, np.log(y))
        return np.exp(X @ b), {"a": float(math.exp(b[0])), "growth_rate": float(b[1])}, 2
    X = _design(name, t)
    b = _ols(X, y)
    names = {"linear": ("a", "b"), "quadratic": ("a", "b", "c"), "one_parameter_quadratic": ("a",)}[name]
    return X @ b, dict(zip(names, map(float, b), strict=True)), X.shape[1]


def _loo(name: str, t: np.ndarray, y: np.ndarray) -> float | None:
    errs = []
    for i in range(len(t)):
        mask = np.arange(len(t)) != i
        res = _fit(name, t[mask], y[mask])
        if res is None or mask.sum() <= res[2]:
            return None
        _, params, _ = res
        if name == "exponential":
            pred = params["a"] * math.exp(params["growth_rate"] * t[i])
        else:
            X = _design(name, t[i:i + 1])
            pred = float((X @ np.array(list(params.values())))[0])
        errs.append(y[i] - pred)
    return float(np.sqrt(np.mean(np.square(errs))))


MODELS = ("linear", "quadratic", "one_parameter_quadratic", "exponential")


def fit_series(years: list[int], values: list[float], origin: int | None = None) -> list[Fit]:
    """Every model fitted to the series; ``t`` counts years since ``origin`` (default: first year − 1)."""
    if len(years) != len(values) or len(years) < 3:
        raise ValueError("need at least three (year, value) pairs")
    y = np.asarray(values, dtype=float)
    origin = (min(years) - 1) if origin is None else origin
    t = np.asarray(years, dtype=float) - origin
    n = len(y)
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    fits = []
    for name in MODELS:
        res = _fit(name, t, y)
        if res is None:
            continue
        fitted, params, k = res
        if name == "one_parameter_quadratic":
            params["origin_year"] = origin
        r = y - fitted
        ss_res = float(np.sum(r * r))
        r2 = 1 - ss_res / ss_tot if ss_tot > 0 else float("nan")
        adj = 1 - (1 - r2) * (n - 1) / (n - k - 1) if n - k - 1 > 0 else float("nan")
        positive = np.clip(fitted, 1e-9, None)
        pearson = float(np.sum(r * r / positive))
        df = max(1, n - k)
        fits.append(Fit(
            name=name, params=params, k=k, fitted=[float(v) for v in fitted],
            residuals=[float(v) for v in r], r2=float(r2), adj_r2=float(adj),
            loo_rmse=_loo(name, t, y), dispersion=float(ss_res / float(np.sum(positive))),
            pearson_chi2=pearson, p_smoother=float(stats.chi2.cdf(pearson, df)),
            one_minus_r2_log10=float(math.log10(1 - r2)) if 0 <= r2 < 1 else None))
    return fits


@dataclass
class SeriesIntegrity:
    name: str
    years: list[int]
    values: list[float]
    fits: list[Fit]
    reference: str = "quadratic"
    notes: list[str] = field(default_factory=list)

    @property
    def reference_fit(self) -> Fit:
        return next(f for f in self.fits if f.name == self.reference)


def assess(name: str, years: list[int], values: list[float], origin: int | None = None) -> SeriesIntegrity:
    """Fits plus the smoothness statistics of one series (reference model: general quadratic)."""
    return SeriesIntegrity(name, list(years), [float(v) for v in values], fit_series(years, values, origin))


def overdispersion_adjusted_p(target: Fit, peer_dispersions: list[float], n: int) -> float | None:
    """Lower-tail p with the Pearson statistic scaled by the peers' median overdispersion φ.

    Real count series are noisier than Poisson; if peers have Pearson χ²/df = φ > 1, the
    target is compared with φ-scaled noise (quasi-Poisson), the standard practice.
    """
    if not peer_dispersions:
        return None
    phi = max(1.0, float(np.median(peer_dispersions)))
    return float(stats.chi2.cdf(target.pearson_chi2 / phi, max(1, n - target.k)))
