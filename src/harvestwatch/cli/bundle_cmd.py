"""CLI: evidence bundles — export documents with their custody, verify a bundle offline."""

from __future__ import annotations

from pathlib import Path

import typer

from harvestwatch.cli import _context
from harvestwatch.cli._render import console, emit_json, err_console
from harvestwatch.services import bundle as bundle_svc
from harvestwatch.services import store as store_svc

bundle_app = typer.Typer(help="Evidence bundles a third party can check without the store.",
                         no_args_is_help=True)


@bundle_app.command("export")
def export(
    refs: list[str] = typer.Argument(..., help="Document ids or sha256 (prefixes of 8+ digits)."),
    out: Path = typer.Option(..., "--out", help="The bundle to write (case.zip)."),
    include_restricted: bool = typer.Option(False, "--include-restricted",
                                            help="Allow restricted documents (recorded)."),
    recipient: str = typer.Option(None, "--recipient", help="Encrypt to this age public key (age1...)."),
    tsa: str = typer.Option(None, "--tsa", help="RFC 3161 timestamp authority for the signed head."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Write originals, their ledger entries, inclusion proofs, the signed head, key and README."""
    st = store_svc.open(_context.settings())
    result = bundle_svc.export_bundle(st, refs, out, include_restricted=include_restricted,
                                      recipient=recipient, tsa_url=tsa)
    if json_out:
        emit_json(result.to_dict())
        return
    console.print(f"wrote {out}: {len(result.documents)} document(s), {result.entries} ledger "
                  f"entries proven in the signed head of {result.tree_size} entries"
                  + (", encrypted to the recipient" if result.encrypted else ""), highlight=False)
    console.print(f"key fingerprint {result.key_id}", highlight=False)


@bundle_app.command("verify")
def verify(
    path: Path = typer.Argument(..., help="case.zip"),
    identity: Path = typer.Option(None, "--identity", help="age identity file, for an encrypted bundle."),
    key: str = typer.Option(None, "--key", help="Expected signing key fingerprint (hex, or a prefix)."),
    tsa_ca: Path = typer.Option(None, "--tsa-ca", help="PEM of the timestamp authority's CA."),
    against: list[str] = typer.Option([], "--against", help="A signed head published earlier "
                                      "(HEAD.json) the bundle must extend; repeatable."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Check a bundle offline, with no store: exit 1 naming every byte that differs."""
    report = bundle_svc.verify_bundle_file(path, identity=identity, key=key, tsa_ca=tsa_ca,
                                           against=against)
    if json_out:
        emit_json(report.to_dict())
    else:
        for line in report.checked:
            console.print(f"ok: {line}", highlight=False)
        for p in report.problems:
            err_console.print(f"DIFFERS: {p}", highlight=False, markup=False)
        console.print("bundle verifies" if report.ok else f"{len(report.problems)} problem(s)")
    raise typer.Exit(0 if report.ok else 1)


def register(app: typer.Typer) -> None:
    app.add_typer(bundle_app, name="bundle")
