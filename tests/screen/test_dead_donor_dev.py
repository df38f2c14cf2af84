"""Agreement with the published expert coding on the development split (shared corpus).

Prints precision and recall per language. No parameter is fitted to these excerpts, but the cue
words were chosen after reading them: these are in-sample figures, an upper bound on what a
held-out measurement will show."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from harvestwatch.screen.detectors import screen_records
from harvestwatch.screen.records import Record

DEV = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "screening-dev" / "dead_donor_dev.csv"
FLOOR = 0.85


@pytest.mark.skipif(not DEV.exists(), reason=f"{DEV} not present (the shared corpus sits beside the repo)")
def test_precision_and_recall_per_language_on_the_dev_split():
    rows = list(csv.DictReader(DEV.open(encoding="utf-8")))
    flags = screen_records([Record(id=r["id"], abstract=r["abstract"]) for r in rows])
    for lang in ("zh", "en"):
        tp = fp = fn = 0
        for r, fl in zip(rows, flags, strict=True):
            if r["language"] != lang:
                continue
            truth = r["dead_donor_rule"] == "1"
            said = any(f.rule == "dead_donor_rule" for f in fl)
            tp += truth and said
            fp += said and not truth
            fn += truth and not said
        precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
        print(f"dead_donor_rule dev {lang}: precision {precision:.2f} recall {recall:.2f} "
              f"(tp {tp}, fp {fp}, fn {fn})")
        assert precision >= FLOOR and recall >= FLOOR, lang
