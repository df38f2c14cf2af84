"""Integrity: known answers of METHODS §1 through the count model and the data checks."""

from __future__ import annotations

import numpy as np
import pytest

from harvestwatch.analysis.datasets import Selection, get_dataset
from harvestwatch.analysis.digits import benford, terminal_digit
from harvestwatch.analysis.integrity import assess
from harvestwatch.analysis.smoothness import ALPHA, smoothness_test
from harvestwatch.core.errors import ValidationError
from harvestwatch.services.analysis import robertson_comparison, run_integrity

YEARS = list(range(2010, 2019))
EXACT = [round(120 * t * t + 35 * t + 30) for t in range(1, 10)]


def test_exact_quadratic_is_flagged():
    test = smoothness_test(YEARS, EXACT, draws=1000)
    assert test.poisson.percentile < 0.002
    assert test.verdict == "smoother than counting noise allows"
    assert test.power[0.0] == 1.0  # an exact trend is always flagged


def test_one_parameter_quadratic_recovers_its_coefficient():
    values = [round(50 * t * t) for t in range(1, 10)]
    fit = next(f for f in assess("a t^2", YEARS, values).fits if f.name == "one_parameter_quadratic")
    assert fit.params["a"] == pytest.approx(50, rel=1e-3)
    assert fit.r2 > 0.9999


def test_adjusted_r2_uses_n_minus_k_degrees_of_freedom():
    rng = np.random.default_rng(3)
    values = (np.array(EXACT) + rng.normal(0, 200, 9)).tolist()
    quad = next(f for f in assess("q", YEARS, values).fits if f.name == "quadratic")
    assert quad.adj_r2 == pytest.approx(1 - (1 - quad.r2) * (9 - 1) / (9 - 3))


def test_least_squares_fit_below_zero_gets_no_pearson_statistic():
    # A series that falls to zero: the straight line goes below zero, no 1e-9 clipping.
    values = [400, 200, 90, 30, 5, 0, 0, 1, 0]
    lin = next(f for f in assess("falling", YEARS, values).fits if f.name == "linear")
    assert lin.pearson_chi2 is None and lin.p_smoother is None and "≤ 0" in lin.note


def test_logistic_growth_fit_recovers_its_parameters():
    t = np.arange(1, 13)
    values = (5000 / (1 + np.exp(-0.8 * (t - 6)))).round().tolist()
    fit = next(f for f in assess("s-curve", list(range(2010, 2022)), values).fits if f.name == "logistic")
    assert fit.params["K"] == pytest.approx(5000, rel=0.01)
    assert fit.params["r"] == pytest.approx(0.8, rel=0.02)


def test_short_series_gets_power_statement_and_no_verdict():
    test = smoothness_test([2015, 2016, 2017, 2018, 2019], [100, 140, 190, 260, 330], draws=500)
    assert test.verdict is None
    assert any("degree(s) of freedom" in w for w in test.withheld)
    assert "Power" in test.power_words and "n = 5" in test.power_words


@pytest.mark.parametrize("name,selection", [
    ("US:deceased_liver_donors", None), ("US:deceased_heart_donors", None),
    ("US:deceased_donors", Selection(years=(2016, 2023), source="peer_countries.csv"))])
def test_natural_us_series_are_not_flagged(name, selection):
    result = run_integrity(name, selection=selection, draws=1000)
    assert result.details["checks"]["verdict_allowed"], result.details["checks"]
    assert result.details["smoother_than_counting_noise"] is False
    assert result.details["p_smoother"] > ALPHA


def test_carried_forward_series_gets_its_finding_and_no_verdict():
    result = run_integrity("CN:transplants_kidney_total", draws=300)
    found = {f["name"]: f for f in result.details["checks"]["findings"]}
    assert "5,540 in 2010–2014 (5 years)" in found["carried_forward"]["summary"]
    assert len([o for o in found["carried_forward"]["rows"]]) >= 5
    assert result.details["verdict"] is None
    assert result.conclusion.startswith("No verdict") and "carried_forward" in result.conclusion
    # choosing years does not make copied values counts: still no verdict over 2010–2014
    again = run_integrity("CN:transplants_kidney_total", selection=Selection(years=(2008, 2016)), draws=300)
    assert again.details["verdict"] is None


def test_china_all_rows_gets_findings_first_and_no_verdict():
    result = run_integrity("CN:deceased_donors", draws=300).to_dict()
    names = {f["name"] for f in result["details"]["checks"]["findings"]}
    assert {"conflicting_sources", "approximate_or_bounded", "gaps", "mixed_scopes"} <= names
    values = {r["value"] for r in result["details"]["conflicts"]["2017"]}
    assert values == {5148.0, 5146.0}
    assert result["details"]["verdict"] is None
    assert "cannot confirm or refute" in result["conclusion"]
    assert all(i["source"].startswith("CN:deceased_donors@") for i in result["inputs"])


def test_user_choice_of_rows_gives_a_verdict():
    sel = Selection(years=(2010, 2018), source="extended2__china_official_series.csv", verified_only=True,
                    exclude_approx=True, rows=("extended2__china_official_series.csv:2",))
    result = run_integrity("CN:deceased_donors", selection=sel, draws=500)
    assert result.details["checks"]["verdict_allowed"]
    assert result.details["verdict"] in ("smoother than counting noise allows", "not smoother than counting noise")
    assert result.details["years"] == [2010, 2011, 2015, 2016, 2017, 2018]
    assert result.details["peers"] and result.details["phi_peers"] > 1  # GODT peers, same years


@pytest.mark.parametrize("name,why", [("US:population", "population"),
                                      ("ES:deceased_donors_pmp", "rate"),
                                      ("CN:registered_donors", "stock")])
def test_non_counts_are_refused_with_a_reason(name, why):
    with pytest.raises(ValidationError, match=why):
        run_integrity(name)


def test_all_zero_series_is_refused(sqlite_store, tmp_path):
    from harvestwatch.services.analysis import import_dataset

    f = tmp_path / "zeros.csv"
    f.write_text("metric,country,year,value,unit,source_title,source_url,quote,verified\n" + "".join(
        f"executions,XZ,{y},0,executions,Registry,https://e.org,none in {y},yes\n" for y in range(2010, 2016)))
    import_dataset(sqlite_store, f)
    with pytest.raises(ValidationError, match="every value is zero"):
        run_integrity("XZ:executions", store=sqlite_store)


def test_robertson_comparison_is_shown_honestly():
    out = robertson_comparison()
    by_window = {r["window"]: r for r in out["rows"]}
    assert by_window["2010–2017"]["r2_quadratic"] == pytest.approx(0.9975, abs=5e-4)
    assert by_window["2010–2018"]["r2_quadratic"] == pytest.approx(0.996, abs=5e-4)
    assert by_window["2010–2017"]["published_r2"] == 0.999 and by_window["2010–2018"]["published_r2"] == 0.997
    assert by_window["2010–2017"]["peer_ratio"]["n"] == 56
    assert "not available" in out["statement"]


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


def test_values_copied_across_unrelated_metrics_are_found():
    from harvestwatch.analysis.checks import check_series
    from harvestwatch.analysis.datasets import Dataset, Row

    def rows(metric, values):
        return [Row(f"XZ:{metric}", 2010 + i, None, v, None, "transplants", "R", "https://e.org", "q", "yes",
                    f"f.csv:{i + 2}") for i, v in enumerate(values)]

    kidney = Dataset("XZ:transplants_kidney", rows("transplants_kidney", [900, 950, 1010, 1100]))
    liver = Dataset("XZ:transplants_liver", rows("transplants_liver", [900, 950, 1010, 1100]))
    part = Dataset("XZ:transplants_kidney_deceased", rows("transplants_kidney_deceased", [900, 950, 1010, 1100]))
    siblings = {d.name: d for d in (kidney, liver, part)}
    found = {f.name: f for f in check_series(kidney, siblings=siblings).findings}
    assert "XZ:transplants_liver" in found["identical_across_metrics"].summary
    assert "deceased" not in found["identical_across_metrics"].summary  # a part may equal its whole
