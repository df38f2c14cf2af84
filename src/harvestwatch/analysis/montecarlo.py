"""Seeded draws from the priors analyses use: PERT, triangular, uniform or a fixed value."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harvestwatch.core.errors import ValidationError


@dataclass(frozen=True)
class Prior:
    """min ≤ mode ≤ max with a shape; ``source`` says where the numbers come from."""

    low: float
    mode: float
    high: float
    shape: str = "pert"  # pert | triangular | uniform | fixed
    source: str = "user"

    def __post_init__(self) -> None:
        if not (self.low <= self.mode <= self.high):
            raise ValidationError(self.source, f"prior needs min ≤ mode ≤ max, got "
                                               f"{self.low}, {self.mode}, {self.high}")

    @classmethod
    def fixed(cls, value: float, source: str = "user") -> Prior:
        return cls(value, value, value, "fixed", source)

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
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
        return {"min": self.low, "mode": self.mode, "max": self.high, "shape": self.shape,
                "source": self.source}


def summarise(samples: np.ndarray, level: float = 0.90) -> tuple[float, float, float]:
    """Median and central ``level`` interval of Monte Carlo samples."""
    lo, med, hi = np.quantile(samples, [(1 - level) / 2, 0.5, 1 - (1 - level) / 2])
    return float(med), float(lo), float(hi)
