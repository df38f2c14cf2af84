"""CLI: the transplant-centre registry (`hospitals ...`): list, show, add facts, import, link
documents, review proposed facts, timelines, export (CSV, FollowTheMoney) and a PDF brief."""

from __future__ import annotations

from pathlib import Path

import typer

from harvestwatch.cli import _context
from harvestwatch.cli._render import console, emit_json, table
from harvestwatch.core.errors import ValidationError
from harvestwatch.core.progress import progress
from harvestwatch.services import registry as svc
from harvestwatch.services import store as store_svc

hospitals_app = typer.Typer(help="Transplant hospitals: names in every script, accreditation, "
                                 "sourced facts over time.", no_args_is_help=True)


def _store():
    return store_svc.open(_context.settings())


def _value(v: float | None, high: float | None = None) -> str:
    if v is None:
        return ""
    return f"{v:,.4g}" + (f"–{high:,.4g}" if high is not None else "")


@hospitals_app.command("list")
def list_(province: str = typer.Option(None, "--province", help="e.g. Beijing, Shandong."),
          accredited: bool = typer.Option(False, "--accredited",
                                          help="Only hospitals on an official Chinese list."),
          json_out: bool = typer.Option(False, "--json")) -> None:
    """Hospitals with their lists and how many sourced facts each has."""
    rows = svc.list_hospitals(_store(), province=province, accredited=accredited)
    if json_out:
        emit_json([r.to_dict() for r in rows])
        return
    table(f"{len(rows)} hospital(s)", ["name", "中文", "city", "province", "affiliation", "lists", "facts"],
          [[r.name_en, r.name_zh_hans, r.city, r.province, r.affiliation,
            "; ".join(r.accreditations), r.facts] for r in rows])


@hospitals_app.command("show")
def show(name: str = typer.Argument(..., help="Any name: English, 简体, 繁體 or an abbreviation."),
         include_restricted: bool = typer.Option(False, "--include-restricted",
                                                 help="Only for cleared investigators."),
         json_out: bool = typer.Option(False, "--json")) -> None:
    """Everything known about one hospital, every line with its source."""
    v = svc.show_hospital(_store(), name, include_restricted=include_restricted)
    if json_out:
        emit_json(v.to_dict())
        return
    h = v.hospital
    console.print(f"[bold]{h['name_en']}[/bold]  {h['name_zh_hans'] or ''}  {h['name_zh_hant'] or ''}",
                  highlight=False)
    console.print(f"{h['city'] or '?'}, {h['province'] or '?'} · {h['affiliation']} · id {h['id']}",
                  highlight=False)
    console.print("names: " + "; ".join(f"{n['name']} ({n['lang']}, {n['kind']})" for n in v.names),
                  highlight=False, markup=False)
    table("accreditation and lists", ["list", "year", "organs", "source", "quote"],
          [[a["list"], a["year"], ", ".join(a["organs"]), a["source"]["url"], a["source"]["quote"]]
           for a in v.accreditations])
    for group in v.metrics:
        table(f"{group.metric}: {group.description}", ["year", "value", "unit", "source", "quote", "verified"],
              [[f["year"], _value(f["value"], f["value_high"]), f["unit"], f["source_label"],
                f["source"]["quote"], f["verified"]] for f in group.facts])
        for c in group.conflicts:
            console.print(f"  sources disagree: {c}", highlight=False, markup=False)
    if not v.metrics:
        console.print("no sourced facts yet", highlight=False)
    if v.documents:
        table("stored documents that name it", ["doc", "title", "source", "as"],
              [[d["id"], d["title"], d["source"], "; ".join(sorted({m["text"] for m in d["mentions"]}))]
               for d in v.documents])
    claims = [("allegation", c) for c in v.allegations] + [("testimony", c) for c in v.testimonies] \
        + [("denial", c) for c in v.denials]
    if claims:
        table("what is alleged, testified and denied", ["kind", "who", "text", "source", "span"],
              [[k, c["actor"] or "not identified", c["text"][:160], c["source"],
                f"{c['document_id']}#span-{c['start']}-{c['end']}"] for k, c in claims])
    console.print(f"{len(v.documents)} stored document(s) name it; {len(v.allegations)} allegation(s) "
                  f"from {v.independent_sources} independent source(s); {len(v.denials)} denial(s); "
                  f"{v.proposals_pending} proposed fact(s) wait for review", highlight=False)


@hospitals_app.command("add-fact")
def add_fact(hospital: str = typer.Argument(...),
             metric: str = typer.Option(..., "--metric", help="beds, transplant_beds, transplants_per_year, ..."),
             value: float = typer.Option(..., "--value"),
             value_high: float = typer.Option(None, "--value-high", help="Upper end of a range."),
             year: int = typer.Option(None, "--year"),
             date: str = typer.Option(None, "--date", help="YYYY-MM-DD"),
             unit: str = typer.Option(None, "--unit"),
             source: str = typer.Option(..., "--source", help="DOC#span-START-END or an http(s) URL"),
             quote: str = typer.Option(None, "--quote", help="Exact sentence (required with a URL)."),
             title: str = typer.Option(None, "--title"),
             notes: str = typer.Option(None, "--notes")) -> None:
    """Record one fact with its source (a span of a stored document, or a URL and its quote)."""
    f = svc.add_fact(_store(), hospital, metric=metric, value=value, value_high=value_high, year=year,
                     date=date, unit=unit, source=source, quote=quote, title=title, notes=notes)
    console.print(f"fact {f.id}: {f.hospital_id} {f.metric} = {_value(f.value, f.value_high)}"
                  f"{' (' + str(f.year) + ')' if f.year else ''} from {f.source.label}", highlight=False)


@hospitals_app.command("import")
def import_(path: Path = typer.Argument(..., help="CSV of hospitals, facts or accreditations, "
                                                  "each row with source_url and quote")) -> None:
    """Import rows with their sources; a file with any bad row is refused whole."""
    r = svc.import_csv(_store(), path)
    console.print(f"imported {r.hospitals} hospital(s), {r.facts} fact(s), {r.accreditations} "
                  f"accreditation(s) from {path.name} (ledger entry {r.ledger_seq})", highlight=False)


@hospitals_app.command("link")
def link(doc: list[int] = typer.Option(None, "--doc", help="Only these document ids (repeatable).")) -> None:
    """Resolve hospital names in stored documents and propose their figures for review."""
    st = _store()
    total = len(doc) if doc else store_svc.store_summary(st, include_restricted=True)["documents"]
    with progress("link hospitals", total) as bar:
        r = svc.link_documents(st, doc or None, on_document=lambda i: bar.step(f"document {i}"))
    console.print(f"{r.documents} document(s): {r.mentions} hospital mention(s) of {r.hospitals} "
                  f"hospital(s); {r.proposals} new fact proposal(s) to review "
                  "('harvestwatch hospitals proposals')", highlight=False)


@hospitals_app.command("proposals")
def proposals(status: str = typer.Option("proposed", "--status", help="proposed | accepted | rejected | all"),
              hospital: str = typer.Option(None, "--hospital"),
              json_out: bool = typer.Option(False, "--json")) -> None:
    """Figures found beside hospital names, waiting for a reviewer."""
    rows = svc.list_proposals(_store(), status=None if status == "all" else status, hospital=hospital)
    if json_out:
        emit_json(rows)
        return
    table(f"{len(rows)} proposal(s)", ["id", "hospital", "metric", "value", "year", "document", "sentence",
                                       "why this hospital", "status"],
          [[p["id"], p["hospital"], p["metric"], _value(p["value"], p["value_high"]), p["year"],
            f"{p['document_id']}#span-{p['start']}-{p['end']}", p["quote"][:120], p["reason"], p["status"]]
           for p in rows])


@hospitals_app.command("review")
def review(proposal_id: int = typer.Argument(...),
           decision: str = typer.Argument(..., help="accept | reject"),
           note: str = typer.Option(None, "--note")) -> None:
    """Accept (it becomes a fact citing its span) or reject a proposed fact; both are ledgered."""
    p = svc.review_proposal(_store(), proposal_id, decision, note=note)
    console.print(f"proposal {p['id']} {p['status']}"
                  + (f"; fact {p['fact_id']} recorded" if p["fact_id"] else ""), highlight=False)


@hospitals_app.command("timeline")
def timeline(name: str = typer.Argument(...), json_out: bool = typer.Option(False, "--json")) -> None:
    """The hospital's capacity indicators by year beside China's official national volume."""
    t = svc.timeline(_store(), name)
    if json_out:
        from dataclasses import asdict

        emit_json(asdict(t))
        return
    rows = []
    for y in t.years:
        national = "; ".join(f"{n['value']:,.0f}" for n in y["national"])
        rows.append([y["year"], "; ".join(f"{f['metric']} {_value(f['value'], f['value_high'])}"
                                          for f in y["facts"]), national])
    table(f"{t.hospital['name_en']} vs {t.national_series}", ["year", "hospital indicators",
                                                               "national transplants"], rows)
    if t.undated:
        console.print("undated: " + "; ".join(f"{f['metric']} {_value(f['value'], f['value_high'])}"
                                              for f in t.undated), highlight=False)


@hospitals_app.command("export")
def export(out: Path = typer.Option(..., "--out", help="FILE.csv, or FILE.ftm.json for FollowTheMoney"),
           fmt: str = typer.Option(None, "--format", help="csv | ftm (default: from the file name)"),
           include_restricted: bool = typer.Option(False, "--include-restricted")) -> None:
    """Write the registry as CSV or as FollowTheMoney entities (one JSON per line, for Aleph)."""
    fmt = fmt or ("csv" if out.suffix.lower() == ".csv" else "ftm")
    if fmt not in ("csv", "ftm"):
        raise ValidationError(fmt, "format must be csv or ftm")
    st = _store()
    tmp = out.with_name(out.name + ".part")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = svc.export_csv if fmt == "csv" else svc.export_ftm
        n = writer(st, fh, include_restricted=include_restricted, destination=str(out))
    tmp.replace(out)
    console.print(f"wrote {n} {'row' if fmt == 'csv' else 'entit'}{'s' if fmt == 'csv' else 'ies'} to {out}",
                  highlight=False)


@hospitals_app.command("status")
def status(json_out: bool = typer.Option(False, "--json")) -> None:
    """How many hospitals the registry holds and how many have beds, staff or volume facts."""
    s = svc.registry_status(_store())
    if json_out:
        emit_json(s)
        return
    console.print(f"{s['hospitals']} hospitals in {s['provinces']} provinces; {s['accredited']} on an "
                  f"official list; with beds facts {s['with_beds']}, staff {s['with_staff']}, "
                  f"volume {s['with_volume']}", highlight=False)
    table("lists", ["list", "hospitals"], [[k, v] for k, v in sorted(s["lists"].items())])


@hospitals_app.command("brief")
def brief(name: str = typer.Argument(...),
          out: Path = typer.Option(..., "--out", help="brief.pdf or brief.html")) -> None:
    """A PDF (or HTML) brief on one hospital for readers abroad; restricted sources never appear."""
    from harvestwatch.report import hospital_brief

    path = hospital_brief.write_brief(_store(), name, out)
    console.print(f"wrote {path}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the `hospitals` group to the root app."""
    app.add_typer(hospitals_app, name="hospitals")
