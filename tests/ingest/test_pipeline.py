"""The batch pipeline: folder walking, duplicates within a batch, process-pool parity."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from harvestwatch.core.config import Settings
from harvestwatch.core.errors import InputError
from harvestwatch.ingest import pipeline
from harvestwatch.ingest.pipeline import ingest_paths
from harvestwatch.store import open_store
from harvestwatch.store.models import Document
from harvestwatch.store.verify import verify_store
from tests.conftest import SAMPLES


def _ingest_entries(store) -> int:
    """Ledger entries written by ingest (the ledger also records keys and checkpoints)."""
    from sqlalchemy import func

    from harvestwatch.store.models import LedgerEntry

    with store.session() as s:
        return s.scalar(select(func.count()).select_from(LedgerEntry)
                        .where(LedgerEntry.action == "ingest"))


def _folder(tmp_path):
    folder = tmp_path / "work"
    (folder / "sub").mkdir(parents=True)
    (folder / ".hidden").mkdir()
    (folder / "a.txt").write_text("Hospital A advertised kidneys within a week.")
    (folder / "sub" / "b.html").write_text(
        "<html><head><title>B</title></head><body><p>Hospital B reported 300 liver "
        "transplants in one year.</p></body></html>")
    (folder / "sub" / "copy.txt").write_text("Hospital A advertised kidneys within a week.")
    (folder / ".hidden" / "secret.txt").write_text("not to be ingested")
    (folder / ".dotfile").write_text("not to be ingested either")
    return folder


def test_store_inside_the_folder_and_hidden_files_are_skipped(tmp_path):
    folder = _folder(tmp_path)
    store = open_store(Settings(store_dir=folder / "store", actor="t"))
    report = ingest_paths(store, [str(folder)])
    names = sorted(r.input.removeprefix(str(folder) + "/") for r in report.results)
    assert names == ["a.txt", "sub/b.html", "sub/copy.txt"]
    # Same bytes twice in one batch: stored once, then "present".
    assert [r.status for r in report.results] == ["stored", "stored", "present"]
    again = ingest_paths(store, [str(folder)])  # the store now holds a database and blobs
    assert [r.status for r in again.results] == ["present"] * 3
    assert verify_store(store).ok
    store.close()


def test_process_pool_gives_the_same_documents(tmp_path):
    inputs = [str(SAMPLES), str(_folder(tmp_path))]
    rows = []
    for workers in (1, 2):
        store = open_store(Settings(store_dir=tmp_path / f"s{workers}", actor="t"))
        report = ingest_paths(store, inputs, workers=workers)
        assert not report.by_status("failed")
        with store.session() as s:
            rows.append([(d.sha256, d.text_sha256, d.title, d.language, d.published, d.pages)
                         for d in s.scalars(select(Document).order_by(Document.id))])
        assert verify_store(store).ok
        store.close()
    assert rows[0] == rows[1] and len(rows[0]) == 5


def test_a_row_the_database_refuses_fails_only_its_input(any_store, tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(20):
        (folder / f"n{i:02}.txt").write_text(f"Note {i}: {i * 3} organs reported by hospital {i}.")
    parse = pipeline.parse_bytes

    def parse_with_a_bad_row(data, **kw):
        docs = parse(data, **kw)
        if kw["source"].endswith("n05.txt"):
            docs[0].mime = None  # documents.mime is NOT NULL
        return docs

    monkeypatch.setattr(pipeline, "parse_bytes", parse_with_a_bad_row)
    report = ingest_paths(any_store, [str(folder)], workers=2)  # n05 shares the first group
    failed = report.by_status("failed")
    assert [r.input for r in failed] == [str(folder / "n05.txt")]
    assert failed[0].error.startswith("could not be stored")
    assert len(report.by_status("stored")) == 19
    result = verify_store(any_store)
    assert result.ok, result.problems
    assert (result.counts["sources"], result.counts["documents"]) == (19, 19)
    assert _ingest_entries(any_store) == 38


def test_unknown_kind_is_refused_before_anything_is_stored(sqlite_store):
    with pytest.raises(InputError, match="unknown kind"):
        ingest_paths(sqlite_store, [str(SAMPLES)], kind="rumour")
    assert verify_store(sqlite_store).counts["sources"] == 0


def test_two_processes_ingesting_the_same_folder_store_each_input_once(tmp_path):
    import subprocess
    import sys

    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(30):
        (folder / f"n{i:02}.txt").write_text(f"Note {i}: {i * 3} organs reported by hospital {i}.")
    cmd = [sys.executable, "-m", "harvestwatch", "--store", str(tmp_path / "s"), "ingest",
           str(folder), "--no-extract", "--json"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err[-1500:] for _, err in outs]
    store = open_store(Settings(store_dir=tmp_path / "s"))
    result = verify_store(store)
    entries = _ingest_entries(store)
    store.close()
    assert result.ok, result.problems
    assert result.counts["sources"] == result.counts["documents"] == 30
    assert entries == 60
