"""CLI: literature screening (import, run, flags, review, decide, simulate, export)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from harvestwatch.cli import _context
from harvestwatch.cli._render import console, emit_json, table
from harvestwatch.core.progress import progress
from harvestwatch.screen.detectors import RULES
from harvestwatch.services import screen as svc
from harvestwatch.services import store as store_svc

screen_app = typer.Typer(help="Screen transplant literature for ethically tainted research.",
                         no_args_is_help=True)
Project = typer.Option("default", "--project", help="Screening project name.")


def _store():
    return store_svc.open(_context.settings())


@screen_app.command("import")
def screen_import(files: list[Path], project: str = Project) -> None:
    """Import RIS, PubMed/MEDLINE XML or CSV records."""
    out = svc.import_files(_store(), [str(f) for f in files], project=project)
    console.print(f"added {out['added']} record(s), skipped {out['skipped']} already present", highlight=False)


@screen_app.command("run")
def screen_run(project: str = Project,
               scheduler: str = typer.Option(None, "--scheduler", help="Dask scheduler, tcp://HOST:8786"),
               workers: int = typer.Option(1, "--workers")) -> None:
    """Run every rule over records not yet screened (resumes an interrupted run)."""
    st = _store()
    with progress("screen", None) as bar:
        out = svc.run(st, project=project, scheduler=scheduler, workers=workers,
                      on_batch=lambda n: bar.step(f"{n} records"))
    console.print(f"screened {out['screened']} record(s), {out['flagged']} flagged ({out['version']})",
                  highlight=False)


@screen_app.command("flags")
def screen_flags(project: str = Project, rule: str = typer.Option(None, "--rule", help="|".join(RULES)),
                 json_out: bool = typer.Option(False, "--json"), csv_out: bool = typer.Option(False, "--csv")) -> None:
    """Flagged records with the rule, its explanation and the evidence spans."""
    if csv_out:
        sys.stdout.write(svc.export(_store(), "csv", project=project, rule=rule))
        return
    rows = svc.flags(_store(), project=project, rule=rule)
    if json_out:
        emit_json(rows)
        return
    table("flags", ["record", "rule", "strength", "explanation", "evidence"],
          [[r["id"], r["rule"], r["strength"], r["explanation"], " | ".join(e["text"] for e in r["evidence"])]
           for r in rows])


@screen_app.command("review")
def screen_review(project: str = Project, limit: int = typer.Option(10, "--limit")) -> None:
    """The next records to look at, ranked by active learning on your decisions."""
    rows = svc.review_queue(_store(), project=project, limit=limit)
    table("review next", ["record", "year", "flags", "title"],
          [[r["id"], r["year"], r["flags"], r["title"]] for r in rows])


@screen_app.command("decide")
def screen_decide(record_id: str, decision: str = typer.Argument(..., help="|".join(svc.DECISIONS)),
                  project: str = Project, rule: str = typer.Option(None, "--rule"),
                  note: str = typer.Option(None, "--note")) -> None:
    """Record a decision on a record (a custody ledger entry)."""
    out = svc.decide(_store(), record_id, decision, project=project, rule=rule, note=note)
    console.print(f"{out['id']}: {out['decision']} (ledger #{out['ledger_seq']})", highlight=False)


@screen_app.command("simulate")
def screen_simulate(labelled: Path, seed: int = typer.Option(0, "--seed"),
                    json_out: bool = typer.Option(False, "--json")) -> None:
    """Replay active learning on a labelled CSV: recall curve, WSS@95, recall@k."""
    out = svc.simulate_file(labelled, seed=seed)
    if json_out:
        emit_json({k: v for k, v in out.items() if k != "order"})
        return
    console.print(f"{out['records']} records, {out['relevant']} relevant; WSS@95 = {out['wss@95']:.3f} "
                  f"(95% recall after reading {out['read_for_95_recall']})", highlight=False)
    table("recall@k", ["k", "recall"], [[k, f"{v:.3f}"] for k, v in out["recall_at"].items()])


@screen_app.command("export")
def screen_export(fmt: str = typer.Option("csv", "--format", help="csv|ris|json"), project: str = Project,
                  rule: str = typer.Option(None, "--rule"), out: Path = typer.Option(None, "--out")) -> None:
    """Flagged records with ids, rule ids and evidence."""
    text = svc.export(_store(), fmt, project=project, rule=rule)
    if out:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {out}", highlight=False)
    else:
        sys.stdout.write(text)


def register(app: typer.Typer) -> None:
    """Add the `screen` group to the root app."""
    app.add_typer(screen_app, name="screen")
