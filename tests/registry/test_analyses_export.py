"""Capacity from registry facts (checked by hand), timelines, CSV and FollowTheMoney export."""

from __future__ import annotations

import csv
import io
import json

import pytest

from harvestwatch.analysis.montecarlo import Prior
from harvestwatch.core.errors import ValidationError
from harvestwatch.services import registry as svc


@pytest.fixture
def small_registry(sqlite_store, tmp_path):
    h = tmp_path / "h.csv"
    h.write_text("name_en,city,province,affiliation,source_url,quote\n"
                 "Alpha Transplant Hospital,A-city,Testland,civilian,https://example.org/a,Alpha does transplants.\n"
                 "Beta Military Hospital,B-city,Testland,military,https://example.org/b,Beta does transplants.\n"
                 "Gamma Hospital,C-city,Testland,civilian,https://example.org/c,Gamma does transplants.\n",
                 encoding="utf-8")
    svc.import_csv(sqlite_store, h)
    f = tmp_path / "f.csv"
    f.write_text("hospital,metric,value,value_high,year,source_url,quote\n"
                 "Alpha Transplant Hospital,transplant_beds,100,,2010,https://example.org/a,It has 100 transplant beds.\n"
                 "Alpha Transplant Hospital,occupancy,0.9,,2010,https://example.org/a,Occupancy is 90%.\n"
                 "Beta Military Hospital,transplant_beds,40,,2012,https://example.org/b,The ward has 40 beds.\n"
                 "Beta Military Hospital,transplant_beds,60,,2020,https://example.org/b2,The ward now has 60 beds.\n"
                 "Gamma Hospital,beds,3000,,2015,https://example.org/c,It has 3000 beds.\n",
                 encoding="utf-8")
    svc.import_csv(sqlite_store, f)
    return sqlite_store


def test_capacity_from_a_small_registry_equals_the_hand_computation(small_registry):
    r = svc.run_capacity(small_registry, province="Testland", year=2016,
                         occupancy=Prior.fixed(0.8, "user"), length_of_stay=Prior.fixed(20, "user"),
                         draws=2_000, seed=1)
    # Alpha: its own occupancy fact (0.9); Beta: 2012 fact only (the 2020 one is after 2016).
    hand = 100 * 0.9 * 365 / 20 + 40 * 0.8 * 365 / 20
    assert r.point == pytest.approx(hand)
    assert r.interval.low == pytest.approx(hand) and r.interval.high == pytest.approx(hand)
    reg = r.details["registry"]
    assert reg["hospitals_used"] == ["Alpha Transplant Hospital", "Beta Military Hospital"]
    assert reg["lacking"] == [{"hospital_id": "gamma-hospital", "hospital": "Gamma Hospital",
                               "missing": ["transplant_beds"], "known": ["beds"]}]
    assert any("registry fact" in i.source for i in r.inputs if i.name.endswith("beds"))


def test_conflicting_bed_counts_become_a_range(small_registry):
    ci = svc.capacity_inputs(small_registry, province="Testland", occupancy=Prior.fixed(1, "u"),
                             length_of_stay=Prior.fixed(10, "u"))
    beta = next(i for i in ci.inputs if i.name == "Beta Military Hospital")
    assert (beta.beds.low, beta.beds.mode, beta.beds.high) == (40, 60, 60)
    assert beta.provenance.source == "registry:beta-military-hospital" and "60 beds" in beta.provenance.quote
    assert ci.shared is not None  # both given: drawn once per simulation for every hospital


def test_occupancy_above_the_models_limit_is_named_not_clipped(sqlite_store):
    ci = svc.capacity_inputs(sqlite_store, hospital="天津一中心", length_of_stay=Prior.fixed(20, "u"))
    assert ci.inputs == []
    assert "must lie within" in ci.lacking[0]["refused"]  # sources report 100-131% occupancy


def test_capacity_without_priors_says_what_is_missing(small_registry):
    with pytest.raises(ValidationError, match="length_of_stay missing for 3; occupancy missing for 2"):
        svc.run_capacity(small_registry, province="Testland")


def test_timeline_sets_hospital_figures_beside_national_volume(sqlite_store):
    t = svc.timeline(sqlite_store, "Tianjin First Central Hospital")
    years = [y["year"] for y in t.years]
    assert years == sorted(years) and 2002 in years and 2006 in years
    assert any(y["national"] for y in t.years)  # official national totals where both exist
    assert t.undated  # the advertised two-week wait has no single year


def test_csv_export_has_a_source_on_every_row(sqlite_store):
    buf = io.StringIO()
    n = svc.export_csv(sqlite_store, buf, destination="reg.csv")
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert len(rows) == n and {r["record"] for r in rows} == {"hospital", "accreditation", "fact"}
    assert all(r["source_url"] and r["quote"] for r in rows)


def test_followthemoney_export_validates_with_followthemoney_model(sqlite_store):
    from followthemoney import model

    buf = io.StringIO()
    n = svc.export_ftm(sqlite_store, buf, destination="reg.ftm.json")
    entities = [json.loads(line) for line in buf.getvalue().splitlines()]
    assert len(entities) == n == 2 * svc.registry_status(sqlite_store)["hospitals"]
    ids = {e["id"] for e in entities}
    for e in entities:
        schema = model.get(e["schema"])
        assert schema.name in ("Organization", "Address")
        assert set(e["properties"]) <= set(schema.properties), set(e["properties"]) - set(schema.properties)
        assert schema.validate(e) is None
        proxy = model.get_proxy(e, cleaned=False)  # re-cleans every value through the model
        assert proxy.to_dict()["properties"] == e["properties"]
        if e["schema"] == "Organization":
            assert e["properties"]["sourceUrl"] and e["properties"]["addressEntity"][0] in ids
    tianjin = next(e for e in entities if e["id"] == "hw-hospital-tianjin-first-central-hospital")
    assert "天津市第一中心医院" in tianjin["properties"]["alias"]
    assert any("transplant_beds: 500" in n for n in tianjin["properties"]["notes"])
