"""Analysis use cases: datasets (shipped and imported) and the four models, with sources."""

from __future__ import annotations

import csv
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from harvestwatch.analysis import datasets as ds
from harvestwatch.analysis.montecarlo import Prior
from harvestwatch.analysis.result import AnalysisResult, Input
from harvestwatch.core.errors import NotFound, ValidationError

if TYPE_CHECKING:
    from harvestwatch.analysis.capacity import HospitalInput, SharedAssumptions
    from harvestwatch.core.config import Settings
    from harvestwatch.store import Store

# --- datasets ---------------------------------------------------------------------------

def _user_dir(store: Store | Settings | None) -> Path | None:
    """Imported dataset files live in the store directory: a Store or just its Settings will do
    (analyses read files only, so the CLI does not open the database for them)."""
    if store is None:
        return None
    settings = getattr(store, "settings", store)
    return settings.store_dir / "datasets"


def user_rows(store: Store | Settings | None) -> list[ds.Row]:
    folder = _user_dir(store)
    rows: list[ds.Row] = []
    if folder and folder.exists():
        for f in sorted(folder.glob("*.csv")):
            try:
                rows += ds.parse_rows(f.read_text(encoding="utf-8-sig"), f"user/{f.name}", rank=100)
            except ValidationError as exc:  # a file stored before validation was this strict
                raise ValidationError(exc.source, f"{exc.reason}; fix the file and import it again, or "
                                                  f"'harvestwatch data remove {f.name}'") from None
    return rows


def list_datasets(store: Store | None = None) -> list[dict]:
    out = []
    for name, d in sorted(ds.all_datasets(user_rows(store)).items()):
        years = [r.year for r in d.rows if r.year is not None]
        out.append({"name": name, "rows": len(d.rows),
                    "years": f"{min(years)}–{max(years)}" if years else "",
                    "unit": d.rows[0].unit, "sources": len({r.source_url for r in d.rows})})
    return out


def show_dataset(name: str, store: Store | None = None) -> dict:
    d = ds.get_dataset(name, user_rows(store))
    pairs, used, conflicts = d.series()
    return {"name": name, "rows": [r.to_dict() for r in d.rows],
            "series": [{"year": y, "value": v, "origin": r.origin}
                       for (y, v), r in zip(pairs, used, strict=True)],
            "conflicts": {str(y): [r.to_dict() for r in rows] for y, rows in conflicts.items()}}


def import_dataset(store: Store, path: str | Path, *, actor: str | None = None) -> dict:
    """Validate a CSV (shipped columns) and keep a copy in the store; a custody entry records it.

    Nothing is stored from a file with a bad row. Importing a changed file under the same name
    replaces the earlier copy (both hashes go to the ledger); an unchanged file is a no-op.
    """
    from harvestwatch.core.hashing import sha256_file

    rows = ds.validate_user_csv(path)
    folder = _user_dir(store)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / Path(path).name
    new_sha = sha256_file(path)
    old_sha = sha256_file(target) if target.exists() else None
    datasets = sorted({r.dataset for r in rows})
    if old_sha == new_sha:
        return {"file": target.name, "rows": len(rows), "datasets": datasets, "status": "unchanged"}
    tmp = target.with_name(f".{target.name}.part")
    shutil.copyfile(path, tmp)
    from harvestwatch.store import ledger

    with store.session() as session:
        ledger.append(session, actor=actor or store.settings.actor,
                      action="reimport_dataset" if old_sha else "import_dataset",
                      object_type="dataset_file", object_id=target.name,
                      payload={"sha256": new_sha, "previous_sha256": old_sha, "rows": len(rows),
                               "datasets": datasets})
        tmp.replace(target)  # the copy lands only with its ledger entry
    return {"file": target.name, "rows": len(rows), "datasets": datasets,
            "status": "replaced" if old_sha else "imported"}


def remove_dataset(store: Store, name: str, *, actor: str | None = None) -> dict:
    """Remove an imported file (by its file name); the ledger records what was removed."""
    from harvestwatch.core.hashing import sha256_file

    folder = _user_dir(store)
    target = folder / Path(name).name if folder else None
    if target is None or not target.is_file():
        have = sorted(f.name for f in folder.glob("*.csv")) if folder and folder.exists() else []
        raise NotFound(f"no imported dataset file {name!r}"
                       + (f"; imported: {', '.join(have)}" if have else "; nothing is imported"))
    rows = ds.parse_rows(target.read_text(encoding="utf-8-sig"), f"user/{target.name}", rank=100)
    from harvestwatch.store import ledger

    with store.session() as session:
        ledger.append(session, actor=actor or store.settings.actor, action="remove_dataset",
                      object_type="dataset_file", object_id=target.name,
                      payload={"sha256": sha256_file(target), "rows": len(rows)})
        target.unlink()
    return {"file": target.name, "rows": len(rows), "datasets": sorted({r.dataset for r in rows})}


def imported_files(store: Store) -> list[str]:
    folder = _user_dir(store)
    return sorted(f.name for f in folder.glob("*.csv")) if folder and folder.exists() else []


def dataset_from_claims(store: Store, *, metric: str, country: str, item_ids: list[int] | None = None,
                        document: int | None = None, what: str | None = None,
                        actor: str | None = None) -> dict:
    """Turn extracted quantity claims into dataset rows that keep their evidence span.

    Each row's ``source_url`` is ``harvestwatch:document/<sha256>#<start>-<end>`` and its quote
    the exact span; the year is the claim's time scope when it is a year. The rows are
    imported like any user CSV (validated, copied into the store, recorded in the ledger).
    """
    import tempfile

    from sqlalchemy import select

    from harvestwatch.store.models import Document, ExtractedItem

    if not re.fullmatch(r"[A-Z]{2}", country):
        raise ValidationError(country, "country must be an ISO 3166 alpha-2 code, e.g. CN")
    if not re.fullmatch(r"[a-z][a-z0-9_]*", metric):
        raise ValidationError(metric, "metric must be snake_case, e.g. transplants_per_year")
    with store.session() as s:
        q = (select(ExtractedItem, Document).join(Document, Document.id == ExtractedItem.document_id)
             .where(ExtractedItem.item_type == "quantity", Document.restricted.is_(False)))
        if item_ids:
            q = q.where(ExtractedItem.id.in_(item_ids))
        if document is not None:
            q = q.where(ExtractedItem.document_id == document)
        if what:
            q = q.where(ExtractedItem.label == what)
        rows = []
        for item, doc in s.execute(q.order_by(ExtractedItem.id)):
            d = item.data
            value = d.get("value") if d.get("value") is not None else d.get("low")
            if value is None:
                continue
            scope = d.get("time_scope") or ""
            rows.append({"metric": metric, "country": country,
                         "year": scope if re.fullmatch(r"(19|20)\d\d", scope) else "",
                         "value": value, "unit": d.get("unit") or "",
                         "source_title": doc.title or f"document {doc.id}",
                         "source_url": f"harvestwatch:document/{doc.sha256}#{item.start}-{item.end}",
                         "quote": item.text, "verified": "extracted claim (check the span)"})
    if not rows:
        raise NotFound("no quantity claims match; check the document id, item ids or --what")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"claims_{country}_{metric}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        return import_dataset(store, path, actor=actor)


def _row_input(name: str, row: ds.Row) -> Input:
    return Input(name, row.value, f"{row.dataset}@{row.origin}", row.quote, row.source_url)


# --- integrity ---------------------------------------------------------------------------

COUNT_UNITS_HINT = "counting tests apply to counts of events only (donors, transplants, organs, executions)"
NOT_COTRS = ("The exact COTRS series Robertson et al. analysed is not available in the shipped "
             "sources; these rows cannot confirm or refute their finding.")


def make_selection(*, years: str | None = None, exclude_approx: bool = False, source: str | None = None,
                   verified_only: bool = False, rows: list[str] | None = None) -> ds.Selection:
    """The user's choice of rows for a series (``years`` as 'FIRST:LAST')."""
    return ds.Selection(ds.Selection.parse_years(years), exclude_approx, source or None, verified_only,
                        tuple(r for r in (rows or []) if r))


def _refuse_non_counts(name: str, used: list[ds.Row], values: list[float]) -> None:
    from harvestwatch.analysis.units import is_event_count, kind_of

    metric = name.split(":", 1)[1]
    for unit in sorted({r.unit for r in used}):
        kind = kind_of(unit, metric)
        if not kind.is_count:
            raise ValidationError(name, f"refused: {kind.reason}; {COUNT_UNITS_HINT}")
        if not is_event_count(unit, metric):
            raise ValidationError(name, f"refused: unit {unit!r} counts a stock (hospitals, beds, "
                                        f"registrants…), not events in a year; {COUNT_UNITS_HINT}")
    if all(v == 0 for v in values):
        raise ValidationError(name, "refused: every value is zero; there is no trend or noise to test")


def _peer_inputs(name: str, years: list[int], peers: list[str] | None, extra: list[ds.Row],
                 alld: dict[str, ds.Dataset]) -> tuple[list, str]:
    """Peers over exactly ``years``: named datasets, else the GODT export for the same
    definition, else shipped datasets of the same metric; and a sentence saying which."""
    from harvestwatch.analysis import godt
    from harvestwatch.analysis.smoothness import PeerInput

    country, metric = name.split(":", 1)
    wanted = set(years)

    def from_dataset(n: str) -> PeerInput | None:
        pp, used, _ = ds.get_dataset(n, extra).series()
        got = {y: (v, r) for (y, v), r in zip(pp, used, strict=True) if y in wanted}
        if set(got) != wanted:
            return None
        return PeerInput(n, sorted(got), [got[y][0] for y in sorted(got)],
                         "; ".join(f"{n}@{got[y][1].origin}" for y in sorted(got)))

    if peers:
        out = [p for p in (from_dataset(n) for n in peers) if p is not None]
        return out, f"{len(out)} of the {len(peers)} named peer series cover every year tested"
    godt_peers = godt.peers(metric, years, exclude_country=country)
    if godt_peers:
        span = [y for y in years if godt.YEARS[0] <= y <= godt.YEARS[1]]
        note = (f"{len(godt_peers)} countries of the GODT export 2000–2017 with '{godt_peers[0].column}' "
                f"(the same donor definition) for every year {span[0]}–{span[-1]} tested")
        if len(span) < len(years):
            note += f" (the export ends in {godt.YEARS[1]}; later years are not compared)"
        return [PeerInput(f"GODT:{p.country}", list(p.years), list(p.values),
                          "; ".join(f"GODT:{p.country}@{o}" for o in p.origins)) for p in godt_peers], note
    out = [p for p in (from_dataset(n) for n in sorted(alld)
                       if n.split(":", 1)[1] == metric and n != name
                       and n.split(":")[0] not in ("WORLD", "MULTI")) if p is not None]
    return out, (f"{len(out)} shipped series of the same metric cover every year tested"
                 if out else "no peer series cover the same years; no negative-binomial null")


def run_integrity(name: str, *, peers: list[str] | None = None, store: Store | None = None,
                  origin: int | None = None, selection: ds.Selection | None = None,
                  seed: int = 0, draws: int | None = None) -> AnalysisResult:
    """Data checks, then the count-model test of one yearly series (METHODS §1)."""
    from harvestwatch.analysis.checks import check_series
    from harvestwatch.analysis.countmodel import DRAWS
    from harvestwatch.analysis.digits import benford, terminal_digit
    from harvestwatch.analysis.integrity import assess
    from harvestwatch.analysis.smoothness import ALPHA, smoothness_test

    extra = user_rows(store)
    alld = ds.all_datasets(extra)
    d = ds.get_dataset(name, extra)
    sel = selection or ds.Selection()
    pairs, used, conflicts = d.series(sel)
    if len(pairs) < 4:
        raise ValidationError(name, f"only {len(pairs)} yearly value(s) with {sel.describe()}; "
                                    f"integrity tests need ≥ 4")
    years, values = [p[0] for p in pairs], [p[1] for p in pairs]
    _refuse_non_counts(name, used, values)
    checks = check_series(d, sel, alld)
    target = assess(name, years, values, origin)
    other_ps = {f"{f.name} (least squares, χ² approximation)": f.p_smoother
                for f in target.fits if f.p_smoother is not None and f.name != "quadratic"}
    peer_in, peer_note = _peer_inputs(name, years, peers, extra, alld)
    test = smoothness_test(years, values, peers=peer_in, unresolved=[f.name for f in checks.unresolved],
                           other_fit_ps=other_ps, draws=draws or DRAWS, seed=seed)
    p = test.poisson.percentile
    stats_line = (f"quadratic Poisson GLM ({test.fit.link} link): Pearson χ²/df = {test.fit.dispersion:.3g}, "
                  f"R² = {test.r2:.4f}; the observed statistic sits at percentile {p:.3g} of "
                  f"{test.poisson.draws:,} Poisson series simulated around the trend")
    if test.nb is not None:
        stats_line += (f" and at {test.nb.percentile:.3g} of negative-binomial series with the peers' "
                       f"overdispersion φ = {test.phi_peers:.3g}")
    span = f"{name} ({years[0]}–{years[-1]}, {len(years)} years; {sel.describe()})"
    if test.verdict:
        conclusion = f"{span}: {stats_line} → {test.verdict} (p < {ALPHA:g} needed)."
    else:
        conclusion = (f"No verdict on {span}: {'; '.join(test.withheld)}. For reference only: "
                      f"{stats_line}.")
        if checks.unresolved:
            conclusion += " Choose rows with --years FIRST:LAST, --exclude-approx or --source FILE."
    if name.startswith("CN:") and "donor" in name:
        conclusion += " " + NOT_COTRS
    assumptions = [
        "Reported yearly counts carry at least Poisson noise (variance = mean); real registries "
        "carry more (overdispersion).",
        "Reference trend: quadratic in years since the first year − 1, fitted as a Poisson GLM "
        "(identity link; log link if a fitted mean would be ≤ 0). Least-squares fits are shown to describe the series.",
        f"Test: the Pearson χ² of that fit against {test.poisson.draws:,} series simulated around the "
        f"fitted trend and refitted (parametric bootstrap); the verdict uses the Poisson null at "
        f"p < {ALPHA:g}, because no honest count is smoother than Poisson.",
        "Negative-binomial null: variance φ·μ with φ the median Pearson χ²/df of the peers over the "
        f"same years and definition ({peer_note}).",
        test.power_words, test.multiplicity,
        "Where several sources give a year, the verified exact row from the preferred file is used; "
        "the others are listed as conflicts, never averaged; year-to-date and cumulative rows never stand in for a year.",
    ]
    digits = {"benford": benford(values), "terminal_digit": terminal_digit(values)}
    t_details = test.to_dict()
    return AnalysisResult(
        method="integrity of a yearly count series (data checks, Poisson GLM, simulated null)",
        question=f"Is {name} as noisy as real counts are?",
        point=p, interval=None, unit="percentile of the fit statistic under the Poisson null",
        assumptions=assumptions,
        inputs=[_row_input(f"{name} {r.year}", r) for r in used],
        details={"dataset": name, "years": years, "values": values, "reference": "quadratic",
                 "unit": max({r.unit for r in used}, key=[r.unit for r in used].count),
                 "checks": checks.to_dict(), "fits": [f.to_dict() for f in target.fits],
                 **t_details, "dispersion": test.fit.dispersion, "p_smoother": p,
                 "smoother_than_counting_noise": test.smoother, "peer_note": peer_note,
                 "digits": digits,
                 "conflicts": {str(y): [r.to_dict() for r in rows] for y, rows in conflicts.items()},
                 "rows_used": [r.origin for r in used]},
        conclusion=conclusion)


# --- supply gap, capacity, waiting -------------------------------------------------------

def _prior(spec: str | None, default: Prior | None, what: str) -> Prior:
    """'5000', '4000:6000' (uniform), '4000:5000:6000' (PERT min:mode:max), '>10000' (a lower
    bound) or '<500' (an upper bound)."""
    if spec is None:
        if default is None:
            raise ValidationError(what, "a value is required")
        return default
    spec = spec.strip()
    bound = "lower" if spec.startswith(">") else "upper" if spec.startswith("<") else None
    try:
        parts = [float(x) for x in spec.lstrip("<>=").split(":")]
    except ValueError:
        raise ValidationError(what, f"expected N, MIN:MAX, MIN:MODE:MAX or >N, got {spec!r}") from None
    if bound and len(parts) == 1:
        return Prior.fixed(parts[0], "user", bound)
    if len(parts) == 1 and not bound:
        return Prior.fixed(parts[0], "user")
    if len(parts) == 2 and not bound:
        return Prior(min(parts), sum(parts) / 2, max(parts), "uniform", "user")
    if len(parts) == 3 and not bound:
        return Prior(*parts, "pert", "user")
    raise ValidationError(what, f"expected N, MIN:MAX, MIN:MODE:MAX or >N, got {spec!r}")


APPROX_SPREAD = 0.10  # "about N" is read as N ± 10% (PERT), stated with the input

TRANSPLANT_SETS = ("transplants_total", "transplants_min", "transplants_all_organs",
                   "transplants_total_all_organs", "transplants_total_GODT")


def _year_rows(names: tuple[str, ...], year: int, country: str, extra: list[ds.Row]) -> list[ds.Row]:
    alld = ds.all_datasets(extra)
    return [r for n in names if f"{country}:{n}" in alld
            for r in ds.Dataset(n, alld[f"{country}:{n}"].rows).eligible() if r.year == year]


def _rows_prior(rows: list[ds.Row], what: str, scale: float = 1.0) -> Prior | None:
    """A prior from one year's rows: exact values (one, or a range when sources disagree); else
    approximate values ± 10%; else a bound drawn at the bound. Every row is cited."""
    if not rows:
        return None
    src = "; ".join(f"{r.dataset}@{r.origin}" + (f" ({r.qualifier.replace('_', ' ')})" if r.qualifier != "exact" else "")
                    for r in rows)
    exact = sorted({r.value * scale for r in rows if r.qualifier == "exact"})
    approx = sorted({r.value * scale for r in rows if r.qualifier == "approximate"})
    ranges = [(r.value * scale, r.value_high * scale) for r in rows if r.qualifier == "range" and r.value_high]
    if exact:
        return Prior.fixed(exact[0], src) if len(exact) == 1 else Prior(
            exact[0], (exact[0] + exact[-1]) / 2, exact[-1], "uniform", src + " (sources disagree: range)")
    if ranges:
        lo, hi = min(x for x, _ in ranges), max(y for _, y in ranges)
        return Prior(lo, (lo + hi) / 2, hi, "uniform", src)
    if approx:
        v = approx[0] if len(approx) == 1 else (approx[0] + approx[-1]) / 2
        return Prior(approx[0] * (1 - APPROX_SPREAD), v, approx[-1] * (1 + APPROX_SPREAD), "pert",
                     src + f" (approximate: ±{APPROX_SPREAD:.0%} assumed)")
    lower = [r for r in rows if r.qualifier == "lower_bound"]
    if lower:
        return Prior.fixed(max(r.value for r in lower) * scale, src + " (a lower bound)", "lower")
    upper = [r for r in rows if r.qualifier == "upper_bound"]
    return Prior.fixed(min(r.value for r in upper) * scale, src + " (an upper bound)", "upper")


def _organs_per_donor(year: int, country: str, extra: list[ds.Row]) -> tuple[Prior | None, str | None]:
    """Organs procured ÷ deceased donors for ``year``; else the range over the years that have
    both, with the nearest year as the mode, and a sentence saying so."""
    alld = ds.all_datasets(extra)
    organ_sets = [n.split(":", 1)[1] for n in alld if n.startswith(f"{country}:organs_")
                  and ("procured" in n or "donated" in n) and "cumulative" not in n]
    ratios = {}
    for y in sorted({r.year for n in organ_sets for r in alld[f"{country}:{n}"].rows if r.year}):
        organs = _rows_prior(_year_rows(tuple(organ_sets), y, country, extra), "organs")
        donors = _rows_prior(_year_rows(("deceased_donors",), y, country, extra), "donors")
        if organs and donors and donors.mode > 0 and not organs.bound and not donors.bound:
            ratios[y] = (organs.mode / donors.mode, f"({organs.source}) ÷ ({donors.source})")
    if year in ratios:
        organs = _rows_prior(_year_rows(tuple(organ_sets), year, country, extra), "organs")
        donors = _rows_prior(_year_rows(("deceased_donors",), year, country, extra), "donors")
        r, src = ratios[year]
        lo, hi = organs.low / donors.high, organs.high / donors.low
        if hi - lo < 1e-9:
            return Prior.fixed(round(r, 4), f"{src} = {r:.2f}"), None
        return Prior(lo, min(max(r, lo), hi), hi, "pert", f"{src} = {r:.2f} ({lo:.2f}–{hi:.2f})"), None
    if not ratios:
        return None, None
    nearest = min(ratios, key=lambda y: (abs(y - year), -y))
    vals = [v for v, _ in ratios.values()]
    src = "; ".join(f"{y}: {v:.2f} = {s}" for y, (v, s) in sorted(ratios.items()))
    note = (f"organs per donor: no figure for {year}; the range of {', '.join(map(str, sorted(ratios)))} "
            f"({min(vals):.2f}–{max(vals):.2f}) is used, mode {nearest}")
    return Prior(min(vals), ratios[nearest][0], max(vals), "pert", src), note


def _living(year: int, country: str, extra: list[ds.Row]) -> tuple[Prior | None, Prior | None]:
    """Living-donor transplants for ``year`` (kidney + liver counts), else their share."""
    kidney = _rows_prior(_year_rows(("transplants_living_donor_kidney", "transplants_kidney_living_donor"),
                                    year, country, extra), "living kidney")
    liver = _rows_prior(_year_rows(("transplants_liver_living_donor",), year, country, extra), "living liver")
    if kidney and liver:
        return Prior(kidney.low + liver.low, kidney.mode + liver.mode, kidney.high + liver.high,
                     "fixed" if kidney.shape == liver.shape == "fixed" else "uniform",
                     f"kidney {kidney.source} + liver {liver.source}"), None
    deceased = _year_rows(("share_transplants_from_deceased_donors",), year, country, extra)
    if deceased:
        p = _rows_prior(deceased, "deceased share", scale=0.01)
        return None, Prior(1 - p.high, 1 - p.mode, 1 - p.low, p.shape, f"1 − deceased share: {p.source}")
    return None, None


def run_supply_gap(*, year: int = 2015, country: str = "CN", transplants: str | None = None,
                   donors: str | None = None, organs_per_donor: str | None = None,
                   living: str | None = None, living_share: str | None = None,
                   discard: str | None = None, draws: int = 100_000, seed: int = 0,
                   store: Store | None = None) -> AnalysisResult:
    """Every term for ``year`` from the shipped data (each with its rows), else a required input."""
    from harvestwatch.analysis.supply_gap import SupplyInputs, supply_gap_for

    extra = user_rows(store)
    missing: list[str] = []
    t_default = _rows_prior(_year_rows(TRANSPLANT_SETS, year, country, extra), "transplants")
    d_default = _rows_prior(_year_rows(("deceased_donors",), year, country, extra), "donors")
    opd_default, opd_note = _organs_per_donor(year, country, extra)
    if opd_note and organs_per_donor is None:
        missing.append(opd_note)
    hint = f"no figure for {year} in the shipped or imported data; pass it"
    t = _prior(transplants, t_default, f"--transplants ({hint})")
    d = _prior(donors, d_default, f"--donors ({hint})")
    opd = _prior(organs_per_donor, opd_default, f"--organs-per-donor ({hint})")
    if living is not None or living_share is not None:
        lv = _prior(living, None, "--living") if living is not None else None
        ls = _prior(living_share, None, "--living-share") if living_share is not None else None
    else:
        lv, ls = _living(year, country, extra)
        if lv is None and ls is None:
            raise ValidationError("--living", f"no living-donor figure for {year} in the data; pass "
                                              f"--living N (transplants) or --living-share F (0–1); "
                                              f"--living 0 leaves them out, which inflates the gap")
    if lv is not None and lv.high == 0:
        missing.append("living-donor transplants set to 0 by the user (inflates the gap)")
    dr = _prior(discard, None, "--discard") if discard is not None else None
    if dr is None:
        missing.append("discard rate not in the data: every procured organ counts as transplanted, "
                       "which overstates supply and understates the gap (pass --discard MIN:MAX)")
    inputs = SupplyInputs(t, d, opd, lv, ls, dr, missing=missing, year=year)
    return supply_gap_for(inputs, draws=draws, seed=seed)


def _csv_prior(row: dict, prefix: str, where: str, source: str, required: bool = False) -> Prior | None:
    """``prefix`` as one value (column ``prefix``), MIN:MAX (``_min``/``_max``) or MIN/MODE/MAX."""
    one = (row.get(prefix) or "").strip()
    lo, mode, hi = ((row.get(f"{prefix}_{k}") or "").strip() for k in ("min", "mode", "max"))
    try:
        if one:
            return Prior.fixed(float(one), source)
        if lo and hi:
            a, b = float(lo), float(hi)
            m = float(mode) if mode else (a + b) / 2
            return Prior(a, m, b, "pert" if mode else "uniform", source)
    except ValueError:
        raise ValidationError(where, f"columns {prefix} / {prefix}_min/mode/max must be numbers") from None
    except ValidationError as exc:
        raise ValidationError(where, f"{prefix}: {exc.reason}") from None
    if required:
        raise ValidationError(where, f"column {prefix} (or {prefix}_min and {prefix}_max) is empty or missing")
    return None


def read_hospitals(path: str | Path) -> list[HospitalInput]:
    """A hospital list with provenance. Columns: name, beds (or beds_min/[beds_mode]/beds_max),
    source, quote; optional per-hospital occupancy, los (days), teams, ops in the same forms.
    Every bad row is named; nothing is used from a file with a bad row."""
    from harvestwatch.analysis.capacity import HospitalInput, Provenance

    path = Path(path)
    try:
        rows = list(csv.DictReader(path.open(encoding="utf-8-sig")))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(str(path), f"cannot read as UTF-8 CSV ({exc})") from None
    out, errors = [], []
    for i, row in enumerate(rows, start=2):
        where = f"{path.name} row {i}"
        try:
            name = (row.get("name") or "").strip()
            source = (row.get("source") or "").strip()
            if not name:
                raise ValidationError(where, "column 'name' is empty")
            if not source:
                raise ValidationError(where, "column 'source' is empty (each hospital needs its source)")
            prov = Provenance(source, (row.get("quote") or "").strip(), f"{path.name}:{i}")
            h = HospitalInput(name, _csv_prior(row, "beds", where, prov.label(), required=True), prov,
                              _csv_prior(row, "occupancy", where, prov.label()),
                              _csv_prior(row, "los", where, prov.label()),
                              _csv_prior(row, "teams", where, prov.label()),
                              _csv_prior(row, "ops", where, prov.label()))
            try:
                out.append(h.validate())
            except ValidationError as exc:
                raise ValidationError(where, f"{exc.source}: {exc.reason}") from None
        except ValidationError as exc:
            errors.append((exc.source, exc.reason))
    if len(errors) == 1:
        raise ValidationError(*errors[0])
    if errors:
        raise ValidationError(str(path), f"{len(errors)} bad rows:\n  " + "\n  ".join(
            f"{w}: {r}" for w, r in errors))
    if not out:
        raise ValidationError(str(path), "no hospital rows")
    return out


def shared_assumptions(occupancy: str | None, length_of_stay: str | None) -> SharedAssumptions | None:
    """Shared occupancy and length of stay from 'N', 'MIN:MAX' or 'MIN:MODE:MAX' (both or neither)."""
    from harvestwatch.analysis.capacity import SharedAssumptions

    if occupancy is None and length_of_stay is None:
        return None
    occ = _prior(occupancy, None, "--occupancy (shared; 0–1)")
    los = _prior(length_of_stay, None, "--los (shared; days)")
    return SharedAssumptions(occ, los).validate()


def run_capacity(hospitals: str | Path | list[HospitalInput], *, occupancy: str | None = None,
                 length_of_stay: str | None = None, draws: int = 100_000, seed: int = 0) -> AnalysisResult:
    """Capacity of a hospital list (a CSV with provenance, or typed inputs, e.g. from the registry)."""
    from harvestwatch.analysis.capacity import capacity_model

    items = read_hospitals(hospitals) if isinstance(hospitals, str | Path) else list(hospitals)
    return capacity_model(items, shared_assumptions(occupancy, length_of_stay), draws=draws, seed=seed)


# The validation run: US transplant centres against the transplants they reported.
US_VALIDATION_YEAR = 2022
US_BEDS_PER_CENTRE = (4.0, 12.0, 30.0)  # assumed (no sourced figure): dedicated transplant beds
US_OCCUPANCY = (0.6, 0.8, 0.95)  # assumed
US_LOS_EXTRA = 15.0  # days: upper end of a stay over all organs (liver, heart, lung stay longer; assumed)


@dataclass
class Validation:
    result: AnalysisResult
    actual: float
    inside: bool
    ratio: float  # median capacity ÷ actual volume


def capacity_validation(*, draws: int = 100_000, seed: int = 0) -> Validation:
    """Run the capacity model on US transplant centres and compare with US transplants that year."""
    from harvestwatch.analysis.capacity import (
        HospitalInput,
        Provenance,
        SharedAssumptions,
        capacity_model,
    )

    centres = next(r for r in ds.get_dataset("US:transplant_centers").rows if r.year == US_VALIDATION_YEAR)
    los_row = max(ds.get_dataset("US:length_of_stay_kidney_transplant").rows, key=lambda r: r.year)
    actual_row = next(r for r in ds.get_dataset(
        "US:transplants_total_all_kidney_liver_heart_lung_pancreas_small_bowel").rows if r.year == US_VALIDATION_YEAR)
    n = centres.value
    prov = Provenance(f"US:transplant_centers@{centres.origin}", centres.quote, centres.origin)
    beds = Prior(*(n * b for b in US_BEDS_PER_CENTRE), "pert",
                 f"{n:.0f} centres ({prov.source}) × {US_BEDS_PER_CENTRE[0]:g}–{US_BEDS_PER_CENTRE[2]:g} "
                 f"beds each (mode {US_BEDS_PER_CENTRE[1]:g}; assumed)")
    shared = SharedAssumptions(
        Prior(*US_OCCUPANCY, "pert", "assumed: 60–95% of transplant beds occupied (mode 80%)"),
        Prior(los_row.value, 9.0, US_LOS_EXTRA, "pert",
              f"US:length_of_stay_kidney_transplant@{los_row.origin} = {los_row.value:g} days (kidney, the "
              f"shortest stay) to {US_LOS_EXTRA:g} (all organs; assumed), mode 9"))
    result = capacity_model([HospitalInput(f"US transplant centres ({n:.0f})", beds, prov)], shared,
                            draws=draws, seed=seed)
    iv = result.interval
    actual = actual_row.value
    inside = iv.low <= actual <= iv.high
    ratio = result.point / actual
    result.conclusion += (f" Validation: the US performed {actual:,.0f} transplants in {US_VALIDATION_YEAR} "
                          f"({actual_row.dataset}@{actual_row.origin}); the capacity interval "
                          + ("contains it" if inside else "does not contain it")
                          + f", and its median is {ratio:.1f}× the volume actually performed: capacity "
                            "bounds volume from above and overstates it by that much here.")
    result.inputs.append(_row_input(f"actual transplants {US_VALIDATION_YEAR}", actual_row))
    result.details["validation"] = {"actual": actual, "actual_source": f"{actual_row.dataset}@{actual_row.origin}",
                                    "inside_interval": inside, "median_over_actual": ratio}
    return Validation(result, actual, inside, ratio)


DEFAULT_BLOOD_GROUPS = {"O": 0.30, "A": 0.28, "B": 0.32, "AB": 0.10}
NEED_WORDS = ("need", "require", "necesit", "需要")  # a yearly need figure is not a waiting list
VOLUME_SETS = ("transplants_total", "transplants_all_organs", "transplants_min")


def run_waiting(wait_days: float, *, organ: str = "kidney", country: str = "CN",
                population: str = "hospital", waiting_list: str | None = None, statistic: str = "mean",
                year: int | None = None, seed: int = 0, store: Store | None = None) -> AnalysisResult:
    """An advertised wait, applied to the population it was advertised for.

    ``population``: 'hospital' or 'foreign' (the default: an advertised wait is a hospital's,
    and its waiting list must be given with ``waiting_list``), or 'national' (the user applies it
    to the national list; the shipped national waiting-list rows are the default, 'need' figures
    excluded)."""
    from harvestwatch.analysis.waiting import WaitQuestion, waiting_inference

    extra = user_rows(store)
    labels = {"hospital": "the patients of the advertising hospital",
              "foreign": "the foreign patients the hospital advertised to",
              "national": f"{country}'s national waiting list (applied by the user)"}
    if population not in labels:
        raise ValidationError("--population", f"choose hospital, foreign or national, got {population!r}")
    default = None
    volume, volume_label = None, ""
    if population == "national":
        alld = ds.all_datasets(extra)
        rows = [r for n in (f"{country}:waiting_list", f"{country}:transplant_waiting_list") if n in alld
                for r in alld[n].rows if not any(w in r.quote.lower() for w in NEED_WORDS)]
        if year is not None:
            rows = [r for r in rows if r.year == year] or rows
        if rows:
            default = _rows_prior(rows, "waiting list")
        vol_year = year or max((r.year for r in rows if r.year), default=None)
        if vol_year:
            volume = _rows_prior(_year_rows(VOLUME_SETS, vol_year, country, extra), "volume")
            volume_label = f"reported national transplants of {vol_year}"
    hint = ("the waiting list of that population is needed: pass --waiting-list N (or MIN:MAX); "
            "--population national applies the wait to the national list instead")
    wl = _prior(waiting_list, default, f"--waiting-list ({hint})")
    comparison = []
    for name, d in ds.all_datasets(extra).items():
        if name.startswith(("US:", "GB:", "ES:")) and "wait" in name and organ in name:
            for r in d.rows[:2]:
                comparison.append(Input(f"comparison {name} {r.year or r.period or ''}".strip(),
                                        f"{r.value:g} {r.unit}", f"{name}@{r.origin}", r.quote, r.source_url))
    q = WaitQuestion(float(wait_days), wl, labels[population], statistic, organ, volume, volume_label)
    result = waiting_inference(
        q, blood_groups=DEFAULT_BLOOD_GROUPS,
        crossmatch_negative=Prior(0.7, 0.85, 0.95, "pert", "prior: share of ABO-compatible donors with a "
                                                           "negative crossmatch (assumed)"),
        comparison=comparison, seed=seed)
    result.assumptions.append("Blood-group frequencies O 30%, A 28%, B 32%, AB 10% are an assumed "
                              "prior for the Chinese population; pass your own through the API.")
    return result


def chart_svg(result: AnalysisResult) -> str:
    from harvestwatch.analysis.charts import chart

    return chart(result.to_dict())


def chart_png(result: AnalysisResult) -> bytes:
    from harvestwatch.analysis.charts import chart

    return chart(result.to_dict(), "png")


# --- Robertson, Hinde & Lavee 2019 next to what the shipped rows show --------------------

ROBERTSON_SOURCE = "extended2__china_official_series.csv"
# 2010 has two values in that file (34 and 63); 34 is the NHFPC figure the METHODS series uses.
ROBERTSON_ROWS = (f"{ROBERTSON_SOURCE}:2",)
PUBLISHED_R2 = {(2010, 2017): "CN:cotrs_quadratic_r2_2010_2017", (2010, 2018): "CN:cotrs_quadratic_r2_2010_2018"}


@dataclass
class ComparisonRow:
    window: str
    years: list[int]
    values: list[float]
    r2_quadratic: float  # least-squares general quadratic, as published
    published_r2: float | None
    published_source: str
    glm_dispersion: float
    percentile_poisson: float
    percentile_nb: float | None
    phi_peers: float | None
    peer_ratio: dict  # (1 − R²) of GODT peers over the same years ÷ China's: min, median, max, n
    verdict: str | None
    withheld: list[str]

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def robertson_comparison(store: Store | None = None, *, seed: int = 0) -> dict:
    """The published R² (0.999 to 2017, 0.997 to 2018) next to what the shipped rows support."""
    import numpy as np

    from harvestwatch.analysis import godt
    from harvestwatch.analysis.integrity import quadratic_r2

    out = []
    for window, published_name in PUBLISHED_R2.items():
        sel = ds.Selection(years=window, source=ROBERTSON_SOURCE, verified_only=True, rows=ROBERTSON_ROWS)
        r = run_integrity("CN:deceased_donors", store=store, selection=sel, seed=seed)
        d = r.details
        quad = next(f for f in d["fits"] if f["name"] == "quadratic")
        pub = ds.get_dataset(published_name).rows[0]
        ratios = []
        for p in godt.peers("deceased_donors", d["years"], exclude_country="CN"):
            r2 = quadratic_r2(list(p.years), list(p.values))
            if r2 < 1:
                ratios.append((1 - r2) / (1 - quad["r2"]))
        nb = d["null_negative_binomial"]
        out.append(ComparisonRow(
            f"{window[0]}–{window[1]}", d["years"], d["values"], quad["r2"], pub.value,
            f"{published_name}@{pub.origin}", d["glm"]["dispersion"], d["null_poisson"]["percentile"],
            nb["percentile"] if nb else None, d["phi_peers"],
            {"n": len(ratios), "min": float(np.min(ratios)) if ratios else None,
             "median": float(np.median(ratios)) if ratios else None,
             "max": float(np.max(ratios)) if ratios else None,
             "closer_to_1_than_all": bool(ratios and min(ratios) > 1)},
            d["verdict"], d["withheld"]))
    return {"rows": [o.to_dict() for o in out], "statement": NOT_COTRS,
            "rows_used": f"{ROBERTSON_SOURCE}, verified annual rows, 2010 = 34 (row 2)",
            "published_quote": ds.get_dataset(PUBLISHED_R2[(2010, 2017)]).rows[0].quote}
