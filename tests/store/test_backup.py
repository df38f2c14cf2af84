"""Backup while others write, restore into an empty store: identical root, clean verify."""

from __future__ import annotations

import threading

import pytest

from harvestwatch.core.config import Settings
from harvestwatch.core.errors import ConfigError, InputError
from harvestwatch.ingest.pipeline import ingest_paths
from harvestwatch.services import backup as backup_svc
from harvestwatch.services import custody, users
from harvestwatch.services.store import show_document
from harvestwatch.store import ledger, open_store
from tests.conftest import SAMPLES


def _fill(store, tmp_path):
    custody.signing_key(store)
    ingest_paths(store, [str(SAMPLES)], kind="news")
    secret = tmp_path / "witness.txt"
    secret.write_text("Witness Y was blood-tested twice in the Masanjia camp.")
    sha = ingest_paths(store, [str(secret)], restricted=True).results[0].sha256
    users.add_user(store, "ada", "investigator", "correct horse", actor="admin")
    return sha


def _target(request, tmp_path, dialect):
    url = request.getfixturevalue("pg_cluster")() if dialect == "postgresql" else None
    return Settings(store_dir=tmp_path / "restored", database_url=url, actor="tester")


def test_online_backup_and_restore_give_the_same_root_and_verify(request, any_store, tmp_path):
    secret = _fill(any_store, tmp_path)
    stop = threading.Event()

    def writer():  # another process keeps writing while the backup runs
        i = 0
        while not stop.is_set():
            with any_store.session() as s:
                ledger.append(s, actor="busy", action="note", object_type="note", object_id=i,
                              payload={"i": i})
            i += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        manifest = backup_svc.backup(any_store, tmp_path / "backup")
    finally:
        stop.set()
        thread.join()
    assert manifest["dialect"] == any_store.dialect
    target = _target(request, tmp_path, any_store.dialect)
    report = backup_svc.restore(target, tmp_path / "backup")
    assert report.ok, report.to_dict()
    assert report.root_matches and report.root_hash == manifest["head"]["root_hash"]
    assert report.ledger_entries >= manifest["head"]["tree_size"]
    restored = open_store(target)  # restricted text decrypts with the restored keys
    doc = show_document(restored, secret, include_restricted=True)
    assert "blood-tested" in doc["text"]
    assert custody.public_key(restored)["key_id"] == manifest["head"]["key_id"]
    restored.close()


def test_restore_refuses_a_used_store_a_changed_backup_and_another_dialect(sqlite_store, tmp_path):
    _fill(sqlite_store, tmp_path)
    backup_svc.backup(sqlite_store, tmp_path / "backup")
    with pytest.raises(ConfigError, match="not empty"):
        backup_svc.backup(sqlite_store, tmp_path / "backup")
    with pytest.raises(ConfigError, match="is not empty"):
        backup_svc.restore(sqlite_store.settings, tmp_path / "backup")
    db = tmp_path / "backup" / "database.sqlite3"
    data = bytearray(db.read_bytes())
    data[-100] ^= 1
    db.write_bytes(bytes(data))
    with pytest.raises(InputError, match="has changed since the backup"):
        backup_svc.restore(Settings(store_dir=tmp_path / "new"), tmp_path / "backup")
    with pytest.raises(InputError, match="not a harvestwatch backup"):
        backup_svc.restore(Settings(store_dir=tmp_path / "new2"), tmp_path)


@pytest.mark.postgres
def test_sqlite_backup_is_not_restored_into_postgresql(sqlite_store, tmp_path, pg_cluster):
    _fill(sqlite_store, tmp_path)
    backup_svc.backup(sqlite_store, tmp_path / "backup")
    with pytest.raises(ConfigError, match="holds a sqlite backup"):
        backup_svc.restore(Settings(store_dir=tmp_path / "pg", database_url=pg_cluster()),
                           tmp_path / "backup")
