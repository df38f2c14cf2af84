"""Shared fixtures: stores on SQLite and on a private PostgreSQL 15 cluster started here."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from harvestwatch.core.config import Settings
from harvestwatch.store import open_store

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples" / "corpus"
SHARED = REPO.parent / "shared"
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _as_postgres(cmd: list[str]) -> list[str]:
    return cmd if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--", *cmd]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


TEST_PASSPHRASE = "test passphrase for restricted content"


@pytest.fixture(scope="session", autouse=True)
def store_passphrase():
    """The passphrase that unlocks (or makes) a store key, for tests with restricted content.

    Set for the whole session, so live servers and CLI subprocesses see it too; tests of a
    locked store remove it with ``monkeypatch.delenv``.
    """
    old = os.environ.get("HARVESTWATCH_KEY_PASSPHRASE")
    os.environ["HARVESTWATCH_KEY_PASSPHRASE"] = TEST_PASSPHRASE
    yield TEST_PASSPHRASE
    if old is None:
        os.environ.pop("HARVESTWATCH_KEY_PASSPHRASE", None)
    else:
        os.environ["HARVESTWATCH_KEY_PASSPHRASE"] = old


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL 15 cluster on 127.0.0.1; yields a URL factory for fresh databases."""
    if not (PG_BIN / "initdb").exists():
        pytest.skip("PostgreSQL 15 binaries not installed (apt-get install postgresql)")
    root = Path(tempfile.mkdtemp(prefix="hw-pg-"))
    data = root / "data"
    os.chmod(root, 0o777)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port = _free_port()
    subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres",
                                 "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]),
                   check=True, capture_output=True)
    subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-w", "-l",
                                 str(root / "log"), "-o", f"-p {port} -h 127.0.0.1 -k {root}",
                                 "start"]), check=True, capture_output=True)
    counter = itertools.count()

    def new_database() -> str:
        name = f"hw_test_{next(counter)}"
        subprocess.run(_as_postgres([str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port),
                                     "-U", "postgres", name]), check=True, capture_output=True)
        return f"postgresql+psycopg://postgres@127.0.0.1:{port}/{name}"

    try:
        yield new_database
    finally:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def sqlite_store(tmp_path):
    store = open_store(Settings(store_dir=tmp_path / "store", actor="tester"))
    yield store
    store.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_store(request, tmp_path):
    """The same store tests on embedded SQLite and on PostgreSQL."""
    url = None
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_cluster")()
    store = open_store(Settings(store_dir=tmp_path / "store", database_url=url, actor="tester"))
    yield store
    store.close()
