"""What a figure measures, read from its unit and metric: a count, a rate, a population or other.

Counting tests (Poisson/negative-binomial) apply to counts only: people, organs or events
counted one by one in a period. Rates per million, shares, populations in millions,
durations and statistics are not counts and are refused with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_RATE = re.compile(r"per\s+million|\bpmp\b|per\s+\d|percent|%|\brate\b|fraction|share|ratio|"
                   r"r-squared|r\^2|r²|/year|per year|per day|average|mean", re.I)
_POPULATION = re.compile(r"^\s*(million|millions|population|inhabitants|people \(million)", re.I)
_DURATION = re.compile(r"\b(days?|weeks?|months?|years?|minutes?|hours?)\b", re.I)
_COUNT = re.compile(r"donors?|donations?|transplants?|organs?|executions?|surger(y|ies)|"
                    r"operations?|cases?|patients?|candidates?|registrants?|registered|volunteers?|"
                    r"persons?|people|hospitals?|centers?|centres?|beds?|papers?|publications?|"
                    r"institutions?|OPOs?|countries|studies|teams?", re.I)
# Counts of events or people in a period: the ones a yearly counting test is about.
_EVENT = re.compile(r"donors?|donations?|transplants?|organs?|executions?|surger(y|ies)|"
                    r"operations?|cases?", re.I)
_STOCK = re.compile(r"regist|volunteers?|hospitals?|cent(er|re)s?|beds?|papers?|publications?|"
                    r"institutions?|OPOs?|waiting|cumulative", re.I)
_METRIC_RATE = re.compile(r"_pmp\b|_pmp_|_rate\b|_share\b|_r2\b|_percent", re.I)


@dataclass(frozen=True)
class Kind:
    """``kind`` is count | rate | population | duration | other; ``reason`` says why."""

    kind: str
    reason: str

    @property
    def is_count(self) -> bool:
        return self.kind == "count"


def kind_of(unit: str, metric: str = "") -> Kind:
    """Classify a figure by its unit first, then its metric name."""
    u = (unit or "").strip()
    if _POPULATION.search(u) or metric.endswith("population"):
        return Kind("population", f"unit {u!r} is a population, not a count of events")
    if _RATE.search(u) or _METRIC_RATE.search(metric):
        return Kind("rate", f"unit {u!r} is a rate or share, not a count")
    if _DURATION.search(u) and not _COUNT.search(u):
        return Kind("duration", f"unit {u!r} is a duration, not a count")
    if _COUNT.search(u):
        return Kind("count", f"unit {u!r} counts things one by one")
    return Kind("other", f"unit {u!r} is not recognised as a count")


def is_event_count(unit: str, metric: str = "") -> bool:
    """Counts of events in a period (donors, transplants, organs, executions): what
    yearly counting tests apply to; stocks such as hospitals or beds are counts but not events."""
    if not kind_of(unit, metric).is_count or _STOCK.search(unit) or _STOCK.search(metric):
        return False
    return bool(_EVENT.search(unit) or _EVENT.search(metric))
