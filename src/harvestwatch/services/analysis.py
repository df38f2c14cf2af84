"""Analysis use cases: datasets (shipped and imported) and the four models, with sources."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

from harvestwatch.analysis import datasets as ds
from harvestwatch.analysis.capacity import Hospital, capacity_model
from harvestwatch.analysis.charts import chart
from harvestwatch.analysis.digits import benford, terminal_digit
from harvestwatch.analysis.integrity import assess, overdispersion_adjusted_p
from harvestwatch.analysis.montecarlo import Prior
from harvestwatch.analysis.result import AnalysisResult, Input
from harvestwatch.analysis.supply_gap import supply_gap
from harvestwatch.analysis.waiting import waiting_inference
from harvestwatch.core.errors import NotFound, ValidationError
from harvestwatch.core.quantity import Interval
from harvestwatch.store import Store, ledger

SMOOTH_P = 0.01  # lower-tail p below which a series is called smoother than counting noise


# --- datasets ---------------------------------------------------------------------------

def _user_dir(store: Store | None) -> Path | None:
    return store.settings.store_dir / "datasets" if store is not None else None


def user_rows(store: Store | None) -> list[ds.Row]:
    folder = _user_dir(store)
    rows: list[ds.Row] = []
    if folder and folder.exists():
        for f in sorted(folder.glob("*.csv")):
            rows += ds.parse_rows(f.read_text(encoding="utf-8-sig"), f"user/{f.name}", rank=100)
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
    """Validate a CSV (shipped columns) and keep a copy in the store; a custody entry records it."""
    rows = ds.validate_user_csv(path)
    folder = _user_dir(store)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / Path(path).name
    if target.exists():
        raise ValidationError(str(path), f"a dataset file named {target.name} is already imported")
    shutil.copyfile(path, target)
    with store.session() as session:
        from harvestwatch.core.hashing import sha256_file

        ledger.append(session, actor=actor or store.settings.actor, action="import_dataset",
                      object_type="dataset_file", object_id=target.name,
                      payload={"sha256": sha256_file(target), "rows": len(rows),
                               "datasets": sorted({r.dataset for r in rows})})
    return {"file": target.name, "rows": len(rows), "datasets": sorted({r.dataset for r in rows})}


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


# --- integrity --------------------------------------------------------------------------

def run_integrity(name: str, *, peers: list[str] | None = None, store: Store | None = None,
                  origin: int | None = None) -> AnalysisResult:
    extra = user_rows(store)
    d = ds.get_dataset(name, extra)
    pairs, used, conflicts = d.series()
    if len(pairs) < 4:
        raise ValidationError(name, f"only {len(pairs)} yearly value(s); integrity tests need ≥ 4")
    years, values = [p[0] for p in pairs], [p[1] for p in pairs]
    target = assess(name, years, values, origin)
    metric = name.split(":", 1)[1]
    if peers is None:
        peers = [n for n, other in ds.all_datasets(extra).items()
                 if n.split(":", 1)[1] == metric and n != name
                 and len(other.series()[0]) >= 6 and n.split(":")[0] not in ("WORLD", "MULTI")]
    peer_out = []
    for p in sorted(peers):
        pp, _, _ = ds.get_dataset(p, extra).series()
        if len(pp) < 4:
            continue
        a = assess(p, [x[0] for x in pp], [x[1] for x in pp])
        f = a.reference_fit
        peer_out.append({"dataset": p, "years": f"{pp[0][0]}–{pp[-1][0]}", "n": len(pp), "r2": f.r2,
                         "one_minus_r2_log10": f.one_minus_r2_log10, "dispersion": f.dispersion,
                         "pearson_per_df": f.pearson_chi2 / max(1, len(pp) - f.k),
                         "p_smoother": f.p_smoother})
    ref = target.reference_fit
    adj_p = overdispersion_adjusted_p(ref, [p["pearson_per_df"] for p in peer_out], len(values))
    smoother = ref.p_smoother < SMOOTH_P
    assumptions = [
        "Reported yearly counts carry at least Poisson noise (variance ≈ mean).",
        "Reference model: general quadratic in years since the first year − 1; other fits shown.",
        "Pearson χ² = Σ r²/ŷ ~ χ²(n − k) under Poisson noise; p_smoother is its lower tail "
        f"(below {SMOOTH_P} the series is smoother than counting noise allows).",
        "Where several sources give a year, the verified row from the preferred file is used; "
        "the others are listed as conflicts, never averaged.",
    ]
    verdict = ("smoother than counting noise allows" if smoother
               else "not smoother than counting noise")
    conclusion = (f"{name} ({years[0]}–{years[-1]}, {len(years)} years): quadratic R² = {ref.r2:.4f}, "
                  f"D = {ref.dispersion:.3g}, p_smoother = {ref.p_smoother:.3g} → {verdict}.")
    if name.startswith("CN:") and years[-1] > 2018:
        conclusion += (" These rows are not the COTRS 2010–2018 series Robertson et al. analysed; "
                       "they cannot confirm or refute that finding.")
    digits = {"benford": benford(values), "terminal_digit": terminal_digit(values)}
    return AnalysisResult(
        method="integrity of a yearly series (curve fits, dispersion vs Poisson, digit tests)",
        question=f"Is {name} as noisy as real counts are?",
        point=ref.p_smoother, interval=Interval(0.0, 1.0, ref.p_smoother), unit="p_smoother",
        assumptions=assumptions,
        inputs=[_row_input(f"{name} {r.year}", r) for r in used],
        details={"dataset": name, "years": years, "values": values, "reference": "quadratic",
                 "fits": [f.to_dict() for f in target.fits], "r2": ref.r2,
                 "dispersion": ref.dispersion, "p_smoother": ref.p_smoother,
                 "p_smoother_overdispersed": adj_p, "smoother_than_counting_noise": smoother,
                 "peers": peer_out, "digits": digits,
                 "conflicts": {str(y): [r.to_dict() for r in rows] for y, rows in conflicts.items()},
                 "rows_used": [r.origin for r in used]},
        conclusion=conclusion)


# --- supply gap, capacity, waiting -------------------------------------------------------

def _prior(spec: str | None, default: Prior | None, what: str) -> Prior:
    """'5000', '4000:6000' (uniform) or '4000:5000:6000' (PERT min:mode:max)."""
    if spec is None:
        if default is None:
            raise ValidationError(what, "a value is required")
        return default
    try:
        parts = [float(x) for x in spec.split(":")]
    except ValueError:
        raise ValidationError(what, f"expected N, MIN:MAX or MIN:MODE:MAX, got {spec!r}") from None
    if len(parts) == 1:
        return Prior.fixed(parts[0], "user")
    if len(parts) == 2:
        return Prior(parts[0], (parts[0] + parts[1]) / 2, parts[1], "uniform", "user")
    if len(parts) == 3:
        return Prior(*parts, "pert", "user")
    raise ValidationError(what, f"expected N, MIN:MAX or MIN:MODE:MAX, got {spec!r}")


def _data_prior(name: str, year: int, store: Store | None) -> Prior:
    d = ds.get_dataset(name, user_rows(store))
    rows = [r for r in d.rows if r.year == year]
    if not rows:
        raise NotFound(f"{name} has no value for {year}")
    vals = sorted({r.value for r in rows})
    src = "; ".join(f"{name}@{r.origin}" for r in rows)
    return Prior(vals[0], vals[0], vals[-1], "uniform" if len(vals) > 1 else "fixed", src)


def run_supply_gap(*, year: int = 2015, transplants: str | None = None, donors: str | None = None,
                   organs_per_donor: str | None = None, living: str | None = None,
                   draws: int = 100_000, seed: int = 0, store: Store | None = None) -> AnalysisResult:
    """Defaults come from the shipped data for ``year`` (China), each with its row."""
    t_default = None
    if transplants is None:
        d = ds.get_dataset("CN:transplants_min", user_rows(store))
        rows = [r for r in d.rows if r.year == year]
        if rows:
            t_default = Prior.fixed(rows[0].value, f"CN:transplants_min@{rows[0].origin}")
    opd_default = None
    if organs_per_donor is None:
        organs = ds.get_dataset("CN:organs_procured").rows
        donors_rows = [r for r in ds.get_dataset("CN:deceased_donors").rows if r.year == 2015]
        o15 = [r for r in organs if r.year == 2015]
        if o15 and donors_rows:
            ratio = o15[0].value / donors_rows[0].value
            opd_default = Prior(2.0, ratio, 3.5, "pert",
                                f"CN:organs_procured@{o15[0].origin} / CN:deceased_donors@"
                                f"{donors_rows[0].origin} = {ratio:.2f} (mode); 2.0–3.5 range assumed")
    result = supply_gap(
        _prior(transplants, t_default, "--transplants"),
        _prior(donors, _data_prior("CN:deceased_donors", year, store) if donors is None else None,
               "--donors"),
        _prior(organs_per_donor, opd_default, "--organs-per-donor"),
        _prior(living, None, "--living") if living else None, draws=draws, seed=seed)
    return result


def read_hospitals(path: str | Path) -> list[Hospital]:
    """CSV columns: name, beds_min, beds_mode, beds_max, occupancy_min/mode/max,
    los_min/mode/max (days), optional teams_min/mode/max, ops_min/mode/max, source."""
    path = Path(path)
    try:
        rows = list(csv.DictReader(path.open(encoding="utf-8-sig")))
    except OSError as exc:
        raise ValidationError(str(path), f"cannot read ({exc.strerror})") from None
    out = []
    for i, row in enumerate(rows, start=2):
        where = f"{path.name} row {i}"

        def prior(prefix: str, required: bool = True, row: dict = row, where: str = where) -> Prior | None:
            cols = [f"{prefix}_min", f"{prefix}_mode", f"{prefix}_max"]
            if not all((row.get(c) or "").strip() for c in cols):
                if required:
                    missing = [c for c in cols if not (row.get(c) or "").strip()]
                    raise ValidationError(where, f"column(s) {', '.join(missing)} empty or missing")
                return None
            try:
                lo, mode, hi = (float(row[c]) for c in cols)
            except ValueError:
                raise ValidationError(where, f"columns {prefix}_min/mode/max must be numbers") from None
            try:
                return Prior(lo, mode, hi, "pert", row.get("source") or where)
            except ValidationError as exc:
                raise ValidationError(where, f"{prefix}: {exc.reason}") from None

        out.append(Hospital(row.get("name") or where, prior("beds"), prior("occupancy"), prior("los"),
                            prior("teams", False), prior("ops", False), row.get("source") or "user"))
    if not out:
        raise ValidationError(str(path), "no hospital rows")
    return out


def run_capacity(hospitals_csv: str | Path, *, draws: int = 1_000_000, seed: int = 0) -> AnalysisResult:
    return capacity_model(read_hospitals(hospitals_csv), draws=draws, seed=seed)


DEFAULT_BLOOD_GROUPS = {"O": 0.30, "A": 0.28, "B": 0.32, "AB": 0.10}


def run_waiting(wait_days: float, *, organ: str = "kidney", country: str = "CN",
                waiting_list: str | None = None, seed: int = 0, store: Store | None = None) -> AnalysisResult:
    extra = user_rows(store)
    default = None
    if waiting_list is None:
        rows = ds.get_dataset(f"{country}:waiting_list", extra).rows
        vals = sorted({r.value for r in rows})
        default = Prior(vals[0], vals[0], vals[-1], "uniform",
                        "; ".join(f"{r.dataset}@{r.origin}" for r in rows))
    comparison = []
    for name, d in ds.all_datasets(extra).items():
        if name.startswith(("US:", "GB:", "ES:")) and "wait" in name and organ in name:
            for r in d.rows[:2]:
                comparison.append(Input(f"comparison {name} {r.year or r.period or ''}".strip(),
                                        f"{r.value:g} {r.unit}", f"{name}@{r.origin}", r.quote,
                                        r.source_url))
    result = waiting_inference(
        wait_days, _prior(waiting_list, default, "--waiting-list"), DEFAULT_BLOOD_GROUPS,
        Prior(0.7, 0.85, 0.95, "pert", "prior: share of ABO-compatible donors with a negative "
                                        "crossmatch (assumed)"),
        comparison=comparison, organ=organ, seed=seed)
    result.assumptions.append("Blood-group frequencies O 30%, A 28%, B 32%, AB 10% are an assumed "
                              "prior for the Chinese population; pass your own through the API.")
    return result


def chart_svg(result: AnalysisResult) -> str:
    return chart(result.to_dict())
