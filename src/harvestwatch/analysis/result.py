"""The result every analysis returns: point, interval, method, assumptions, inputs, seed."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from harvestwatch import __version__
from harvestwatch.core.quantity import Interval


@dataclass
class Input:
    """One input figure and where it came from (a dataset row, a document span or the user)."""

    name: str
    value: float | str | list | None
    source: str  # "CN:deceased_donors@file.csv:12", "document <sha>:<start>-<end>", "user", "prior"
    quote: str | None = None
    url: str | None = None


@dataclass
class AnalysisResult:
    method: str
    question: str
    point: float | None
    interval: Interval | None
    unit: str
    assumptions: list[str]
    inputs: list[Input]
    details: dict = field(default_factory=dict)
    seed: int | None = None
    conclusion: str = ""
    version: str = __version__

    def to_dict(self) -> dict:
        d = asdict(self)
        d["interval"] = self.interval.to_dict() if self.interval else None
        return _clean(d)


def _clean(obj):
    """JSON-safe: NaN/inf → None, tuples → lists."""
    if isinstance(obj, float):
        return None if math.isnan(obj) or math.isinf(obj) else obj
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    return obj
