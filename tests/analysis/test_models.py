"""Supply gap, capacity and waiting models: known answers and properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harvestwatch.analysis.capacity import (
    HospitalInput,
    Provenance,
    SharedAssumptions,
    capacity_model,
)
from harvestwatch.analysis.montecarlo import Prior
from harvestwatch.analysis.supply_gap import supply_gap
from harvestwatch.analysis.waiting import match_probability, waiting_inference
from harvestwatch.core.errors import ValidationError
from harvestwatch.services.analysis import (
    capacity_validation,
    read_hospitals,
    run_capacity,
    run_supply_gap,
    run_waiting,
)


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


PROV = Provenance("test", "a quote", "test.csv:2")


def _hospital(beds=(40, 60, 80), name="A"):
    return HospitalInput.of(name, beds, PROV)


SHARED = SharedAssumptions(Prior(0.6, 0.8, 0.95), Prior(14, 21, 30))


def test_capacity_known_answer_with_fixed_inputs():
    h = HospitalInput.of("fixed", 100, PROV, occupancy=Prior.fixed(0.5), length_of_stay=Prior.fixed(18.25))
    r = capacity_model([h], draws=1000, seed=1)
    assert r.point == pytest.approx(100 * 0.5 * 365 / 18.25)
    capped = HospitalInput.of("capped", 100, PROV, occupancy=Prior.fixed(0.5), length_of_stay=Prior.fixed(18.25),
                              teams=Prior.fixed(2), operations_per_team=Prior.fixed(300))
    assert capacity_model([capped], draws=10).point == pytest.approx(600)


def test_shared_uncertainty_does_not_average_out_over_hospitals():
    """169 identical hospitals: with shared occupancy and stay the relative width stays that of one."""
    one = capacity_model([_hospital((60, 60, 60))], SHARED, draws=20_000, seed=2)
    many = capacity_model([_hospital((60, 60, 60), f"H{i}") for i in range(169)], SHARED, draws=20_000, seed=2)
    assert many.details["relative_width"] == pytest.approx(one.details["relative_width"], rel=0.05)
    assert many.point == pytest.approx(169 * one.point, rel=0.02)
    # per-hospital uncertainty (beds) does average out, as it should
    own = capacity_model([_hospital((30, 60, 90), f"H{i}") for i in range(169)],
                         SharedAssumptions(Prior.fixed(0.8), Prior.fixed(21)), draws=20_000, seed=2)
    single = capacity_model([_hospital((30, 60, 90))], SharedAssumptions(Prior.fixed(0.8), Prior.fixed(21)),
                            draws=20_000, seed=2)
    assert own.details["relative_width"] < single.details["relative_width"] / 5


def test_capacity_seed_reproducible_and_tornado_ranks_inputs():
    a = capacity_model([_hospital(), _hospital((10, 20, 200))], SHARED, draws=20_000, seed=7)
    b = capacity_model([_hospital(), _hospital((10, 20, 200))], SHARED, draws=20_000, seed=7)
    assert a.to_dict() == b.to_dict()
    assert a.details["tornado"][0]["input"].startswith("beds")
    assert a.interval.low < a.point < a.interval.high


@settings(max_examples=20, deadline=None)
@given(st.floats(10, 500), st.floats(1.1, 3))
def test_capacity_grows_with_beds(beds, factor):
    small = capacity_model([_hospital((beds, beds, beds))], SHARED, draws=2_000, seed=3)
    big = capacity_model([_hospital((beds * factor,) * 3)], SHARED, draws=2_000, seed=3)
    assert big.point > small.point


@pytest.mark.parametrize("kw,message", [
    ({"beds": -5}, "beds"), ({"occupancy": Prior.fixed(5)}, "occupancy"),
    ({"length_of_stay": Prior.fixed(0)}, "length of stay")])
def test_capacity_inputs_are_validated(kw, message):
    beds = kw.pop("beds", 50)
    with pytest.raises(ValidationError, match=message):
        capacity_model([HospitalInput.of("X", beds, PROV, **kw)], SHARED, draws=10)
    with pytest.raises(ValidationError, match="shared occupancy"):
        capacity_model([_hospital()], SharedAssumptions(Prior.fixed(1.5), Prior.fixed(10)), draws=10)


def test_hospital_csv_with_provenance_and_errors_naming_rows(tmp_path):
    f = tmp_path / "h.csv"
    f.write_text("name,beds,beds_min,beds_max,source,quote\n"
                 "A,120,,,Hospital site,\"120 transplant beds\"\nB,,40,80,Report,\"40 to 80 beds\"\n")
    hs = read_hospitals(f)
    assert hs[0].beds.mode == 120 and hs[1].beds.low == 40 and hs[1].provenance.row == "h.csv:3"
    r = run_capacity(f, occupancy="0.6:0.8:0.95", length_of_stay="14:21:30", draws=5000)
    assert r.inputs[0].name == "shared.occupancy"
    f.write_text("name,beds,source,quote\nA,x,S,q\nB,-3,S,q\nC,10,,q\n")
    with pytest.raises(ValidationError) as err:
        read_hospitals(f)
    text = str(err.value)
    assert "3 bad rows" in text and "h.csv row 2" in text and "h.csv row 3" in text and "row 4: column 'source'" in text
    with pytest.raises(ValidationError, match="no occupancy or length of stay"):
        run_capacity(tmp_path / "h.csv" if False else [hs[0]], draws=10)


def test_capacity_validation_on_us_centres_is_reported_honestly():
    v = capacity_validation(draws=20_000)
    assert v.actual == 43743
    assert v.ratio > 1  # capacity bounds volume from above
    assert ("does not contain it" in v.result.conclusion) != v.inside
    sources = " ".join(i.source for i in v.result.inputs)
    assert "US:transplant_centers@us_capacity_validation.csv" in sources and "length_of_stay" in sources


def test_waiting_littles_law_known_answer():
    r = waiting_inference(36.5, Prior.fixed(10_000), {"O": 1.0}, Prior.fixed(1.0))
    assert r.point == pytest.approx(100_000)  # λ = L / W = 10,000 / 0.1 year
    assert match_probability({"O": 0.5, "A": 0.5}) == pytest.approx(0.75)
    shorter = waiting_inference(7, Prior.fixed(10_000), {"O": 1.0}, Prior.fixed(1.0))
    assert shorter.point > r.point


def test_waiting_words_follow_the_numbers():
    us = run_waiting(1896, country="US", population="national")
    assert "on demand" in us.conclusion and "no sign of a donor pool available on demand" in us.conclusion
    assert "21,814" in us.conclusion  # 113,312 candidates / 5.19 years
    cn = run_waiting(7, population="national", year=2018)
    assert "× the reported national transplants of 2018" in cn.conclusion and "beyond what" in cn.conclusion
    assert not any("need" in i.source for i in cn.inputs if i.name == "waiting_list")
    small = run_waiting(14, waiting_list="50:200")
    assert "patients of the advertising hospital" in small.conclusion and "says nothing" in small.conclusion
    median = run_waiting(14, waiting_list="100", statistic="median")
    assert "upper bounds" in median.conclusion and "median" in median.question


@pytest.mark.parametrize("kw,message", [({"wait_days": 0, "population": "national"}, "positive"),
                                        ({"wait_days": -3, "waiting_list": "5"}, "positive"),
                                        ({"wait_days": 7}, "waiting list of that population"),
                                        ({"wait_days": 7, "waiting_list": "5", "statistic": "mode"}, "mean or median")])
def test_waiting_refuses_bad_inputs(kw, message):
    with pytest.raises(ValidationError, match=message):
        run_waiting(**kw)
