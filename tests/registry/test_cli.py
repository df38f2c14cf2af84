"""`harvestwatch hospitals ...` as a user runs it: real console script, real store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).with_name("harvestwatch")


@pytest.fixture
def hw(tmp_path):
    env = os.environ | {"HARVESTWATCH_STORE": str(tmp_path / "store"), "HARVESTWATCH_ACTOR": "cli-test"}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN), *args], capture_output=True, text=True, env=env, timeout=120)
    return run


def test_list_show_in_every_script_and_bad_input(hw, tmp_path):
    out = hw("hospitals", "list", "--province", "Beijing", "--accredited", "--json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert len(rows) == 20 and all(r["accredited"] for r in rows)
    ids = set()
    for name in ("Tianjin First Central Hospital", "天津市第一中心医院", "天津市第一中心醫院", "天津一中心"):
        r = hw("hospitals", "show", name, "--json")
        assert r.returncode == 0, r.stderr
        ids.add(json.loads(r.stdout)["hospital"]["id"])
    assert ids == {"tianjin-first-central-hospital"}
    r = hw("hospitals", "show", "Nowhere General")
    assert r.returncode == 1 and r.stderr.startswith("error: no hospital 'Nowhere General'")
    assert "Traceback" not in r.stderr
    r = hw("hospitals", "add-fact", "天津一中心", "--metric", "beds", "--value", "500",
           "--year", "2013", "--source", "DOC12")
    assert r.returncode == 2 and "DOC#span-START-END" in r.stderr and "Traceback" not in r.stderr
    r = hw("hospitals", "add-fact", "天津一中心", "--metric", "beds", "--value", "1500", "--year", "2013",
           "--source", "https://example.org/tj", "--quote", "The hospital has 1,500 beds.")
    assert r.returncode == 0 and "fact" in r.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("hospital,metric,value,source_url,quote\nXYZ,beds,1,https://e.org,q q q q q\n"
                   "天津一中心,beds,two,https://e.org,It has two beds.\n", encoding="utf-8")
    r = hw("hospitals", "import", str(bad))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "bad.csv row 2" in r.stderr and "bad.csv row 3" in r.stderr
    r = hw("hospitals", "status", "--json")
    assert json.loads(r.stdout)["hospitals"] >= 50


def test_capacity_from_the_registry_export_and_timeline(hw, tmp_path):
    r = hw("analyse", "capacity", "--registry", "--province", "Shandong", "--occupancy", "0.7:0.85:1",
           "--los", "14:20:30", "--draws", "2000", "--json")
    assert r.returncode == 0, r.stderr
    reg = json.loads(r.stdout)["details"]["registry"]
    assert "Qilu Hospital of Shandong University" in reg["hospitals_used"]
    assert any(row["missing"] == ["transplant_beds"] for row in reg["lacking"])  # named, not dropped
    r = hw("analyse", "capacity", "--registry", "--province", "Shandong")
    assert r.returncode == 2 and "no hospital has every capacity input" in r.stderr
    out = tmp_path / "registry.ftm.json"
    r = hw("hospitals", "export", "--out", str(out))
    assert r.returncode == 0 and len(out.read_text(encoding="utf-8").splitlines()) >= 100
    r = hw("hospitals", "timeline", "天津一中心", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["years"]
