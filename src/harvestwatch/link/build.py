"""One linking pass over typed items: entity clusters, what each claim's document says about it
(origin, actor, subjects, context), claim clusters with independent support, contradictions.

Pure: items, documents, decisions and grades in; a ``Links`` out. Everything a claim needs is
taken from its own document (``link_claim``), so a new document is linked on its own; clusters
are made per block (``link.claims``), so only the blocks a document touches change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from harvestwatch.core.items import Item, Quantity, Stance, Testimony
from harvestwatch.link.citations import claim_origin, sentence_of
from harvestwatch.link.claims import (
    ClaimCluster,
    actor_block,
    actor_cluster,
    cluster_quantities,
    subject_cluster,
)
from harvestwatch.link.contradictions import Contradiction, quantity_conflicts, stance_conflicts
from harvestwatch.link.resolution import Decision, EntityCluster, norm, resolve_entities

GRADE_HELP = {"A": "completely reliable", "B": "usually reliable", "C": "fairly reliable",
              "D": "not usually reliable", "E": "unreliable", "F": "reliability cannot be judged"}

LINK_VERSION = "7"  # bump when linking rules change: stored links are then rebuilt
SUBJECT_LABELS = ("victim_group", "place", "hospital", "organ")
CONTEXT_LABELS = ("victim_group", "place", "hospital")


class Resolver:
    """A name → the entity cluster it belongs to ("Matas" → "David Matas"), else the name."""

    def __init__(self, by_name: Mapping[str, str], surnames: Mapping[str, set[str]]):
        self.by_name = by_name
        self.surnames = surnames

    @classmethod
    def of(cls, clusters: Iterable[EntityCluster]) -> Resolver:
        by_name: dict[str, str] = {}
        surnames: dict[str, set[str]] = {}
        for c in sorted(clusters, key=lambda c: c.root):
            for alias in c.aliases:
                by_name.setdefault(norm(alias), c.name)
            if c.label == "person" and len(c.name.split()) > 1:
                surnames.setdefault(norm(c.name).split()[-1], set()).add(c.name)
        return cls(by_name, surnames)

    def __call__(self, name: str | None) -> str:
        if not name:
            return "(unattributed)"
        key = norm(name)
        found = self.by_name.get(key)
        if found is not None:
            return found
        cands = self.surnames.get(key, ())
        if len(cands) == 1:  # "Matas said" → David Matas
            return next(iter(cands))
        return name.strip()


@dataclass
class ClaimLink:
    """What a claim's own document says about it: where it comes from (``origin``, ``via``),
    who makes it (``actor``: its actor cluster), what it is about (``subjects``), the groups
    and places in its sentence (``context``), and every resolved name this used (``names``,
    so a claim is re-linked when one of them changes)."""

    item: Item
    origin: str
    via: str
    actor: tuple[str, str] | None = None
    subjects: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    names: set[str] = field(default_factory=set)


def is_claim(item: Item) -> bool:
    """Durations and bare vague amounts ("thousands") say nothing to corroborate on their own."""
    if isinstance(item.payload, Quantity):
        return item.label not in ("duration", "other") and len(item.text.split()) > 1
    return isinstance(item.payload, Testimony | Stance)


def link_claim(item: Item, doc: dict, entities: list[Item], testimonies: list[Item],
               resolve: Callable[[str | None], str], urls: Mapping[str, dict]) -> ClaimLink:
    """Link one claim from its document alone: ``entities`` and ``testimonies`` are that
    document's, ``urls`` maps stored documents' URLs to their document dicts."""
    used: set[str] = set()

    def res(name: str | None) -> str:
        out = resolve(name)
        used.add(out)
        return out

    origin, via = claim_origin(item, doc, testimonies, res, urls)
    used.add(origin)
    p = item.payload
    link = ClaimLink(item, origin, via)
    if isinstance(p, Testimony | Stance) and (p.speaker if isinstance(p, Testimony) else p.actor):
        link.actor = actor_block(item, res)
    if isinstance(p, Testimony) or (isinstance(p, Stance) and p.kind in ("allegation", "denial")):
        found = {res(e.canonical) for e in entities if e.label in SUBJECT_LABELS
                 and item.start <= e.start and e.end <= item.end}
        if isinstance(p, Stance) and p.target:
            found.add(res(p.target))
        link.subjects = tuple(sorted(found))
    if isinstance(p, Quantity):
        lo, hi = sentence_of(doc["text"], item.start, item.end)
        link.context = tuple(sorted({res(e.canonical) for e in entities
                                     if e.label in CONTEXT_LABELS and lo <= e.start < hi}))
    link.names = used
    return link


@dataclass
class Line:
    """One independent line of evidence: an origin and the claims that go back to it."""

    origin: str
    grade: dict | None
    chain: list[tuple[Item, str]]  # (claim, how it was traced to the origin)


def support(members: Iterable[Item], claims: Mapping[int, ClaimLink],
            grades: Mapping[str, dict]) -> list[Line]:
    """A cluster's members grouped by origin: documents that relay one origin count once."""
    lines: dict[str, list[tuple[Item, str]]] = {}
    for m in members:
        c = claims[m.id]
        lines.setdefault(c.origin, []).append((m, c.via))
    return [Line(o, grades.get(norm(o)), chain) for o, chain in sorted(lines.items())]


def group_claims(claims: Iterable[ClaimLink]) -> tuple[dict, dict]:
    """(actor block → members, subject block → members) of the given claims."""
    actors: dict[tuple[str, str], list[Item]] = {}
    subjects: dict[tuple[str, str], list[Item]] = {}
    for c in claims:
        if c.actor:
            actors.setdefault(c.actor, []).append(c.item)
        for s in c.subjects:
            subjects.setdefault((c.item.label, s), []).append(c.item)
    return actors, subjects


@dataclass
class Links:
    entities: list[EntityCluster]
    claims: dict[int, ClaimLink]
    clusters: list[ClaimCluster]
    contradictions: list[Contradiction]

    def counts(self, items: int) -> dict:
        return {"items": items, "entities": len(self.entities), "claim_clusters": len(self.clusters),
                "contradictions": len(self.contradictions)}


def by_document(items: Iterable[Item]) -> dict[int, list[Item]]:
    out: dict[int, list[Item]] = {}
    for it in items:
        out.setdefault(it.document_id, []).append(it)
    return out


def build_links(items: list[Item], documents: Mapping[int, dict],
                decisions: list[Decision] | None = None,
                grades: Mapping[str, dict] | None = None) -> Links:
    """Link everything at once (what ``services.link`` does on a full rebuild)."""
    entities = [i for i in items if i.item_type == "entity"]
    clusters = resolve_entities(entities, decisions or [])
    resolve = Resolver.of(clusters)
    ents_in = by_document(entities)
    tests_in = by_document(i for i in items if i.item_type == "testimony")
    urls = {d["url"].rstrip("/"): d for d in documents.values() if d.get("url")}
    claims = {i.id: link_claim(i, documents[i.document_id], ents_in.get(i.document_id, []),
                               tests_in.get(i.document_id, []), resolve, urls)
              for i in items if is_claim(i)}
    quantities = [c.item for c in claims.values() if c.item.item_type == "quantity"]
    qclusters = cluster_quantities(quantities)
    actors, subjects = group_claims(claims.values())
    claim_clusters = (qclusters + [actor_cluster(k, v) for k, v in sorted(actors.items())]
                      + [subject_cluster(k, v) for k, v in sorted(subjects.items())])
    contradictions = (quantity_conflicts(qclusters, {i: set(c.context) for i, c in claims.items()})
                      + stance_conflicts([c.item for c in claims.values() if c.item.item_type == "stance"]))
    return Links(clusters, claims, claim_clusters, contradictions)
