"""Supply gap, capacity and waiting models: known answers and properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harvestwatch.analysis.capacity import Hospital, capacity_model
from harvestwatch.analysis.montecarlo import Prior
from harvestwatch.analysis.supply_gap import supply_gap
from harvestwatch.analysis.waiting import match_probability, waiting_inference
from harvestwatch.core.errors import ValidationError
from harvestwatch.services.analysis import read_hospitals, run_supply_gap


def test_supply_gap_with_fixed_inputs_is_exact():
    r = supply_gap(Prior.fixed(10_000), Prior.fixed(2_766), Prior.fixed(2.8), Prior.fixed(1_000))
    assert r.point == pytest.approx(10_000 - 2_766 * 2.8 - 1_000)
    assert r.interval.low == r.interval.high == pytest.approx(r.point)


def test_supply_gap_defaults_cite_rows_of_the_year():
    r = run_supply_gap(year=2015)
    sources = {i.name: i.source for i in r.inputs}
    assert "CN:transplants_total@" in sources["transplants"] and "(lower bound)" in sources["transplants"]
    assert "CN:organs_procured@china_official.csv:4" in sources["organs_per_donor"]
    assert "living_donor_transplants" in sources  # 2015: living donors are part of supply
    assert r.interval.low <= r.point <= r.interval.high
    assert "discard rate" in " ".join(r.details["missing"])


def test_supply_gap_for_2018_uses_2018_figures():
    r = run_supply_gap(year=2018)
    values = {i.name: i.value for i in r.inputs}
    assert values["transplants"]["mode"] == 20201 and values["deceased_donors"]["mode"] == 6302
    assert values["living_donor_share"]["mode"] == pytest.approx(0.1203)
    assert values["organs_per_donor"]["mode"] == pytest.approx(18000 / 6302, rel=1e-3)
    assert "2018" in r.conclusion


def test_a_bound_is_a_bound_and_the_result_says_so():
    lower = run_supply_gap(year=2015, transplants=">60000")
    assert lower.details["bound"] == "lower" and lower.conclusion.startswith("At least")
    mixed = supply_gap(Prior.fixed(60000, bound="lower"), Prior.fixed(5000, bound="lower"), Prior.fixed(2.8))
    assert mixed.details["bound"] == "mixed" and "neither" in mixed.conclusion


def test_supply_gap_inputs_are_validated_and_missing_years_ask_for_input():
    with pytest.raises(ValidationError, match="organs per donor"):
        run_supply_gap(year=2015, organs_per_donor="12")
    with pytest.raises(ValidationError, match="discard rate"):
        run_supply_gap(year=2015, discard="1.5")
    with pytest.raises(ValidationError, match="no living-donor figure for 2021"):
        run_supply_gap(year=2021)
    assert run_supply_gap(year=2021, living_share="0.1:0.15").interval is not None


@settings(max_examples=25, deadline=None)
@given(st.floats(1000, 50_000), st.floats(100, 5000), st.integers(0, 2**16))
def test_supply_gap_monotonic_and_interval_contains_point(transplants, donors, seed):
    kw = dict(organs_per_donor=Prior(2, 2.8, 3.5), draws=5_000, seed=seed)
    low = supply_gap(Prior.fixed(transplants), Prior.fixed(donors), **kw)
    high = supply_gap(Prior.fixed(transplants * 1.5), Prior.fixed(donors), **kw)
    more_donors = supply_gap(Prior.fixed(transplants), Prior.fixed(donors * 1.5), **kw)
    assert high.point > low.point > more_donors.point
    assert low.interval.low <= low.point <= low.interval.high


def _hospital(beds=(40, 60, 80)):
    return Hospital("A", Prior(*beds), Prior(0.6, 0.8, 0.95), Prior(14, 21, 30))


def test_capacity_known_answer_with_fixed_inputs():
    h = Hospital("fixed", Prior.fixed(100), Prior.fixed(0.5), Prior.fixed(18.25))
    r = capacity_model([h], draws=1000, seed=1)
    assert r.point == pytest.approx(100 * 0.5 * 365 / 18.25)
    capped = Hospital("capped", Prior.fixed(100), Prior.fixed(0.5), Prior.fixed(18.25),
                      Prior.fixed(2), Prior.fixed(300))
    assert capacity_model([capped], draws=10).point == pytest.approx(600)


def test_capacity_seed_reproducible_and_tornado_ranks_inputs():
    a = capacity_model([_hospital(), _hospital((10, 20, 200))], draws=20_000, seed=7)
    b = capacity_model([_hospital(), _hospital((10, 20, 200))], draws=20_000, seed=7)
    assert a.to_dict() == b.to_dict()
    assert a.details["tornado"][0]["input"] == "beds"
    assert a.interval.low < a.point < a.interval.high


@settings(max_examples=20, deadline=None)
@given(st.floats(10, 500), st.floats(1.1, 3))
def test_capacity_grows_with_beds(beds, factor):
    small = capacity_model([_hospital((beds, beds, beds))], draws=2_000, seed=3)
    big = capacity_model([_hospital((beds * factor,) * 3)], draws=2_000, seed=3)
    assert big.point > small.point


def test_hospital_csv_errors_name_row_and_column(tmp_path):
    f = tmp_path / "h.csv"
    f.write_text("name,beds_min,beds_mode,beds_max,occupancy_min,occupancy_mode,occupancy_max,los_min,los_mode,los_max\n"
                 "A,10,20,30,0.5,0.7,0.9,10,15,20\nB,10,x,30,0.5,0.7,0.9,10,15,20\n")
    with pytest.raises(ValidationError, match="h.csv row 3.*beds_min/mode/max"):
        read_hospitals(f)
    f.write_text("name,beds_min,beds_mode,beds_max\nA,10,20,30\n")
    with pytest.raises(ValidationError, match="row 2.*occupancy_min"):
        read_hospitals(f)


def test_waiting_littles_law_known_answer():
    r = waiting_inference(36.5, Prior.fixed(10_000), {"O": 1.0}, Prior.fixed(1.0))
    assert r.point == pytest.approx(100_000)  # λ = L / W = 10,000 / 0.1 year
    assert match_probability({"O": 0.5, "A": 0.5}) == pytest.approx(0.75)
    shorter = waiting_inference(7, Prior.fixed(10_000), {"O": 1.0}, Prior.fixed(1.0))
    assert shorter.point > r.point
