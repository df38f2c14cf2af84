"""CLI: datasets (`data ...`) and analyses (`analyse ...`), each result with its sources."""

from __future__ import annotations

from pathlib import Path

import typer

from harvestwatch.cli import _context
from harvestwatch.cli._render import console, emit_json, table
from harvestwatch.services import analysis as svc
from harvestwatch.services import store as store_svc

data_app = typer.Typer(help="Reference datasets with their sources.", no_args_is_help=True)
analyse_app = typer.Typer(help="Analyses of official statistics, as intervals.", no_args_is_help=True)

_last: dict[str, dict] = {}


def _store():
    return store_svc.open(_context.settings())


@data_app.command("list")
def data_list(json_out: bool = typer.Option(False, "--json")) -> None:
    """Every dataset (COUNTRY:metric) with its rows, years and number of sources."""
    rows = svc.list_datasets(_store())
    if json_out:
        emit_json(rows)
        return
    table("datasets", ["name", "rows", "years", "unit", "sources"],
          [[r["name"], r["rows"], r["years"], r["unit"], r["sources"]] for r in rows])


@data_app.command("show")
def data_show(name: str, json_out: bool = typer.Option(False, "--json")) -> None:
    """All rows of one dataset, the series used by analyses, and conflicts side by side."""
    d = svc.show_dataset(name, _store())
    if json_out:
        emit_json(d)
        return
    table(name, ["year", "value", "unit", "verified", "source", "quote", "origin"],
          [[r["year"] or r["period"], r["value"], r["unit"], r["verified"], r["source_title"],
            r["quote"][:80], r["origin"]] for r in d["rows"]])
    for year, rows in d["conflicts"].items():
        console.print(f"conflict {year}: " + " vs ".join(f"{r['value']:g} ({r['origin']})" for r in rows),
                      highlight=False)


@data_app.command("import")
def data_import(path: Path) -> None:
    """Import a CSV with the shipped columns (metric,country,year,value,unit,source_title,source_url,quote,verified)."""
    out = svc.import_dataset(_store(), path)
    console.print(f"imported {out['rows']} row(s) into {', '.join(out['datasets'])}", highlight=False)


@data_app.command("from-claims")
def data_from_claims(metric: str = typer.Option(..., "--metric"), country: str = typer.Option(..., "--country"),
                     doc: int = typer.Option(None, "--doc", help="Claims of this document."),
                     what: str = typer.Option(None, "--what", help="Only this kind (transplants, donors...)."),
                     item: list[int] = typer.Option(None, "--item", help="Extracted item ids (repeatable).")) -> None:
    """Turn extracted quantity claims into dataset rows that link back to their spans."""
    out = svc.dataset_from_claims(_store(), metric=metric, country=country, item_ids=item or None,
                                  document=doc, what=what)
    console.print(f"imported {out['rows']} row(s) into {', '.join(out['datasets'])}", highlight=False)


def _show(result, json_out: bool) -> None:
    d = result.to_dict()
    if json_out:
        emit_json(d)
        return
    console.print(f"[bold]{d['method']}[/bold]")
    console.print(d["question"], highlight=False)
    iv = d["interval"] or {}
    console.print(f"point {d['point']:.4g} {d['unit']}; interval {iv.get('low')}–{iv.get('high')}",
                  highlight=False)
    console.print(f"[bold]{d['conclusion']}[/bold]", highlight=False)
    console.print("assumptions:")
    for a in d["assumptions"]:
        console.print(f"  - {a}", highlight=False)
    table("inputs", ["input", "value", "source"], [[i["name"], i["value"], i["source"]] for i in d["inputs"][:30]])
    if d["seed"] is not None:
        console.print(f"seed {d['seed']}, harvestwatch {d['version']}", highlight=False)


@analyse_app.command("integrity")
def analyse_integrity(dataset: str = typer.Option(..., "--dataset"),
                      peers: str = typer.Option(None, "--peers", help="Comma-separated dataset names."),
                      origin: int = typer.Option(None, "--origin", help="Year t = 0 for the fits."),
                      json_out: bool = typer.Option(False, "--json")) -> None:
    """Curve fits, dispersion against Poisson noise with peers, Benford and terminal digits."""
    r = svc.run_integrity(dataset, peers=peers.split(",") if peers else None, store=_store(), origin=origin)
    _show(r, json_out)
    if not json_out:
        table("fits", ["model", "R²", "adj R²", "D", "p_smoother", "LOO RMSE"],
              [[f["name"], f"{f['r2']:.4f}", f"{f['adj_r2']:.4f}", f"{f['dispersion']:.3g}",
                f"{f['p_smoother']:.3g}", f"{f['loo_rmse']:.4g}" if f["loo_rmse"] else ""]
               for f in r.details["fits"]])
        table("peers (quadratic fit)", ["dataset", "years", "R²", "log10(1−R²)", "D", "p_smoother"],
              [[p["dataset"], p["years"], f"{p['r2']:.4f}", p["one_minus_r2_log10"], f"{p['dispersion']:.3g}",
                f"{p['p_smoother']:.3g}"] for p in r.details["peers"]])


@analyse_app.command("supply-gap")
def analyse_supply_gap(
    transplants: str = typer.Option(None, "--transplants", help="N, MIN:MAX or MIN:MODE:MAX"),
    donors: str = typer.Option(None, "--donors"),
    organs_per_donor: str = typer.Option(None, "--organs-per-donor"),
    living: str = typer.Option(None, "--living"),
    year: int = typer.Option(2015, "--year", help="Year for defaults taken from the data."),
    draws: int = typer.Option(100_000, "--draws"),
    seed: int = typer.Option(0, "--seed"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Transplants minus legitimate supply, as an interval."""
    _show(svc.run_supply_gap(year=year, transplants=transplants, donors=donors,
                             organs_per_donor=organs_per_donor, living=living, draws=draws,
                             seed=seed, store=_store()), json_out)


@analyse_app.command("capacity")
def analyse_capacity(hospitals: Path = typer.Option(..., "--hospitals"),
                     draws: int = typer.Option(1_000_000, "--draws"), seed: int = typer.Option(0, "--seed"),
                     json_out: bool = typer.Option(False, "--json")) -> None:
    """Beds × occupancy × 365 / length of stay over hospitals (Monte Carlo, tornado table)."""
    r = svc.run_capacity(hospitals, draws=draws, seed=seed)
    _show(r, json_out)
    if not json_out:
        table("tornado (others at mode)", ["input", "at min", "at max", "swing"],
              [[t["input"], f"{t['at_min']:,.0f}", f"{t['at_max']:,.0f}", f"{t['swing']:,.0f}"]
               for t in r.details["tornado"]])


@analyse_app.command("waiting")
def analyse_waiting(wait_days: float = typer.Option(..., "--wait-days"),
                    organ: str = typer.Option("kidney", "--organ"),
                    country: str = typer.Option("CN", "--country"),
                    waiting_list: str = typer.Option(None, "--waiting-list"),
                    seed: int = typer.Option(0, "--seed"),
                    json_out: bool = typer.Option(False, "--json")) -> None:
    """What an advertised wait implies (Little's law, ABO/crossmatch matching)."""
    _show(svc.run_waiting(wait_days, organ=organ, country=country, waiting_list=waiting_list,
                          seed=seed, store=_store()), json_out)


@analyse_app.command("chart")
def analyse_chart(name: str = typer.Argument(..., help="DATASET (integrity chart) | integrity:DATASET | supply-gap | waiting:DAYS | capacity:FILE.csv"),
                  out: Path = typer.Option(..., "--out")) -> None:
    """Write the SVG chart of an analysis."""
    kind, _, arg = name.partition(":")
    if kind not in ("integrity", "supply-gap", "waiting", "capacity") and ":" in name:
        kind, arg = "integrity", name  # a bare dataset name, e.g. CN:deceased_donors
    if kind == "integrity":
        r = svc.run_integrity(arg, store=_store())
    elif kind == "supply-gap":
        r = svc.run_supply_gap(store=_store())
    elif kind == "waiting":
        r = svc.run_waiting(float(arg or 7), store=_store())
    elif kind == "capacity":
        r = svc.run_capacity(arg, draws=100_000)
    else:
        raise typer.BadParameter("expected integrity:DATASET, supply-gap, waiting:DAYS or capacity:FILE")
    out.write_text(svc.chart_svg(r), encoding="utf-8")
    console.print(f"wrote {out}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the `data` and `analyse` groups to the root app."""
    app.add_typer(data_app, name="data")
    app.add_typer(analyse_app, name="analyse")
