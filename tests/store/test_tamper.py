"""Tampering is caught: verify names the blob, row or ledger entry that differs."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import text

from harvestwatch.ingest.pipeline import ingest_paths
from harvestwatch.store.verify import verify_store
from tests.conftest import SAMPLES


def _ingest(store):
    report = ingest_paths(store, [str(SAMPLES)])
    assert len(report.by_status("stored")) == 3
    return report


def test_flipped_blob_byte_is_named(sqlite_store):
    report = _ingest(sqlite_store)
    sha = report.results[1].sha256
    path = sqlite_store.blobs.path(sha)
    data = bytearray(path.read_bytes())
    data[10] ^= 0x01
    path.write_bytes(bytes(data))
    result = verify_store(sqlite_store)
    assert not result.ok
    assert any(sha in p and "changed" in p for p in result.problems)


def test_edited_row_is_named(any_store):
    _ingest(any_store)
    with any_store.session() as s:
        s.execute(text("UPDATE documents SET title = 'Nothing happened' WHERE id = 2"))
    result = verify_store(any_store)
    assert not result.ok
    assert any(p.startswith("document 2 ") and "ledger recorded" in p for p in result.problems)


def test_edited_text_is_named(sqlite_store):
    _ingest(sqlite_store)
    with sqlite_store.session() as s:
        s.execute(text("UPDATE documents SET text = replace(text, '65,000', '6,500') WHERE id = 1"))
    result = verify_store(sqlite_store)
    assert any(p.startswith("document 1 ") and "documents.text" in p for p in result.problems)


def test_deleted_ledger_entry_is_named(any_store):
    _ingest(any_store)
    with any_store.session() as s:
        s.execute(text("DELETE FROM ledger WHERE seq = 3"))
    result = verify_store(any_store)
    assert any("ledger entries 3..3 are missing" in p for p in result.problems)
    assert any("entry 4: does not link" in p for p in result.problems)


def test_cli_verify_exit_codes(tmp_path):
    store = tmp_path / "s"
    cli = [sys.executable, "-m", "harvestwatch", "--store", str(store)]
    assert subprocess.run([*cli, "ingest", str(SAMPLES), "--no-extract"], capture_output=True).returncode == 0
    ok = subprocess.run([*cli, "verify"], capture_output=True, text=True)
    assert ok.returncode == 0 and "intact" in ok.stdout
    blob = next((store / "blobs").glob("??/??/*"))
    blob.write_bytes(blob.read_bytes() + b"x")
    bad = subprocess.run([*cli, "verify"], capture_output=True, text=True)
    assert bad.returncode == 1
    assert blob.name in bad.stderr
