"""Peer series from the WHO–ONT Global Observatory (GODT) export 2000–2017, with provenance.

The export ships byte for byte in ``analysis/data/godt/`` (``SOURCE.md`` says where it came
from). Each peer value cites its file line and quotes the raw CSV row. A metric maps to one
export column — the donor definition (actual vs utilised, DBD vs DCD, by organ); peers are
taken over exactly the years of the series tested, countries with a count for every one.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib import resources

FILE = "godt/global-organ-donation_2018.csv"
SOURCE_TITLE = "WHO–ONT Global Observatory on Donation and Transplantation, data export 2018"
SOURCE_URL = "https://www.transplant-observatory.org"
YEARS = (2000, 2017)

# metric (after aliases) → export column: the same definition on both sides.
COLUMNS = {
    "deceased_donors": "TOTAL Actual DD", "deceased_donors_DBD": "Actual DBD",
    "deceased_donors_DCD": "Actual DCD", "utilized_deceased_donors": "Total Utilized DD",
    "transplants_kidney": "TOTAL Kidney Tx", "transplants_kidney_total": "TOTAL Kidney Tx",
    "transplants_kidney_deceased_donor": "DD Kidney Tx", "transplants_deceased_donor_kidney": "DD Kidney Tx",
    "transplants_kidney_living_donor": "LD Kidney Tx", "transplants_living_donor_kidney": "LD Kidney Tx",
    "transplants_liver": "TOTAL Liver TX", "transplants_liver_total": "TOTAL Liver TX",
    "transplants_liver_deceased_donor": "DD Liver Tx", "transplants_liver_living_donor": "LD Liver Tx",
    "transplants_heart": "Total Heart", "transplants_heart_total": "Total Heart",
    "transplants_lung": "TOTAL Lung Tx", "transplants_lung_total": "TOTAL Lung Tx",
}
# The export's names of countries whose shipped datasets use another code.
COUNTRY_NAMES = {"CN": "China", "US": "United States of America", "ES": "Spain", "FR": "France",
                 "DE": "Germany", "IT": "Italy", "GB": "United Kingdom", "AU": "Australia",
                 "BR": "Brazil", "CA": "Canada", "IN": "India", "IR": "Iran (Islamic Republic of)",
                 "JP": "Japan", "KR": "Republic of Korea"}


@dataclass(frozen=True)
class PeerSeries:
    country: str
    column: str
    years: tuple[int, ...]
    values: tuple[float, ...]
    lines: tuple[int, ...]  # file lines, for citation

    @property
    def origins(self) -> list[str]:
        return [f"{FILE}:{line}" for line in self.lines]


@functools.cache
def _table() -> tuple[tuple[int, dict[str, str]], ...]:
    text = resources.files("harvestwatch.analysis").joinpath("data").joinpath(FILE).read_text(encoding="utf-8")
    return tuple(enumerate(csv.DictReader(io.StringIO(text)), start=2))


def column_for(metric: str) -> str | None:
    return COLUMNS.get(metric)


def raw_line(line: int) -> str:
    """The export's CSV row at ``line``: the quote for a peer value."""
    text = resources.files("harvestwatch.analysis").joinpath("data").joinpath(FILE).read_text(encoding="utf-8")
    return text.splitlines()[line - 1]


def peers(metric: str, years: list[int], *, exclude_country: str | None = None) -> list[PeerSeries]:
    """Countries with a positive count in ``column_for(metric)`` for every year in ``years``
    (restricted to the export's 2000–2017); none when the metric has no matching column."""
    column = column_for(metric)
    window = [y for y in years if YEARS[0] <= y <= YEARS[1]]
    if column is None or not window:
        return []
    skip = COUNTRY_NAMES.get(exclude_country or "", exclude_country)
    by_country: dict[str, dict[int, tuple[float, int]]] = {}
    for line, row in _table():
        y = int(row["REPORTYEAR"])
        if y not in window or row["COUNTRY"] == skip:
            continue
        raw = (row.get(column) or "").strip()
        if raw in ("", "NA"):
            continue
        try:
            v = float(raw)
        except ValueError:
            continue
        by_country.setdefault(row["COUNTRY"], {})[y] = (v, line)
    out = []
    for country, vals in sorted(by_country.items()):
        if all(y in vals for y in window) and sum(vals[y][0] for y in window) > 0:
            out.append(PeerSeries(country, column, tuple(window), tuple(vals[y][0] for y in window),
                                  tuple(vals[y][1] for y in window)))
    return out
