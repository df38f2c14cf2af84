"""CLI: verify, and the custody ledger's signed tree heads, proofs and key."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from harvestwatch.cli import _context
from harvestwatch.cli._render import console, emit_json, err_console, table
from harvestwatch.services import custody
from harvestwatch.services import store as svc

ledger_app = typer.Typer(help="Custody ledger: signed tree heads, proofs, entries, key.",
                         no_args_is_help=True)
StoreOpt = typer.Option(None, "--store", help="Store directory (overrides the global option).")


def _store(store_dir: str | None):
    if store_dir:
        _context.use_store(store_dir)
    return svc.open(_context.settings())


def _write_json(path: Path, obj: dict) -> None:
    try:
        path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as exc:
        from harvestwatch.core.errors import ConfigError

        raise ConfigError(f"cannot write {path}: {exc}") from None


def verify(store: str = StoreOpt,
           against: list[str] = typer.Option([], "--against", help="A signed tree head published "
                                             "earlier (HEAD.json); repeatable."),
           json_out: bool = typer.Option(False, "--json")) -> None:
    """Recompute blobs, the ledger, signed heads and vouched rows; exit 1 naming what differs."""
    report = svc.verify(_store(store), against=against, actor=_context.settings().actor)
    if json_out:
        emit_json(report.to_dict())
    else:
        c = report.counts
        console.print(f"checked {c['sources']} sources, {c['documents']} documents, "
                      f"{c['ledger_entries']} ledger entries, {c['tree_heads']} signed tree heads"
                      + (f", against {len(against)} published head(s)" if against else ""))
        for note in report.notes:
            console.print(f"note: {note}", highlight=False)
        for p in report.problems:
            err_console.print(f"DIFFERS: {p}", highlight=False, markup=False)
        for p in report.incomplete:
            err_console.print(f"INCOMPLETE: {p}", highlight=False, markup=False)
        console.print("intact" if report.ok else ", ".join(
            f"{len(v)} {k}" for k, v in (("problem(s)", report.problems),
                                          ("incomplete run(s)", report.incomplete)) if v))
    raise typer.Exit(0 if report.ok else 1)


@ledger_app.command("checkpoint")
def ledger_checkpoint(
    tsa: str = typer.Option(None, "--tsa", help="RFC 3161 timestamp authority URL."),
    out: Path = typer.Option(None, "--out", help="Write the signed tree head here (HEAD.json)."),
    store: str = StoreOpt, json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Sign a tree head over the whole ledger (size, root, time), to publish elsewhere."""
    head = custody.checkpoint(_store(store), tsa_url=tsa).to_dict()
    if out:
        _write_json(out, head)
    if json_out:
        emit_json(head)
        return
    print(head["root_hash"])
    err_console.print(f"signed tree head: {head['tree_size']} entries, {head['issued_at']}, key "
                      f"{head['key_id'][:16]}" + (", timestamped" if head["timestamp_token"] else "")
                      + (f"; written to {out}" if out else ""), highlight=False)


@ledger_app.command("heads")
def ledger_heads(limit: int = typer.Option(20, "--limit"), store: str = StoreOpt,
                 json_out: bool = typer.Option(False, "--json")) -> None:
    """The latest signed tree heads."""
    heads = custody.list_heads(_store(store), limit=limit)
    if json_out:
        emit_json(heads)
        return
    table("signed tree heads", ["id", "size", "root", "issued", "key", "timestamp"],
          [[h["id"], h["tree_size"], h["root_hash"][:16], h["issued_at"], h["key_id"][:16],
            h["tsa_url"] or ""] for h in heads])


@ledger_app.command("prove")
def ledger_prove(seq: int = typer.Argument(..., help="Ledger entry number (1 is the first)."),
                 size: int = typer.Option(None, "--size", help="Prove against the signed head of "
                                          "this tree size (default: the latest, signed now if "
                                          "none covers the entry)."),
                 store: str = StoreOpt) -> None:
    """An RFC 6962 inclusion proof of one entry in a signed tree head (index, tree size, path)."""
    proof = custody.prove_entry(_store(store), seq, tree_size=size)
    emit_json(proof)
    raise typer.Exit(0 if proof["valid"] else 1)


@ledger_app.command("consistency")
def ledger_consistency(
    old: str = typer.Argument(..., help="A signed tree head published earlier (OLD.json)."),
    new: str = typer.Argument(None, help="A later head (NEW.json); default: sign one now."),
    store: str = StoreOpt, json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Prove the ledger only grew from OLD to NEW (or now); exit 1 naming a cut, rewrite or fork."""
    st = _store(store)
    report = custody.consistency(st, custody.read_head_file(old),
                                 custody.read_head_file(new) if new else None,
                                 old_name=old, new_name=new or "NEW")
    if json_out:
        emit_json(report.to_dict())
    else:
        console.print(f"{report.old.tree_size} entries ({report.old.root_hash[:16]}) -> "
                      f"{report.new.tree_size} entries ({report.new.root_hash[:16]}), proof of "
                      f"{len(report.proof)} hash(es)", highlight=False)
        for note in report.notes:
            console.print(f"note: {note}", highlight=False)
        for p in report.problems:
            err_console.print(f"DIFFERS: {p}", highlight=False, markup=False)
        console.print("consistent: the ledger only grew" if report.ok
                      else f"{len(report.problems)} problem(s)")
    raise typer.Exit(0 if report.ok else 1)


@ledger_app.command("key")
def ledger_key(out: Path = typer.Option(None, "--out", help="Write the public key (PEM) here."),
               store: str = StoreOpt, json_out: bool = typer.Option(False, "--json")) -> None:
    """The store's Ed25519 public key and its fingerprint (SHA-256 of the raw key)."""
    key = custody.public_key(_store(store))
    if out:
        try:
            out.write_text(key["pem"], encoding="utf-8")
        except OSError as exc:
            from harvestwatch.core.errors import ConfigError

            raise ConfigError(f"cannot write {out}: {exc}") from None
    if json_out:
        emit_json(key)
        return
    console.print(f"Ed25519 key {key['key_id']}", highlight=False)
    console.print(key["pem"], highlight=False, markup=False, end="")


@ledger_app.command("show")
def ledger_show(limit: int = typer.Option(20, "--limit"), store: str = StoreOpt,
                json_out: bool = typer.Option(False, "--json")) -> None:
    """The latest custody entries."""
    entries = svc.ledger_entries(_store(store), limit=limit)
    if json_out:
        emit_json(entries)
        return
    table("custody ledger", ["seq", "at", "actor", "action", "object", "entry hash"],
          [[e["seq"], e["at"], e["actor"], e["action"], f"{e['object_type']}:{e['object_id'][:16]}",
            e["entry_hash"][:16]] for e in entries])


def register(app: typer.Typer) -> None:
    """Add verify and the ledger group to the root app."""
    app.command("verify")(verify)
    app.add_typer(ledger_app, name="ledger")
