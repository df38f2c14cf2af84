"""Claim clusters: compatible quantity claims, testimonies by speaker, stances by kind and actor.

Quantities are compared on their normalised reading (what is counted, time scope, interval),
never on text: claims are blocked by (what, scope, unit family) and, inside a block, sorted
by their lower bound, so clustering is O(n log n).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

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
    return f"{d.get('what')}|{scope(d)}|{reading(d)[2]}"


def compatible(a: tuple[float, float], b: tuple[float, float], tol: float = REL_TOL) -> bool:
    return a[0] * (1 - tol) <= b[1] * (1 + tol) and b[0] * (1 - tol) <= a[1] * (1 + tol)


def cluster_quantities(items: list[dict]) -> list[ClaimCluster]:
    blocks: dict[str, list[tuple[float, float, dict]]] = {}
    for it in items:
        lo, hi, _ = reading(it["data"])
        blocks.setdefault(block_key(it), []).append((lo, hi, it))
    clusters = []
    for key, rows in sorted(blocks.items()):
        rows.sort(key=lambda r: (r[0], r[1]))
        current: list[tuple[float, float, dict]] = []
        c_lo, c_hi = 0.0, 0.0
        for lo, hi, it in rows:
            # join when compatible with the cluster's tightest reading so far
            if current and compatible((c_lo, c_hi), (lo, hi)):
                current.append((lo, hi, it))
                new_lo, new_hi = max(c_lo, lo), min(c_hi, hi)
                if new_lo <= new_hi:
                    c_lo, c_hi = new_lo, new_hi
            else:
                if current:
                    clusters.append(_qcluster(key, current, len(clusters)))
                current, c_lo, c_hi = [(lo, hi, it)], lo, hi
        if current:
            clusters.append(_qcluster(key, current, len(clusters)))
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
