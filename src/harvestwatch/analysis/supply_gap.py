"""Supply gap (METHODS §2): transplants minus what legitimate sources can supply.

supply = deceased donors × organs per donor × (1 − discard rate) + living-donor transplants
+ other stated sources. Every term is a distribution with its source. A term given only as a
bound ("more than 10,000") is drawn at the bound and makes the result one-sided: a lower bound
on transplants makes the gap a lower bound; a lower bound on a supply term makes it an upper
bound; bounds pulling both ways leave no one-sided statement. Terms left out are named,
with the direction in which leaving them out moves the gap.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from harvestwatch.analysis.montecarlo import Prior, quantiles, summarise
from harvestwatch.analysis.result import AnalysisResult, Input
from harvestwatch.core.quantity import Interval


@dataclass
class SupplyInputs:
    """The terms of one year's supply gap; ``missing`` says which terms have no figure and why."""

    transplants: Prior
    deceased_donors: Prior
    organs_per_donor: Prior
    living_transplants: Prior | None = None  # a count of living-donor transplants
    living_share: Prior | None = None  # or the share of transplants from living donors (0–1)
    discard_rate: Prior | None = None  # share of procured organs not transplanted (0–1)
    other_sources: dict[str, Prior] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    year: int | None = None

    def validate(self) -> SupplyInputs:
        self.transplants.within(0, 1e7, "transplants")
        self.deceased_donors.within(0, 1e7, "deceased donors")
        self.organs_per_donor.within(0.01, 8, "organs per donor")
        if self.living_transplants is not None:
            self.living_transplants.within(0, 1e7, "living-donor transplants")
        if self.living_share is not None:
            self.living_share.within(0, 1, "living-donor share")
        if self.discard_rate is not None:
            self.discard_rate.within(0, 1, "discard rate")
        for name, p in self.other_sources.items():
            p.within(0, 1e7, name)
        return self


def _direction(inputs: SupplyInputs) -> str | None:
    """'lower' when the gap is a lower bound, 'upper' when an upper bound, 'mixed', or None."""
    signs = []
    for prior, sign in ((inputs.transplants, +1), (inputs.deceased_donors, -1), (inputs.organs_per_donor, -1),
                        (inputs.living_transplants, -1), (inputs.living_share, -1), (inputs.discard_rate, +1),
                        *((p, -1) for p in inputs.other_sources.values())):
        if prior is not None and prior.bound:
            signs.append(sign * (1 if prior.bound == "lower" else -1))
    if not signs:
        return None
    if all(s > 0 for s in signs):
        return "lower"
    if all(s < 0 for s in signs):
        return "upper"
    return "mixed"


def supply_gap(transplants: Prior, deceased_donors: Prior, organs_per_donor: Prior,
               living_donor_transplants: Prior | None = None,
               other_sources: dict[str, Prior] | None = None, *, draws: int = 100_000,
               seed: int = 0, level: float = 0.90) -> AnalysisResult:
    """Unexplained organs = transplants − (donors × organs per donor + living + other sources)."""
    return supply_gap_for(SupplyInputs(transplants, deceased_donors, organs_per_donor,
                                       living_donor_transplants, other_sources=other_sources or {}),
                          draws=draws, seed=seed, level=level)


def supply_gap_for(inputs: SupplyInputs, *, draws: int = 100_000, seed: int = 0,
                   level: float = 0.90) -> AnalysisResult:
    inputs.validate()
    rng = np.random.default_rng(seed)
    t = inputs.transplants.draw(rng, draws)
    donors = inputs.deceased_donors.draw(rng, draws)
    opd = inputs.organs_per_donor.draw(rng, draws)
    kept = 1 - inputs.discard_rate.draw(rng, draws) if inputs.discard_rate else np.ones(draws)
    deceased = donors * opd * kept
    supply = deceased.copy()
    drawn = {"transplants": t, "deceased_donors": donors, "organs_per_donor": opd}
    if inputs.discard_rate:
        drawn["discard_rate"] = 1 - kept
    if inputs.living_transplants is not None:
        living = inputs.living_transplants.draw(rng, draws)
    elif inputs.living_share is not None:
        share = inputs.living_share.draw(rng, draws)
        drawn["living_share"] = share
        living = t * share
    else:
        living = None
    if living is not None:
        supply = supply + living
        drawn["living_transplants"] = living
    for name, prior in inputs.other_sources.items():
        x = prior.draw(rng, draws)
        drawn[name] = x
        supply = supply + x
    gap = t - supply
    med, lo, hi = summarise(gap, level)
    s_med, s_lo, s_hi = summarise(supply, level)
    direction = _direction(inputs)
    priors = [("transplants", inputs.transplants), ("deceased_donors", inputs.deceased_donors),
              ("organs_per_donor", inputs.organs_per_donor), ("living_donor_transplants", inputs.living_transplants),
              ("living_donor_share", inputs.living_share), ("discard_rate", inputs.discard_rate),
              *inputs.other_sources.items()]
    in_list = [Input(name, p.to_dict(), p.source) for name, p in priors if p is not None]
    share_pos = float(np.mean(gap > 0))
    year = f" in {inputs.year}" if inputs.year else ""
    if direction == "lower":
        head = f"At least {lo:,.0f}–{hi:,.0f} organs{year} (a lower bound: a bounded input)"
    elif direction == "upper":
        head = f"At most {lo:,.0f}–{hi:,.0f} organs{year} (an upper bound: a bounded input)"
    elif direction == "mixed":
        head = (f"{lo:,.0f} to {hi:,.0f} organs{year}, but bounded inputs pull in opposite directions, "
                f"so this is neither a lower nor an upper bound,")
    else:
        head = f"{lo:,.0f} to {hi:,.0f} organs{year}"
    tail = (f"(median {med:,.0f}; gap > 0 in {share_pos:.0%} of draws; stated supply "
            f"{s_lo:,.0f}–{s_hi:,.0f}).")
    if direction == "lower" and hi <= 0:
        conclusion = (f"The gap{year} is at least {lo:,.0f} to {hi:,.0f} organs (a lower bound, from a "
                      f"bounded input); a lower bound at or below zero says nothing either way " + tail)
    elif hi < 0 and direction in (None, "upper"):
        conclusion = (f"The stated sources explain every reported transplant{year}: supply exceeds "
                      f"transplants by {-hi:,.0f} to {-lo:,.0f} organs " + tail)
    elif lo < 0 < hi and direction is None:
        conclusion = (f"The gap{year} runs from {lo:,.0f} to {hi:,.0f} organs: these inputs cannot tell "
                      f"whether any transplants are unexplained " + tail)
    else:
        conclusion = f"{head} are not explained by the stated sources " + tail
    if inputs.missing:
        conclusion += " Missing terms: " + "; ".join(inputs.missing) + "."
    return AnalysisResult(
        method="supply gap (Monte Carlo over the stated inputs)",
        question=f"How many transplanted organs{year} are not explained by the stated legitimate sources?",
        point=med, interval=Interval(lo, hi, med, level), unit="organs/year",
        assumptions=[
            "Supply = voluntary deceased donors × organs used per donor × (1 − discard rate) + "
            "living-donor transplants + the other stated sources; nothing else.",
            "Inputs are independent; ranges are PERT/triangular/uniform as stated per input; a figure "
            "given only as a bound is drawn at the bound and makes the result one-sided.",
            f"{level:.0%} interval from {draws:,} seeded draws.",
        ],
        inputs=in_list, seed=seed,
        details={"supply": {"median": s_med, "low": s_lo, "high": s_hi},
                 "probability_gap_positive": share_pos, "bound": direction, "missing": inputs.missing,
                 "year": inputs.year,
                 "distributions": {k: quantiles(v) for k, v in drawn.items()} | {
                     "supply": quantiles(supply), "gap": quantiles(gap)}},
        conclusion=conclusion)
