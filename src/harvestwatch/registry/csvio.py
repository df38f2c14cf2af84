"""Registry CSV files (shipped data and user imports): parsed into typed records, every row sourced.

Three shapes, told apart by their header:
- hospitals: ``name_en, source_url, quote`` (+ id, name_zh_hans, aliases, city, province,
  affiliation, source_title, verified);
- facts: ``hospital, metric, value, source_url, quote`` (+ value_high, unit, year, date, scope,
  source_title, verified, notes);
- accreditations: ``hospital, list, source_url, quote`` (+ year, organs, source_title, verified).

A file with any bad row is refused whole; each bad row gets its own one-line problem.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from harvestwatch.core.errors import ValidationError
from harvestwatch.core.registry import (
    METRICS,
    Accreditation,
    Alias,
    Fact,
    Hospital,
    SourceRef,
    parse_number,
)
from harvestwatch.registry.names import is_chinese, name_key, to_traditional

HOSPITAL_COLUMNS = ("name_en", "source_url", "quote")
FACT_COLUMNS = ("hospital", "metric", "value", "source_url", "quote")
ACCREDITATION_COLUMNS = ("hospital", "list", "source_url", "quote")
AFFILIATIONS = ("civilian", "military", "military (armed police)")
_URL = re.compile(r"^https?://\S+$")
_YEAR = re.compile(r"^(19|20)\d\d$")
_DATE = re.compile(r"^(19|20)\d\d(-\d\d(-\d\d)?)?$")


class RowProblems(ValidationError):
    """A CSV file refused whole: ``problems`` holds one line per bad row."""

    def __init__(self, source: str, problems: list[str]):
        self.problems = problems
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        super().__init__(source, f"{len(problems)} bad row(s), nothing stored:\n  "
                         + "\n  ".join(problems[:20]) + more)


@dataclass
class ParsedFile:
    kind: str  # hospitals | facts | accreditations
    hospitals: list[Hospital] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    accreditations: list[Accreditation] = field(default_factory=list)


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower().replace("'", "").replace("’", "")).strip("-")


def _source(row: dict, where: str) -> SourceRef:
    url = (row.get("source_url") or "").strip()
    quote = (row.get("quote") or "").strip()
    if not url:
        raise ValidationError(where, "column source_url is empty: every row needs the address it was seen at")
    if not _URL.match(url):
        raise ValidationError(where, f"column source_url is not an http(s) address: {url!r}")
    if not quote:
        raise ValidationError(where, "column quote is empty: give the exact sentence the row comes from")
    return SourceRef(title=(row.get("source_title") or "").strip() or None, url=url, quote=quote)


def _year(raw: str | None, where: str) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if not _YEAR.match(raw):
        raise ValidationError(where, f"column year must be a four-digit year, got {raw!r}")
    return int(raw)


def _hospital(row: dict, where: str) -> Hospital:
    name = (row.get("name_en") or "").strip()
    if not name:
        raise ValidationError(where, "column name_en is empty")
    src = _source(row, where)
    zh = (row.get("name_zh_hans") or "").strip() or None
    if zh and not is_chinese(zh):
        raise ValidationError(where, f"column name_zh_hans is not Chinese: {zh!r}")
    affiliation = (row.get("affiliation") or "civilian").strip()
    if affiliation not in AFFILIATIONS:
        raise ValidationError(where, f"column affiliation must be one of {', '.join(AFFILIATIONS)}, got {affiliation!r}")
    aliases = []
    for a in (row.get("aliases") or "").split("|"):
        a = a.strip()
        if a:
            lang = "en" if not is_chinese(a) else ("zh-Hant" if _simplified(a) != a else "zh-Hans")
            aliases.append(Alias(a, lang, "alias"))
    return Hospital(id=(row.get("id") or "").strip() or slug(name), name_en=name, name_zh_hans=zh,
                    name_zh_hant=to_traditional(zh) if zh else None,
                    city=(row.get("city") or "").strip() or None,
                    province=(row.get("province") or "").strip() or None,
                    affiliation=affiliation, source=src, aliases=aliases)


def _simplified(text: str) -> str:
    from harvestwatch.core.folding import fold_chinese

    return fold_chinese(text)


def _fact(row: dict, where: str, hospital_id: str, origin: str) -> Fact:
    metric = (row.get("metric") or "").strip()
    if metric not in METRICS:
        raise ValidationError(where, f"column metric {metric!r} is not one of {', '.join(METRICS)}")
    value = parse_number(row.get("value") or "", where, "column value")
    high_raw = (row.get("value_high") or "").strip()
    high = parse_number(high_raw, where, "column value_high") if high_raw else None
    if high is not None and high < value:
        raise ValidationError(where, f"column value_high {high:g} is below value {value:g}")
    date = (row.get("date") or "").strip() or None
    if date and not _DATE.match(date):
        raise ValidationError(where, f"column date must be YYYY, YYYY-MM or YYYY-MM-DD, got {date!r}")
    year = _year(row.get("year"), where)
    if year is None and date:
        year = int(date[:4])
    return Fact(hospital_id=hospital_id, metric=metric, value=value, value_high=high,
                unit=(row.get("unit") or "").strip() or metric, source=_source(row, where),
                year=year, date=date, scope=(row.get("scope") or "").strip() or None,
                verified=(row.get("verified") or "yes").strip(),
                notes=(row.get("notes") or "").strip() or None, origin=origin)


def _accreditation(row: dict, where: str, hospital_id: str) -> Accreditation:
    name = (row.get("list") or "").strip()
    if not name:
        raise ValidationError(where, "column list is empty (e.g. NHFPC-2013)")
    organs = tuple(o.strip() for o in (row.get("organs") or "").split(";") if o.strip())
    return Accreditation(hospital_id=hospital_id, list_name=name, year=_year(row.get("year"), where),
                         organs=organs, source=_source(row, where),
                         verified=(row.get("verified") or "yes").strip())


def parse_csv(text: str, source: str, resolve: Callable[[str], str | None], *,
              origin: str = "import", known_ids: set[str] | None = None) -> ParsedFile:
    """Parse one registry CSV; ``resolve`` turns a hospital name into a registry id (or None)."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    if set(FACT_COLUMNS) <= set(header):
        kind = "facts"
    elif set(ACCREDITATION_COLUMNS) <= set(header):
        kind = "accreditations"
    elif set(HOSPITAL_COLUMNS) <= set(header):
        kind = "hospitals"
    else:
        raise ValidationError(source, "header must name the columns of hospitals ("
                              + ", ".join(HOSPITAL_COLUMNS) + "), facts (" + ", ".join(FACT_COLUMNS)
                              + ") or accreditations (" + ", ".join(ACCREDITATION_COLUMNS) + ")")
    out = ParsedFile(kind)
    problems: list[str] = []
    new_ids: set[str] = set()
    new_keys: dict[str, str] = {}
    for n, row in enumerate(reader, start=2):
        where = f"{source} row {n}"
        if None in row:
            problems.append(f"{where}: more fields than the header has columns")
            continue
        try:
            if kind == "hospitals":
                h = _hospital(row, where)
                if h.id in new_ids or (known_ids and h.id in known_ids):
                    raise ValidationError(where, f"hospital id {h.id!r} already exists")
                new_ids.add(h.id)
                new_keys[name_key(h.name_en)] = h.id
                h.origin = origin
                out.hospitals.append(h)
                continue
            name = (row.get("hospital") or "").strip()
            hid = resolve(name) if name else None
            if hid is None:
                raise ValidationError(where, f"column hospital: {name!r} is not in the registry"
                                      if name else "column hospital is empty")
            if kind == "facts":
                out.facts.append(_fact(row, where, hid, origin))
            else:
                out.accreditations.append(_accreditation(row, where, hid))
        except ValidationError as exc:
            problems.append(f"{exc.source}: {exc.reason}")
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
    if problems:
        raise RowProblems(source, problems)
    if not (out.hospitals or out.facts or out.accreditations):
        raise ValidationError(source, "no rows")
    return out


def read_file(path: str | Path) -> str:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValidationError(str(path), f"cannot read ({exc.strerror})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(str(path), "not UTF-8 text; save the CSV as UTF-8") from None


@dataclass
class Shipped:
    """The registry shipped with the package (``registry/data``)."""

    hospitals: list[Hospital]
    accreditations: list[Accreditation]
    facts: list[Fact]
    digest: str


@functools.cache
def _shipped_texts() -> tuple[dict[str, str], str]:
    """The shipped CSV texts by file name, and their SHA-256 (what a store records as loaded)."""
    import hashlib

    folder = resources.files("harvestwatch.registry") / "data"
    texts = {n: (folder / n).read_text(encoding="utf-8") for n in
             ("hospitals.csv", "accreditations.csv", "facts.csv")}
    return texts, hashlib.sha256("".join(texts[n] for n in sorted(texts)).encode()).hexdigest()


def shipped_digest() -> str:
    """SHA-256 of the shipped registry, without parsing it (a store that has it loads nothing)."""
    return _shipped_texts()[1]


@functools.cache
def load_shipped() -> Shipped:
    """Parse the shipped CSVs (once per process); a broken shipped row is a bug and raises."""
    texts, digest = _shipped_texts()
    hospitals = parse_csv(texts["hospitals.csv"], "registry/data/hospitals.csv",
                          lambda _: None, origin="shipped").hospitals
    ids = {h.id for h in hospitals}

    def by_id(name: str) -> str | None:
        return name if name in ids else None

    acc = parse_csv(texts["accreditations.csv"], "registry/data/accreditations.csv", by_id,
                    origin="shipped").accreditations
    facts = parse_csv(texts["facts.csv"], "registry/data/facts.csv", by_id, origin="shipped").facts
    return Shipped(hospitals, acc, facts, digest)
