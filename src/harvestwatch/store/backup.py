"""Online backup and restore of a whole store: database, blobs and keys.

SQLite is copied with its online backup API (a consistent snapshot while others write);
PostgreSQL with ``pg_dump`` (one repeatable-read snapshot) and ``pg_restore``. Blobs are
immutable and written before the rows that name them commit, so copying them after the
database snapshot gets every blob the snapshot refers to. ``backup.json`` records the
signed tree head taken just before, which the restored ledger must reproduce.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from harvestwatch.core.errors import ConfigError, InputError
from harvestwatch.core.hashing import sha256_file
from harvestwatch.store import Store

FORMAT = "harvestwatch-backup/1"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
MANIFEST = "backup.json"


@dataclass(frozen=True)
class BackupManifest:
    created_at: str
    dialect: str
    database_file: str
    database_sha256: str
    blobs: int
    head: dict  # the signed tree head taken just before the snapshot

    def to_dict(self) -> dict:
        return {"format": FORMAT, "created_at": self.created_at, "dialect": self.dialect,
                "database_file": self.database_file, "database_sha256": self.database_sha256,
                "blobs": self.blobs, "head": self.head}


def backup(store: Store, out: Path, head: dict) -> BackupManifest:
    """Write a backup of ``store`` into the new or empty folder ``out``."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise ConfigError(f"{out}: backup folder is not empty; give a new folder")
    out.mkdir(parents=True, exist_ok=True)
    os.chmod(out, 0o700)  # it holds the store's keys
    if store.dialect == "sqlite":
        name = SQLITE_FILE
        _sqlite_backup(store, out / name)
    elif store.dialect == "postgresql":
        name = PG_FILE
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file",
              str(out / name), _libpq_url(store)], "pg_dump")
    else:
        raise ConfigError(f"backup of a {store.dialect} database is not supported")
    n = _copy_tree(store.settings.blob_dir, out / "blobs")
    keys = store.settings.store_dir / "keys"
    if keys.exists():
        _copy_tree(keys, out / "keys")
    manifest = BackupManifest(datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), store.dialect,
                              name, sha256_file(out / name), n, head)
    (out / MANIFEST).write_text(json.dumps(manifest.to_dict(), indent=2) + "\n", encoding="utf-8")
    return manifest


def read_manifest(folder: Path) -> BackupManifest:
    path = Path(folder) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(str(path), f"not a harvestwatch backup ({exc})") from None
    if data.get("format") != FORMAT:
        raise InputError(str(path), f"not a {FORMAT} manifest")
    return BackupManifest(data["created_at"], data["dialect"], data["database_file"],
                          data["database_sha256"], data["blobs"], data["head"])


def restore(folder: Path, target: Store) -> BackupManifest:
    """Restore the backup in ``folder`` into ``target``, an empty store opened unmigrated."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    db_file = folder / manifest.database_file
    if not db_file.exists():
        raise InputError(str(db_file), "the backup's database file is missing")
    if sha256_file(db_file) != manifest.database_sha256:
        raise InputError(str(db_file), "the backup's database file has changed since the backup")
    if manifest.dialect != target.dialect:
        raise ConfigError(f"{folder} holds a {manifest.dialect} backup; restore it into a "
                          f"{manifest.dialect} store, not {target.dialect}")
    if inspect(target.engine).get_table_names():
        raise ConfigError(f"the target database ({_shown_url(target)}) is not empty; restore "
                          "into a new store")
    keys = target.settings.store_dir / "keys"
    if keys.exists() and any(keys.iterdir()):
        raise ConfigError(f"{keys} holds keys already; restore into a new store folder")
    if manifest.dialect == "sqlite":
        target.engine.dispose()
        db = Path(make_url(target.settings.effective_database_url).database)
        _sqlite_copy(db_file, Path(db))
    else:
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--dbname",
              _libpq_url(target), str(db_file)], "pg_restore")
    _copy_tree(folder / "blobs", target.settings.blob_dir)
    if (folder / "keys").exists():
        _copy_tree(folder / "keys", keys)
        os.chmod(keys, 0o700)
    return manifest


def _sqlite_backup(store: Store, dest: Path) -> None:
    _sqlite_copy(Path(make_url(store.settings.effective_database_url).database), dest)
    conn = sqlite3.connect(dest)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        conn.close()


def _sqlite_copy(src_path: Path, dest: Path) -> None:
    """SQLite's online backup: one consistent snapshot, while others may write."""
    src = sqlite3.connect(src_path, timeout=30)
    dst = sqlite3.connect(dest)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _copy_tree(src: Path, dest: Path) -> int:
    """Copy every file under ``src`` (skipping temporary blob writes); returns how many."""
    n = 0
    if not src.exists():
        return 0
    for path in sorted(src.rglob("*")):
        if path.is_dir() or path.name.startswith(".tmp-"):
            continue
        target = dest / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            shutil.copy2(path, target)
        n += 1
    return n


def _libpq_url(store: Store) -> str:
    url = make_url(store.settings.effective_database_url)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _shown_url(store: Store) -> str:
    return make_url(store.settings.effective_database_url).render_as_string(hide_password=True)


def _run(cmd: list[str], what: str) -> None:
    if shutil.which(cmd[0]) is None:
        raise ConfigError(f"{what} is not installed (Debian: postgresql-client)")
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise ConfigError(f"{what} failed: {last}")
