"""Integrity as a count model (METHODS §1): a Poisson GLM trend and a parametric-bootstrap null.

The reference trend is a quadratic in years, fitted as a Poisson GLM with the identity link
(the published general quadratic, fitted by maximum likelihood instead of least squares), or
the log link when the identity link would put a fitted mean at or below zero. The statistic
is the Pearson χ² of that fit. Its null distribution is simulated: counts are drawn around
the fitted trend (Poisson, or negative binomial with variance φ·μ), the same GLM is refitted
to each draw, and the observed statistic's percentile among the draws is the lower-tail p
(small = smoother than counting noise). Power at the series' length is simulated the same way.

The fits are iteratively reweighted least squares in numpy, batched over all simulated series;
they agree with statsmodels' GLM to 1e-6 (tests/analysis/test_countmodel.py). statsmodels is
not imported at run time: it costs more than a second of start-up per command.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

MIN_MEAN = 0.5  # floor of a simulated series' fitted mean in the Pearson weights (one half count)
DRAWS = 2000
POWER_NOISE = (0.0, 0.3, 0.5)  # noise SD as a multiple of √μ for the power statement


def quadratic_design(t: np.ndarray) -> np.ndarray:
    return np.column_stack([np.ones_like(t), t, t * t])


@dataclass
class GLMFit:
    link: str  # identity | log
    params: list[float]  # identity: a + b·t + c·t²; log: on (t − t̄)/s
    fitted: list[float]
    pearson_chi2: float
    deviance: float
    df_resid: int
    converged: bool

    @property
    def dispersion(self) -> float:
        """Pearson χ² / residual df: 1 for Poisson counts, > 1 overdispersed, ≪ 1 too smooth."""
        return self.pearson_chi2 / self.df_resid if self.df_resid > 0 else float("nan")

    def to_dict(self) -> dict:
        d = dict(self.__dict__)
        d["dispersion"] = self.dispersion
        return d


def _solve(XtWX: np.ndarray, XtWz: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(XtWX, XtWz[..., None])[..., 0]
    except np.linalg.LinAlgError:
        return np.einsum("bij,bj->bi", np.linalg.pinv(XtWX), XtWz)


def irls(Y: np.ndarray, X: np.ndarray, link: str, *, iters: int = 50, tol: float = 1e-10,
         floor: float | None = None) -> tuple[np.ndarray, np.ndarray, bool]:
    """Poisson GLM by IRLS for every row of ``Y`` (B × n) at once: (coefficients, means, converged).

    Identity link: starts from least squares weighted by 1/y (≈ Poisson weights) and halves a
    step that would put a mean at or below zero. ``floor`` (simulated series only) keeps the
    weights finite instead, which is faster for thousands of series.
    """
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    k = X.shape[1]
    XX = (X[:, :, None] * X[:, None, :]).reshape(len(X), k * k)  # per row x xᵀ, so XᵀWX is one matmul

    def normal(w, z):
        return (w @ XX).reshape(-1, k, k), (w * z) @ X

    if link == "identity":
        w0 = 1.0 / np.maximum(Y, 1.0)
        beta = _solve(*normal(w0, Y))
        if not floor and np.any(beta @ X.T <= 0):
            beta = np.linalg.lstsq(X, Y.T, rcond=None)[0].T
            if np.any(beta @ X.T <= 0):
                return beta, beta @ X.T, False
    else:
        beta = np.linalg.lstsq(X, np.log(np.maximum(Y, 0.5)).T, rcond=None)[0].T
    active = np.arange(len(Y))  # rows still moving; converged rows are left alone
    for _ in range(iters):
        b, y = beta[active], Y[active]
        eta = b @ X.T
        if link == "identity":
            mu = np.maximum(eta, floor) if floor else eta
            w, z = 1.0 / mu, y
        else:
            eta = np.clip(eta, -30, 30)
            mu = np.exp(eta)
            w, z = mu, eta + (y - mu) / mu
        new = _solve(*normal(w, z))
        if link == "identity" and not floor:
            for _ in range(40):  # step-halving keeps every mean positive
                if np.all(new @ X.T > 0):
                    break
                new = (new + b) / 2
        step = np.max(np.abs(new - b) / (np.abs(b) + 1e-8), axis=1)
        beta[active] = new
        active = active[step >= tol]
        if active.size == 0:
            break
    converged = active.size == 0
    eta = beta @ X.T
    mu = np.exp(np.clip(eta, -30, 30)) if link == "log" else (np.maximum(eta, floor) if floor else eta)
    return beta, mu, converged


def pearson(Y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    return np.sum((Y - mu) ** 2 / mu, axis=-1)


def deviance(y: np.ndarray, mu: np.ndarray) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / mu), 0.0)
    return float(2 * np.sum(term - (y - mu)))


def _basis(t: np.ndarray, link: str) -> np.ndarray:
    if link == "log":
        s = t.std() or 1.0
        return quadratic_design((t - t.mean()) / s)
    return quadratic_design(t)


def fit_glm(t: list[float] | np.ndarray, y: list[float] | np.ndarray) -> GLMFit:
    """Quadratic Poisson GLM: identity link when every fitted mean stays positive, else log."""
    t, y = np.asarray(t, dtype=float), np.asarray(y, dtype=float)
    for link in ("identity", "log"):
        X = _basis(t, link)
        beta, mu, ok = irls(y, X, link)
        mu = mu[0]
        if np.all(np.isfinite(mu)) and np.all(mu > 0):
            return GLMFit(link, [float(b) for b in beta[0]], [float(m) for m in mu],
                          float(pearson(y, mu)), deviance(y, mu), len(y) - X.shape[1], bool(ok))
    raise ValueError("the Poisson GLM does not converge for this series")


def simulate(mu: np.ndarray, draws: int, rng: np.random.Generator, phi: float = 1.0) -> np.ndarray:
    """Counts around ``mu``: Poisson (φ = 1) or negative binomial with variance φ·μ."""
    mu = np.asarray(mu, dtype=float)
    if phi <= 1.0 + 1e-9:
        return rng.poisson(mu, (draws, mu.size)).astype(float)
    size = mu / (phi - 1.0)
    return rng.negative_binomial(size, 1.0 / phi, (draws, mu.size)).astype(float)


def statistic(Y: np.ndarray, t: np.ndarray, link: str) -> np.ndarray:
    """Pearson χ² of the quadratic Poisson GLM refitted to each simulated series."""
    X = _basis(t, link)
    _, mu, _ = irls(Y, X, link, floor=MIN_MEAN, iters=30, tol=1e-7)
    return pearson(Y, np.maximum(mu, MIN_MEAN))


@dataclass
class NullTest:
    name: str  # "Poisson" | "negative binomial (φ = …)"
    phi: float
    percentile: float  # P(T* ≤ T_obs): the lower-tail p
    draws: int
    band_low: list[float] = field(default_factory=list)  # 5th percentile of simulated counts per year
    band_high: list[float] = field(default_factory=list)
    stat_quantiles: dict = field(default_factory=dict)  # 1%, 5%, 50%, 95% of T*

    @property
    def upper(self) -> float:
        """Upper 95% Monte-Carlo bound of the percentile (it is itself estimated from draws)."""
        p = self.percentile
        return min(1.0, p + 1.96 * math.sqrt(p * (1 - p) / self.draws) + 1 / self.draws)

    def flagged(self, alpha: float) -> bool:
        """Smoother than the null at ``alpha`` even allowing for the Monte-Carlo error of the
        percentile, so that simulation noise alone cannot push the rate of false flags above alpha."""
        return self.upper < alpha

    def to_dict(self) -> dict:
        d = dict(self.__dict__)
        d["upper"] = self.upper
        return d


def null_test(fit: GLMFit, t: np.ndarray, *, phi: float = 1.0, draws: int = DRAWS,
              seed: int = 0, name: str | None = None) -> NullTest:
    """Percentile of the observed Pearson χ² among ``draws`` series simulated around the fit."""
    rng = np.random.default_rng(seed)
    mu = np.asarray(fit.fitted)
    Y = simulate(mu, draws, rng, phi)
    T = statistic(Y, np.asarray(t, dtype=float), fit.link)
    pct = float((1 + np.sum(T <= fit.pearson_chi2)) / (draws + 1))
    lo, hi = np.quantile(Y, [0.05, 0.95], axis=0)
    q = np.quantile(T, [0.01, 0.05, 0.5, 0.95, effective_alpha(0.01, draws)])
    label = name or ("Poisson" if phi <= 1 else f"negative binomial (φ = {phi:.3g})")
    return NullTest(label, phi, pct, draws, lo.tolist(), hi.tolist(),
                    {"q01": float(q[0]), "q05": float(q[1]), "median": float(q[2]), "q95": float(q[3]),
                     "flag_cut": float(q[4])})


def effective_alpha(alpha: float, draws: int) -> float:
    """The largest percentile that ``NullTest.flagged`` still flags with ``draws`` draws."""
    lo, hi = 0.0, alpha
    for _ in range(60):
        mid = (lo + hi) / 2
        if mid + 1.96 * math.sqrt(mid * (1 - mid) / draws) + 1 / draws < alpha:
            lo = mid
        else:
            hi = mid
    return lo


def power(fit: GLMFit, t: np.ndarray, *, alpha: float, draws: int = 500, seed: int = 1,
          test_draws: int = DRAWS) -> dict[float, float]:
    """Share of series flagged at ``alpha`` (by the rule of a test with ``test_draws`` draws)
    when the noise SD is c·√μ (c = 0 is an exact trend)."""
    rng = np.random.default_rng(seed)
    mu = np.asarray(fit.fitted)
    t = np.asarray(t, dtype=float)
    null_T = statistic(simulate(mu, draws * 4, rng), t, fit.link)
    cut = np.quantile(null_T, effective_alpha(alpha, test_draws))
    out = {}
    for c in POWER_NOISE:
        Y = np.round(mu + c * np.sqrt(mu) * rng.standard_normal((draws, mu.size)))
        Y = np.maximum(Y, 0)
        out[c] = float(np.mean(statistic(Y, t, fit.link) <= cut))
    return out


def power_words(n: int, pw: dict[float, float], alpha: float) -> str:
    parts = [f"an exact trend in {pw[0.0]:.0%}" if c == 0.0 else
             f"a series with {c:g}× counting noise in {pw[c]:.0%}" for c in sorted(pw)]
    strength = ("modest" if pw.get(0.3, 0) < 0.8 else "good") if pw.get(0.0, 0) > 0.9 else "low"
    return (f"Power is {strength} at n = {n}: at p < {alpha:g} the test flags {', '.join(parts)} "
            f"of simulated series; not being flagged is weak evidence that a series is honest.")


# --- logistic growth (METHODS §1) ----------------------------------------------------------

def fit_logistic(t: np.ndarray, y: np.ndarray, iters: int = 200) -> dict | None:
    """y = K / (1 + exp(−r (t − t0))) by damped Gauss–Newton (Levenberg–Marquardt); None if it fails."""
    t, y = np.asarray(t, dtype=float), np.asarray(y, dtype=float)
    if len(y) < 4 or np.any(y <= 0):
        return None

    def model(p):
        K, r, t0 = p
        return K / (1 + np.exp(np.clip(-r * (t - t0), -50, 50)))

    best = None
    for k_mult in (1.2, 2.0, 5.0):
        K = y.max() * k_mult
        z = np.log(y / (K - y))
        r, c = np.polyfit(t, z, 1)
        p = np.array([K, r, -c / r if r else t.mean()])
        lam = 1e-3
        err = np.sum((y - model(p)) ** 2)
        for _ in range(iters):
            f = model(p)
            e = np.exp(np.clip(-p[1] * (t - p[2]), -50, 50))
            J = np.column_stack([1 / (1 + e), p[0] * (t - p[2]) * e / (1 + e) ** 2,
                                 -p[0] * p[1] * e / (1 + e) ** 2])
            A = J.T @ J
            g = J.T @ (y - f)
            step = np.linalg.lstsq(A + lam * np.diag(np.diag(A) + 1e-12), g, rcond=None)[0]
            new = p + step
            new_err = np.sum((y - model(new)) ** 2)
            if np.isfinite(new_err) and new_err < err:
                p, lam = new, lam / 3
                if err - new_err < 1e-12 * max(err, 1):
                    err = new_err
                    break
                err = new_err
            else:
                lam *= 4
                if lam > 1e12:
                    break
        if np.all(np.isfinite(p)) and p[0] > 0 and (best is None or err < best[1]):
            best = (p, err)
    if best is None:
        return None
    p, sse = best
    fitted = model(p)
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    r2 = 1 - sse / ss_tot if ss_tot > 0 else float("nan")
    n, k = len(y), 3
    return {"name": "logistic", "params": {"K": float(p[0]), "r": float(p[1]), "t0": float(p[2])},
            "k": k, "fitted": fitted.tolist(), "residuals": (y - fitted).tolist(), "r2": float(r2),
            "adj_r2": float(1 - (1 - r2) * (n - 1) / (n - k)) if n > k else float("nan")}


def finite(x: float) -> bool:
    return x is not None and math.isfinite(x)
