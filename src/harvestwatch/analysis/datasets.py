"""Reference datasets with provenance: every row keeps its source, URL and exact quote.

Datasets are named ``COUNTRY:metric`` (e.g. ``CN:deceased_donors``). The shipped files
are copies of public figures (``analysis/data``); users add their own with ``import_csv``.
Conflicting values for the same metric and year are all kept, never averaged; a method
that needs one value per year picks by a stated rule and reports the alternatives.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from harvestwatch.core.errors import NotFound, ValidationError
from harvestwatch.core.evidence import DataEvidence

COUNTRY_CODES = {
    "china": "CN", "united states of america": "US", "usa": "US", "united states": "US",
    "spain": "ES", "france": "FR", "germany": "DE", "italy": "IT", "united kingdom": "GB",
    "uk": "GB", "australia": "AU", "brazil": "BR", "canada": "CA", "india": "IN", "iran": "IR",
    "iran (islamic republic of)": "IR", "japan": "JP", "republic of korea": "KR",
    "south korea": "KR", "world": "WORLD", "multiple": "MULTI",
}
REQUIRED = ("metric", "country", "value", "unit", "source_title", "source_url", "quote")
# Files in order of preference when one value per year is needed.
SHIPPED = ("china_official.csv", "peer_countries.csv", "published_findings.csv",
           "extended__china_official_series.csv", "extended__peer_countries_godt.csv",
           "extended__waiting_times.csv", "extended__capacity_estimates.csv",
           "extended__literature_studies.csv", "extended2__china_official_series.csv",
           "extended2__peer_countries_godt.csv", "extended2__waiting_times.csv",
           "extended2__capacity_estimates.csv", "extended2__executions_china.csv",
           "extended2__registered_donors_china.csv", "extended2__literature_studies.csv")


@dataclass(frozen=True)
class Row:
    """One figure with its provenance; ``origin`` is ``file:line`` of the CSV it came from."""

    dataset: str
    year: int | None
    period: str | None
    value: float
    value_high: float | None
    unit: str
    source_title: str
    source_url: str
    quote: str
    verified: str
    origin: str
    rank: int = 0  # position of the file in the preference order

    @property
    def evidence(self) -> DataEvidence:
        file, line = self.origin.rsplit(":", 1)
        return DataEvidence(f"{self.dataset}@{file}", int(line))

    def to_dict(self) -> dict:
        return {"dataset": self.dataset, "year": self.year, "period": self.period,
                "value": self.value, "value_high": self.value_high, "unit": self.unit,
                "source_title": self.source_title, "source_url": self.source_url,
                "quote": self.quote, "verified": self.verified, "origin": self.origin}


@dataclass
class Dataset:
    name: str
    rows: list[Row] = field(default_factory=list)

    def series(self) -> tuple[list[tuple[int, float]], list[Row], dict[int, list[Row]]]:
        """One value per year: verified rows first, then the preferred file, then the first row.

        Returns (year, value) pairs, the rows used, and for each year with more than one
        distinct value, all of its rows (the conflicts, to show side by side).
        """
        by_year: dict[int, list[Row]] = {}
        for r in self.rows:
            if r.year is not None:
                by_year.setdefault(r.year, []).append(r)
        pairs, used, conflicts = [], [], {}
        for year in sorted(by_year):
            rows = sorted(by_year[year], key=lambda r: (not r.verified.startswith("yes"), r.rank))
            chosen = rows[0]
            pairs.append((year, chosen.value))
            used.append(chosen)
            if len({r.value for r in rows}) > 1:
                conflicts[year] = rows
        return pairs, used, conflicts


def _country(raw: str) -> str:
    raw = (raw or "").strip()
    if raw.lower() in COUNTRY_CODES:
        return COUNTRY_CODES[raw.lower()]
    if re.fullmatch(r"[A-Z]{2}", raw):
        return raw
    return COUNTRY_CODES.get(raw.lower(), re.sub(r"\W+", "_", raw).upper() or "XX")


def _year(raw: str) -> tuple[int | None, str | None]:
    raw = (raw or "").strip()
    if re.fullmatch(r"\d{4}", raw):
        return int(raw), None
    return None, raw or None


def _float(raw: str, where: str, column: str) -> float:
    try:
        return float(str(raw).replace(",", "").strip())
    except ValueError:
        raise ValidationError(where, f"column '{column}' is not a number: {raw!r}") from None


# The gatherings name the same measure differently; one name per measure.
METRIC_ALIASES = {"deceased_citizen_donors": "deceased_donors",
                  "deceased_donors_actual": "deceased_donors"}


def _metric(row: dict) -> str:
    metric = METRIC_ALIASES.get(row["metric"].strip(), row["metric"].strip())
    organ = (row.get("organ") or "").strip().lower()
    if organ and organ not in ("all", ""):
        metric += "_" + re.sub(r"\W+", "_", organ).strip("_")
    return metric


# Files of the second gathering that carry no metric column: what their rows measure.
IMPLIED_METRIC = {"extended2__executions_china.csv": "executions",
                  "extended2__registered_donors_china.csv": "registered_donors",
                  "extended2__waiting_times.csv": "wait"}


def parse_rows(text: str, origin: str, rank: int = 0, *, strict: bool = True) -> list[Row]:
    """Rows of one CSV in either shipped layout; bad rows raise (strict) or are skipped."""
    reader = csv.DictReader(io.StringIO(text))
    cols = set(reader.fieldnames or [])
    out = []
    implied = IMPLIED_METRIC.get(origin)
    missing = [c for c in ("metric", "value") if c not in cols and not (c == "metric" and implied)]
    if missing:
        raise ValidationError(origin, f"missing column(s): {', '.join(missing)}")
    for line, row in enumerate(reader, start=2):
        where = f"{origin} row {line}"
        if implied and not row.get("metric"):
            row["metric"] = implied
        try:
            if not (row.get("metric") or "").strip():
                raise ValidationError(where, "column 'metric' is empty")
            value = _float(row.get("value", ""), where, "value")
        except ValidationError:
            if strict:
                raise
            continue
        high = row.get("value_high")
        year, period = _year(row.get("year") or row.get("period") or "")
        if year is None and row.get("as_of"):
            year, _ = _year(row["as_of"][:4])
        country = _country(row.get("country") or ("CN" if "china" in origin else ""))
        out.append(Row(
            dataset=f"{country}:{_metric(row)}", year=year, period=period or row.get("period"),
            value=value, value_high=_float(high, where, "value_high") if high and high.strip() else None,
            unit=(row.get("unit") or "").strip(),
            source_title=(row.get("source_title") or row.get("reported_by") or row.get("estimator")
                          or row.get("study") or "").strip(),
            source_url=(row.get("source_url") or "").strip(), quote=(row.get("quote") or "").strip(),
            verified=(row.get("verified") or "").strip(), origin=f"{origin}:{line}", rank=rank))
    return out


@functools.cache
def shipped_rows() -> tuple[Row, ...]:
    base = resources.files("harvestwatch.analysis").joinpath("data")
    rows: list[Row] = []
    for rank, name in enumerate(SHIPPED):
        rows += parse_rows(base.joinpath(name).read_text(encoding="utf-8"), name, rank, strict=False)
    return tuple(rows)


def all_datasets(extra: list[Row] | None = None) -> dict[str, Dataset]:
    out: dict[str, Dataset] = {}
    for r in (*shipped_rows(), *(extra or [])):
        out.setdefault(r.dataset, Dataset(r.dataset)).rows.append(r)
    return out


def get_dataset(name: str, extra: list[Row] | None = None) -> Dataset:
    ds = all_datasets(extra).get(name)
    if ds is None:
        close = [n for n in all_datasets(extra) if name.split(":")[-1] in n][:5]
        hint = f"; similar: {', '.join(close)}" if close else ""
        raise NotFound(f"no dataset {name!r}{hint} (see 'harvestwatch data list')")
    return ds


def validate_user_csv(path: str | Path) -> list[Row]:
    """Rows of a user CSV with the shipped columns; every problem names its row and column."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(str(path), f"cannot read as UTF-8 CSV ({exc})") from None
    header = next(csv.reader(io.StringIO(text)), [])
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ValidationError(str(path), f"missing column(s): {', '.join(missing)} "
                                         f"(expected {', '.join(REQUIRED)}, year, verified)")
    rows = parse_rows(text, path.name, rank=100, strict=True)
    for r in rows:
        if not r.source_url and not r.quote:
            raise ValidationError(f"{path.name} row {r.origin.rsplit(':', 1)[1]}",
                                  "each row needs its source: 'source_url' or 'quote' is empty")
    return rows
