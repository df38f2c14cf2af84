"""CLI: literature screening (import, run, flags, review, decide, resolve, agreement, prisma,
simulate, export)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from harvestwatch.cli import _context
from harvestwatch.cli._render import console, emit_json, table
from harvestwatch.core.errors import ValidationError
from harvestwatch.core.progress import progress
from harvestwatch.services import screen as svc
from harvestwatch.services import store as store_svc

screen_app = typer.Typer(help="Screen transplant literature for ethically tainted research.",
                         no_args_is_help=True)
Project = typer.Option("default", "--project", help="Screening project name.")


def _store():
    return store_svc.open(_context.settings())


@screen_app.command("import")
def screen_import(files: list[Path], project: str = Project) -> None:
    """Import RIS, PubMed/MEDLINE XML or CSV records; duplicates (same DOI, PMID, or title and
    year) are recorded against the record they duplicate, not added."""
    out = svc.import_files(_store(), [str(f) for f in files], project=project)
    keys = ", ".join(f"{n} by {k}" for k, n in sorted(out["duplicates_by_key"].items()))
    console.print(f"added {out['added']} record(s), {out['duplicates']} duplicate(s) recorded"
                  + (f" ({keys})" if keys else "") + f", skipped {out['skipped']} already present"
                  + (f", {out['renamed']} id(s) already used by other papers kept as ID@FILE" if out["renamed"] else ""),
                  highlight=False)


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
def screen_flags(project: str = Project, rule: str = typer.Option(None, "--rule", help="|".join(svc.RULES)),
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
    st = _store()
    rows = svc.review_queue(st, project=project, limit=limit)
    table(f"review next ({st.settings.actor})", ["record", "year", "flags", "title"],
          [[r["id"], r["year"], r["flags"], r["title"]] for r in rows])
    _print_stopping(svc.stopping(st, project=project, viewer=st.settings.actor), st.settings.actor)


Reason = typer.Option(None, "--reason", help="Exclusion reason code (see 'screen reasons').")


@screen_app.command("decide")
def screen_decide(record_id: str, decision: str = typer.Argument(..., help="|".join(svc.DECISIONS)),
                  project: str = Project, reason: str = Reason, rule: str = typer.Option(None, "--rule"),
                  note: str = typer.Option(None, "--note")) -> None:
    """Record your decision on a record (a custody ledger entry); exclusions need --reason.

    The other reviewer's decision stays hidden until you have both decided."""
    out = svc.decide(_store(), record_id, decision, project=project, rule=rule, note=note, reason=reason)
    console.print(f"{out['id']}: {out['decision']}" + (f" ({out['reason']})" if out["reason"] else "")
                  + f" (ledger #{out['ledger_seq']}); {out['message']}", highlight=False)


@screen_app.command("reasons")
def screen_reasons() -> None:
    """The exclusion reason codes."""
    table("exclusion reasons", ["code", "label", "meaning"],
          [[r["code"], r["label"], r["help"]] for r in svc.reasons()])


@screen_app.command("show")
def screen_show(record_id: str, project: str = Project, json_out: bool = typer.Option(False, "--json")) -> None:
    """A record with its flags and decisions (the other reviewer's hidden until both decided)."""
    out = svc.record_status(_store(), record_id, project=project)
    if json_out:
        emit_json(out)
        return
    console.print(f"{out['id']} ({out['year'] or 'no year'}, {out['source'] or 'no file'}): {out['title']}",
                  highlight=False)
    console.print(f"status: {out['status']}" + (f", final: {out['final']}" if out["final"] else "")
                  + (f" ({out['reason']})" if out["reason"] else ""), highlight=False)
    table("decisions", ["reviewer", "decision", "reason", "note"],
          [[v["reviewer"], v["decision"], v["reason"], v["note"]] for v in out["votes"]])
    if out["resolution"]:
        r = out["resolution"]
        console.print(f"resolved by {r['reviewer']} ({r['mode']}): {r['decision']}"
                      + (f" ({r['reason']})" if r["reason"] else ""), highlight=False)
    table("flags", ["rule", "strength", "explanation"], [[f["rule"], f["strength"], f["explanation"]]
                                                         for f in out["flags"]])


@screen_app.command("conflicts")
def screen_conflicts(project: str = Project, json_out: bool = typer.Option(False, "--json")) -> None:
    """Records the two reviewers decided differently, waiting for a resolution."""
    rows = svc.conflicts(_store(), project=project)
    if json_out:
        emit_json(rows)
        return
    table(f"conflicts ({len(rows)})", ["record", "on", "decisions", "title"],
          [[r["id"], r["on"], "; ".join(f"{v['reviewer']}: {v['decision']}" + (f" ({v['reason']})" if v["reason"] else "")
                                       for v in r["votes"]), r["title"]] for r in rows])


@screen_app.command("resolve")
def screen_resolve(record_id: str, decision: str = typer.Argument(..., help="|".join(svc.DECISIONS)),
                   project: str = Project, reason: str = Reason, note: str = typer.Option(None, "--note"),
                   consensus: bool = typer.Option(False, "--consensus",
                                                  help="One of the pair records the pair's agreed decision.")) -> None:
    """Settle a conflict as a third reviewer (or the pair, with --consensus); a ledger entry."""
    out = svc.resolve(_store(), record_id, decision, project=project, reason=reason, note=note, consensus=consensus)
    console.print(f"{out['id']}: {out['decision']}" + (f" ({out['reason']})" if out["reason"] else "")
                  + f" by {out['mode'].replace('_', ' ')} (ledger #{out['ledger_seq']})", highlight=False)


def _kappa_row(label: str, k) -> list:
    if k.n == 0:
        return [label, 0, "", "", "no record decided by both"]
    if k.kappa is None:
        return [label, k.n, f"{k.agreement:.0%}", "undefined", "one category only"]
    return [label, k.n, f"{k.agreement:.0%}", f"{k.kappa:.2f}", f"{k.low:.2f} to {k.high:.2f}"]


@screen_app.command("agreement")
def screen_agreement(project: str = Project, json_out: bool = typer.Option(False, "--json")) -> None:
    """Cohen's kappa (95% CI) between reviewers: the project and each pair."""
    out = svc.agreement(_store(), project=project)
    if json_out:
        emit_json({"project": project, "overall": out["overall"].__dict__,
                   "pairs": [{"reviewers": p["reviewers"], **p["kappa"].__dict__} for p in out["pairs"]]})
        return
    table(f"reviewer agreement, project {project}", ["reviewers", "records", "agreement", "kappa", "95% CI"],
          [_kappa_row("all pairs", out["overall"])]
          + [_kappa_row(" + ".join(p["reviewers"]), p["kappa"]) for p in out["pairs"]])


def _print_stopping(out: dict, reviewer: str | None = None) -> None:
    est = out["estimated_recall"]
    console.print(f"stopping rule: {out['rule']}", highlight=False)
    for p in out["reviewers"]:
        mark = " (you)" if p["reviewer"] == reviewer else ""
        console.print(f"  {p['reviewer']}{mark}: {p['screened']} screened, {p['irrelevant_run']} irrelevant in a row"
                      f" of {out['stop_after']}: {'met' if p['met'] else 'not met'}", highlight=False)
    console.print(f"  {out['relevant_found']} relevant found, {out['undecided']} of {out['records']} records undecided; "
                  + (f"estimated recall {est:.2f} (model: {out['expected_remaining']:.1f} relevant expected "
                     "among the undecided)" if est is not None else
                     "estimated recall not yet available (needs relevant and irrelevant decisions)"),
                  highlight=False)


@screen_app.command("stop")
def screen_stop(project: str = Project, json_out: bool = typer.Option(False, "--json"),
                everyone: bool = typer.Option(False, "--all", help="Every reviewer's run and every "
                                              "decision (after screening; breaks blinding while it runs).")) -> None:
    """Where the stopping rule stands for you, with the estimated recall."""
    st = _store()
    out = svc.stopping(st, project=project, viewer=None if everyone else st.settings.actor)
    if json_out:
        emit_json(out)
        return
    _print_stopping(out, st.settings.actor)


@screen_app.command("settings")
def screen_settings(project: str = Project,
                    reviewers: int = typer.Option(None, "--reviewers", help="Reviewers per record: 1 or 2."),
                    stop_after: int = typer.Option(None, "--stop-after", help="Irrelevant records in a row."),
                    min_screened: float = typer.Option(None, "--min-screened",
                                                       help="Fraction screened before the rule applies.")) -> None:
    """Show or change a project's reviewers per record and stopping rule."""
    st = _store()
    if reviewers is None and stop_after is None and min_screened is None:
        out = svc.project_settings(st, project=project)
    else:
        out = svc.configure(st, project=project, reviewers=reviewers, stop_after=stop_after,
                            min_screened=min_screened)
    console.print(f"project {out['project']}: {out['reviewers']} reviewer(s) per record; stop after "
                  f"{out['stop_after']} irrelevant records in a row once {out['min_screened']:.0%} are screened",
                  highlight=False)


@screen_app.command("duplicates")
def screen_duplicates(project: str = Project, json_out: bool = typer.Option(False, "--json")) -> None:
    """Duplicates found on import, each with the record it duplicates and the key."""
    rows = svc.duplicates(_store(), project=project)
    if json_out:
        emit_json(rows)
        return
    table(f"duplicates ({len(rows)})", ["record", "file", "duplicate of", "by", "title"],
          [[r["id"], r["source"], r["duplicate_of"], r["key_label"], r["title"]] for r in rows])


@screen_app.command("prisma")
def screen_prisma(project: str = Project, out: Path = typer.Option(None, "--out", help="flow.svg"),
                  json_out: bool = typer.Option(False, "--json")) -> None:
    """PRISMA 2020 flow diagram (SVG) or its counts (--json)."""
    st = _store()
    if json_out:
        emit_json(svc.prisma(st, project=project).to_dict())
        return
    svg = svc.prisma_svg(st, project=project)
    if out is None:
        sys.stdout.write(svg)
        return
    if out.suffix.lower() != ".svg":
        raise ValidationError(str(out), "the PRISMA diagram is written as SVG: name the file .svg")
    out.write_text(svg, encoding="utf-8")
    console.print(f"wrote {out}", highlight=False)


@screen_app.command("simulate")
def screen_simulate(labelled: Path, seed: int = typer.Option(0, "--seed"),
                    stop_after: int = typer.Option(50, "--stop-after"),
                    min_screened: float = typer.Option(0.10, "--min-screened"),
                    json_out: bool = typer.Option(False, "--json")) -> None:
    """Replay active learning on a labelled CSV: recall curve, WSS@95, recall@k, stopping rule."""
    out = svc.simulate_file(labelled, seed=seed, stop_after=stop_after, min_screened=min_screened)
    if json_out:
        emit_json({k: v for k, v in out.items() if k != "order"})
        return
    console.print(f"{out['records']} records, {out['relevant']} relevant; WSS@95 = {out['wss@95']:.3f} "
                  f"(95% recall after reading {out['read_for_95_recall']})", highlight=False)
    table("recall@k", ["k", "recall"], [[k, f"{v:.3f}"] for k, v in out["recall_at"].items()])
    stop = out["stopping"]
    if stop["stopped_after"] is None:
        console.print(f"stopping rule ({stop['rule']}) never met before the end", highlight=False)
    else:
        est = stop["estimated_recall"]
        console.print(f"stopping rule ({stop['rule']}): stops after {stop['stopped_after']} records, true recall "
                      f"{stop['recall']:.3f}, estimated " + (f"{est:.3f}" if est is not None else "n/a")
                      + f", {stop['work_saved']:.0%} of records not read", highlight=False)


@screen_app.command("export")
def screen_export(fmt: str = typer.Option("csv", "--format", help="csv|ris|json"), project: str = Project,
                  rule: str = typer.Option(None, "--rule"), out: Path = typer.Option(None, "--out"),
                  decisions: bool = typer.Option(False, "--decisions",
                                                 help="Every record's outcome, reason and votes (csv|json).")) -> None:
    """Flagged records with ids, rule ids and evidence; or, with --decisions, every record's
    screening outcome (duplicates, exclusions with reasons, resolutions)."""
    if decisions:
        text = svc.export_decisions(_store(), fmt, project=project)
    else:
        text = svc.export(_store(), fmt, project=project, rule=rule)
    if out:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {out}", highlight=False)
    else:
        sys.stdout.write(text)


def register(app: typer.Typer) -> None:
    """Add the `screen` group to the root app."""
    app.add_typer(screen_app, name="screen")
