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
import math
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
           "extended2__registered_donors_china.csv", "extended2__literature_studies.csv",
           "us_capacity_validation.csv")


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
    qualifier: str = "exact"  # exact | approximate | lower_bound | upper_bound | range
    scope: str = "annual"  # annual | year_to_date | cumulative | point_in_time | other

    @property
    def file(self) -> str:
        return self.origin.rsplit(":", 1)[0]

    @property
    def is_verified(self) -> bool:
        return self.verified.lower().startswith("yes")

    @property
    def evidence(self) -> DataEvidence:
        file, line = self.origin.rsplit(":", 1)
        return DataEvidence(f"{self.dataset}@{file}", int(line))

    def to_dict(self) -> dict:
        return {"dataset": self.dataset, "year": self.year, "period": self.period,
                "value": self.value, "value_high": self.value_high, "unit": self.unit,
                "source_title": self.source_title, "source_url": self.source_url,
                "quote": self.quote, "verified": self.verified, "origin": self.origin,
                "qualifier": self.qualifier, "scope": self.scope}


@dataclass(frozen=True)
class Selection:
    """Rows the user chose for a series: a year window, no approximate/bounded values, one file,
    verified rows only. Any of them set means the user has looked at the data checks."""

    years: tuple[int, int] | None = None
    exclude_approx: bool = False
    source: str | None = None
    verified_only: bool = False
    rows: tuple[str, ...] = ()  # origins (file.csv:line) pinned as their year's value

    @property
    def chosen(self) -> bool:
        return bool(self.years or self.exclude_approx or self.source or self.verified_only or self.rows)

    def keeps(self, r: Row) -> bool:
        if r.origin in self.rows:
            return not self.years or (r.year is not None and self.years[0] <= r.year <= self.years[1])
        if self.years and (r.year is None or not self.years[0] <= r.year <= self.years[1]):
            return False
        if self.exclude_approx and r.qualifier != "exact":
            return False
        if self.source and Path(r.file).name != Path(self.source).name:
            return False
        return not (self.verified_only and not r.is_verified)

    def describe(self) -> str:
        parts = []
        if self.years:
            parts.append(f"years {self.years[0]}–{self.years[1]}")
        if self.exclude_approx:
            parts.append("exact values only")
        if self.source:
            parts.append(f"rows of {Path(self.source).name} only")
        if self.verified_only:
            parts.append("verified rows only")
        if self.rows:
            parts.append("chosen rows " + ", ".join(self.rows))
        return ", ".join(parts) or "all rows"

    @classmethod
    def parse_years(cls, spec: str | None) -> tuple[int, int] | None:
        """'2010:2017' (or '2010-2017', '2015') → (2010, 2017)."""
        if not spec:
            return None
        m = re.fullmatch(r"\s*(\d{4})\s*(?:[:\-–]\s*(\d{4}))?\s*", spec)
        if not m:
            raise ValidationError("--years", f"expected FIRST:LAST, e.g. 2010:2017, got {spec!r}")
        a, b = int(m.group(1)), int(m.group(2) or m.group(1))
        if a > b:
            raise ValidationError("--years", f"first year {a} is after last year {b}")
        return a, b


@dataclass
class Dataset:
    name: str
    rows: list[Row] = field(default_factory=list)

    def eligible(self, selection: Selection | None = None) -> list[Row]:
        """Rows that may give a yearly value: a year, annual scope, kept by the selection."""
        sel = selection or Selection()
        return [r for r in self.rows if r.year is not None and r.scope == "annual" and sel.keeps(r)]

    def series(self, selection: Selection | None = None
               ) -> tuple[list[tuple[int, float]], list[Row], dict[int, list[Row]]]:
        """One value per year: verified rows first, then exact values, then the preferred file.

        Only annual rows count (year-to-date, cumulative and point-in-time rows never stand in
        for a year). Returns (year, value) pairs, the rows used, and for each year with more
        than one distinct value, all of its rows (the conflicts, to show side by side).
        """
        by_year: dict[int, list[Row]] = {}
        for r in self.eligible(selection):
            by_year.setdefault(r.year, []).append(r)
        pairs, used, conflicts = [], [], {}
        for year in sorted(by_year):
            pinned = selection.rows if selection else ()
            rows = sorted(by_year[year], key=lambda r: (r.origin not in pinned, not r.is_verified,
                                                        r.qualifier != "exact", r.rank))
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


_NUM = r"\d[\d,]*(?:\.\d+)?"
_APPROX = re.compile(r"\b(about|around|approximately|approx\.?|roughly|nearly|almost|some|circa|ca\.|"
                     r"estimated|close to)\s*$|[~≈约近]\s*$|大约\s*$|将近\s*$", re.I)
_LOWER = re.compile(r"\b(more than|over|above|exceed(?:ed|ing)?|at least|in excess of|upwards of)\s*$|"
                    r">\s*$|超过\s*$|逾\s*$", re.I)
_UPPER = re.compile(r"\b(less than|under|fewer than|up to|below|at most)\s*$|<\s*$|不到\s*$", re.I)
_AFTER_LOWER = re.compile(r"^\s*(余|多|\+)")
_UNIT_QUAL = (("lower_bound", re.compile(r"more than|at least|>|余|over\b", re.I)),
              ("approximate", re.compile(r"approx|about|roughly|around|~|约|recollection|I think", re.I)))
_SCOPES = (("year_to_date", re.compile(r"year[- ]to[- ]date|\bYTD\b|jan[- ]\w{3}|\bto \d+ \w{3}|so far", re.I)),
           ("cumulative", re.compile(r"cumulative|since \d{4}|-year total|total since", re.I)),
           ("point_in_time", re.compile(r"point[- ]in[- ]time|as of|stock", re.I)),
           ("other", re.compile(r"daily|one day|increment|annualis|annualiz", re.I)))


def _float(raw: str, where: str, column: str) -> float:
    try:
        return float(str(raw).replace(",", "").strip())
    except ValueError:
        raise ValidationError(where, f"column '{column}' is not a number: {raw!r}") from None


def read_value(raw: str) -> tuple[float, float | None, str] | None:
    """'1,700' → exact; 'about 1700', 'more than 1000', '33000 (roughly)', '60000-100000'
    → the number with its qualifier; anything else (several numbers, words) → None."""
    text = (raw or "").strip()
    m = re.fullmatch(rf"(.*?)({_NUM})\s*(?:[-–]\s*({_NUM}))?\s*(\(?\s*(?:roughly|approx\.?|about|余|多|\+)\s*\)?)?", text)
    if not m:
        return None
    before, low, high, after = m.group(1), m.group(2), m.group(3), m.group(4)
    value = float(low.replace(",", ""))
    qualifier = "exact"
    if before.strip():
        if _APPROX.search(before):
            qualifier = "approximate"
        elif _LOWER.search(before):
            qualifier = "lower_bound"
        elif _UPPER.search(before):
            qualifier = "upper_bound"
        else:
            return None
    if after:
        qualifier = "lower_bound" if re.search(r"余|多|\+", after) else "approximate"
    if high:
        return value, float(high.replace(",", "")), "range"
    return value, None, qualifier


def qualifier_in_quote(quote: str, value: float) -> str:
    """How the quote states ``value``: 'about 1,700' → approximate, 'more than 10,000' and
    '6450余' → lower_bound, 'up to' → upper_bound; exact when stated plainly or not found."""
    for m in re.finditer(_NUM, quote or ""):
        try:
            v = float(m.group(0).replace(",", ""))
        except ValueError:
            continue
        if v != value:
            continue
        before, after = quote[max(0, m.start() - 24):m.start()], quote[m.end():m.end() + 3]
        if _AFTER_LOWER.search(after) or _LOWER.search(before):
            return "lower_bound"
        if _APPROX.search(before):
            return "approximate"
        if _UPPER.search(before):
            return "upper_bound"
        return "exact"
    return "exact"


def _scope(row: dict) -> str:
    text = " ".join((row.get("scope") or "", row.get("unit") or "", row.get("metric") or ""))
    if re.search(r"\bannual\b(?! ?cohort)", row.get("scope") or "") and "annualis" not in text.lower():
        return "annual"
    for name, pattern in _SCOPES:
        if pattern.search(text):
            return name
    return "annual"


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


YEAR_RANGE = (1950, 2100)


def _row_problems(row: dict, value_raw: str, origin: str) -> list[str]:
    """What is wrong with one user row (empty list when nothing); one message per problem."""
    from harvestwatch.analysis.units import kind_of

    problems = []
    for col in ("country", "metric", "quote"):
        if not (row.get(col) or "").strip():
            problems.append(f"'{col}' is empty")
    if not ((row.get("source_url") or "").strip() or (row.get("source_title") or "").strip()):
        problems.append("'source_url' and 'source_title' are both empty (each figure needs its source)")
    year = (row.get("year") or "").strip()
    if year:
        if not re.fullmatch(r"\d{4}", year):
            problems.append(f"'year' is not a four-digit year: {year!r}")
        elif not YEAR_RANGE[0] <= int(year) <= YEAR_RANGE[1]:
            problems.append(f"'year' {year} is outside {YEAR_RANGE[0]}–{YEAR_RANGE[1]}")
    try:
        value = float(str(value_raw).replace(",", "").strip())
    except ValueError:
        problems.append(f"'value' is not a number: {value_raw!r}")
        return problems
    if not math.isfinite(value):
        problems.append(f"'value' is {value_raw.strip()} (not a finite number)")
        return problems
    kind = kind_of(row.get("unit") or "", row.get("metric") or "")
    if value < 0:
        problems.append(f"'value' {value:g} is negative")
    elif kind.is_count and value != int(value):
        problems.append(f"'value' {value:g} is fractional but unit {row.get('unit')!r} is a count")
    return problems


def parse_rows(text: str, origin: str, rank: int = 0, *, strict: bool = True) -> list[Row]:
    """Rows of one CSV in either shipped layout.

    ``strict`` (user files): every bad row is reported, one line per row, and nothing is
    returned from a file with a bad row. Otherwise (shipped files) rows whose value is not a
    single figure are skipped.
    """
    reader = csv.DictReader(io.StringIO(text))
    cols = set(reader.fieldnames or [])
    out = []
    implied = IMPLIED_METRIC.get(origin)
    missing = [c for c in ("metric", "value") if c not in cols and not (c == "metric" and implied)]
    if missing:
        raise ValidationError(origin, f"missing column(s): {', '.join(missing)}")
    errors: list[tuple[int, str]] = []
    seen: dict[tuple, int] = {}
    for line, row in enumerate(reader, start=2):
        if None in row:  # more fields than the header
            row.pop(None)
            if strict:
                errors.append((line, "more fields than the header has columns"))
                continue
        row = {k: (v if v is not None else "") for k, v in row.items()}
        if implied and not row.get("metric"):
            row["metric"] = implied
        raw = row.get("value", "")
        if strict:
            problems = _row_problems(row, raw, origin)
            if problems:
                errors.append((line, "; ".join(problems)))
                continue
            parsed = (float(raw.replace(",", "")), None, "exact")
        else:
            if not (row.get("metric") or "").strip():
                continue
            parsed = read_value(raw)
            if parsed is None or not math.isfinite(parsed[0]):
                continue
        value, high, qualifier = parsed
        high_raw = row.get("value_high") or ""
        if high is None and high_raw.strip():
            try:
                high = _float(high_raw, f"{origin} row {line}", "value_high")
            except ValidationError as exc:
                if strict:
                    errors.append((line, exc.reason))
                    continue
        unit = (row.get("unit") or "").strip()
        quote = (row.get("quote") or "").strip()
        if qualifier == "exact":
            for name, pattern in _UNIT_QUAL:
                if pattern.search(unit):
                    qualifier = name
                    break
            else:
                qualifier = qualifier_in_quote(quote, value)
        if high is not None and qualifier == "exact":
            qualifier = "range"
        year, period = _year(row.get("year") or row.get("period") or "")
        if year is None and row.get("as_of"):
            year, _ = _year(row["as_of"][:4])
        country = _country(row.get("country") or ("CN" if "china" in origin else ""))
        source_title = (row.get("source_title") or row.get("reported_by") or row.get("estimator")
                        or row.get("study") or "").strip()
        source_url = (row.get("source_url") or "").strip()
        r = Row(dataset=f"{country}:{_metric(row)}", year=year, period=period or row.get("period"),
                value=value, value_high=high, unit=unit, source_title=source_title,
                source_url=source_url, quote=quote, verified=(row.get("verified") or "").strip(),
                origin=f"{origin}:{line}", rank=rank, qualifier=qualifier, scope=_scope(row))
        if strict:
            key = (r.dataset, r.year, r.period, source_url or source_title)
            if key in seen:
                errors.append((line, f"duplicate of row {seen[key]} (same country, metric, year "
                                     f"and source)"))
                continue
            seen[key] = line
        out.append(r)
    if len(errors) == 1:
        raise ValidationError(f"{origin} row {errors[0][0]}", errors[0][1] + " (nothing imported)")
    if errors:
        raise ValidationError(origin, f"{len(errors)} bad rows, nothing imported:\n" + "\n".join(
            f"  {origin} row {line}: {msg}" for line, msg in errors))
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
    if not rows:
        raise ValidationError(str(path), "no data rows")
    return rows
