"""Numeric value types: ``Interval`` and ``Quantity``, each with clean/validate/compare."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Interval:
    """A closed interval ``[low, high]`` with an optional point estimate inside it."""

    low: float
    high: float
    point: float | None = None
    level: float | None = None  # e.g. 0.90 for a 90% interval; None for a hard range

    def __post_init__(self) -> None:
        if math.isnan(self.low) or math.isnan(self.high) or self.low > self.high:
            raise ValueError(f"bad interval [{self.low}, {self.high}]")
        if self.point is not None and not (self.low <= self.point <= self.high):
            raise ValueError(f"point {self.point} outside [{self.low}, {self.high}]")

    @classmethod
    def exact(cls, value: float) -> Interval:
        return cls(value, value, value)

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def overlaps(self, other: Interval, rel_tol: float = 0.0) -> bool:
        """True when the intervals meet, each widened by ``rel_tol`` of its magnitude."""
        a_lo, a_hi = self.low - abs(self.low) * rel_tol, self.high + abs(self.high) * rel_tol
        b_lo, b_hi = other.low - abs(other.low) * rel_tol, other.high + abs(other.high) * rel_tol
        return a_lo <= b_hi and b_lo <= a_hi

    @property
    def width(self) -> float:
        return self.high - self.low

    def to_dict(self) -> dict:
        d = {"low": _finite(self.low), "high": _finite(self.high), "point": self.point}
        if self.level is not None:
            d["level"] = self.level
        return d


@functools.lru_cache(maxsize=65536)
def _rounding(value: float) -> float:
    """Half the last written unit of a figure: 4000 → 500, 2866 → 0.5, 2.98 → 0.005."""
    if value == int(value):
        n, zeros = int(abs(value)), 0
        while n and n % 10 == 0:
            n, zeros = n // 10, zeros + 1
        return 0.5 * 10 ** zeros
    decimals = len(repr(float(value)).split(".")[1])
    return 0.5 * 10 ** -decimals


def _close(a: float, b: float, rel_tol: float) -> bool:
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= rel_tol * max(abs(a), abs(b))


def _same_subject(a: str | None, b: str | None) -> bool:
    """Subjects conflict only when both are named in the same script and differ."""
    if not a or not b:
        return True
    return a.isascii() != b.isascii() or a.casefold() == b.casefold()


def _stem(word: str) -> str:
    """"killed", "killing", "kills" → "kill": enough to tell one event word from another."""
    w = word.casefold()
    for suffix in ("ing", "ed", "es", "s"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            return w[: -len(suffix)]
    return w


def _finite(x: float) -> float | None:
    """JSON has no infinity: an open end is written as null."""
    return None if math.isinf(x) else x


@dataclass(frozen=True, slots=True)
class Cue:
    """A word that took part in deciding what a figure counts: its text, offsets and role."""

    word: str
    start: int
    end: int
    role: str  # counted | predicate | modifier | governor | unit | same sentence

    def to_dict(self) -> dict:
        return {"word": self.word, "start": self.start, "end": self.end, "role": self.role}

    @classmethod
    def from_dict(cls, d: dict) -> Cue:
        return cls(d["word"], int(d["start"]), int(d["end"]), d.get("role") or "counted")

    def shifted(self, offset: int) -> Cue:
        return Cue(self.word, self.start + offset, self.end + offset, self.role)


QUALIFIERS = ("over", "under", "about", "at least", "up to", "exactly")

WHAT = (
    "victims", "transplants", "organs", "donors", "registered_donors", "hospitals",
    "beds", "executions", "money", "wait_time", "duration", "other",
)


@dataclass(frozen=True, slots=True)
class Quantity:
    """A normalised quantitative claim: how much of what, over which time scope.

    ``value`` is the stated figure; ``interval`` the range it stands for once the
    qualifier is applied ("over 65,000" → [65000, inf) is kept as low=65000 and
    ``qualifier="over"``; "tens of thousands" → [10000, 99999]).
    """

    interval: Interval
    unit: str
    what: str = "other"
    value: float | None = None
    qualifier: str | None = None
    time_scope: str | None = None  # "per year", "2016", "over a decade" ...
    subject: str | None = None
    decided_by: tuple[Cue, ...] = ()  # the words that decided ``what`` (why it counts this)
    counted_from: str | None = None  # a bare amount that took ``what`` from another figure
    counted: bool = True  # False: no counted noun found (may borrow one from its sentence)

    def __post_init__(self) -> None:
        if self.what not in WHAT:
            raise ValueError(f"unknown quantity kind {self.what!r}; expected one of {WHAT}")
        if self.qualifier is not None and self.qualifier not in QUALIFIERS:
            raise ValueError(f"unknown qualifier {self.qualifier!r}; expected one of {QUALIFIERS}")

    def compatible(self, other: Quantity, rel_tol: float = 0.1) -> bool:
        """The same figure: same kind, unit, time scope, subject and event (when both name
        one), and the stated values within ``rel_tol`` of each other (two exact figures: within
        2% or the precision written) — "over 170,000" does not repeat "2.13 million" although
        the intervals meet. Without stated values (magnitude words, ranges) the intervals must
        match within ``rel_tol``; a range never repeats a figure."""
        if (self.what, self.unit, self.time_scope or None) != (other.what, other.unit,
                                                               other.time_scope or None):
            return False
        if not _same_subject(self.subject, other.subject):
            return False
        if not self.same_event(other):
            return False
        if self.value is not None and other.value is not None:
            if self.qualifier is None and other.qualifier is None:  # two exact figures: equal to
                # the precision written ("4,000" is ±500) or within 2% ("65,000" / "64,000")
                slack = max(_rounding(self.value), _rounding(other.value),
                            0.02 * max(abs(self.value), abs(other.value)))
                return abs(self.value - other.value) <= slack
            return Interval.exact(self.value).overlaps(Interval.exact(other.value), rel_tol / 2)
        if self.value is not None or other.value is not None:
            return False
        a, b = self.interval, other.interval
        return _close(a.low, b.low, rel_tol) and _close(a.high, b.high, rel_tol)

    @property
    def events(self) -> frozenset[str]:
        """What happened to the counted, as its sentence says ("killed", "detained"), stemmed."""
        return frozenset(_stem(c.word) for c in self.decided_by if c.role == "predicate")

    def same_event(self, other: Quantity) -> bool:
        """"1 million detained" and "65,000 killed" count different events; a figure whose
        sentence names no event may count either."""
        return not (self.events and other.events) or bool(self.events & other.events)

    def to_dict(self) -> dict:
        return {
            "value": self.value, "low": _finite(self.interval.low),
            "high": _finite(self.interval.high), "point": self.interval.point,
            "qualifier": self.qualifier, "unit": self.unit, "what": self.what,
            "time_scope": self.time_scope, "subject": self.subject,
        } | ({"decided_by": [c.to_dict() for c in self.decided_by]} if self.decided_by else {}) | (
            {"counted_from": self.counted_from} if self.counted_from else {}) | (
            {} if self.counted else {"counted": False})

    @classmethod
    def from_dict(cls, d: dict) -> Quantity:
        """The reading stored by ``to_dict`` (open ends written as null)."""
        low = -math.inf if d.get("low") is None else float(d["low"])
        high = math.inf if d.get("high") is None else float(d["high"])
        value = d.get("value")
        if "point" in d:
            point = None if d["point"] is None else float(d["point"])
        else:  # written before the point was kept: the stated value, when it lies inside
            point = float(value) if value is not None and low <= float(value) <= high else None
        what = d.get("what") if d.get("what") in WHAT else "other"
        qualifier = d.get("qualifier") if d.get("qualifier") in QUALIFIERS else None
        return cls(Interval(low, high, point), d.get("unit") or "", what,
                   None if value is None else float(value), qualifier, d.get("time_scope"),
                   d.get("subject"), tuple(Cue.from_dict(c) for c in d.get("decided_by") or ()),
                   d.get("counted_from"), d.get("counted", True) is not False)
