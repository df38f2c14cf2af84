"""Dual independent review: decisions, exclusion reasons, and each record's state.

Each record is decided by two reviewers who do not see each other's decision until both have
decided (Cochrane Handbook ch. 4.6.4; PRISMA 2020 item 8). Agreement gives the final decision;
a disagreement goes to the conflict queue, where a third reviewer (or the pair, by consensus)
resolves it. Projects may run with one reviewer per record, which PRISMA reports as such.
"""

from __future__ import annotations

from dataclasses import dataclass

DECISIONS = ("include", "exclude", "flag_confirmed", "flag_wrong")
DECISION_HELP = {
    "include": "relevant; no ethical concern confirmed (yet)",
    "exclude": "not eligible; needs a reason code",
    "flag_confirmed": "relevant, and the ethical concern (a detector flag or the reviewer's own) holds",
    "flag_wrong": "relevant, but the detector flag is wrong",
}
RELEVANT = {"include": 1, "flag_confirmed": 1, "exclude": 0, "flag_wrong": 0}  # ranking target


@dataclass(frozen=True)
class Reason:
    code: str
    label: str
    help: str


REASONS = (
    Reason("not_transplant", "Not a transplant paper",
           "no organ or tissue transplantation, donation or procurement"),
    Reason("animal_study", "Animal or in-vitro study", "no human donors or recipients"),
    Reason("no_procurement", "No procurement description",
           "transplant paper that says nothing about donors or how organs were obtained"),
    Reason("living_donor_only", "Living donors only", "no deceased-donor procurement"),
    Reason("outside_china", "Not Chinese transplant practice",
           "donors, surgeons and recipients all outside the People's Republic of China"),
    Reason("publication_type", "Ineligible publication type",
           "editorial, letter, comment, erratum or review without primary data"),
    Reason("duplicate", "Duplicate", "a duplicate the importer did not catch (note which record)"),
    Reason("no_full_text", "Full text not retrievable", "the report could not be obtained"),
    Reason("other", "Other", "anything else; the note says what"),
)
REASON_CODES = tuple(r.code for r in REASONS)
REASON_LABELS = {r.code: r.label for r in REASONS}


@dataclass(frozen=True)
class Vote:
    actor: str
    decision: str
    reason: str | None
    note: str | None


@dataclass(frozen=True)
class State:
    """Where a record stands: pending (fewer decisions than needed), conflict, or final."""

    status: str  # pending | conflict | agreed | resolved
    final: str | None
    reason: str | None
    votes: tuple[Vote, ...]  # the first reviewers' latest votes, in the order they first voted
    conflict_on: str | None = None  # decision | reason (both exclude, for different reasons)

    @property
    def reviewers(self) -> tuple[str, ...]:
        return tuple(v.actor for v in self.votes)


def latest_votes(rows: list[Vote]) -> list[Vote]:
    """The latest vote of each reviewer, reviewers in the order they first voted."""
    order: list[str] = []
    last: dict[str, Vote] = {}
    for v in rows:
        if v.actor not in last:
            order.append(v.actor)
        last[v.actor] = v
    return [last[a] for a in order]


def state(rows: list[Vote], reviewers: int, resolution: Vote | None = None) -> State:
    """A record's state from its decision rows (oldest first) and its latest resolution."""
    votes = tuple(latest_votes(rows)[:reviewers])
    if resolution is not None:
        return State("resolved", resolution.decision, resolution.reason, votes)
    if len(votes) < reviewers:
        return State("pending", None, None, votes)
    if len({v.decision for v in votes}) > 1:
        return State("conflict", None, None, votes, "decision")
    if len({v.reason for v in votes}) > 1:  # PRISMA counts one reason per excluded record
        return State("conflict", None, None, votes, "reason")
    return State("agreed", votes[0].decision, votes[0].reason, votes)


def check_reason(decision: str, reason: str | None, note: str | None) -> str | None:
    """The reason code a decision needs, or the one-line problem with it."""
    if decision not in DECISIONS:
        return f"decision must be one of {', '.join(DECISIONS)}"
    if decision == "exclude":
        if not reason:
            return f"an exclusion needs a reason code: {', '.join(REASON_CODES)}"
        if reason not in REASON_CODES:
            return f"unknown reason code; expected one of {', '.join(REASON_CODES)}"
        if reason == "other" and not (note or "").strip():
            return "reason 'other' needs a note saying why"
    elif reason:
        return "a reason code goes with 'exclude' only"
    return None
