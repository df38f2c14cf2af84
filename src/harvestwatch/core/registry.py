"""Typed records of the transplant-centre registry: hospitals, accreditations, facts, proposals."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from harvestwatch.core.errors import ValidationError

# What a fact measures. Values of wait metrics are in days; occupancy is a share (1.0 = full).
METRICS: dict[str, str] = {
    "beds": "beds of the whole hospital",
    "transplant_beds": "beds of a transplant ward, department or centre",
    "department_beds": "beds of a department that transplants among other work (urology, hepatobiliary, dialysis)",
    "transplants_performed": "transplants performed over a stated period (cumulative)",
    "transplants_per_year": "transplants performed in one year",
    "transplants_in_one_day": "transplants performed in one day (a stated record)",
    "staff": "staff of the transplant department (doctors, surgeons, specialists)",
    "surgical_teams": "transplant surgical teams",
    "occupancy": "share of (transplant) beds occupied, 1.0 = full",
    "length_of_stay": "days a transplant patient stays",
    "advertised_wait": "waiting time for an organ, in days (advertised, quoted or in a case)",
    "construction": "new building or ward for transplants (beds or floor space)",
    "operating_rooms": "operating rooms",
}
DECISIONS = ("accept", "reject")


@dataclass(frozen=True)
class SourceRef:
    """Where a fact comes from: a URL with the exact quote, or a span of a stored document."""

    title: str | None = None
    url: str | None = None
    quote: str | None = None
    document_sha256: str | None = None
    start: int | None = None
    end: int | None = None

    def __post_init__(self) -> None:
        if self.document_sha256 is None and not (self.url and self.quote):
            raise ValueError("a source needs a URL and its exact quote, or a document span")

    @property
    def label(self) -> str:
        if self.document_sha256:
            return f"document {self.document_sha256[:12]}#span-{self.start}-{self.end}"
        return self.url or ""

    def to_dict(self) -> dict:
        return {"title": self.title, "url": self.url, "quote": self.quote,
                "document_sha256": self.document_sha256, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Alias:
    """One name of a hospital: ``lang`` is en, zh-Hans or zh-Hant; ``kind`` says how it was made."""

    name: str
    lang: str
    kind: str = "alias"  # canonical | alias | abbreviation | converted


@dataclass(frozen=True)
class Accreditation:
    """A hospital's place on one list (``NHFPC-2013``, ``Beijing-2007``, ``KMG-2016:...``)."""

    hospital_id: str
    list_name: str
    year: int | None
    organs: tuple[str, ...]
    source: SourceRef
    verified: str = "yes"

    @property
    def official(self) -> bool:
        """Lists published by Chinese health authorities (not NGO classifications)."""
        return not self.list_name.startswith("KMG")


@dataclass(frozen=True)
class Fact:
    """One sourced figure about a hospital; facts that disagree are all kept."""

    hospital_id: str
    metric: str
    value: float
    unit: str
    source: SourceRef
    value_high: float | None = None
    year: int | None = None
    date: str | None = None
    scope: str | None = None
    verified: str = "yes"
    notes: str | None = None
    id: int | None = None
    origin: str = "shipped"
    restricted: bool = False

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise ValueError(f"unknown metric {self.metric!r}; expected one of {', '.join(METRICS)}")
        if math.isnan(self.value) or (self.value_high is not None and self.value_high < self.value):
            raise ValueError(f"bad value {self.value}–{self.value_high}")

    @property
    def low(self) -> float:
        return self.value

    @property
    def high(self) -> float:
        return self.value if self.value_high is None else self.value_high

    def to_dict(self) -> dict:
        return {"id": self.id, "hospital_id": self.hospital_id, "metric": self.metric,
                "value": self.value, "value_high": self.value_high, "unit": self.unit,
                "year": self.year, "date": self.date, "scope": self.scope,
                "verified": self.verified, "notes": self.notes, "origin": self.origin,
                "source": self.source.to_dict()}


@dataclass
class Hospital:
    """A transplant hospital as a first-class record, with every name it goes by."""

    id: str
    name_en: str
    name_zh_hans: str | None
    name_zh_hant: str | None
    city: str | None
    province: str | None
    affiliation: str  # civilian | military | military (armed police)
    source: SourceRef
    aliases: list[Alias] = field(default_factory=list)
    origin: str = "shipped"

    @property
    def military(self) -> bool:
        return self.affiliation.startswith("military")

    def names(self) -> list[Alias]:
        out = [Alias(self.name_en, "en", "canonical")]
        if self.name_zh_hans:
            out.append(Alias(self.name_zh_hans, "zh-Hans", "canonical"))
        if self.name_zh_hant and self.name_zh_hant != self.name_zh_hans:
            out.append(Alias(self.name_zh_hant, "zh-Hant", "converted"))
        return out + self.aliases


@dataclass(frozen=True)
class Proposal:
    """A figure found near a hospital mention in a document, waiting for a reviewer."""

    hospital_id: str
    metric: str
    value: float
    value_high: float | None
    unit: str
    year: int | None
    document_sha256: str
    start: int  # the sentence the figure is in
    end: int
    quote: str
    reason: str  # why the figure is attributed to this hospital
    item_start: int | None = None  # the figure itself
    item_end: int | None = None


def parse_number(raw: str, where: str, what: str) -> float:
    """A number written with optional thousands separators; errors name the row and column."""
    try:
        value = float(str(raw).replace(",", "").strip())
    except ValueError:
        raise ValidationError(where, f"{what} must be a number, got {raw!r}") from None
    if math.isnan(value) or math.isinf(value):
        raise ValidationError(where, f"{what} must be a finite number, got {raw!r}")
    return value
