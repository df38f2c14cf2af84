"""The store's commands end to end: restricted access, export custody, checkpoints, proofs."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from harvestwatch.cli import app
from harvestwatch.core.errors import NotFound
from tests.conftest import SAMPLES


@pytest.fixture
def cli(tmp_path):
    runner = CliRunner()
    base = ["--store", str(tmp_path / "s"), "--actor", "analyst"]

    def invoke(*args):
        return runner.invoke(app, [*base, *args])

    secret = tmp_path / "witness.txt"
    secret.write_text("Witness Y was blood-tested twice in the Masanjia camp.")
    assert invoke("ingest", str(SAMPLES), "--no-extract", "--kind", "news").exit_code == 0
    assert invoke("ingest", str(secret), "--restricted", "--kind", "testimony",
                  "--no-extract").exit_code == 0
    return invoke


def test_restricted_documents_need_the_flag_and_each_view_is_logged(cli):
    out = cli("search", "Masanjia", "--json")
    assert out.exit_code == 0 and json.loads(out.output)["total"] == 0
    out = cli("search", "Masanjia", "--json", "--include-restricted")
    hits = json.loads(out.output)["hits"]
    assert len(hits) == 1 and "[[Masanjia]]" in hits[0]["snippet"]
    doc_id = str(hits[0]["document_id"])
    out = cli("show", doc_id, "--json")
    assert out.exit_code != 0 and isinstance(out.exception, NotFound)
    out = cli("show", doc_id, "--json", "--include-restricted")
    assert out.exit_code == 0 and "blood-tested" in json.loads(out.output)["text"]
    entries = json.loads(cli("ledger", "show", "--json", "--limit", "1").output)
    assert entries[0]["action"] == "view" and entries[0]["actor"] == "analyst"


def test_export_is_recorded_and_leaves_restricted_out_unless_asked(cli, tmp_path):
    out_file = tmp_path / "docs.jsonl"
    assert cli("export", "--format", "jsonl", "--out", str(out_file)).exit_code == 0
    rows = [json.loads(line) for line in out_file.read_text().splitlines()]
    assert len(rows) == 3 and not any(r["restricted"] for r in rows)
    entry = json.loads(cli("ledger", "show", "--json", "--limit", "1").output)[0]
    assert entry["action"] == "export" and entry["object_id"] == str(out_file)
    assert entry["payload"]["documents"] == [r["sha256"] for r in rows]
    all_file = tmp_path / "all.jsonl"
    assert cli("export", "--out", str(all_file), "--include-restricted").exit_code == 0
    assert len(all_file.read_text().splitlines()) == 4
    assert cli("export", "--format", "csv").exit_code != 0


def test_checkpoint_proof_and_verify(cli):
    out = cli("ledger", "checkpoint")
    assert out.exit_code == 0
    root = re.search(r"\b[0-9a-f]{64}\b", out.output).group(0)
    proof = json.loads(cli("ledger", "prove", "3").output)
    assert proof["valid"] and proof["head"]["root_hash"] == root
    assert (proof["leaf_index"], proof["tree_size"]) == (2, proof["head"]["tree_size"])
    assert cli("ledger", "prove", "99").exit_code != 0  # no such entry
    assert cli("ledger", "prove", "0").exit_code != 0  # entries start at 1
    assert cli("ledger", "prove", "-1").exit_code != 0
    report = json.loads(cli("verify", "--json").output)
    assert report["ok"] and report["counts"]["documents"] == 4
