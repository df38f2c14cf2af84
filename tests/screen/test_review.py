"""Dual independent review: blind decisions, reasons, conflicts, resolution, kappa, stopping."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from harvestwatch.core.errors import NotFound, ValidationError
from harvestwatch.screen.agreement import cohen_kappa
from harvestwatch.screen.ranking import StoppingRule, irrelevant_run, should_stop
from harvestwatch.services import screen as svc
from harvestwatch.store.ledger import check_chain
from harvestwatch.store.models import LedgerEntry

FIX = Path(__file__).parent / "fixtures"


def _entries(store, action):
    from sqlalchemy import select

    with store.session() as s:
        return [(e.actor, e.object_id, e.payload) for e in s.scalars(
            select(LedgerEntry).where(LedgerEntry.action == action).order_by(LedgerEntry.seq))]


def test_kappa_matches_sklearn_and_a_bootstrap():
    rng = np.random.default_rng(7)
    a = rng.choice(["include", "exclude", "flag_confirmed"], 300, p=[.3, .6, .1])
    b = np.where(rng.random(300) < .75, a, rng.choice(["include", "exclude", "flag_confirmed"], 300))
    k = cohen_kappa(list(a), list(b))
    assert k.kappa == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)
    boot = []
    for _ in range(1500):
        i = rng.integers(0, 300, 300)
        boot.append(cohen_kappa_score(a[i], b[i]))
    assert k.se == pytest.approx(np.std(boot), rel=0.12)  # the analytic SE is the sampling SE
    assert k.low < k.kappa < k.high and k.high - k.low == pytest.approx(2 * 1.96 * k.se, rel=1e-3)
    small = cohen_kappa(list("eieieeieee"), list("eiiieeeeee"))  # 10 records, 80% agreement
    assert small.low < 0 and small.high == 1.0  # few records: the interval says how little is known
    perfect = cohen_kappa(["include", "exclude"] * 5, ["include", "exclude"] * 5)
    assert perfect.kappa == 1.0 and perfect.high == 1.0
    assert cohen_kappa(["exclude"] * 4, ["exclude"] * 4).kappa is None  # undefined, not 1 or 0


def test_stopping_rule_counts_the_trailing_run():
    assert irrelevant_run([1, 0, 0, 1, 0, 0, 0]) == 3 and irrelevant_run([0, 1]) == 0
    rule = StoppingRule(stop_after=3, min_screened=0.5)
    assert not should_stop(rule, [1, 0, 0, 0], 10)  # run met, but under half screened
    assert should_stop(rule, [1, 0, 1, 0, 0, 0], 10)


def test_two_blind_reviewers_conflict_and_resolution(any_store):
    svc.import_files(any_store, [str(FIX / "sample.ris"), str(FIX / "asreview_pubmed_endnote.ris")])
    svc.run(any_store)
    svc.decide(any_store, "R1", "include", actor="ann")  # revised before bob decides: the latest counts
    ann = svc.decide(any_store, "R1", "flag_confirmed", rule="dead_donor_rule", actor="ann")
    assert ann["status"] == "pending" and "second reviewer" in ann["message"]
    bob_view = svc.record_status(any_store, "R1", viewer="bob")
    assert bob_view["votes"][0]["decision"] is None and "hidden" in bob_view["votes"][0]["reviewer"]
    assert svc.record_status(any_store, "R1", viewer="ann")["votes"][0]["decision"] == "flag_confirmed"
    assert "R1" in {r["id"] for r in svc.review_queue(any_store, reviewer="bob", limit=20)}
    assert "R1" not in {r["id"] for r in svc.review_queue(any_store, reviewer="ann", limit=20)}
    bob_stop = svc.stopping(any_store, viewer="bob")  # nothing of ann's pending decision leaks
    assert bob_stop["reviewers"] == [] and bob_stop["relevant_found"] == 0
    with pytest.raises(ValidationError, match="needs a reason code"):
        svc.decide(any_store, "62", "exclude", actor="ann")
    with pytest.raises(ValidationError, match="'other' needs a note"):
        svc.decide(any_store, "62", "exclude", reason="other", actor="ann")
    with pytest.raises(ValidationError, match="unknown reason"):
        svc.decide(any_store, "62", "exclude", reason="boring", actor="ann")
    with pytest.raises(NotFound):
        svc.decide(any_store, "nope", "include", actor="ann")
    out = svc.decide(any_store, "R1", "flag_wrong", actor="bob")
    assert out["status"] == "conflict"
    with pytest.raises(ValidationError, match="already has its 2 reviewer"):
        svc.decide(any_store, "R1", "include", actor="cat")
    with pytest.raises(ValidationError, match="decided and disagree"):  # no revising after the reveal
        svc.decide(any_store, "R1", "flag_confirmed", actor="bob")
    (c,) = svc.conflicts(any_store)
    assert c["id"] == "R1" and c["on"] == "decision"
    assert [(v["reviewer"], v["decision"]) for v in c["votes"]] == [("ann", "flag_confirmed"), ("bob", "flag_wrong")]
    with pytest.raises(ValidationError, match="a third person resolves"):
        svc.resolve(any_store, "R1", "flag_confirmed", actor="ann")
    with pytest.raises(ValidationError, match="consensus is recorded by one of its reviewers"):
        svc.resolve(any_store, "R1", "flag_confirmed", consensus=True, actor="cat")
    res = svc.resolve(any_store, "R1", "flag_confirmed", note="intubated after death", actor="cat")
    assert res["mode"] == "third_reviewer" and svc.conflicts(any_store) == []
    assert svc.record_status(any_store, "R1", viewer="dan")["final"] == "flag_confirmed"
    # same decision, different exclusion reasons: PRISMA needs one reason, so it is a conflict
    svc.decide(any_store, "62", "exclude", reason="animal_study", actor="ann")
    assert svc.decide(any_store, "62", "exclude", reason="not_transplant", actor="bob")["status"] == "conflict"
    assert svc.conflicts(any_store)[0]["on"] == "reason"
    svc.resolve(any_store, "62", "exclude", reason="animal_study", consensus=True, actor="bob")
    for rid in ("131", "135", "249"):
        svc.decide(any_store, rid, "exclude", reason="not_transplant", actor="ann")
        svc.decide(any_store, rid, "exclude", reason="not_transplant", actor="bob")
    with pytest.raises(ValidationError, match="agree; the decision is final"):
        svc.decide(any_store, "131", "include", actor="ann")
    ag = svc.agreement(any_store)
    assert ag["overall"].n == 5 and ag["overall"].agreement == pytest.approx(4 / 5)  # 62: both exclude
    k = ag["overall"]
    assert "bootstrap" in k.method and k.high - k.low > 2 * 1.96 * k.se  # five records: widened
    assert [p["reviewers"] for p in ag["pairs"]] == [["ann", "bob"]]
    counts = svc.prisma(any_store)
    assert (counts.screened, counts.n_excluded, counts.included, counts.conflicts) == (5, 4, 1, 0)
    assert counts.excluded == {"not_transplant": 3, "animal_study": 1}
    assert (counts.flagged, counts.confirmed_flagged, counts.resolved) == (1, 1, 2)
    assert counts.awaiting == counts.after_dedupe - 5
    decisions = _entries(any_store, "screen_decision")
    assert ("ann", "default:R1", {"decision": "flag_confirmed", "reason": None, "rule": "dead_donor_rule",
                                  "note": None}) in decisions
    resolutions = _entries(any_store, "screen_resolution")
    assert [r[2]["mode"] for r in resolutions] == ["third_reviewer", "consensus"]
    assert resolutions[0][2]["votes"] == [["ann", "flag_confirmed", None], ["bob", "flag_wrong", None]]
    with any_store.session() as s:
        assert check_chain(s) == []


def test_single_reviewer_projects_and_stopping_status(sqlite_store, tmp_path):
    svc.import_files(sqlite_store, [str(FIX / "asreview_pubmed_endnote.ris")], project="solo")
    with pytest.raises(ValidationError, match="1 or 2"):
        svc.configure(sqlite_store, project="solo", reviewers=3)
    svc.configure(sqlite_store, project="solo", reviewers=1, stop_after=2, min_screened=0.3)
    svc.decide(sqlite_store, "369", "exclude", reason="animal_study", project="solo", actor="ann")
    assert svc.decide(sqlite_store, "369", "include", project="solo", actor="ann")["status"] == "agreed"
    for rid in ("62", "131"):
        svc.decide(sqlite_store, rid, "exclude", reason="animal_study", project="solo", actor="ann")
    st = svc.stopping(sqlite_store, project="solo", viewer="ann")
    assert st["reviewers"] == [{"reviewer": "ann", "screened": 3, "irrelevant_run": 2, "met": True}]
    assert st["met"] and st["relevant_found"] == 1 and st["undecided"] == 3
    assert 0 < st["estimated_recall"] <= 1 and st["expected_remaining"] >= 0
    counts = svc.prisma(sqlite_store, project="solo")
    assert counts.reviewers == 1 and counts.screened == 3 and counts.awaiting == 3
    assert "stopping rule met" in counts.stopping and "estimated recall" in counts.stopping


def test_simulate_reports_where_the_stopping_rule_stops(tmp_path):
    f = tmp_path / "labelled.csv"
    with f.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["id", "title", "abstract", "label"])
        w.writeheader()
        for i in range(120):
            rel = i % 10 == 0
            text = ("donor intubated after brain death declared, organs procured" if rel
                    else f"dialysis cohort {i}: renal function and blood pressure at follow up")
            w.writerow({"id": i, "title": text, "abstract": text, "label": int(rel)})
    out = svc.simulate_file(f, seed=2, stop_after=20, min_screened=0.1)
    stop = out["stopping"]
    assert stop["stopped_after"] is not None and stop["stopped_after"] < 120
    assert stop["recall"] == 1.0 and stop["estimated_recall"] > 0.8  # separable: all found, estimate agrees
    assert stop["work_saved"] == pytest.approx((120 - stop["stopped_after"]) / 120)
