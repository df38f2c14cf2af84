"""Capacity-based transplant volume (METHODS §3): beds × occupancy × 365 / length of stay.

Uncertainty shared by every hospital (how full beds are, how long a transplant patient
stays) is drawn once per simulation and applied to all hospitals; uncertainty that belongs
to one hospital (its bed count, its own occupancy or stay when stated) is drawn per
hospital. Summing independent draws for shared quantities would fake precision (169
hospitals looked 13× more certain than one). Volume is capped by surgical teams ×
operations per team when both are given. A tornado table ranks what moves the total.
Reported as "consistent with N–M transplants a year given these inputs", never as a fact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harvestwatch.analysis.montecarlo import Prior, quantiles, summarise
from harvestwatch.analysis.result import AnalysisResult, Input
from harvestwatch.core.errors import ValidationError
from harvestwatch.core.quantity import Interval

LIMITS = {"beds": (1, 20_000), "occupancy": (0.01, 1.0), "length_of_stay": (1, 365),
          "teams": (0, 1_000), "operations_per_team": (0, 5_000)}


@dataclass(frozen=True)
class Provenance:
    """Where a hospital's figures come from: a source, and the exact quote or file row."""

    source: str
    quote: str = ""
    row: str = ""  # e.g. "registry/hospitals.csv:12"

    def label(self) -> str:
        return self.source + (f" [{self.row}]" if self.row else "")


def beds_prior(beds: float | tuple[float, float] | tuple[float, float, float] | Prior, source: str) -> Prior:
    """Beds as a value, an interval (low, high: uniform) or (low, mode, high: PERT)."""
    if isinstance(beds, Prior):
        return beds
    if isinstance(beds, int | float):
        return Prior.fixed(float(beds), source)
    if len(beds) == 2:
        lo, hi = sorted(map(float, beds))
        return Prior(lo, (lo + hi) / 2, hi, "uniform", source)
    return Prior(*map(float, beds), "pert", source)


@dataclass(frozen=True)
class HospitalInput:
    """One hospital for the capacity model; per-hospital priors override the shared ones."""

    name: str
    beds: Prior  # transplant beds; its spread is this hospital's own uncertainty
    provenance: Provenance
    occupancy: Prior | None = None  # this hospital's own, drawn per hospital
    length_of_stay: Prior | None = None
    teams: Prior | None = None
    operations_per_team: Prior | None = None

    @classmethod
    def of(cls, name: str, beds, provenance: Provenance, **priors: Prior | None) -> HospitalInput:
        return cls(name, beds_prior(beds, provenance.label()), provenance, **priors)

    def validate(self) -> HospitalInput:
        for field_name, (lo, hi) in LIMITS.items():
            p = getattr(self, field_name)
            if p is not None:
                p.within(lo, hi, f"{self.name}: {field_name.replace('_', ' ')}")
        if self.beds.high <= 0:
            raise ValidationError(f"{self.name}: beds", "must be positive")
        return self


@dataclass(frozen=True)
class SharedAssumptions:
    """Uncertainty common to all hospitals, drawn once per simulation."""

    occupancy: Prior
    length_of_stay: Prior

    def validate(self) -> SharedAssumptions:
        self.occupancy.within(*LIMITS["occupancy"], "shared occupancy")
        self.length_of_stay.within(*LIMITS["length_of_stay"], "shared length of stay")
        return self


def _volume(beds, occupancy, los, teams=None, ops=None):
    v = beds * occupancy * 365.0 / los
    if teams is not None and ops is not None:
        v = np.minimum(v, teams * ops)
    return v


def _simulate(hospitals: list[HospitalInput], shared: SharedAssumptions | None,
              rng: np.random.Generator, n: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Total capacity per draw, and the drawn inputs a chart shows (shared ones, total beds)."""
    occ = shared.occupancy.draw(rng, n) if shared else None  # once per simulation, for everyone
    los = shared.length_of_stay.draw(rng, n) if shared else None
    total = np.zeros(n)
    beds_total = np.zeros(n)
    for h in hospitals:
        beds = h.beds.draw(rng, n)
        beds_total += beds
        total += _volume(beds,
                         h.occupancy.draw(rng, n) if h.occupancy else occ,
                         h.length_of_stay.draw(rng, n) if h.length_of_stay else los,
                         h.teams.draw(rng, n) if h.teams else None,
                         h.operations_per_team.draw(rng, n) if h.operations_per_team else None)
    drawn = {"beds_total": beds_total}
    if shared:
        drawn |= {"shared_occupancy": occ, "shared_length_of_stay": los}
    return total, drawn


def _at(hospitals: list[HospitalInput], shared: SharedAssumptions | None, vary: str | None = None,
        end: str = "mode") -> float:
    def pick(p: Prior | None, name: str):
        if p is None:
            return None
        return (p.low if end == "low" else p.high) if name == vary else p.mode

    total = 0.0
    for h in hospitals:
        occ = h.occupancy or (shared.occupancy if shared else None)
        los = h.length_of_stay or (shared.length_of_stay if shared else None)
        total += float(_volume(pick(h.beds, "beds"), pick(occ, "occupancy"), pick(los, "length_of_stay"),
                               pick(h.teams, "teams"), pick(h.operations_per_team, "operations_per_team")))
    return total


def capacity_model(hospitals: list[HospitalInput], shared: SharedAssumptions | None = None, *,
                   draws: int = 100_000, seed: int = 0, level: float = 0.90) -> AnalysisResult:
    """Annual transplant capacity of ``hospitals`` as a median and ``level`` interval."""
    if not hospitals:
        raise ValidationError("hospitals", "capacity needs at least one hospital")
    if shared is not None:
        shared.validate()
    for h in hospitals:
        h.validate()
        if (h.occupancy is None or h.length_of_stay is None) and shared is None:
            raise ValidationError(h.name, "no occupancy or length of stay: give the hospital's own or "
                                          "shared assumptions (CLI: --occupancy and --los)")
    rng = np.random.default_rng(seed)
    samples, drawn = _simulate(hospitals, shared, rng, draws)
    med, lo, hi = summarise(samples, level)
    tornado = []
    for name, label in (("beds", "beds (every hospital)"), ("occupancy", "occupancy"),
                        ("length_of_stay", "length of stay"), ("teams", "surgical teams"),
                        ("operations_per_team", "operations per team")):
        if all(getattr(h, name, None) is None for h in hospitals) and not (
                shared and name in ("occupancy", "length_of_stay")):
            continue
        a, b = _at(hospitals, shared, name, "low"), _at(hospitals, shared, name, "high")
        tornado.append({"input": label, "at_min": a, "at_max": b, "swing": abs(b - a)})
    tornado.sort(key=lambda r: -r["swing"])
    inputs = []
    if shared:
        inputs += [Input("shared.occupancy", shared.occupancy.to_dict(), shared.occupancy.source),
                   Input("shared.length_of_stay", shared.length_of_stay.to_dict(), shared.length_of_stay.source)]
    for h in hospitals:
        for name in ("beds", "occupancy", "length_of_stay", "teams", "operations_per_team"):
            p = getattr(h, name)
            if p is not None:
                inputs.append(Input(f"{h.name}.{name}", p.to_dict(), p.source,
                                    h.provenance.quote or None, None))
    rel = (hi - lo) / med if med else float("nan")
    return AnalysisResult(
        method="capacity (beds × occupancy × 365 / length of stay; Monte Carlo)",
        question=f"How many transplants a year could these {len(hospitals)} hospital(s) perform?",
        point=med, interval=Interval(lo, hi, med, level), unit="transplants/year",
        assumptions=[
            "Each occupied transplant bed serves one transplant admission per length of stay.",
            "Shared occupancy and length of stay are drawn once per simulation for every hospital "
            "(their uncertainty does not average out over hospitals); each hospital's beds, and its "
            "own occupancy or stay where given, are drawn per hospital.",
            "Where surgical teams are given, volume is capped at teams × operations per team.",
            "Capacity is what the beds allow, not what was done: it bounds volume from above.",
            f"{level:.0%} interval from {draws:,} seeded draws; the median is the point.",
        ],
        inputs=inputs, seed=seed,
        details={"hospitals": len(hospitals), "draws": draws, "tornado": tornado,
                 "mode_estimate": _at(hospitals, shared), "relative_width": rel,
                 "distributions": {k: quantiles(v) for k, v in drawn.items()} | {"capacity": quantiles(samples)},
                 "shared": {"occupancy": shared.occupancy.to_dict(),
                            "length_of_stay": shared.length_of_stay.to_dict()} if shared else None},
        conclusion=f"Consistent with {lo:,.0f}–{hi:,.0f} transplants a year given these inputs "
                   f"(median {med:,.0f}; {len(hospitals)} hospital(s)); capacity bounds volume from above.")
