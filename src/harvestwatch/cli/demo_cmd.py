"""CLI: ``demo build``, the demo investigation built into a store."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import typer

from harvestwatch.cli import _context
from harvestwatch.cli._render import console, emit_json, table
from harvestwatch.core.progress import progress
from harvestwatch.services import demo as svc
from harvestwatch.services import store as store_svc

demo_app = typer.Typer(help="The demo investigation: real public documents (EN / 简体 / 繁體), a "
                            "literature set, datasets and the hospital registry.",
                       no_args_is_help=True)


@demo_app.command("build")
def build(store: Path | None = typer.Option(None, "--store", help="Store folder (default: the root --store)."),
          workers: int = typer.Option(1, "--workers", min=1, help="Processes for extraction and screening."),
          json_out: bool = typer.Option(False, "--json")) -> None:
    """Build the demo into the store: ingest and extract its documents, link them, import and
    screen its literature. Running it again adds nothing and says so."""
    settings = _context.settings()
    if store is not None:
        settings = replace(settings, store_dir=store)
    docs, _ = svc.manifest()
    with progress("demo", len(docs) + 4) as bar:
        report = svc.build(store_svc.open(settings), workers=workers,
                           on_step=lambda name: name != "documents" and bar.step(name),
                           on_document=bar.step)
    if json_out:
        emit_json(report.to_dict())
    else:
        table(f"demo investigation in {settings.database_url or settings.store_dir}",
              ["step", "added", "already there", "detail"],
              [[s.name, s.added, s.present, s.detail] for s in report.steps])
        console.print(("nothing new: the demo was already built" if report.added == 0 else
                       f"added {report.added} item(s)") + f" in {report.seconds:.1f} s", highlight=False)
    for failure in report.failed:
        console.print(f"failed: {failure}", highlight=False, markup=False)
    if report.failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the demo command group to the root app."""
    app.add_typer(demo_app, name="demo")
