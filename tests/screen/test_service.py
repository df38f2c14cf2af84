"""Screening through the store: import real-format files, run, resume, review, export; Dask."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from harvestwatch.core.errors import ValidationError
from harvestwatch.screen.records import read_records
from harvestwatch.services import screen as svc

FIX = Path(__file__).parent / "fixtures"


def test_importers_read_real_formats():
    ris = read_records(FIX / "sample.ris")
    assert [r.id for r in ris] == ["R1", "R2"]
    assert ris[0].authors == ["Wang, Li", "Zhang, Wei"] and ris[0].year == 2009
    assert "mechanically ventilated" in ris[0].abstract  # continuation line joined
    pm = read_records(FIX / "sample_pubmed.xml")
    assert pm[0].id == "PMID:30000001" and pm[0].doi == "10.0000/example.p1"
    assert pm[0].abstract.startswith("METHODS: Kidney transplantation") and pm[0].year == 2012


def test_bad_files_name_the_problem(tmp_path):
    f = tmp_path / "cut.ris"
    f.write_text("TY  - JOUR\nTI  - no end\n")
    with pytest.raises(ValidationError, match="no ER line"):
        read_records(f)
    g = tmp_path / "bad.csv"
    g.write_text("id,title\n,untitled\n")
    with pytest.raises(ValidationError, match="row 2.*'id' is empty"):
        read_records(g)


def test_run_review_decide_export(any_store):
    svc.import_files(any_store, [str(FIX / "sample.ris"), str(FIX / "sample_pubmed.xml")])
    again = svc.import_files(any_store, [str(FIX / "sample.ris")])
    assert again["added"] == 0 and again["skipped"] == 2
    out = svc.run(any_store)
    assert out["screened"] == 3
    assert svc.run(any_store)["screened"] == 0  # nothing left: resumable and idempotent
    by_rule = {(f["id"], f["rule"]) for f in svc.flags(any_store)}
    assert ("R1", "dead_donor_rule") in by_rule and ("R1", "pre_2015") in by_rule
    assert ("PMID:30000001", "implausible_wait") in by_rule
    assert not any(rid == "R2" for rid, _ in by_rule)
    queue = svc.review_queue(any_store)
    assert queue[0]["id"] == "R1"  # most flags first before any decision
    svc.decide(any_store, "R1", "flag_confirmed", rule="dead_donor_rule", note="order of events")
    svc.decide(any_store, "R2", "exclude", reason="no_procurement")
    assert {r["id"] for r in svc.review_queue(any_store)} == {"PMID:30000001"}
    rows = list(csv.DictReader(svc.export(any_store, "csv").splitlines()))
    assert {"id", "rule", "evidence"} <= set(rows[0])
    assert any(r["evidence"] for r in json.loads(svc.export(any_store, "json")))
    assert "KW  - dead_donor_rule" in svc.export(any_store, "ris")


def test_simulate_reports_recall_and_wss(tmp_path):
    f = tmp_path / "labelled.csv"
    rows = []
    for i in range(60):
        rel = i % 6 == 0
        text = ("brain death declared then intubated donor liver procurement" if rel
                else f"outcomes of dialysis cohort number {i} renal function follow up")
        rows.append({"id": i, "title": text, "abstract": text, "label": int(rel)})
    with f.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["id", "title", "abstract", "label"])
        w.writeheader()
        w.writerows(rows)
    out = svc.simulate_file(f, seed=1)
    assert out["recall_curve"][-1] == 1.0
    assert out["wss@95"] > 0.5  # separable toy set: far less than everything needs reading
    assert svc.simulate_file(f, seed=1)["order"] == out["order"]  # seeded


@pytest.mark.slow
def test_dask_cluster_gives_the_same_flags(sqlite_store, tmp_path):
    from distributed import LocalCluster

    from harvestwatch.engine.runner import run_batches
    from harvestwatch.services.screen import _screen_batch

    recs = read_records(FIX / "sample.ris") + read_records(FIX / "sample_pubmed.xml")
    batches = [[(i, r.text, r.year, r.facts)] for i, r in enumerate(recs)]
    local = list(run_batches(_screen_batch, batches, workers=1))
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      protocol="tcp",
                      dashboard_address=None) as cluster:
        remote = list(run_batches(_screen_batch, batches, scheduler=cluster.scheduler_address))
    assert remote == local
