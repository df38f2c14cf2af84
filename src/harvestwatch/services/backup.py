"""Backup and restore use cases: a consistent copy of a store, and a restore that proves itself."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harvestwatch.core.config import Settings
from harvestwatch.services import custody
from harvestwatch.store import Store, open_store
from harvestwatch.store import backup as store_backup
from harvestwatch.store.tree import ledger_size, roots_at
from harvestwatch.store.verify import VerifyReport, verify_store

__all__ = ["backup", "restore", "RestoreReport"]


def backup(store: Store, out: Path, *, tsa_url: str | None = None) -> dict:
    """Sign a tree head, then copy database, blobs and keys into ``out`` (online)."""
    head = custody.checkpoint(store, tsa_url=tsa_url)
    return store_backup.backup(store, out, head.to_dict()).to_dict()


@dataclass
class RestoreReport:
    manifest: dict
    verify: VerifyReport
    tree_size: int
    root_hash: str  # the restored ledger's root at the backup's signed head
    root_matches: bool
    ledger_entries: int

    @property
    def ok(self) -> bool:
        return self.verify.ok and self.root_matches

    def to_dict(self) -> dict:
        return {"ok": self.ok, "tree_size": self.tree_size, "root_hash": self.root_hash,
                "root_matches": self.root_matches, "ledger_entries": self.ledger_entries,
                "backup": self.manifest, "verify": self.verify.to_dict()}


def restore(settings: Settings, folder: Path) -> RestoreReport:
    """Restore ``folder`` into the empty store ``settings`` names, then verify it.

    The restored ledger must hash to the root of the head signed at backup time.
    """
    target = open_store(settings, migrate_schema=False)
    try:
        manifest = store_backup.restore(Path(folder), target)
    finally:
        target.close()
    store = open_store(settings)  # applies any migration newer than the backup
    try:
        head = manifest.head
        with store.session() as session:
            root = roots_at(session, {head["tree_size"]}).get(head["tree_size"])
            entries = ledger_size(session)
        report = verify_store(store)
    finally:
        store.close()
    root_hex = root.hex() if root else ""
    return RestoreReport(manifest.to_dict(), report, head["tree_size"], root_hex,
                         root_hex == head["root_hash"], entries)
