"""Claim clusters: compatible quantity claims, testimonies by speaker, stances by kind and actor.

Quantities are compared on their normalised reading (what is counted, time scope, subject,
stated value), never on text: claims are blocked by (what, scope, unit family) and, inside a
block, join a cluster when ``core.quantity.Quantity.compatible`` — the one compatibility
rule — says they state the same figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from harvestwatch.core.quantity import QUALIFIERS, WHAT, Interval, Quantity

REL_TOL = 0.10
_DAYS = {"hours": 1 / 24, "days": 1, "weeks": 7, "months": 30.4, "years": 365.25}


@dataclass
class ClaimCluster:
    id: str
    kind: str  # quantity | testimony | <stance kind>
    key: str
    summary: str
    members: list[dict] = field(default_factory=list)
    low: float | None = None
    high: float | None = None

    def to_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "key": self.key, "summary": self.summary,
                "low": self.low, "high": self.high, "members": self.members}


def scope(data: dict) -> str:
    ts = (data.get("time_scope") or "").lower()
    unit = (data.get("unit") or "").lower()
    if ts.startswith("per ") or "/" in unit:
        return "per " + (ts[4:] if ts.startswith("per ") else unit.rsplit("/", 1)[1])
    return ts or "-"


def reading(data: dict) -> tuple[float, float, str]:
    """(low, high, unit family) with durations in days and open ends as infinity."""
    low = data.get("low")
    high = data.get("high")
    low = 0.0 if low is None else float(low)
    high = math.inf if high is None else float(high)
    unit = (data.get("unit") or "").split("/")[0].lower()
    if data.get("what") in ("duration", "wait_time") and unit in _DAYS:
        f = _DAYS[unit]
        return low * f, high * f, "days"
    if data.get("what") == "money":
        return low, high, unit.upper() or "?"
    return low, high, ""


def block_key(item: dict) -> str:
    d = item["data"]
    family = reading(d)[2]
    if not family and d.get("what") == "other":  # "90 percent" and "90 doctors" are no match
        family = (d.get("unit") or "").split("/")[0].lower()
    return f"{d.get('what')}|{scope(d)}|{family}"


def quantity_of(data: dict) -> Quantity:
    """The stored reading as a core ``Quantity`` (durations in days), for ``Quantity.compatible``."""
    lo, hi, _ = reading(data)
    value = data.get("value")
    what = data.get("what") or "other"
    unit = block_key({"data": data}).split("|")[2]  # counted in organs or in transplants: one family
    raw = (data.get("unit") or "").split("/")[0].lower()
    if value is not None and what in ("duration", "wait_time") and raw in _DAYS:
        value = float(value) * _DAYS[raw]
    point = float(value) if value is not None and lo <= float(value) <= hi else None
    qualifier = data.get("qualifier") if data.get("qualifier") in QUALIFIERS else None
    return Quantity(Interval(lo, hi, point), unit, what if what in WHAT else "other",
                    point, qualifier if point is not None else None, scope(data), data.get("subject"))


def cluster_quantities(items: list[dict]) -> list[ClaimCluster]:
    """Figures that repeat one another: within a block (what, scope, unit family), claims join
    the first claim of a cluster when ``Quantity.compatible`` says they state the same figure."""
    blocks: dict[str, list[tuple[float, float, dict, Quantity]]] = {}
    for it in items:
        lo, hi, _ = reading(it["data"])
        blocks.setdefault(block_key(it), []).append((lo, hi, it, quantity_of(it["data"])))
    clusters = []
    for key, rows in sorted(blocks.items()):
        rows.sort(key=lambda r: (r[3].value is None, r[3].value or r[0], r[0], r[1]))
        open_: list[list] = []
        for row in rows:
            home = next((c for c in open_[-8:] if c[0][3].compatible(row[3])), None)  # sorted: near the end
            if home is None:
                open_.append([row])
            else:
                home.append(row)
        clusters += [_qcluster(key, [r[:3] for r in c], len(clusters) + i) for i, c in enumerate(open_)]
    return clusters


def _qcluster(key: str, rows: list, n: int) -> ClaimCluster:
    what, sc, fam = key.split("|")
    lo = max(r[0] for r in rows)
    hi = min(r[1] for r in rows)
    if hi < lo:
        lo, hi = min(r[0] for r in rows), max(r[1] for r in rows)
    texts = sorted({r[2]["text"] for r in rows})
    rng = f"{lo:,.0f}" if lo == hi else f"{lo:,.0f}–{'∞' if math.isinf(hi) else f'{hi:,.0f}'}"
    summary = f"{what} {rng}{' ' + fam if fam else ''}{'' if sc == '-' else ' ' + sc}: " + "; ".join(texts[:3])
    return ClaimCluster(f"q{n}:{key}", "quantity", key, summary, [r[2] for r in rows], lo,
                        None if math.isinf(hi) else hi)


def cluster_by_actor(items: list[dict], actor_of) -> list[ClaimCluster]:
    """Testimonies by speaker, stances by (kind, actor); ``actor_of`` maps names to entity clusters."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for it in items:
        kind = "testimony" if it["item_type"] == "testimony" else it["label"]
        actor = (it["data"].get("speaker") if it["item_type"] == "testimony" else it["data"].get("actor"))
        groups.setdefault((kind, actor_of(actor) if actor else "(unattributed)"), []).append(it)
    return [ClaimCluster(f"{kind}:{actor}", kind, actor, f"{kind} by {actor}", members)
            for (kind, actor), members in sorted(groups.items())]


def cluster_by_subject(items: list[dict], subjects_of) -> list[ClaimCluster]:
    """Stances of one kind about the same subject, whoever makes them: "allegation about Falun
    Gong" gathers every actor's allegation naming that group, so its support counts actors.
    ``subjects_of(item)`` gives the resolved subjects (its target, the groups it names)."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for it in items:
        for subject in subjects_of(it):
            groups.setdefault((it["label"], subject), []).append(it)
    return [ClaimCluster(f"{kind}~{subject}", kind, subject, f"{kind} about {subject}", members)
            for (kind, subject), members in sorted(groups.items())]
