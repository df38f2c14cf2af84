"""Contradictions: incompatible figures for the same thing, and allegations against denials."""

from __future__ import annotations

import re

TOPIC = re.compile(r"\b(?:organ|organs|harvest\w*|transplant\w*|donor\w*|volunteer\w*|prisoner\w*|"
                   r"execut\w*|Falun Gong|Uyghur\w*|consent\w*)\b|器官|摘|移植|捐献|自愿|死刑", re.I)
_HEAD = re.compile(r"([A-Za-z]+)\s*$")


def _topics(text: str) -> set[str]:
    return {m.group().lower()[:7] for m in TOPIC.finditer(text)}


def _head(item: dict) -> str:
    m = _HEAD.search(item["text"])
    return (m.group(1).lower().rstrip("s") if m else "")


def quantity_conflicts(clusters: list, context: dict[int, set[str]]) -> list[dict]:
    """Incompatible figures for the same thing: neighbouring quantity clusters of one block
    (what, scope, unit family, counted noun) whose ranges cannot both hold, when their
    sentences name the same groups or places (or none). Linear in the number of clusters."""
    by_block: dict[str, list] = {}
    for c in clusters:
        heads = {_head(m) for m in c.members}
        for head in heads:
            by_block.setdefault(f"{c.key}|{head}", []).append(c)
    out = []
    seen: set[tuple[str, str]] = set()
    for key, group in by_block.items():
        group.sort(key=lambda c: (c.low or 0.0))
        for prev, cur in zip(group, group[1:], strict=False):
            if (prev.id, cur.id) in seen:
                continue
            seen.add((prev.id, cur.id))
            ca = set().union(*(context.get(m["id"], set()) for m in prev.members))
            cb = set().union(*(context.get(m["id"], set()) for m in cur.members))
            if ca and cb and not (ca & cb):
                continue  # about different groups or places
            out.append({"type": "incompatible figures", "key": key.rsplit("|", 1)[0],
                        "a": prev.members[0], "b": cur.members[0],
                        "a_cluster": prev.id, "b_cluster": cur.id,
                        "shared_context": sorted(ca & cb)})
    return out


def stance_conflicts(stances: list[dict]) -> list[dict]:
    """Each denial against the allegations that share its topic (organ harvesting, donors...),
    one group per denial: ``a`` is the closest allegation (same document first, then most
    shared topics), ``also`` the others it answers. Allegations are indexed by topic, so the
    work is linear in the number of (denial, allegation) pairs that actually share a topic."""
    by_topic: dict[str, list[tuple[int, dict]]] = {}
    allegations = [s for s in stances if s["label"] == "allegation"]
    topics = {a["id"]: _topics(a["text"]) for a in allegations}
    for n, a in enumerate(allegations):
        for t in topics[a["id"]]:
            by_topic.setdefault(t, []).append((n, a))
    out = []
    for d in (s for s in stances if s["label"] == "denial"):
        td = _topics(d["text"])
        hits = {n: a for t in td for n, a in by_topic.get(t, ())}
        if not hits:
            continue
        ranked = sorted(hits.items(), key=lambda h: (h[1]["document_id"] != d["document_id"],
                                                     -len(td & topics[h[1]["id"]]), h[0]))
        best = ranked[0][1]
        out.append({"type": "allegation vs denial", "a": best, "b": d,
                    "shared_topics": sorted(td & topics[best["id"]]),
                    "also": [a for _, a in ranked[1:]]})
    return out
