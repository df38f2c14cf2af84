"""Waiting-time inference (METHODS §4): Little's law and blood-group matching.

An advertised wait belongs to the population it was advertised for (one hospital, foreign
patients); it is applied to a national waiting list only when the user says so. Little's law
needs a mean wait: a median is not a mean, and for right-skewed waits the mean is longer, so
a median gives an upper bound on the implied supply rate. The conclusion is composed from
the numbers: "available on demand" only when the implied supply is large next to what
deceased donation reportedly provides; a wait of years says the opposite.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harvestwatch.analysis.montecarlo import Prior, quantiles, summarise
from harvestwatch.analysis.result import AnalysisResult, Input
from harvestwatch.core.errors import ValidationError
from harvestwatch.core.quantity import Interval

ABO_COMPATIBLE_DONORS = {"O": ("O",), "A": ("A", "O"), "B": ("B", "O"), "AB": ("O", "A", "B", "AB")}
STATISTICS = ("mean", "median")
ON_DEMAND_RATIO = 0.5  # implied supply ≥ half the reported national volume, for one population
SCARCE_WAIT_DAYS = 365  # waits of a year or more are what scarce deceased donation produces


def match_probability(freqs: dict[str, float]) -> float:
    """Chance that a random donor is ABO-compatible with a random recipient (same population)."""
    total = sum(freqs.values())
    f = {k: v / total for k, v in freqs.items()}
    return sum(f[r] * sum(f[d] for d in ABO_COMPATIBLE_DONORS[r]) for r in f)


@dataclass(frozen=True)
class WaitQuestion:
    """What was advertised: a wait, its statistic, the population it is for and that population's list."""

    wait_days: float
    waiting_list: Prior  # people waiting in ``population``
    population: str = "the stated waiting list"  # e.g. "patients of hospital X", "foreign patients"
    statistic: str = "mean"  # mean | median
    organ: str = "kidney"
    reported_volume: Prior | None = None  # transplants a year reported for comparison (e.g. national)
    reported_volume_label: str = ""

    def validate(self) -> WaitQuestion:
        import math

        if not math.isfinite(self.wait_days) or self.wait_days <= 0:
            raise ValidationError("--wait-days", f"a wait must be a positive number of days, got {self.wait_days:g}")
        if self.statistic not in STATISTICS:
            raise ValidationError("--statistic", f"choose mean or median, got {self.statistic!r}")
        self.waiting_list.within(1, 1e8, "waiting list")
        if self.reported_volume is not None:
            self.reported_volume.within(0, 1e8, "reported volume")
        return self


def waiting_inference(wait_days: float | WaitQuestion, waiting_list: Prior | None = None,
                      blood_groups: dict[str, float] | None = None, crossmatch_negative: Prior | None = None,
                      *, comparison: list[Input] | None = None, organ: str = "kidney", draws: int = 100_000,
                      seed: int = 0, level: float = 0.90) -> AnalysisResult:
    """What an advertised wait implies about the supply rate and the donor pool.

    Little's law L = λ·W gives λ = L / W (organs a year for the stated population); the
    expected number of donors screened per recipient is 1 / (p_ABO × p_crossmatch).
    """
    q = wait_days if isinstance(wait_days, WaitQuestion) else WaitQuestion(float(wait_days), waiting_list,
                                                                           organ=organ)
    q.validate()
    blood_groups = blood_groups or {"O": 1.0}
    crossmatch_negative = crossmatch_negative or Prior.fixed(1.0, "no crossmatch")
    rng = np.random.default_rng(seed)
    L = q.waiting_list.draw(rng, draws)
    lam = L / (q.wait_days / 365.0)
    p_abo = match_probability(blood_groups)
    p_x = crossmatch_negative.draw(rng, draws) if q.organ == "kidney" else np.ones(draws)
    donors_per_match = 1.0 / (p_abo * p_x)
    med, lo, hi = summarise(lam, level)
    d_med, d_lo, d_hi = summarise(donors_per_match, level)
    donors_needed_per_year = lam * donors_per_match
    n_med, n_lo, n_hi = summarise(donors_needed_per_year, level)
    inputs = [Input("wait_days", q.wait_days, "user"),
              Input("waiting_list", q.waiting_list.to_dict(), q.waiting_list.source),
              Input("blood_group_frequencies", blood_groups, "prior"),
              Input("crossmatch_negative", crossmatch_negative.to_dict(), crossmatch_negative.source)]
    if q.reported_volume is not None:
        inputs.append(Input("reported_volume", q.reported_volume.to_dict(), q.reported_volume.source))
    inputs += comparison or []
    ratio = None
    if q.reported_volume is not None and q.reported_volume.mode > 0:
        ratio = med / q.reported_volume.mode
    # Words that follow the numbers.
    bound = ""
    if q.statistic == "median":
        bound = (" The advertised figure is a median; the mean of a right-skewed wait is longer, so "
                 "these rates are upper bounds.")
    head = (f"A {q.statistic} wait of {q.wait_days:,.0f} days for a {q.organ} among {q.population} implies "
            f"a supply of {lo:,.0f}–{hi:,.0f} organs a year for that population (median {med:,.0f}); each "
            f"match needs about {d_med:.1f} donors screened.")
    if q.wait_days >= SCARCE_WAIT_DAYS:
        verdict = (" A wait of years is what scarce deceased donation produces; it gives no sign of a "
                   "donor pool available on demand.")
    elif ratio is not None and ratio >= ON_DEMAND_RATIO:
        verdict = (f" That is {ratio:.1f}× the {q.reported_volume_label or 'reported volume'} "
                   f"({q.reported_volume.mode:,.0f} a year): a wait this short for this population would need "
                   f"organs available on demand, beyond what the reported donation provides.")
    elif ratio is not None:
        verdict = (f" That is {ratio:.2f}× the {q.reported_volume_label or 'reported volume'} "
                   f"({q.reported_volume.mode:,.0f} a year): within what reported donation could supply, "
                   f"so the wait alone does not show an on-demand pool.")
    else:
        verdict = (" No reported volume for this population was given to compare with, so the wait alone "
                   "says nothing about an on-demand pool.")
    return AnalysisResult(
        method="waiting-time inference (Little's law + ABO/crossmatch matching)",
        question=f"What does an advertised {q.statistic} wait of {q.wait_days:g} days for a {q.organ} "
                 f"among {q.population} imply?",
        point=med, interval=Interval(lo, hi, med, level), unit="organs/year",
        assumptions=[
            "Little's law: people waiting = arrival rate × mean wait, in a steady state.",
            f"The wait applies to {q.population}, with the waiting list of that population "
            f"({q.waiting_list.source}).",
            ("The advertised wait is taken as a mean." if q.statistic == "mean" else
             "The advertised wait is a median, used in place of the mean: rates are upper bounds."),
            "Donors and recipients share the stated blood-group frequencies; ABO compatibility "
            "only (no HLA matching beyond the crossmatch probability).",
        ],
        inputs=inputs, seed=seed,
        details={"abo_match_probability": p_abo,
                 "donors_per_match": {"median": d_med, "low": d_lo, "high": d_hi},
                 "donors_screened_per_year": {"median": n_med, "low": n_lo, "high": n_hi},
                 "ratio_to_reported_volume": ratio, "wait_days": q.wait_days, "organ": q.organ,
                 "population": q.population, "statistic": q.statistic,
                 "distributions": {"waiting_list": quantiles(L), "implied_supply": quantiles(lam)}},
        conclusion=head + verdict + bound)
