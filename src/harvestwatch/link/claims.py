"""Claim clusters: compatible quantity claims, testimonies by speaker, stances by kind and actor.

Quantities are compared on their normalised reading (what is counted, time scope, subject,
stated value), never on text: claims are blocked by (what, scope, unit family) and, inside a
block, join a cluster when ``core.quantity.Quantity.compatible`` — the one compatibility
rule — says they state the same figure.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
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


WINDOW = 8  # open clusters a figure is compared with (sorted: the latest ones)


def sort_key(q: Quantity, item_id: int | None) -> tuple:
    """Where a normalised figure stands in its block: stated values, then ranges, by size."""
    return (q.value is None, q.value or q.interval.low, q.interval.low, q.interval.high, item_id or 0)


def cluster_block(key: Block, items: Iterable[Item]) -> list[ClaimCluster]:
    """Figures of one block that repeat one another: sorted by value, a claim joins the first
    of the WINDOW latest clusters whose first claim (its leader) ``Quantity.compatible`` says
    states the same figure, else leads a new one. A pure function of the set of figures;
    ids name the block and the leader (``q:<block>:<item id>``), so they stay put as figures
    are added elsewhere in the block."""
    rows = [(normalised(it.payload), it) for it in items]
    rows.sort(key=lambda r: sort_key(r[0], r[1].id))
    open_: list[list[tuple[Quantity, Item]]] = []
    for row in rows:
        home = next((c for c in open_[-WINDOW:] if c[0][0].compatible(row[0])), None)
        if home is None:
            open_.append([row])
        else:
            home.append(row)
    return [_qcluster(key, c, n) for n, c in enumerate(open_)]


def recluster(leaders: Iterable[tuple[tuple, object]], changed: Iterable[tuple],
              after: Callable[[tuple], Iterable[tuple[tuple, int, bool]]],
              reading: Callable[[int], Quantity]) -> dict[int, int]:
    """``cluster_block`` redone only where a change reaches. ``leaders``: the old run's
    leaders as (sort key, identity) — the item id, or ``("gone", id)`` for a figure since
    removed or re-read —; ``changed``: the sort keys of the figures added or removed;
    ``after(k)``: the block as it is now, in order from sort key ``k``, as (sort key, item id,
    added?); ``reading``: an item's normalised figure. From each change, the figures are
    re-decided in order with the WINDOW leaders the old run had there, until the latest
    WINDOW leaders are again those of the old run: from there on every decision is the old
    one, so the rest of the block is never read. Returns item id → leader id for every figure
    re-decided (the others keep theirs)."""
    leaders = sorted(leaders, key=lambda r: r[0])
    lkeys = [k for k, _ in leaders]

    def old_window(k: tuple, right: bool) -> list:
        j = (bisect_right if right else bisect_left)(lkeys, k)
        return [i for _, i in leaders[max(0, j - WINDOW):j]]

    out: dict[int, int] = {}
    pending = sorted(set(changed))
    c = 0
    while c < len(pending):
        window = old_window(pending[c], right=False)  # identities
        for k, x, fresh in after(pending[c]):
            q = reading(x)
            home = next((lead for lead in window[-WINDOW:]
                         if reading(lead[1] if isinstance(lead, tuple) else lead).compatible(q)), None)
            if home is None:
                window = (window + [("new", x) if fresh else x])[-WINDOW:]
            out[x] = x if home is None else (home[1] if isinstance(home, tuple) else home)
            while c < len(pending) and pending[c] <= k:
                c += 1
            if window == old_window(k, right=True):
                break  # in step with the old run again
        else:
            break
    return out


def cluster_quantities(items: list[Item]) -> list[ClaimCluster]:
    """Every block's clusters (see ``cluster_block``)."""
    blocks: dict[Block, list[Item]] = {}
    for it in items:
        blocks.setdefault(block_key(it.payload), []).append(it)
    return [c for key, its in sorted(blocks.items()) for c in cluster_block(key, its)]


def _qcluster(key: Block, rows: list[tuple[Quantity, Item]], n: int) -> ClaimCluster:
    lead = rows[0][1].id
    lo, hi = figure_bounds([(q.interval.low, q.interval.high) for q, _ in rows])
    return ClaimCluster(f"q:{'|'.join(key)}:{n if lead is None else lead}", "quantity", key,
                        figure_summary(key, lo, hi, [it.text for _, it in rows]), [it for _, it in rows],
                        lo, None if math.isinf(hi) else hi)


def figure_bounds(bounds: Iterable[tuple[float, float]]) -> tuple[float, float]:
    """A figure cluster's range: what all its members allow, else (they disagree) their span."""
    bounds = list(bounds)
    lo = max(b[0] for b in bounds)
    hi = min(b[1] for b in bounds)
    if hi < lo:
        lo, hi = min(b[0] for b in bounds), max(b[1] for b in bounds)
    return lo, hi


def figure_summary(key: Block, lo: float, hi: float, texts: Iterable[str]) -> str:
    what, sc, fam = key
    shown = sorted(set(texts))[:3]
    rng = f"{lo:,.0f}" if lo == hi else f"{lo:,.0f}–{'∞' if math.isinf(hi) else f'{hi:,.0f}'}"
    return f"{what} {rng}{' ' + fam if fam else ''}{'' if sc == '-' else ' ' + sc}: " + "; ".join(shown)


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
