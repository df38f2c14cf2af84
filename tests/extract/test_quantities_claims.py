"""`claims --kind quantity --json` says, for each quantity, which words decided what it counts;
figures repeated by two outlets form one corroboration cluster with two independent lines."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from harvestwatch.cli import app
from harvestwatch.services import link as link_svc
from harvestwatch.services import store as store_svc


def test_claims_json_carries_the_deciding_words(sqlite_store, tmp_path):
    f = tmp_path / "donors.txt"
    text = "In 2016, 4,080 citizens donated their organs after death, the ministry said."
    f.write_text(text)
    store_svc.ingest(sqlite_store, [str(f)])
    res = CliRunner().invoke(app, ["--store", str(sqlite_store.settings.store_dir), "claims",
                                   "--kind", "quantity", "--json"])
    assert res.exit_code == 0, res.output
    (row,) = json.loads(res.output)
    assert row["data"]["what"] == "donors" and row["data"]["time_scope"] == "2016"
    why = {c["word"]: c for c in row["data"]["decided_by"]}
    assert set(why) >= {"citizens", "donated"}
    assert text[why["donated"]["start"]:why["donated"]["end"]] == "donated"
    table = CliRunner().invoke(app, ["--store", str(sqlite_store.settings.store_dir), "claims",
                                     "--kind", "quantity"])
    flat = " ".join(table.output.replace("│", " ").split())
    assert "why:" in flat and "donated" in flat


def test_one_official_figure_from_two_outlets_is_one_cluster(sqlite_store, tmp_path):
    (tmp_path / "a.txt").write_text("Data show that about 13,000 organ transplants were performed "
                                    "in 2016, the agency reported.")
    (tmp_path / "b.txt").write_text("In 2016 alone, hospitals performed 13,263 transplant surgeries, "
                                    "officials told the newspaper. Some 2,766 people donated organs.")
    store_svc.ingest(sqlite_store, [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")])
    link_svc.rebuild(sqlite_store)
    clusters = [c for c in link_svc.corroboration(sqlite_store, min_sources=2) if c["kind"] == "quantity"]
    assert len(clusters) == 1 and clusters[0]["key"].startswith("transplants|2016")
    assert clusters[0]["support"]["independent_sources"] == 2
