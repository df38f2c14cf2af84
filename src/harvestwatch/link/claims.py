"""Claim clusters: compatible quantity claims, testimonies by speaker, stances by kind and actor.

Quantities are compared on their normalised reading (what is counted, time scope, subject,
stated value), never on text: claims are blocked by (what, scope, unit family) and, inside a
block, join a cluster when ``core.quantity.Quantity.compatible`` — the one compatibility
rule — says they state the same figure.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from harvestwatch.core.items import Item, Stance, Testimony
from harvestwatch.core.quantity import Interval, Quantity

_DAYS = {"hours": 1 / 24, "days": 1, "weeks": 7, "months": 30.4, "years": 365.25}
Block = tuple[str, str, str]  # (what, scope, unit family) of a quantity; (kind, name) otherwise


@dataclass
class ClaimCluster:
    id: str
    kind: str  # quantity | testimony | <stance kind>
    key: Block | tuple[str, str]
    summary: str
    members: list[Item] = field(default_factory=list)
    low: float | None = None
    high: float | None = None


def scope(q: Quantity) -> str:
    ts = (q.time_scope or "").lower()
    unit = (q.unit or "").lower()
    if ts.startswith("per ") or "/" in unit:
        return "per " + (ts[4:] if ts.startswith("per ") else unit.rsplit("/", 1)[1])
    return ts or "-"


def family(q: Quantity) -> str:
    """The unit family figures are compared in: days for durations, the currency for money,
    the unit for uncounted amounts ("90 percent" and "90 doctors" are no match), else none
    (counted in organs or in transplants: one family)."""
    unit = (q.unit or "").split("/")[0].lower()
    if q.what in ("duration", "wait_time") and unit in _DAYS:
        return "days"
    if q.what == "money":
        return unit.upper() or "?"
    return unit if q.what == "other" else ""


def block_key(q: Quantity) -> Block:
    return q.what, scope(q), family(q)


def normalised(q: Quantity) -> Quantity:
    """The reading as it is compared: durations in days, counts from zero, the unit family as
    unit, the block's scope as time scope, the event words kept (``Quantity.same_event``)."""
    unit = (q.unit or "").split("/")[0].lower()
    f = _DAYS[unit] if q.what in ("duration", "wait_time") and unit in _DAYS else 1.0
    lo = max(0.0, q.interval.low) * f
    hi = q.interval.high * f
    value = q.value * f if q.value is not None else None
    point = value if value is not None and lo <= value <= hi else None
    return replace(q, interval=Interval(lo, hi, point), unit=family(q), value=point,
                   qualifier=q.qualifier if point is not None else None, time_scope=scope(q),
                   decided_by=tuple(c for c in q.decided_by if c.role == "predicate"))


def cluster_block(key: Block, items: Iterable[Item]) -> list[ClaimCluster]:
    """Figures of one block that repeat one another: sorted by value, a claim joins the first
    of the latest open clusters whose first claim ``Quantity.compatible`` says states the same
    figure. Ids are stable within the block (``q:<block>:<n>``)."""
    rows = [(normalised(it.payload), it) for it in items]
    rows.sort(key=lambda r: (r[0].value is None, r[0].value or r[0].interval.low,
                             r[0].interval.low, r[0].interval.high, r[1].id or 0))
    open_: list[list[tuple[Quantity, Item]]] = []
    for row in rows:
        home = next((c for c in open_[-8:] if c[0][0].compatible(row[0])), None)  # sorted: near the end
        if home is None:
            open_.append([row])
        else:
            home.append(row)
    return [_qcluster(key, c, n) for n, c in enumerate(open_)]


def cluster_quantities(items: list[Item]) -> list[ClaimCluster]:
    """Every block's clusters (see ``cluster_block``)."""
    blocks: dict[Block, list[Item]] = {}
    for it in items:
        blocks.setdefault(block_key(it.payload), []).append(it)
    return [c for key, its in sorted(blocks.items()) for c in cluster_block(key, its)]


def _qcluster(key: Block, rows: list[tuple[Quantity, Item]], n: int) -> ClaimCluster:
    what, sc, fam = key
    lo = max(q.interval.low for q, _ in rows)
    hi = min(q.interval.high for q, _ in rows)
    if hi < lo:
        lo, hi = min(q.interval.low for q, _ in rows), max(q.interval.high for q, _ in rows)
    texts = sorted({it.text for _, it in rows})
    rng = f"{lo:,.0f}" if lo == hi else f"{lo:,.0f}–{'∞' if math.isinf(hi) else f'{hi:,.0f}'}"
    summary = f"{what} {rng}{' ' + fam if fam else ''}{'' if sc == '-' else ' ' + sc}: " + "; ".join(texts[:3])
    return ClaimCluster(f"q:{'|'.join(key)}:{n}", "quantity", key, summary, [it for _, it in rows], lo,
                        None if math.isinf(hi) else hi)


def actor_block(item: Item, actor_of: Callable[[str], str]) -> tuple[str, str]:
    """(kind, resolved speaker or actor) of a testimony or stance."""
    p = item.payload
    if isinstance(p, Testimony):
        return "testimony", actor_of(p.speaker) if p.speaker else "(unattributed)"
    assert isinstance(p, Stance)
    return p.kind, actor_of(p.actor) if p.actor else "(unattributed)"


def actor_cluster(block: tuple[str, str], members: list[Item]) -> ClaimCluster:
    kind, actor = block
    return ClaimCluster(f"{kind}:{actor}", kind, block, f"{kind} by {actor}", members)


def subject_cluster(block: tuple[str, str], members: list[Item]) -> ClaimCluster:
    """Stances of one kind about the same subject, whoever makes them: "allegation about Falun
    Gong" gathers every actor's allegation naming that group, so its support counts actors."""
    kind, subject = block
    return ClaimCluster(f"{kind}~{subject}", kind, block, f"{kind} about {subject}", members)
