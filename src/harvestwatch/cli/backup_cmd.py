"""CLI: backup a whole store (database, blobs, keys) and restore it into a new one."""

from __future__ import annotations

from pathlib import Path

import typer

from harvestwatch.cli import _context
from harvestwatch.cli._render import console, emit_json, err_console
from harvestwatch.services import backup as backup_svc
from harvestwatch.services import store as store_svc


def backup(
    out: Path = typer.Option(..., "--out", help="A new folder for the backup."),
    tsa: str = typer.Option(None, "--tsa", help="RFC 3161 timestamp authority for the head."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Consistent online backup: a signed tree head, the database, blobs and keys (keep it safe)."""
    manifest = backup_svc.backup(store_svc.open(_context.settings()), out, tsa_url=tsa)
    if json_out:
        emit_json(manifest)
        return
    head = manifest["head"]
    console.print(f"backed up the {manifest['dialect']} database and {manifest['blobs']} blob(s) "
                  f"to {out}; signed head {head['tree_size']} entries, root {head['root_hash']}",
                  highlight=False)
    err_console.print(f"{out} holds the store's keys: keep it as safe as the store", highlight=False)


def restore(
    folder: Path = typer.Argument(..., help="A folder written by 'backup'."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Restore a backup into an empty store (--store / --database-url), then verify it."""
    report = backup_svc.restore(_context.settings(), folder)
    if json_out:
        emit_json(report.to_dict())
    else:
        console.print(f"restored {report.ledger_entries} ledger entries; root at the backup's "
                      f"signed head ({report.tree_size} entries): {report.root_hash}",
                      highlight=False)
        for p in report.verify.problems + report.verify.incomplete:
            err_console.print(f"DIFFERS: {p}", highlight=False, markup=False)
        if not report.root_matches:
            err_console.print("DIFFERS: the restored ledger does not hash to the backup's signed "
                              "root", highlight=False)
        console.print("restored and intact" if report.ok else "restored, but it does not verify")
    raise typer.Exit(0 if report.ok else 1)


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)
