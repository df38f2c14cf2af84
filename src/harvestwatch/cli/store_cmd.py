"""CLI: search, show and export — the evidence store's commands (ingest: ingest_cmd; verify,
ledger: custody_cmd)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from harvestwatch.cli import _context
from harvestwatch.cli._render import console, emit_json, err_console, table
from harvestwatch.services import store as svc

RestrictedOpt = typer.Option(False, "--include-restricted",
                             help="Include restricted documents (decrypted; each view is logged).")
StoreOpt = typer.Option(None, "--store", help="Store directory (overrides the global option).")


def _store(store_dir: str | None):
    if store_dir:
        _context.use_store(store_dir)
    return svc.open(_context.settings())


def search(
    query: str = typer.Argument(...),
    lang: str = typer.Option(None, "--lang", help="en | zh | other"),
    kind: str = typer.Option(None, "--kind"),
    tag: str = typer.Option(None, "--tag"),
    since: str = typer.Option(None, "--since", help="Published on or after (YYYY[-MM[-DD]])."),
    until: str = typer.Option(None, "--until", help="Published on or before."),
    limit: int = typer.Option(20, "--limit"),
    offset: int = typer.Option(0, "--offset"),
    include_restricted: bool = RestrictedOpt,
    store: str = StoreOpt,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Full-text search (English and Chinese, traditional and simplified)."""
    hits, total = svc.search_documents(_store(store), query, kind=kind, language=lang, tag=tag,
                                       since=since, until=until, limit=limit, offset=offset,
                                       include_restricted=include_restricted)
    if json_out:
        emit_json({"total": total, "hits": [h.to_dict() for h in hits]})
        return
    table(f"{total} document(s) match {query!r}", ["id", "sha256", "kind", "lang", "title", "snippet"],
          [[h.document_id, h.sha256[:12], h.kind, h.language, h.title, h.snippet] for h in hits])


def show(
    ref: str = typer.Argument(..., help="Document id, sha256 or sha256 prefix."),
    include_restricted: bool = RestrictedOpt,
    store: str = StoreOpt,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """A document's metadata, custody history and text."""
    doc = svc.show_document(_store(store), ref, include_restricted=include_restricted)
    if json_out:
        emit_json(doc)
        return
    for key in ("id", "sha256", "title", "author", "published", "site", "url", "language", "kind",
                "tags", "source", "near_duplicate_of", "items"):
        console.print(f"[bold]{key}[/bold]: {doc[key]}", highlight=False)
    console.print(f"[bold]custody[/bold]: {len(doc['custody'])} ledger entr(ies)")
    console.rule()
    console.print(doc["text"], highlight=False, markup=False)


def export(
    fmt: str = typer.Option("jsonl", "--format",
                            help="jsonl (documents) | ftm (FollowTheMoney entities for Aleph)"),
    out: Path = typer.Option(None, "--out", help="File to write (default stdout)."),
    no_text: bool = typer.Option(False, "--no-text"),
    include_restricted: bool = RestrictedOpt,
    store: str = StoreOpt,
) -> None:
    """Export documents and metadata, or (``--format ftm``) documents, entities, mentions and
    claims as FollowTheMoney entities; the export is recorded in the custody ledger."""
    if fmt not in ("jsonl", "ftm"):
        raise typer.BadParameter(f"unknown format {fmt!r}; supported: jsonl, ftm")
    st = _store(store)
    if fmt == "ftm":
        _export_ftm(st, out, include_restricted)
        return
    if out:
        with out.open("w", encoding="utf-8") as fh:
            n = svc.export_jsonl(st, fh, with_text=not no_text, destination=out,
                                 include_restricted=include_restricted)
        err_console.print(f"wrote {n} document(s) to {out}")
    else:
        svc.export_jsonl(st, sys.stdout, with_text=not no_text, destination="stdout",
                         include_restricted=include_restricted)


def _export_ftm(st, out: Path | None, include_restricted: bool) -> None:
    from harvestwatch.core.progress import progress
    from harvestwatch.services import ftm

    total = ftm.count_documents(st, include_restricted=include_restricted)
    with progress("export ftm", total, enabled=sys.stderr.isatty() and bool(out)) as bar:
        if out:
            with out.open("w", encoding="utf-8") as fh:
                summary = ftm.export_ftm(st, fh, destination=out, on_document=bar.step,
                                         include_restricted=include_restricted)
        else:
            summary = ftm.export_ftm(st, sys.stdout, destination="stdout",
                                     include_restricted=include_restricted)
    schemata = ", ".join(f"{n} {s}" for s, n in sorted(summary.by_schema.items()))
    err_console.print(f"wrote {summary.entities} FtM entities ({schemata}) from "
                      f"{summary.documents} document(s)" + (f" to {out}" if out else ""),
                      highlight=False, markup=False)
    if summary.restricted_documents_left_out:
        err_console.print(f"left out {summary.restricted_documents_left_out} restricted "
                          f"document(s) and {summary.restricted_items_left_out} item(s) taken "
                          "from them (--include-restricted to export them)",
                          highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    """Add the store's commands to the root app."""
    for fn in (search, show, export):
        app.command(fn.__name__)(fn)
