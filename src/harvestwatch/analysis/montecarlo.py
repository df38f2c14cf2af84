"""Seeded draws from the priors analyses use: PERT, triangular, uniform or a fixed value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from harvestwatch.core.errors import ValidationError

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Prior:
    """min ≤ mode ≤ max with a shape; ``source`` says where the numbers come from."""

    low: float
    mode: float
    high: float
    shape: str = "pert"  # pert | triangular | uniform | fixed
    source: str = "user"
    bound: str | None = None  # "lower" / "upper": the figure is a bound ("more than 10,000"), drawn at it

    def __post_init__(self) -> None:
        import math

        if not all(math.isfinite(v) for v in (self.low, self.mode, self.high)):
            raise ValidationError(self.source, f"prior values must be finite numbers, got "
                                               f"{self.low}, {self.mode}, {self.high}")
        if not (self.low <= self.mode <= self.high):
            raise ValidationError(self.source, f"prior needs min ≤ mode ≤ max, got "
                                               f"{self.low}, {self.mode}, {self.high}")

    def within(self, low: float, high: float, what: str) -> Prior:
        """This prior, or a ValidationError naming ``what`` when it leaves [low, high]."""
        if self.low < low or self.high > high:
            raise ValidationError(what, f"must lie within {low:g}–{high:g}, got "
                                        f"{self.low:g}–{self.high:g} ({self.source})")
        return self

    @classmethod
    def fixed(cls, value: float, source: str = "user", bound: str | None = None) -> Prior:
        return cls(value, value, value, "fixed", source, bound)

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        import numpy as np

        if self.shape == "fixed" or self.low == self.high:
            return np.full(n, float(self.mode))
        if self.shape == "uniform":
            return rng.uniform(self.low, self.high, n)
        if self.shape == "triangular":
            return rng.triangular(self.low, self.mode, self.high, n)
        # PERT: Beta(α, β) scaled to [low, high], λ = 4
        span = self.high - self.low
        alpha = 1 + 4 * (self.mode - self.low) / span
        beta = 1 + 4 * (self.high - self.mode) / span
        return self.low + span * rng.beta(alpha, beta, n)

    def to_dict(self) -> dict:
        d = {"min": self.low, "mode": self.mode, "max": self.high, "shape": self.shape,
             "source": self.source}
        if self.bound:
            d["bound"] = self.bound
        return d


def quantiles(samples: np.ndarray) -> dict:
    """5, 25, 50, 75 and 95th percentiles: what a chart of an input or result draws."""
    import numpy as np

    q = np.quantile(samples, [0.05, 0.25, 0.5, 0.75, 0.95])
    return dict(zip(("p05", "p25", "p50", "p75", "p95"), map(float, q), strict=True))


def summarise(samples: np.ndarray, level: float = 0.90) -> tuple[float, float, float]:
    """Median and central ``level`` interval of Monte Carlo samples."""
    import numpy as np

    lo, med, hi = np.quantile(samples, [(1 - level) / 2, 0.5, 1 - (1 - level) / 2])
    return float(med), float(lo), float(hi)
