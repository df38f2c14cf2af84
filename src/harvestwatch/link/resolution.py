"""Entity resolution across documents: deterministic merges, each with its reason.

Mentions join when they share a normalised name, when a gazetteer or an in-document alias
(acronym ↔ long form) links them, when a one-word name is the surname of exactly one full
name, or when a title-prefixed name ("human rights lawyer David Matas") contains a known
full name. Manual merges and splits are applied last and always win.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from harvestwatch.extract.gazetteer import load_gazetteer


@functools.lru_cache(maxsize=65536)
def norm(name: str) -> str:
    """The comparison form of a name: lower case, one space, no leading "the", no "'s"."""
    name = " ".join(name.lower().split())
    return name.removeprefix("the ").removesuffix("'s").removesuffix("’s")


_ACRONYM = re.compile(r"(?:[A-Z]\.?){2,8}")
_MINOR = {"of", "for", "and", "on", "in", "the", "to", "a", "an", "at", "&"}


def acronyms(long_form: str) -> set[str]:
    """Initialisms a multi-word name may be shortened to: every word, or the major words only."""
    words = re.findall(r"[A-Za-z][\w’'-]*", long_form)
    if len(words) < 2:
        return set()
    every = "".join(w[0] for w in words).upper()
    major = "".join(w[0] for w in words if w.lower() not in _MINOR).upper()
    return {a for a in (every, major) if len(a) >= 2}


class _UnionFind:
    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[max(ra, rb)] = min(ra, rb)
        return True


@dataclass
class EntityCluster:
    id: str
    label: str
    name: str
    aliases: list[str]
    mentions: list[dict] = field(default_factory=list)  # item dicts
    reasons: list[str] = field(default_factory=list)

    @property
    def documents(self) -> list[int]:
        return sorted({m["document_id"] for m in self.mentions})

    def to_dict(self) -> dict:
        return {"id": self.id, "label": self.label, "name": self.name, "aliases": self.aliases,
                "documents": self.documents, "mention_count": len(self.mentions),
                "mentions": [{"item_id": m["id"], "document_id": m["document_id"],
                              "start": m["start"], "end": m["end"], "text": m["text"]}
                             for m in self.mentions],
                "reasons": self.reasons}


def resolve_entities(items: list[dict], decisions: list[dict] | None = None) -> list[EntityCluster]:
    """Cluster entity items across documents; ``decisions`` are manual merge/split records."""
    gaz = load_gazetteer()
    uf = _UnionFind()
    reasons: dict[tuple[str, str], str] = {}
    names: dict[str, set[str]] = {}
    for it in items:
        key = f"{it['label']}|{norm(it['canonical'] or it['text'])}"
        uf.find(key)
        names.setdefault(key, set()).update({it["canonical"] or it["text"], it["text"]})

    def join(a: str, b: str, why: str) -> None:
        if a != b and uf.union(a, b):
            reasons[(a, b)] = why

    keys = sorted(names)
    by_label: dict[str, list[str]] = {}
    for k in keys:
        by_label.setdefault(k.split("|", 1)[0], []).append(k)
    for label, group in by_label.items():
        # gazetteer aliases and in-document aliases (data.aliases)
        index = {}
        for k in group:
            entry = gaz.lookup(k.split("|", 1)[1])
            if entry is not None:
                canon = f"{label}|{norm(entry.name)}"
                if canon in names:
                    join(canon, k, f"gazetteer: '{k.split('|', 1)[1]}' is an alias of '{entry.name}'")
                index.setdefault(canon, k)
        # acronyms: "ETAC" ↔ "End Transplant Abuse in China", when exactly one long form fits
        if label != "person":
            longs: dict[str, set[str]] = {}
            for k in group:
                for form in names[k]:
                    for acro in acronyms(form):
                        longs.setdefault(acro, set()).add(k)
            for k in group:
                short = [f for f in names[k] if _ACRONYM.fullmatch(f)]
                cands = sorted({c for f in short for c in longs.get(f.replace(".", ""), ()) if c != k})
                if short and len({uf.find(c) for c in cands}) == 1:
                    join(cands[0], k, f"acronym: '{short[0]}' of '{cands[0].split('|', 1)[1]}'")
        # persons: title-prefixed names first, then surnames (indexed: linear in the names)
        if label == "person":
            full = {k for k in group if len(k.split("|", 1)[1].split()) >= 2}
            by_surname: dict[str, list[str]] = {}
            for f in sorted(full):
                by_surname.setdefault(f.split("|", 1)[1].split()[-1], []).append(f)
            for k in sorted(full):
                words = k.split("|", 1)[1].split()
                for i in range(1, len(words) - 1):  # "human rights lawyer david matas"
                    f = f"{label}|{' '.join(words[i:])}"
                    if f in full:
                        join(f, k, f"title-prefixed: '{' '.join(words)}' names '{' '.join(words[i:])}'")
            for k in group:
                name = k.split("|", 1)[1]
                cands = by_surname.get(name, []) if " " not in name else []
                if cands and len({uf.find(c) for c in cands}) == 1:
                    join(cands[0], k, f"surname: '{name}' of '{cands[0].split('|', 1)[1]}'")
    for it in items:
        key = f"{it['label']}|{norm(it['canonical'] or it['text'])}"
        for alias in (it.get("data") or {}).get("aliases", []):
            other = f"{it['label']}|{norm(alias)}"
            if other in names and other != key:
                join(key, other, f"alias in document {it['document_id']}: '{alias}'")
    # manual decisions, in order
    split_off: dict[str, str] = {}
    for d in decisions or []:
        a = f"{d['label']}|{norm(d['a'])}"
        b = f"{d['label']}|{norm(d['b'])}" if d.get("b") else None
        if d["kind"] == "merge" and b:
            join(a, b, f"manual merge by {d['actor']}: {d.get('note') or ''}".strip())
        elif d["kind"] == "split":
            split_off[a] = f"manual split by {d['actor']}: {d.get('note') or ''}".strip()
    groups: dict[str, list[str]] = {}
    for k in keys:  # a manually split name leaves its cluster and stands alone
        groups.setdefault(k if k in split_off else uf.find(k), []).append(k)
    members_items: dict[str, list[dict]] = {}
    key_to_root = {k: r for r, ks in groups.items() for k in ks}
    for it in items:
        key = f"{it['label']}|{norm(it['canonical'] or it['text'])}"
        members_items.setdefault(key_to_root[key], []).append(it)
    why_of: dict[str, list[str]] = {}  # each merge's reason, under the cluster it ended in
    for (a, b), r in reasons.items():
        if a in key_to_root and key_to_root[a] == key_to_root.get(b):
            why_of.setdefault(key_to_root[a], []).append(r)
    clusters = []
    for root, ks in sorted(groups.items()):
        its = members_items.get(root, [])
        if not its:
            continue
        label = root.split("|", 1)[0]
        forms = sorted({n for k in ks for n in names[k]})
        counts: dict[str, int] = {}
        for it in its:
            c = it["canonical"] or it["text"]
            counts[c] = counts.get(c, 0) + 1
        entry = next((gaz.lookup(f) for f in forms if gaz.lookup(f)), None)
        # a full name without a title in front ("human rights lawyer ...") and most often used
        name = entry.name if entry else max(counts, key=lambda c: (
            len(c.split()) > 1, not any(w[:1].islower() for w in c.split()), counts[c], len(c), c))
        why = list(why_of.get(root, []))
        why += [split_off[k] for k in ks if k in split_off]
        clusters.append(EntityCluster(f"{label}:{norm(name)}", label, name, forms, its, why))
    return clusters
