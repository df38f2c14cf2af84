"""Expected errors reach a CLI user as one line naming the input and the problem, never a
traceback: usage errors, bad values and missing records from the services, paths that do not
exist, a database URL that is malformed or cannot be reached. And ``--database-url`` with
``--store`` is honoured (database at the URL, blobs and keys in the folder), never dropped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HW = str(Path(sys.executable).with_name("harvestwatch"))


def run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HARVESTWATCH_")}
    environ |= {"HARVESTWATCH_STORE": str(tmp_path / "store"), "HARVESTWATCH_ACTOR": "test",
                "COLUMNS": "100", **env}
    return subprocess.run([HW, *args], cwd=tmp_path, env=environ, capture_output=True, text=True,
                          timeout=120)


CASES = [
    (["shwo", "1"], 2, "No such command 'shwo'. Did you mean 'show'?"),
    (["--bogus"], 2, "No such option: --bogus"),
    (["show"], 2, "Missing argument 'ref'"),
    (["show", "999"], 1, "no document '999' in the store"),
    (["analyse", "waiting", "--days", "3"], 2, "No such option: --days"),
    (["report", "--out", "brief.txt"], 2, "brief.txt: the report file must end in .html or .pdf"),
    (["screen", "flags", "--rule", "nope"], 2, "nope: unknown rule"),
    (["data", "show", "nosuch"], 1, "no dataset 'nosuch'"),
    (["hospitals", "show", "nosuch"], 1, "no hospital 'nosuch'"),
    (["export", "--out", "missing/folder/x.jsonl"], 1, "No such file or directory"),
    (["--database-url", "bogus://x", "show", "1"], 2, "database: Can't load plugin"),
    (["--database-url", "postgresql://u@127.0.0.1:1/db", "show", "1"], 1, "database: connection failed"),
]


@pytest.mark.parametrize(("args", "code", "message"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_one_line_error(args, code, message, tmp_path):
    proc = run(args, tmp_path)
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], proc.stderr


def test_a_bare_group_prints_its_help_once(tmp_path):
    proc = run(["hospitals"], tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stdout + proc.stderr
    assert (proc.stdout + proc.stderr).count("Usage: harvestwatch hospitals") == 1


def test_database_url_with_store_is_honoured(tmp_path):
    note = tmp_path / "note.txt"
    note.write_text("The hospital reported 120 kidney transplants in 2015.\n")
    url = f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}"
    folder = tmp_path / "blobs-here"
    ingest = run(["--database-url", url, "--store", str(folder), "ingest", str(note), "--no-extract"], tmp_path)
    assert ingest.returncode == 0, ingest.stderr
    assert (tmp_path / "elsewhere.sqlite3").is_file()  # the database is at the URL ...
    assert not (folder / "harvestwatch.sqlite3").exists()
    assert (folder / "blobs").is_dir()  # ... and the originals in the folder
    # a command's own --store keeps the root --database-url
    shown = run(["--database-url", url, "show", "1", "--store", str(folder), "--json"], tmp_path)
    assert shown.returncode == 0 and "120 kidney transplants" in shown.stdout, shown.stderr
    # without the URL the folder's own (empty) SQLite database is used: the document is not there
    alone = run(["show", "1", "--store", str(folder)], tmp_path)
    assert alone.returncode == 1 and "no document '1'" in alone.stderr
