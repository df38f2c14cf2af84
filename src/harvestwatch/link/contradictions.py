"""Contradictions: incompatible figures for the same thing, and allegations against denials."""

from __future__ import annotations

import re

TOPIC = re.compile(r"\b(?:organ|organs|harvest\w*|transplant\w*|donor\w*|volunteer\w*|prisoner\w*|"
                   r"execut\w*|Falun Gong|Uyghur\w*|consent\w*)\b|器官|摘|移植|捐献|自愿|死刑", re.I)
_HEAD = re.compile(r"([A-Za-z]+)\s*$")


_ANSWERS = re.compile(r"\b(?:these|those|the|such|all) (?:allegations?|accusations?|claims?|charges|"
                      r"reports?)\b|这些指控|上述指控|相关指控|这些说法", re.I)


def _topics(text: str) -> set[str]:
    """Topic stems a stance talks about: "organs" and "organ" are one topic."""
    return {m.group().lower().removesuffix("s")[:7] for m in TOPIC.finditer(text)}


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


GROUP_LIMIT = 20  # allegations listed with one denial; the rest are counted per topic


def stance_conflicts(stances: list[dict]) -> list[dict]:
    """Each denial against the allegations that share its topic (organ harvesting, donors...),
    one group per denial: ``a`` is the closest allegation (same document first, then most
    shared topics), ``also`` up to GROUP_LIMIT others it answers, ``allegations_per_topic``
    how many allegations in all share each of its topics. Allegations are indexed by topic and
    by document, so the work stays linear in the number of stances."""
    allegations = [s for s in stances if s["label"] == "allegation"]
    topics = {a["id"]: _topics(a["text"]) for a in allegations}
    by_topic: dict[str, list[tuple[int, dict]]] = {}
    by_doc: dict[int, list[tuple[int, dict]]] = {}
    for n, a in enumerate(allegations):
        by_doc.setdefault(a["document_id"], []).append((n, a))
        for t in sorted(topics[a["id"]]):
            by_topic.setdefault(t, []).append((n, a))
    out = []
    for d in (s for s in stances if s["label"] == "denial"):
        td = _topics(d["text"])
        answers = bool(_ANSWERS.search(d["text"]))  # "denies these allegations": its document's
        hits = {n: a for n, a in by_doc.get(d["document_id"], ()) if answers or td & topics[a["id"]]}
        for t in sorted(td):
            hits.update(by_topic.get(t, [])[:GROUP_LIMIT])
        if not hits:
            continue
        ranked = sorted(hits.items(), key=lambda h: (h[1]["document_id"] != d["document_id"],
                                                     -len(td & topics[h[1]["id"]]), h[0]))
        best = ranked[0][1]
        out.append({"type": "allegation vs denial", "a": best, "b": d, "answers_document": answers,
                    "shared_topics": sorted(td & topics[best["id"]]),
                    "also": [a for _, a in ranked[1:GROUP_LIMIT + 1]],
                    "allegations_per_topic": {t: len(by_topic.get(t, ())) for t in sorted(td)}})
    return out
