"""CLI: datasets (`data ...`) and analyses (`analyse ...`), each result with its sources."""

from __future__ import annotations

from pathlib import Path

import typer

from harvestwatch.cli import _context
from harvestwatch.cli._render import console, emit_json, table
from harvestwatch.services import analysis as svc

data_app = typer.Typer(help="Reference datasets with their sources.", no_args_is_help=True)
analyse_app = typer.Typer(help="Analyses of official statistics, as intervals.", no_args_is_help=True)

_last: dict[str, dict] = {}


def _store():
    """The opened store: for commands that write (import, remove, from-claims)."""
    from harvestwatch.services import store as store_svc

    return store_svc.open(_context.settings())


def _files():
    """Where imported datasets live: analyses only read files, no database is opened."""
    return _context.settings()


@data_app.command("list")
def data_list(json_out: bool = typer.Option(False, "--json")) -> None:
    """Every dataset (COUNTRY:metric) with its rows, years and number of sources."""
    rows = svc.list_datasets(_files())
    if json_out:
        emit_json(rows)
        return
    table("datasets", ["name", "rows", "years", "unit", "sources"],
          [[r["name"], r["rows"], r["years"], r["unit"], r["sources"]] for r in rows])


@data_app.command("show")
def data_show(name: str, json_out: bool = typer.Option(False, "--json")) -> None:
    """All rows of one dataset, the series used by analyses, and conflicts side by side."""
    d = svc.show_dataset(name, _files())
    if json_out:
        emit_json(d)
        return
    table(name, ["year", "value", "as stated", "scope", "unit", "verified", "source", "quote", "origin"],
          [[r["year"] or r["period"], r["value"], r["qualifier"].replace("_", " "), r["scope"].replace("_", "-"),
            r["unit"], r["verified"], r["source_title"], r["quote"][:80], r["origin"]] for r in d["rows"]])
    for year, rows in d["conflicts"].items():
        console.print(f"conflict {year}: " + " vs ".join(f"{r['value']:g} ({r['origin']})" for r in rows),
                      highlight=False)


@data_app.command("import")
def data_import(path: Path) -> None:
    """Import a CSV with the shipped columns (metric,country,year,value,unit,source_title,source_url,quote,verified).

    Every bad row is named and nothing is stored from a bad file; a changed file with the
    same name replaces the earlier import."""
    out = svc.import_dataset(_store(), path)
    verb = {"imported": "imported", "replaced": "replaced the earlier import with",
            "unchanged": "unchanged (already imported):"}[out["status"]]
    console.print(f"{verb} {out['rows']} row(s) into {', '.join(out['datasets'])}", highlight=False)


@data_app.command("remove")
def data_remove(name: str = typer.Argument(..., help="File name of an imported CSV (see 'data files').")) -> None:
    """Remove an imported dataset file; the custody ledger records it."""
    out = svc.remove_dataset(_store(), name)
    console.print(f"removed {out['file']} ({out['rows']} row(s) of {', '.join(out['datasets'])})",
                  highlight=False)


@data_app.command("files")
def data_files() -> None:
    """Imported dataset files."""
    for f in svc.imported_files(_files()):
        console.print(f, highlight=False)


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
    iv = d["interval"]

    def num(x: float) -> str:
        return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"

    line = f"point {num(d['point'])} {d['unit']}" if d["point"] is not None else ""
    if iv and iv.get("low") is not None:
        line += f"; {(iv.get('level') or 0.9):.0%} interval {num(iv['low'])}–{num(iv['high'])}"
    if line:
        console.print(line, highlight=False)
    console.print(f"[bold]{d['conclusion']}[/bold]", highlight=False)
    console.print("assumptions:")
    for a in d["assumptions"]:
        console.print(f"  - {a}", highlight=False)
    table("inputs", ["input", "value", "source"], [[i["name"], i["value"], i["source"]] for i in d["inputs"][:30]])
    if d["seed"] is not None:
        console.print(f"seed {d['seed']}, harvestwatch {d['version']}", highlight=False)


def _checks(d: dict) -> None:
    """Data checks first: every finding with its rows, and whether it blocks a verdict."""
    c = d["details"]["checks"]
    console.print(f"[bold]data checks[/bold] ({c['selection']})", highlight=False)
    if not c["findings"]:
        console.print("  no findings", highlight=False)
    for f in c["findings"]:
        state = ("[red]blocks the verdict[/red]" if f["name"] in c["unresolved"]
                 else "accepted" if f["blocking"] else "note")
        rows = ", ".join(f["rows"][:6]) + (f" … ({len(f['rows'])} rows)" if len(f["rows"]) > 6 else "")
        console.print(f"  - {f['name']} ({state}): {f['summary']}" + (f" [rows {rows}]" if rows else ""),
                      highlight=False)


@analyse_app.command("integrity")
def analyse_integrity(dataset: str = typer.Option(..., "--dataset"),
                      peers: str = typer.Option(None, "--peers", help="Comma-separated dataset names (default: GODT peers, same years and definition)."),
                      origin: int = typer.Option(None, "--origin", help="Year t = 0 for the fits."),
                      years: str = typer.Option(None, "--years", help="Only these years, FIRST:LAST."),
                      exclude_approx: bool = typer.Option(False, "--exclude-approx", help="Leave out approximate and bounded values."),
                      source: str = typer.Option(None, "--source", help="Only rows of this file (see 'data show')."),
                      verified_only: bool = typer.Option(False, "--verified-only", help="Only rows marked verified."),
                      row: list[str] = typer.Option(None, "--row", help="FILE:LINE to use for its year (repeatable)."),
                      draws: int = typer.Option(2000, "--draws", help="Simulated series per null."),
                      seed: int = typer.Option(0, "--seed"),
                      json_out: bool = typer.Option(False, "--json")) -> None:
    """Data checks, then a Poisson GLM trend against a simulated counting-noise null, with peers."""
    r = svc.run_integrity(dataset, peers=peers.split(",") if peers else None, store=_files(), origin=origin,
                          selection=svc.make_selection(years=years, exclude_approx=exclude_approx, source=source,
                                                       verified_only=verified_only, rows=row),
                          seed=seed, draws=draws)
    d = r.to_dict()
    if json_out:
        emit_json(d)
        return
    _checks(d)
    _show(r, json_out)
    det = d["details"]
    table("fits (least squares, descriptive; the test is the GLM)", ["model", "R²", "adj R²", "Pearson χ²", "χ² p (lower)", "LOO RMSE"],
          [[f["name"], f"{f['r2']:.4f}", f"{f['adj_r2']:.4f}" if f["adj_r2"] is not None else "",
            f"{f['pearson_chi2']:.3g}" if f["pearson_chi2"] is not None else "–",
            f"{f['p_smoother']:.3g}" if f["p_smoother"] is not None else "–",
            f"{f['loo_rmse']:.4g}" if f["loo_rmse"] else ""] for f in det["fits"]])
    nulls = [det["null_poisson"]] + ([det["null_negative_binomial"]] if det["null_negative_binomial"] else [])
    table("count model: Pearson χ² of the quadratic Poisson GLM vs simulated series",
          ["null", "observed χ²", "1% of null", "median of null", "percentile"],
          [[n["name"], f"{det['glm']['pearson_chi2']:.3g}", f"{n['stat_quantiles']['q01']:.3g}",
            f"{n['stat_quantiles']['median']:.3g}", f"{n['percentile']:.3g}"] for n in nulls])
    if det["peers"]:
        peers_sorted = sorted(det["peers"], key=lambda p: p["dispersion"])
        table(f"peers on the same statistic ({det['peer_note']})", ["peer", "years", "χ²/df", "percentile", "R²"],
              [[p["name"], p["years"], f"{p['dispersion']:.3g}", f"{p['percentile']:.3g}", f"{p['r2']:.4f}"]
               for p in peers_sorted[:12]] + ([["…", f"{len(peers_sorted) - 12} more", "", "", ""]]
                                              if len(peers_sorted) > 12 else []))
    console.print(f"{dataset} χ²/df = {det['glm']['dispersion']:.3g}; peers' median φ = "
                  + (f"{det['phi_peers']:.3g}" if det["phi_peers"] else "n/a"), highlight=False)


@analyse_app.command("robertson")
def analyse_robertson(seed: int = typer.Option(0, "--seed"), json_out: bool = typer.Option(False, "--json")) -> None:
    """Robertson, Hinde & Lavee 2019 (R² 0.999 / 0.997) next to what the shipped rows show."""
    out = svc.robertson_comparison(_files(), seed=seed)
    if json_out:
        emit_json(out)
        return
    console.print(f"[bold]Published[/bold]: \u201c{out['published_quote']}\u201d", highlight=False)
    console.print(f"Rows used: {out['rows_used']}", highlight=False)
    table("general quadratic and count model, China deceased donors",
          ["window", "years", "R² (quadratic)", "published R²", "GLM χ²/df", "percentile (Poisson)",
           "percentile (NB, peers' φ)", "peers' (1−R²) ÷ China's", "verdict"],
          [[r["window"], ", ".join(map(str, r["years"])), f"{r['r2_quadratic']:.4f}", f"{r['published_r2']:g}",
            f"{r['glm_dispersion']:.3g}", f"{r['percentile_poisson']:.3g}",
            f"{r['percentile_nb']:.3g}" if r["percentile_nb"] is not None else "–",
            f"{r['peer_ratio']['min']:.2g}–{r['peer_ratio']['max']:.3g}× (median {r['peer_ratio']['median']:.3g}×, {r['peer_ratio']['n']} GODT peers)",
            r["verdict"] or "none: " + "; ".join(r["withheld"])] for r in out["rows"]])
    console.print(f"[bold]{out['statement']}[/bold]", highlight=False)


@analyse_app.command("supply-gap")
def analyse_supply_gap(
    transplants: str = typer.Option(None, "--transplants", help="N, MIN:MAX, MIN:MODE:MAX or >N (a bound)"),
    donors: str = typer.Option(None, "--donors"),
    organs_per_donor: str = typer.Option(None, "--organs-per-donor"),
    living: str = typer.Option(None, "--living", help="Living-donor transplants."),
    living_share: str = typer.Option(None, "--living-share", help="Or their share of transplants, 0–1."),
    discard: str = typer.Option(None, "--discard", help="Share of procured organs not transplanted, 0–1."),
    year: int = typer.Option(2015, "--year", help="Year of every default taken from the data."),
    country: str = typer.Option("CN", "--country"),
    draws: int = typer.Option(100_000, "--draws"),
    seed: int = typer.Option(0, "--seed"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Transplants minus legitimate supply for one year, as an interval; every term sourced."""
    _show(svc.run_supply_gap(year=year, country=country, transplants=transplants, donors=donors,
                             organs_per_donor=organs_per_donor, living=living, living_share=living_share,
                             discard=discard, draws=draws, seed=seed, store=_files()), json_out)


def _show_capacity(r, json_out: bool) -> None:
    _show(r, json_out)
    if not json_out:
        table("tornado (others at mode)", ["input", "at min", "at max", "swing"],
              [[t["input"], f"{t['at_min']:,.0f}", f"{t['at_max']:,.0f}", f"{t['swing']:,.0f}"]
               for t in r.details["tornado"]])


@analyse_app.command("capacity")
def analyse_capacity(hospitals: Path = typer.Option(None, "--hospitals", help="CSV: name, beds (or beds_min/_mode/_max), source, quote; optional occupancy, los, teams, ops."),
                     occupancy: str = typer.Option(None, "--occupancy", help="Shared by all hospitals, drawn once per simulation: N, MIN:MAX or MIN:MODE:MAX (0–1)."),
                     los: str = typer.Option(None, "--los", help="Shared length of stay in days, drawn once per simulation."),
                     registry: bool = typer.Option(False, "--registry", help="Hospitals and their sourced facts from the transplant-centre registry."),
                     province: str = typer.Option(None, "--province", help="With --registry: one province."),
                     year: int = typer.Option(None, "--year", help="With --registry: facts up to this year."),
                     draws: int = typer.Option(100_000, "--draws"), seed: int = typer.Option(0, "--seed"),
                     json_out: bool = typer.Option(False, "--json")) -> None:
    """Beds × occupancy × 365 / length of stay over hospitals (Monte Carlo, tornado table)."""
    if registry:
        from harvestwatch.services import registry as registry_svc

        r = registry_svc.run_capacity(_store(), province=province, year=year, draws=draws, seed=seed,
                                      occupancy=registry_svc.parse_prior(occupancy, "occupancy"),
                                      length_of_stay=registry_svc.parse_prior(los, "length of stay"))
        _show_capacity(r, json_out)
        if not json_out:
            table("registry hospitals left out (what they lack)", ["hospital", "missing", "known facts"],
                  [[row["hospital"], ", ".join(row["missing"]) or row.get("refused", ""), ", ".join(row["known"])]
                   for row in r.details["registry"]["lacking"]])
        return
    source = hospitals  # a CSV path, or a list of svc HospitalInput from another source
    if source is None:
        raise typer.BadParameter("pass --hospitals FILE.csv or --registry")
    _show_capacity(svc.run_capacity(source, occupancy=occupancy, length_of_stay=los, draws=draws, seed=seed),
                   json_out)


@analyse_app.command("capacity-validation")
def analyse_capacity_validation(draws: int = typer.Option(100_000, "--draws"), seed: int = typer.Option(0, "--seed"),
                                json_out: bool = typer.Option(False, "--json")) -> None:
    """The capacity model on a known system: US transplant centres vs the transplants they performed."""
    _show_capacity(svc.capacity_validation(draws=draws, seed=seed).result, json_out)


@analyse_app.command("waiting")
def analyse_waiting(wait_days: float = typer.Option(..., "--wait-days"),
                    organ: str = typer.Option("kidney", "--organ"),
                    country: str = typer.Option("CN", "--country"),
                    population: str = typer.Option("hospital", "--population", help="hospital | foreign | national: who the wait was advertised for."),
                    waiting_list: str = typer.Option(None, "--waiting-list", help="People waiting in that population: N, MIN:MAX or MIN:MODE:MAX."),
                    statistic: str = typer.Option("mean", "--statistic", help="mean | median: what the advertised wait is."),
                    year: int = typer.Option(None, "--year", help="Year of the national figures (with --population national)."),
                    seed: int = typer.Option(0, "--seed"),
                    json_out: bool = typer.Option(False, "--json")) -> None:
    """What an advertised wait implies (Little's law, ABO/crossmatch matching), for its own population."""
    _show(svc.run_waiting(wait_days, organ=organ, country=country, population=population,
                          waiting_list=waiting_list, statistic=statistic, year=year, seed=seed,
                          store=_files()), json_out)


@analyse_app.command("chart")
def analyse_chart(name: str = typer.Argument(..., help="DATASET (integrity chart) | integrity:DATASET | supply-gap[:YEAR] | waiting:DAYS | capacity[:FILE.csv]"),
                  out: Path = typer.Option(..., "--out", help="FILE.svg or FILE.png")) -> None:
    """Write the chart of an analysis (SVG or PNG by the file's extension)."""
    kind, _, arg = name.partition(":")
    if kind not in ("integrity", "supply-gap", "waiting", "capacity") and ":" in name:
        kind, arg = "integrity", name  # a bare dataset name, e.g. CN:deceased_donors
    if kind == "integrity":
        r = svc.run_integrity(arg, store=_files())
    elif kind == "supply-gap":
        r = svc.run_supply_gap(store=_files(), **({"year": int(arg)} if arg else {}))
    elif kind == "waiting":
        r = svc.run_waiting(float(arg or 7), population="national", store=_files())
    elif kind == "capacity":
        r = svc.run_capacity(arg) if arg else svc.capacity_validation().result
    else:
        raise typer.BadParameter("expected integrity:DATASET, supply-gap, waiting:DAYS or capacity:FILE")
    if out.suffix.lower() == ".png":
        out.write_bytes(svc.chart_png(r))
    else:
        out.write_text(svc.chart_svg(r), encoding="utf-8")
    console.print(f"wrote {out}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the `data` and `analyse` groups to the root app."""
    app.add_typer(data_app, name="data")
    app.add_typer(analyse_app, name="analyse")
