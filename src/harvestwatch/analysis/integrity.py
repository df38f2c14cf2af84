"""Curve fits of a yearly series (METHODS §1, after Robertson, Hinde & Lavee 2019).

Least-squares fits (linear, general quadratic, one-parameter quadratic, exponential) and a
logistic growth fit, each with R², adjusted R², residuals and leave-one-out error. These
describe the series; the test of smoothness against counting noise is the count model in
``countmodel`` (a Poisson GLM and a simulated null), because least-squares fitted values can
go to zero or below and break a Pearson statistic. Pure functions, no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from harvestwatch.analysis.digits import chi2_cdf


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
    dispersion: float | None  # D = Σ r² / Σ ŷ (METHODS §1); None when a fitted value is ≤ 0
    pearson_chi2: float | None  # Σ r² / ŷ, ~ χ²(n − k) under Poisson counting noise
    p_smoother: float | None  # lower-tail P(χ²(n − k) ≤ pearson_chi2), descriptive
    one_minus_r2_log10: float | None = None
    note: str = ""

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


def quadratic_r2(years: list[int], values: list[float]) -> float:
    """R² of the least-squares general quadratic (the published statistic), nothing else."""
    t = np.asarray(years, dtype=float) - (min(years) - 1)
    y = np.asarray(values, dtype=float)
    fitted = _design("quadratic", t) @ _ols(_design("quadratic", t), y)
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    return 1 - float(np.sum((y - fitted) ** 2)) / ss_tot if ss_tot > 0 else float("nan")


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
        # k counts every coefficient, the intercept included: n − k residual degrees of freedom.
        adj = 1 - (1 - r2) * (n - 1) / (n - k) if n - k > 0 else float("nan")
        df = n - k
        if np.all(fitted > 0) and df > 0:
            pearson = float(np.sum(r * r / fitted))
            disp, p, note = float(ss_res / float(np.sum(fitted))), chi2_cdf(pearson, df), ""
        else:
            pearson = disp = p = None
            note = "a fitted value is ≤ 0 or no degree of freedom is left: no Pearson statistic"
        fits.append(Fit(
            name=name, params=params, k=k, fitted=[float(v) for v in fitted],
            residuals=[float(v) for v in r], r2=float(r2), adj_r2=float(adj),
            loo_rmse=_loo(name, t, y), dispersion=disp, pearson_chi2=pearson, p_smoother=p,
            one_minus_r2_log10=float(math.log10(1 - r2)) if 0 <= r2 < 1 else None, note=note))
    logistic = _logistic(t, y)
    if logistic is not None:
        fits.append(logistic)
    return fits


def _logistic(t: np.ndarray, y: np.ndarray) -> Fit | None:
    from harvestwatch.analysis.countmodel import fit_logistic

    res = fit_logistic(t, y)
    if res is None:
        return None
    fitted = np.asarray(res["fitted"])
    r = y - fitted
    df = len(y) - res["k"]
    ok = bool(np.all(fitted > 0) and df > 0)
    pearson = float(np.sum(r * r / fitted)) if ok else None
    return Fit(name="logistic", params=res["params"], k=res["k"], fitted=res["fitted"],
               residuals=res["residuals"], r2=res["r2"], adj_r2=res["adj_r2"], loo_rmse=None,
               dispersion=float(np.sum(r * r) / np.sum(fitted)) if ok else None, pearson_chi2=pearson,
               p_smoother=chi2_cdf(pearson, df) if ok else None,
               one_minus_r2_log10=float(math.log10(1 - res["r2"])) if 0 <= res["r2"] < 1 else None)


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
