"""Count model: the GLM agrees with statsmodels; the simulated null keeps its nominal rate."""

from __future__ import annotations

import numpy as np
import pytest

from harvestwatch.analysis import countmodel as cm
from harvestwatch.analysis.smoothness import ALPHA

T = np.arange(1, 10, dtype=float)
TREND = 120 * T * T + 35 * T + 30


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_glm_matches_statsmodels(seed):
    import warnings

    import statsmodels.api as sm

    y = np.random.default_rng(seed).poisson(TREND).astype(float)
    ours = cm.fit_glm(T, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sm.GLM(y, cm.quadratic_design(T),
                     family=sm.families.Poisson(link=sm.families.links.Identity())).fit(tol=1e-12)
    assert ours.link == "identity"
    assert np.allclose(ours.params, ref.params, rtol=1e-5, atol=1e-4)
    assert ours.pearson_chi2 == pytest.approx(ref.pearson_chi2, rel=1e-6)
    assert ours.deviance == pytest.approx(ref.deviance, rel=1e-6)


def test_log_link_when_identity_would_go_below_zero():
    y = np.array([900, 300, 80, 10, 2, 1, 0, 0, 1], dtype=float)
    fit = cm.fit_glm(T, y)
    assert all(m > 0 for m in fit.fitted)


@pytest.mark.parametrize("phi", [1.0, 2.0, 5.0])
def test_series_around_the_trend_are_flagged_at_most_at_the_nominal_rate(phi):
    """Poisson and NB(φ) counts around one trend, tested by the verdict's Poisson null, are
    flagged at p < 0.01 at most at the nominal 1% (fixed seed, 200 series × 1,000 draws;
    bench/analysis.py runs 2,000 × 2,000)."""
    rng = np.random.default_rng(20260515)
    flagged = 0
    for i in range(200):
        y = cm.simulate(TREND, 1, rng, phi)[0]
        fit = cm.fit_glm(T, y)
        flagged += cm.null_test(fit, T, draws=1000, seed=i).flagged(ALPHA)
    assert flagged / 200 <= 0.01


def test_exact_trend_and_noise_below_counting_noise_are_flagged():
    fit = cm.fit_glm(T, np.round(TREND))
    assert cm.null_test(fit, T, draws=500).flagged(ALPHA)
    pw = cm.power(fit, T, alpha=ALPHA, draws=300)
    assert pw[0.0] == 1.0 and pw[0.3] > pw[0.5]


def test_null_band_contains_the_trend():
    fit = cm.fit_glm(T, np.round(TREND))
    nt = cm.null_test(fit, T, draws=500)
    assert all(lo <= m <= hi for lo, m, hi in zip(nt.band_low, fit.fitted, nt.band_high, strict=True))


@pytest.mark.parametrize("df", [1, 2, 3, 6, 8, 9, 40])
@pytest.mark.parametrize("x", [0.01, 0.5, 1.0, 4.0, 12.0, 60.0])
def test_chi2_tails_match_scipy(df, x):
    from scipy import stats

    from harvestwatch.analysis.digits import chi2_cdf, chi2_sf

    assert chi2_cdf(x, df) == pytest.approx(stats.chi2.cdf(x, df), abs=1e-12)
    assert chi2_sf(x, df) == pytest.approx(stats.chi2.sf(x, df), abs=1e-10)
