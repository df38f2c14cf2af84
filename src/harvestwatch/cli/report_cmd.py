"""CLI: build a sourced HTML or PDF brief."""

from __future__ import annotations

from pathlib import Path

import typer

from harvestwatch.cli import _context
from harvestwatch.cli._render import console
from harvestwatch.report import brief as svc
from harvestwatch.report.build import SECTIONS
from harvestwatch.services import store as store_svc


def report(
    out: Path = typer.Option(..., "--out", help="brief.html or brief.pdf"),
    title: str = typer.Option("Evidence brief", "--title"),
    scope: str = typer.Option(None, "--scope", help="tag:NAME"),
    docs: list[int] = typer.Option(None, "--docs", help="Document ids (repeatable)."),
    sections: str = typer.Option(",".join(SECTIONS), "--sections"),
    include_restricted: bool = typer.Option(False, "--include-restricted",
                                            help="Only for cleared investigators."),
    base_url: str = typer.Option("http://127.0.0.1:8000", "--base-url", help="Workbench address for links."),
) -> None:
    """A brief in which every figure and quotation cites its source."""
    st = store_svc.open(_context.settings())
    r = svc.build_report(st, title=title, scope=scope, docs=docs or None,
                         sections=[x.strip() for x in sections.split(",") if x.strip()],
                         include_restricted=include_restricted)
    path = svc.write_report(st, r, out, base_url=base_url)
    console.print(f"wrote {path}: {len(r.documents)} document(s), {len(r.citations.refs)} reference(s)"
                  + (f", {r.left_out_restricted} restricted left out" if r.left_out_restricted else ""),
                  highlight=False)


def register(app: typer.Typer) -> None:
    """Add `report` to the root app."""
    app.command("report")(report)
