"""Contradictions: incompatible figures for the same thing, and allegations against denials."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from harvestwatch.core.items import Item

TOPIC = re.compile(r"\b(?:organ|organs|harvest\w*|transplant\w*|donor\w*|volunteer\w*|prisoner\w*|"
                   r"execut\w*|Falun Gong|Uyghur\w*|consent\w*)\b|器官|摘|移植|捐献|自愿|死刑", re.I)
_HEAD = re.compile(r"([A-Za-z]+)\s*$")


_ANSWERS = re.compile(r"\b(?:these|those|the|such|all) (?:allegations?|accusations?|claims?|charges|"
                      r"reports?)\b|这些指控|上述指控|相关指控|这些说法", re.I)


@dataclass
class Contradiction:
    """Two claims that cannot both hold: ``a`` and ``b``, with what they share and, for a
    denial, the other allegations it answers (``also``)."""

    type: str  # incompatible figures | allegation vs denial
    a: Item
    b: Item
    key: str = ""  # the quantity block (what|scope|family) of two figures
    a_cluster: str | None = None
    b_cluster: str | None = None
    shared: list[str] = field(default_factory=list)  # context (figures) or topics (stances)
    also: list[Item] = field(default_factory=list)
    answers_document: bool = False
    topics: list[str] = field(default_factory=list)  # a denial's topics


def topics(text: str) -> set[str]:
    """Topic stems a stance talks about: "organs" and "organ" are one topic."""
    return {m.group().lower().removesuffix("s")[:7] for m in TOPIC.finditer(text)}


def head(item: Item) -> str:
    """The counted noun a figure ends on ("transplants" → "transplant")."""
    return head_of(item.text)


def head_of(text: str) -> str:
    m = _HEAD.search(text)
    return (m.group(1).lower().rstrip("s") if m else "")


def quantity_conflicts(clusters: list, context: dict[int, set[str]]) -> list[Contradiction]:
    """Incompatible figures for the same thing: neighbouring quantity clusters of one block
    (what, scope, unit family, counted noun, event) whose ranges cannot both hold, when their
    sentences name the same groups or places (or none). Figures of different events ("1
    million detained", "65,000 killed") are not compared, nor a figure naming its event with
    one naming none. Linear in the number of clusters."""
    by_block: dict[tuple, list] = {}
    for c in clusters:
        events = set().union(*(m.payload.events for m in c.members)) or {""}
        for h in sorted({head(m) for m in c.members}):
            for event in sorted(events):
                by_block.setdefault((*c.key, h, event), []).append(c)
    out = []
    seen: set[tuple[str, str]] = set()
    for key, group in by_block.items():
        group.sort(key=lambda c: (c.low or 0.0))
        for prev, cur in zip(group, group[1:], strict=False):
            if (prev.id, cur.id) in seen:
                continue
            seen.add((prev.id, cur.id))
            ca = set().union(*(context.get(m.id, set()) for m in prev.members))
            cb = set().union(*(context.get(m.id, set()) for m in cur.members))
            if ca and cb and not (ca & cb):
                continue  # about different groups or places
            out.append(Contradiction("incompatible figures", prev.members[0], cur.members[0],
                                     "|".join(key[:3]), prev.id, cur.id, sorted(ca & cb)))
    return out


GROUP_LIMIT = 20  # allegations listed with one denial; the rest are counted per topic


def denial_conflict(d: Item, same_document: list[Item], by_topic: Callable[[str], list[Item]],
                    topics_of: Callable[[Item], set[str]]) -> Contradiction | None:
    """One denial against the allegations that share its topic: ``a`` is the closest
    allegation (same document first, then most shared topics), ``also`` up to GROUP_LIMIT
    others it answers. ``by_topic(t)`` gives the first GROUP_LIMIT allegations on topic ``t``
    (in item order), ``same_document`` the allegations of the denial's document."""
    td = topics(d.text)
    answers = bool(_ANSWERS.search(d.text))  # "denies these allegations": its document's
    hits = {a.id: a for a in same_document if answers or td & topics_of(a)}
    for t in sorted(td):
        for a in by_topic(t)[:GROUP_LIMIT]:
            hits.setdefault(a.id, a)
    if not hits:
        return None
    ranked = sorted(hits.values(), key=lambda a: (a.document_id != d.document_id,
                                                  -len(td & topics_of(a)), a.id))
    best = ranked[0]
    return Contradiction("allegation vs denial", best, d, shared=sorted(td & topics_of(best)),
                         also=ranked[1:GROUP_LIMIT + 1], answers_document=answers, topics=sorted(td))


def stance_conflicts(stances: list[Item]) -> list[Contradiction]:
    """Each denial against the allegations that share its topic (organ harvesting, donors...),
    one group per denial (see ``denial_conflict``). Allegations are indexed by topic and by
    document, so the work stays linear in the number of stances."""
    allegations = sorted((s for s in stances if s.label == "allegation"), key=lambda s: s.id)
    found = {a.id: topics(a.text) for a in allegations}
    by_topic: dict[str, list[Item]] = {}
    by_doc: dict[int, list[Item]] = {}
    for a in allegations:
        by_doc.setdefault(a.document_id, []).append(a)
        for t in sorted(found[a.id]):
            by_topic.setdefault(t, []).append(a)
    out = []
    for d in (s for s in stances if s.label == "denial"):
        c = denial_conflict(d, by_doc.get(d.document_id, []), lambda t: by_topic.get(t, []),
                            lambda a: found[a.id])
        if c is not None:
            out.append(c)
    return out
