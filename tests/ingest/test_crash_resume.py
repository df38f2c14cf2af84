"""A batch killed with SIGKILL at any point, then re-run, stores each input exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from harvestwatch.core.config import Settings
from harvestwatch.store import open_store
from harvestwatch.store.models import Document, LedgerEntry, Source
from harvestwatch.store.verify import verify_store

N_FILES = 150


def _corpus(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(N_FILES):
        (folder / f"doc{i:03}.html").write_text(
            f"<html><head><title>Report {i}</title></head><body><p>Report number {i} describes "
            f"{i * 7} transplants at hospital {i % 13} and a waiting time of {i % 30 + 1} days."
            f"</p></body></html>")
    return folder


@pytest.mark.slow
def test_sigkill_then_rerun_stores_everything_once(tmp_path):
    folder = _corpus(tmp_path)
    store_dir = tmp_path / "store"
    cmd = [sys.executable, "-m", "harvestwatch", "--store", str(store_dir), "ingest", str(folder),
           "--no-extract"]
    for delay in (1.5, 2.2, 3.0, 3.8):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        store = open_store(Settings(store_dir=store_dir))
        report = verify_store(store)
        store.close()
        assert report.ok, report.problems
    final = subprocess.run(cmd, capture_output=True, text=True)
    assert final.returncode == 0, final.stderr
    store = open_store(Settings(store_dir=store_dir))
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Source)) == N_FILES
        assert s.scalar(select(func.count()).select_from(Document)) == N_FILES
        assert s.scalar(select(func.count(func.distinct(Document.sha256)))) == N_FILES
        assert s.scalar(select(func.count()).select_from(LedgerEntry)
                        .where(LedgerEntry.action == "ingest")) == 2 * N_FILES
    report = verify_store(store)
    assert report.ok and not [n for n in report.notes if "without rows" in n], report.notes
