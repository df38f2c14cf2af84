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

from harvestwatch.core.items import Item, Mention
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


Key = tuple[str, str]  # (label, normalised name): an entity block


def key_of(item: Item) -> Key:
    """The block an entity mention falls in: its type and normalised name."""
    return item.label, norm(item.canonical or item.text)


class _UnionFind:
    def __init__(self):
        self.parent: dict[Key, Key] = {}

    def find(self, x: Key) -> Key:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: Key, b: Key) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[max(ra, rb)] = min(ra, rb)
        return True


@dataclass(frozen=True, slots=True)
class Decision:
    """A manual merge (``a`` + ``b``) or split (``a`` out of its cluster) of entity names."""

    kind: str
    label: str
    a: str
    b: str | None = None
    note: str | None = None
    actor: str = "unknown"


@dataclass
class EntityCluster:
    id: str
    label: str
    name: str
    aliases: list[str]
    mentions: list[Item] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    keys: list[Key] = field(default_factory=list)  # the blocks it joins

    @property
    def documents(self) -> list[int]:
        return sorted({m.document_id for m in self.mentions})

    @property
    def root(self) -> Key:
        return min(self.keys)


def tokens(key: Key, forms: set[str], aliases: set[str] = frozenset()) -> set[tuple[str, str, str]]:
    """Everything a resolution rule may join a key on: (rule, label, value). Two keys that share
    no token are never joined, so re-resolving the keys that share a token with a new name (and
    the clusters they are in, transitively) gives what resolving everything would."""
    label, name = key
    out = {("name", label, name)}
    out |= {("name", label, norm(a)) for a in aliases}
    entry = load_gazetteer().lookup(name)
    if entry is not None:
        out.add(("gaz", label, norm(entry.name)))
    if label == "person":
        words = name.split()
        out.add(("last", label, words[-1] if words else name))
        out |= {("name", label, " ".join(words[i:])) for i in range(1, len(words) - 1)}
    else:
        for form in forms:
            out |= {("acro", label, a) for a in acronyms(form)}
            if _ACRONYM.fullmatch(form):
                out.add(("acro", label, form.replace(".", "")))
    return out


def resolve_entities(items: list[Item], decisions: list[Decision] | None = None) -> list[EntityCluster]:
    """Cluster entity items across documents; ``decisions`` are manual merge/split records."""
    gaz = load_gazetteer()
    uf = _UnionFind()
    reasons: dict[tuple[Key, Key], str] = {}
    names: dict[Key, set[str]] = {}
    for it in items:
        key = key_of(it)
        uf.find(key)
        names.setdefault(key, set()).update({it.canonical or it.text, it.text})

    def join(a: Key, b: Key, why: str) -> None:
        if a != b and uf.union(a, b):
            reasons[(a, b)] = why

    keys = sorted(names)
    by_label: dict[str, list[Key]] = {}
    for k in keys:
        by_label.setdefault(k[0], []).append(k)
    for label, group in by_label.items():
        # gazetteer aliases and in-document aliases
        for k in group:
            entry = gaz.lookup(k[1])
            if entry is not None:
                canon = (label, norm(entry.name))
                if canon in names:
                    join(canon, k, f"gazetteer: '{k[1]}' is an alias of '{entry.name}'")
        # acronyms: "ETAC" ↔ "End Transplant Abuse in China", when exactly one long form fits
        if label != "person":
            longs: dict[str, set[Key]] = {}
            for k in group:
                for form in names[k]:
                    for acro in acronyms(form):
                        longs.setdefault(acro, set()).add(k)
            for k in group:
                short = [f for f in names[k] if _ACRONYM.fullmatch(f)]
                cands = sorted({c for f in short for c in longs.get(f.replace(".", ""), ()) if c != k})
                if short and len({uf.find(c) for c in cands}) == 1:
                    join(cands[0], k, f"acronym: '{short[0]}' of '{cands[0][1]}'")
        # persons: title-prefixed names first, then surnames (indexed: linear in the names)
        if label == "person":
            full = {k for k in group if len(k[1].split()) >= 2}
            by_surname: dict[str, list[Key]] = {}
            for f in sorted(full):
                by_surname.setdefault(f[1].split()[-1], []).append(f)
            for k in sorted(full):
                words = k[1].split()
                for i in range(1, len(words) - 1):  # "human rights lawyer david matas"
                    f = (label, " ".join(words[i:]))
                    if f in full:
                        join(f, k, f"title-prefixed: '{' '.join(words)}' names '{f[1]}'")
            for k in group:
                cands = by_surname.get(k[1], []) if " " not in k[1] else []
                if cands and len({uf.find(c) for c in cands}) == 1:
                    join(cands[0], k, f"surname: '{k[1]}' of '{cands[0][1]}'")
    for it in items:
        if not isinstance(it.payload, Mention):
            continue
        key = key_of(it)
        for alias in it.payload.aliases:
            other = (it.label, norm(alias))
            if other in names and other != key:
                join(key, other, f"alias in document {it.document_id}: '{alias}'")
    # manual decisions, in order
    split_off: dict[Key, str] = {}
    for d in decisions or []:
        a = (d.label, norm(d.a))
        if d.kind == "merge" and d.b:
            join(a, (d.label, norm(d.b)), f"manual merge by {d.actor}: {d.note or ''}".strip())
        elif d.kind == "split":
            split_off[a] = f"manual split by {d.actor}: {d.note or ''}".strip()
    groups: dict[Key, list[Key]] = {}
    for k in keys:  # a manually split name leaves its cluster and stands alone
        groups.setdefault(k if k in split_off else uf.find(k), []).append(k)
    members_items: dict[Key, list[Item]] = {}
    key_to_root = {k: r for r, ks in groups.items() for k in ks}
    for it in items:
        members_items.setdefault(key_to_root[key_of(it)], []).append(it)
    why_of: dict[Key, list[str]] = {}  # each merge's reason, under the cluster it ended in
    for (a, b), r in reasons.items():
        if a in key_to_root and key_to_root[a] == key_to_root.get(b):
            why_of.setdefault(key_to_root[a], []).append(r)
    clusters = []
    for root, ks in sorted(groups.items()):
        its = members_items.get(root, [])
        if not its:
            continue
        label = root[0]
        forms = sorted({n for k in ks for n in names[k]})
        counts: dict[str, int] = {}
        for it in its:
            c = it.canonical or it.text
            counts[c] = counts.get(c, 0) + 1
        entry = next((gaz.lookup(f) for f in forms if gaz.lookup(f)), None)
        # a full name without a title in front ("human rights lawyer ...") and most often used
        name = entry.name if entry else max(counts, key=lambda c: (
            len(c.split()) > 1, not any(w[:1].islower() for w in c.split()), counts[c], len(c), c))
        why = list(why_of.get(root, []))
        why += [split_off[k] for k in ks if k in split_off]
        clusters.append(EntityCluster(f"{label}:{norm(name)}", label, name, forms, its, why, ks))
    return clusters
