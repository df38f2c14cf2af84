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
    """Each denial paired with the allegations that share its topic (organ harvesting, donors...)."""
    denials = [s for s in stances if s["label"] == "denial"]
    allegations = [s for s in stances if s["label"] == "allegation"]
    out = []
    for d in denials:
        td = _topics(d["text"])
        for a in allegations:
            shared = td & _topics(a["text"])
            if shared:
                out.append({"type": "allegation vs denial", "a": a, "b": d,
                            "shared_topics": sorted(shared)})
    return out
