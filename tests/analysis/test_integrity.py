"""Integrity tests reproduce METHODS §1's known answers."""

from __future__ import annotations

import numpy as np
import pytest

from harvestwatch.analysis.datasets import get_dataset
from harvestwatch.analysis.digits import benford, terminal_digit
from harvestwatch.analysis.integrity import assess
from harvestwatch.services.analysis import SMOOTH_P, run_integrity

YEARS = list(range(2010, 2019))
EXACT = [round(120 * t * t + 35 * t + 30) for t in range(1, 10)]


def test_exact_quadratic_is_smoother_than_counting_noise():
    fit = assess("exact", YEARS, EXACT).reference_fit
    assert fit.r2 > 0.99999
    assert fit.p_smoother < 1e-6


@pytest.mark.parametrize("seed", range(10))
def test_same_series_with_poisson_noise_is_not_flagged(seed):
    noisy = np.random.default_rng(seed).poisson(EXACT).tolist()
    assert assess("noisy", YEARS, noisy).reference_fit.p_smoother > SMOOTH_P


@pytest.mark.parametrize("name", ["US:deceased_liver_donors", "US:deceased_heart_donors",
                                  "US:deceased_donors"])
def test_natural_us_series_are_not_flagged(name):
    result = run_integrity(name)
    assert result.details["smoother_than_counting_noise"] is False
    assert result.details["p_smoother"] > SMOOTH_P


def test_one_parameter_quadratic_recovers_its_coefficient():
    values = [round(50 * t * t) for t in range(1, 10)]
    fit = next(f for f in assess("a t^2", YEARS, values).fits if f.name == "one_parameter_quadratic")
    assert fit.params["a"] == pytest.approx(50, rel=1e-3)
    assert fit.r2 > 0.9999


def test_result_names_rows_used_and_conflicts():
    result = run_integrity("CN:deceased_donors").to_dict()
    assert "2017" in result["details"]["conflicts"]  # 5,148 vs 5,146 from two gatherings
    values = {r["value"] for r in result["details"]["conflicts"]["2017"]}
    assert values == {5148.0, 5146.0}
    assert all(i["source"].startswith("CN:deceased_donors@") for i in result["inputs"])
    assert "cannot confirm or refute" in result["conclusion"]
    assert {"r2", "dispersion", "p_smoother"} <= set(result["details"])


def test_digit_tests_refuse_small_samples():
    assert benford(EXACT)["verdict"] == "insufficient data"
    assert terminal_digit(EXACT)["verdict"] == "insufficient data"
    rng = np.random.default_rng(0)
    big = (10 ** rng.uniform(1, 6, 2000)).round().tolist()
    assert benford(big)["verdict"] in ("close conformity", "acceptable conformity")
    uniform_last = rng.integers(10, 10000, 1000).tolist()
    assert terminal_digit(uniform_last)["verdict"] == "consistent with uniform"
    assert terminal_digit([v - v % 10 for v in uniform_last])["verdict"].startswith("not uniform")


def test_dataset_rows_keep_sources():
    rows = get_dataset("CN:deceased_donors").rows
    assert all(r.source_url or r.quote for r in rows)
    row_2015 = [r for r in rows if r.year == 2015 and r.origin.startswith("china_official.csv")]
    assert row_2015 and "2,766" in row_2015[0].quote
