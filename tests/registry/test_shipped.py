"""The shipped registry: every row sourced, ids consistent, conflicts kept side by side."""

from __future__ import annotations

import csv
from importlib import resources

from harvestwatch.registry.csvio import load_shipped


def _rows(name: str) -> list[dict]:
    text = (resources.files("harvestwatch.registry") / "data" / name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def test_every_shipped_row_has_a_url_and_an_exact_quote():
    for name in ("hospitals.csv", "accreditations.csv", "facts.csv"):
        for row in _rows(name):
            assert row["source_url"].startswith("http"), (name, row)
            assert len(row["quote"].strip()) >= 10, (name, row)


def test_shipped_registry_parses_into_typed_records():
    s = load_shipped()
    ids = {h.id for h in s.hospitals}
    assert len(ids) == len(s.hospitals) >= 50
    assert {a.hospital_id for a in s.accreditations} <= ids
    assert {f.hospital_id for f in s.facts} <= ids
    beijing = [a for a in s.accreditations if a.list_name == "NHFPC-2013"]
    assert len({a.hospital_id for a in beijing}) == 20  # Beijing's 20 of the 165


def test_a_quote_contains_the_figure_it_supports():
    """Spot check: the shipped figure appears in its quote (digits, with or without separators)."""
    misses = []
    for row in _rows("facts.csv"):
        v = float(row["value"])
        forms = {f"{v:g}", f"{v:,.0f}", f"{int(v)}" if v.is_integer() else f"{v:g}"}
        if row["metric"] in ("advertised_wait", "occupancy") or "computed" in row["notes"].lower():
            continue  # converted to days / shares, or a sum the notes explain
        if not any(f in row["quote"] for f in forms) and "thousand" not in row["quote"]:
            misses.append((row["hospital"], row["metric"], row["value"]))
    assert not misses


def test_conflicting_shipped_facts_are_both_kept():
    facts = [f for f in load_shipped().facts if f.hospital_id == "zhujiang-hospital-southern-medical-university"
             and f.metric == "transplants_performed"]
    assert sorted(f.value for f in facts) == [2000, 3100]
