"""Linking use cases: (re)build links, look up entities, corroboration, contradictions, grades.

Links are derived data kept in tables (``store.links``): entities and their mentions, each
claim's origin and subjects, claim clusters with their members and independent lines, and
contradictions. ``rebuild`` re-links only what changed: the documents whose items changed,
the entity blocks (type + normalised name) their names share a resolution rule with, the
claim blocks ((what, scope, unit family) of a figure; the actor or subject of a statement)
their claims fall in, and the claims elsewhere whose resolved names changed. A new linker
version, a new manual decision or grade, or a change to more than a fifth of the documents
rebuilds everything. Restricted documents are left out of the links, so no result can reveal
them.
"""

from __future__ import annotations

import functools
import json
import math
import time
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import (
    Text,
    bindparam,
    cast,
    delete,
    func,
    insert,
    select,
    tuple_,
    update,
)

from harvestwatch.core.errors import NotFound, ValidationError
from harvestwatch.core.evidence import Span
from harvestwatch.core.hashing import sha256_json
from harvestwatch.core.items import Item, Mention, payload_from
from harvestwatch.core.quantity import Cue, Interval, Quantity
from harvestwatch.extract.gazetteer import load_gazetteer
from harvestwatch.link.build import (
    GRADE_HELP,
    LINK_VERSION,
    ClaimLink,
    Resolver,
    build_links,
    by_document,
    is_claim,
    link_claim,
)
from harvestwatch.link.citations import outlet_name
from harvestwatch.link.claims import (
    ClaimCluster,
    actor_cluster,
    block_key,
    figure_bounds,
    figure_summary,
    normalised,
    recluster,
    sort_key,
    subject_cluster,
)
from harvestwatch.link.contradictions import (
    GROUP_LIMIT,
    Contradiction,
    denial_conflict,
    head_of,
    quantity_conflicts,
    topics,
)
from harvestwatch.link.resolution import (
    Decision,
    EntityCluster,
    Key,
    key_of,
    norm,
    resolve_entities,
)
from harvestwatch.link.resolution import tokens as key_tokens
from harvestwatch.store import Store, ledger
from harvestwatch.store.documents import plain_text
from harvestwatch.store.items import from_row, load_items
from harvestwatch.store.links import (
    LINK_TABLES,
    LinkClaim,
    LinkCluster,
    LinkContradiction,
    LinkDecision,
    LinkDocument,
    LinkEntity,
    LinkEntityKey,
    LinkEntityToken,
    LinkLine,
    LinkMember,
    LinkMention,
    LinkName,
    LinkState,
    LinkTopic,
    SourceGrade,
)
from harvestwatch.store.models import Document, ExtractedItem, utcnow

FULL_SHARE = 0.2  # re-link in full when more than this share of documents (or entities) changed
_CHUNK = 500  # ids per IN (...) clause


def _chunks(ids: Iterable, n: int = _CHUNK):
    ids = list(ids)
    for i in range(0, len(ids), n):
        yield ids[i:i + n]


def _grades(session) -> dict[str, dict]:
    out = {}
    for g in session.scalars(select(SourceGrade).order_by(SourceGrade.id)):
        out[norm(outlet_name(g.source))] = {"source": g.source, "reliability": g.reliability,
                                           "credibility": g.credibility, "note": g.note, "by": g.actor}
    return out


def _decisions(session) -> list[Decision]:
    return [Decision(d.kind, d.label, d.a, d.b, d.note, d.actor)
            for d in session.scalars(select(LinkDecision).order_by(LinkDecision.id))]


def _digests(session) -> dict[int, tuple[int, str]]:
    """Visible document id → (item count, digest of its items' ids and extractor)."""
    q = (select(Document.id, func.count(ExtractedItem.id), func.coalesce(func.sum(ExtractedItem.id), 0),
                func.max(ExtractedItem.extractor))
         .outerjoin(ExtractedItem, ExtractedItem.document_id == Document.id)
         .where(Document.restricted.is_(False)).group_by(Document.id))
    return {d: (n, sha256_json([n, int(total), ext])) for d, n, total, ext in session.execute(q)}


def _documents(session, store: Store, ids: Iterable[int]) -> dict[int, dict]:
    out = {}
    for chunk in _chunks(ids):
        for d in session.scalars(select(Document).where(Document.id.in_(chunk),
                                                        Document.restricted.is_(False))):
            out[d.id] = {"id": d.id, "title": d.title, "site": d.site, "url": d.url,
                         "text": plain_text(d, store.cipher)}
    return out


def _items_of_documents(session, ids: Iterable[int]) -> list[Item]:
    out: list[Item] = []
    for chunk in _chunks(ids):
        out += load_items(session, select(ExtractedItem).where(ExtractedItem.document_id.in_(chunk))
                          .order_by(ExtractedItem.id))
    return out


def _items_by_id(session, ids: Iterable[int]) -> dict[int, Item]:
    out: dict[int, Item] = {}
    for chunk in _chunks(ids):
        out.update((r.id, from_row(r)) for r in session.scalars(
            select(ExtractedItem).where(ExtractedItem.id.in_(chunk))))
    return out


def _mentions_by_id(s, ids: Iterable[int]) -> list[Item]:
    """Entity mentions of linked (so never restricted) documents, read as plain columns."""
    out = []
    for chunk in _chunks(ids, 5000):
        for i, d, label, text, canonical, data in s.connection().execute(
                select(ExtractedItem.id, ExtractedItem.document_id, ExtractedItem.label, ExtractedItem.text,
                       ExtractedItem.canonical, ExtractedItem.data).where(ExtractedItem.id.in_(chunk))).all():
            aliases = tuple((data or {}).get("aliases") or ())
            out.append(Item(Span(0, 0), text, Mention(label, canonical or "", "ner", aliases), d, id=i))
    return sorted(out, key=lambda m: m.id)


class _StoredURLs(Mapping):
    """Stored (visible) documents by URL, looked up as citations name them."""

    def __init__(self, session, store: Store, known: Mapping[str, dict]):
        self.session, self.store, self.cache = session, store, dict(known)

    def get(self, url, default=None):
        if url not in self.cache:
            d = self.session.scalar(select(Document).where(
                Document.url.in_([url, url + "/"]), Document.restricted.is_(False)).limit(1))
            self.cache[url] = None if d is None else {"id": d.id, "title": d.title, "site": d.site,
                                                      "url": d.url, "text": ""}
        return self.cache[url] if self.cache[url] is not None else default

    def __getitem__(self, url):
        found = self.get(url)
        if found is None:
            raise KeyError(url)
        return found

    def __iter__(self):
        return iter(k for k, v in self.cache.items() if v is not None)

    def __len__(self):
        return sum(v is not None for v in self.cache.values())


class _StoredResolver(Resolver):
    """``link.build.Resolver`` over the entity tables (the links as stored now)."""

    def __init__(self, session):
        super().__init__({}, {})
        self.session = session
        self.cache: dict[str, str] = {}

    def preload(self, keys: Iterable[str]) -> None:
        """Look many normalised names up at once (what ``__call__`` does one by one)."""
        keys = [k for k in set(keys) if k not in self.cache]
        for chunk in _chunks(keys):
            best: dict[str, tuple] = {}
            for n, name, label, root in self.session.execute(
                    select(LinkEntityKey.norm, LinkEntity.name, LinkEntity.label, LinkEntity.root)
                    .join(LinkEntity, LinkEntityKey.entity_id == LinkEntity.id)
                    .where(LinkEntityKey.norm.in_(chunk))):
                if n not in best or (label, root) < best[n][:2]:
                    best[n] = (label, root, name)
            people: dict[str, set[str]] = {}
            for w, name in self.session.execute(select(LinkEntity.last_word, LinkEntity.name).where(
                    LinkEntity.label == "person", LinkEntity.last_word.in_([k for k in chunk if k not in best]))):
                people.setdefault(w, set()).add(name)
            for k in chunk:
                found = best[k][2] if k in best else (
                    next(iter(people[k])) if len(people.get(k, ())) == 1 else None)
                self.cache[k] = found or ""

    def __call__(self, name: str | None) -> str:
        if not name:
            return "(unattributed)"
        key = norm(name)
        if key not in self.cache:
            self.preload([key])
        return self.cache[key] or name.strip()


# --- writing links ------------------------------------------------------------------------

@dataclass
class _Cluster:
    """A claim cluster as stored: its members as (item id, document id, origin, via)."""

    key: str
    kind: str
    block: str
    summary: str
    low: float | None
    high: float | None
    members: list[tuple[int, int, str, str]]


def _claim_cluster(c: ClaimCluster, origin_of: Mapping[int, tuple[str, str]]) -> _Cluster:
    return _Cluster(c.id, c.kind, "|".join(c.key), c.summary, c.low, c.high,
                    [(m.id, m.document_id, *origin_of[m.id]) for m in c.members])


def _merge_decision_tokens(key: Key, decisions: list[Decision]) -> set[tuple[str, str, str]]:
    """A manual merge joins two names: both carry a token naming the merge."""
    out = set()
    for n, d in enumerate(decisions):
        if d.kind == "merge" and d.b and d.label == key[0] and key[1] in (norm(d.a), norm(d.b)):
            out.add(("merge", d.label, str(n)))
    return out


def _write_entities(s, clusters: list[EntityCluster], decisions: list[Decision]) -> None:
    """Entities with their keys, spellings, resolution tokens and mentions."""
    if not clusters:
        return
    next_id = (s.scalar(select(func.max(LinkEntity.id))) or 0) + 1
    taken = set()
    entities, keys, toks, mentions = [], [], [], []
    for n, c in enumerate(clusters):
        eid = next_id + n
        words = norm(c.name).split()
        entities.append({"id": eid, "key": c.id, "label": c.label, "name": c.name, "root": c.root[1],
                         "last_word": words[-1] if c.label == "person" and len(words) > 1 else None,
                         "aliases": c.aliases, "reasons": c.reasons, "mentions": len(c.mentions),
                         "documents": len(c.documents)})
        forms: dict[Key, set[str]] = {}
        aliases: dict[Key, set[str]] = {}
        for m in c.mentions:
            k = key_of(m)
            forms.setdefault(k, set()).update({m.canonical or m.text, m.text})
            aliases.setdefault(k, set()).update(getattr(m.payload, "aliases", ()))
        spellings = {(c.label, k[1]): False for k in c.keys} | {
            (c.label, norm(a)): True for a in c.aliases if (c.label, norm(a)) not in c.keys}
        for (label, name), alias in spellings.items():
            if (label, name) not in taken:
                taken.add((label, name))
                keys.append({"label": label, "norm": name, "entity_id": eid, "alias": alias})
        for k in c.keys:
            for rule, label, value in key_tokens(k, forms.get(k, set()), aliases.get(k, set())) | \
                    _merge_decision_tokens(k, decisions):
                toks.append({"rule": rule, "label": label, "value": value, "entity_id": eid})
        mentions += [{"item_id": m.id, "entity_id": eid, "document_id": m.document_id} for m in c.mentions]
    if taken:  # a spelling another entity already holds stays with it
        held = set()
        for chunk in _chunks(taken):
            held |= set(s.execute(select(LinkEntityKey.label, LinkEntityKey.norm).where(
                tuple_(LinkEntityKey.label, LinkEntityKey.norm).in_(chunk))).all())
        keys = [k for k in keys if (k["label"], k["norm"]) not in held]
    s.execute(insert(LinkEntity), entities)
    if keys:
        s.execute(insert(LinkEntityKey), keys)
    if toks:
        s.execute(insert(LinkEntityToken), toks)
    if mentions:
        s.execute(insert(LinkMention), mentions)


def _write_claims(s, claims: Iterable[ClaimLink]) -> None:
    rows, names, topic_rows = [], [], []
    for c in claims:
        it = c.item
        row = {"item_id": it.id, "document_id": it.document_id, "item_type": it.item_type,
               "label": it.label, "block": None, "origin": c.origin, "via": c.via,
               "actor": "|".join(c.actor) if c.actor else None, "subjects": list(c.subjects),
               "context": list(c.context), "text": None, "value": None, "low": None, "high": None,
               "qualifier": None, "subject": None}
        if it.item_type == "quantity":
            q = normalised(it.payload)
            row |= {"block": "|".join(block_key(it.payload)), "text": it.text, "value": q.value,
                    "low": q.interval.low, "high": None if math.isinf(q.interval.high) else q.interval.high,
                    "qualifier": q.qualifier, "subject": q.subject, "subjects": _facets(it.text, q)}
        rows.append(row)
        names += [{"name": n, "item_id": it.id, "document_id": it.document_id} for n in sorted(c.names)]
        if it.item_type == "stance" and it.label in ("allegation", "denial"):
            topic_rows += [{"topic": t, "item_id": it.id, "kind": it.label, "document_id": it.document_id}
                           for t in sorted(topics(it.text))]
    for table, data in ((LinkClaim, rows), (LinkName, names), (LinkTopic, topic_rows)):
        for chunk in _chunks(data, 5000):
            s.execute(insert(table), chunk)


def _write_clusters(s, clusters: list[_Cluster], grades: Mapping[str, dict]) -> None:
    if not clusters:
        return
    next_id = (s.scalar(select(func.max(LinkCluster.id))) or 0) + 1
    rows, members, lines = [], [], []
    for n, c in enumerate(clusters):
        cid = next_id + n
        by_origin: dict[str, int] = {}
        for _, _, origin, _ in c.members:
            by_origin[origin] = by_origin.get(origin, 0) + 1
        rows.append({"id": cid, "key": c.key, "kind": c.kind, "block": c.block, "summary": c.summary,
                     "low": c.low, "high": c.high, "independent": len(by_origin),
                     "documents": len({m[1] for m in c.members}), "members": len(c.members)})
        members += [{"cluster_id": cid, "item_id": i, "document_id": d, "origin": o, "via": v}
                    for i, d, o, v in {m[0]: m for m in c.members}.values()]
        lines += [{"cluster_id": cid, "origin": o, "grade": grades.get(norm(o)), "claims": k}
                  for o, k in sorted(by_origin.items())]
    for table, data in ((LinkCluster, rows), (LinkMember, members), (LinkLine, lines)):
        for chunk in _chunks(data, 5000):
            s.execute(insert(table), chunk)


def _facets(text: str, q: Quantity) -> list[str]:
    """What a figure is about, as stored in its claim's ``subjects``: the noun it counts, then
    the words saying what happened to the counted (``Quantity.events``). Contradictions pair
    figure clusters by these, so they are kept with the figure rather than re-read."""
    return [head_of(text), *sorted({cue.word for cue in q.decided_by})]


def _json_list(value) -> list:
    """A JSON list column read as text (``cast``, so it can be compared): parsed here."""
    if value is None:
        return []
    return json.loads(value) if isinstance(value, str) else list(value)


def _figure_row(block: tuple[str, str, str], row) -> tuple[tuple, int, Quantity]:
    """A stored figure's (sort key, item id, normalised reading) from its claim's columns."""
    what, sc, fam = block
    i, value, low, high, qualifier, subject, facets = row
    high = math.inf if high is None else high
    events = tuple(Cue(w, 0, 0, "predicate") for w in _json_list(facets)[1:])
    q = Quantity(Interval(low, high, value), fam, what, value, qualifier, sc, subject, events)
    return (value is None, value or low, low, high, i), i, q


_FIGURE = (LinkClaim.item_id, LinkClaim.value, LinkClaim.low, LinkClaim.high, LinkClaim.qualifier,
           LinkClaim.subject, cast(LinkClaim.subjects, Text))
@dataclass
class _Change:
    """What changes in one claim cluster: the members that join it (item, document, origin,
    via). Members leave by item (see ``_update_clusters``)."""

    kind: str
    block: str
    summary: str  # a figure cluster's is made from its members
    joins: list[tuple[int, int, str, str]]


def _update_clusters(s, changes: Mapping[str, _Change], leaving: Iterable[int],
                     grades: Mapping[str, dict]) -> None:
    """Apply membership changes in place: ``leaving`` items leave whatever clusters they were
    in, each changed cluster gets its joins, then its counts, lines (and, for figures, range
    and summary) are recounted from its members in the database; a cluster left empty is
    deleted. Work in proportion to the changes and the changed clusters, not to the store."""
    for chunk in _chunks(leaving):
        s.execute(delete(LinkMember).where(LinkMember.item_id.in_(chunk)))
    if not changes:
        return
    ids: dict[str, int] = {}
    for chunk in _chunks(changes):
        ids.update(s.execute(select(LinkCluster.key, LinkCluster.id).where(LinkCluster.key.in_(chunk))).all())
    fresh = [k for k in changes if k not in ids]
    if fresh:
        next_id = (s.scalar(select(func.max(LinkCluster.id))) or 0) + 1
        ids |= {k: next_id + n for n, k in enumerate(fresh)}
        s.execute(insert(LinkCluster.__table__), [
            {"id": ids[k], "key": k, "kind": changes[k].kind, "block": changes[k].block, "summary": "",
             "independent": 0, "documents": 0, "members": 0} for k in fresh])
    joins = [{"cluster_id": ids[k], "item_id": i, "document_id": d, "origin": o, "via": v}
             for k, c in changes.items() for i, d, o, v in c.joins]
    for chunk in _chunks(joins, 5000):
        s.execute(insert(LinkMember.__table__), chunk)
    counts: dict[int, tuple[int, int, int]] = {}
    lines = []
    graded: dict[str, dict | None] = {}
    figures: dict[int, list[tuple[float, float, str]]] = {}
    kind_of = {ids[k]: c.kind for k, c in changes.items()}
    for chunk in _chunks(sorted(ids.values())):
        s.execute(delete(LinkLine).where(LinkLine.cluster_id.in_(chunk)))
        for cid, n, docs, origins in s.execute(
                select(LinkMember.cluster_id, func.count(), func.count(func.distinct(LinkMember.document_id)),
                       func.count(func.distinct(LinkMember.origin)))
                .where(LinkMember.cluster_id.in_(chunk)).group_by(LinkMember.cluster_id)):
            counts[cid] = (n, docs, origins)
        for cid, o, n in s.execute(select(LinkMember.cluster_id, LinkMember.origin, func.count())
                                   .where(LinkMember.cluster_id.in_(chunk))
                                   .group_by(LinkMember.cluster_id, LinkMember.origin)):
            if o not in graded:
                graded[o] = grades.get(norm(o))
            lines.append({"cluster_id": cid, "origin": o, "grade": graded[o], "claims": n})
        quantity = [c for c in chunk if kind_of[c] == "quantity"]
        for cid, low, high, text in s.execute(
                select(LinkMember.cluster_id, LinkClaim.low, LinkClaim.high, LinkClaim.text)
                .join(LinkClaim, LinkClaim.item_id == LinkMember.item_id)
                .where(LinkMember.cluster_id.in_(quantity))) if quantity else ():
            figures.setdefault(cid, []).append((low, math.inf if high is None else high, text or ""))
    for chunk in _chunks(sorted(lines, key=lambda r: (r["cluster_id"], r["origin"])), 5000):
        s.execute(insert(LinkLine.__table__), chunk)
    for chunk in _chunks([cid for cid in ids.values() if cid not in counts]):
        s.execute(delete(LinkCluster).where(LinkCluster.id.in_(chunk)))
    rows = []
    for k, c in changes.items():
        cid = ids[k]
        if cid not in counts:
            continue
        row = {"cid": cid, "summary": c.summary, "low": None, "high": None, "n": counts[cid][0],
               "docs": counts[cid][1], "origins": counts[cid][2]}
        if c.kind == "quantity":
            lo, hi = figure_bounds((low, high) for low, high, _ in figures[cid])
            row |= {"summary": figure_summary(tuple(c.block.split("|")), lo, hi, (t for _, _, t in figures[cid])),
                    "low": lo, "high": None if math.isinf(hi) else hi}
        rows.append(row)
    if rows:
        table = LinkCluster.__table__
        s.connection().execute(
            update(table).where(table.c.id == bindparam("cid"))
            .values(summary=bindparam("summary"), low=bindparam("low"), high=bindparam("high"),
                    members=bindparam("n"), documents=bindparam("docs"), independent=bindparam("origins")), rows)


def _recluster(s, block: str, claims: Mapping[int, ClaimLink], removed: list[tuple[tuple, int, int | None]],
               changes: dict[str, _Change]) -> list[int]:
    """Re-cluster one figure block where it changed (``link.claims.recluster``): ``claims``
    are the re-linked claims (those of this block are its new figures, already stored),
    ``removed`` the block's figures as stored before, as (sort key, item id, leader id). Reads
    the block's places (four numbers a figure, one query), its leaders (one row a cluster)
    and, from each change, the readings of the figures in order until the clustering is in
    step again (64 at a time). Adds the changed clusters to
    ``changes``; returns the stored figures that move to another cluster."""
    key = tuple(block.split("|"))
    added = {i for i, c in claims.items()
             if c.item.item_type == "quantity" and "|".join(block_key(c.item.payload)) == block}
    redone = {i for _, i, _ in removed}
    leads = [int(k.rsplit(":", 1)[1]) for k in s.scalars(
        select(LinkCluster.key).where(LinkCluster.block == block, LinkCluster.kind == "quantity"))]
    readings: dict[int, Quantity] = {}
    leaders: list[tuple[tuple, object]] = [(k, ("gone", i)) for k, i, lead in removed if lead == i]
    for chunk in _chunks([i for i in leads if i not in redone]):
        for row in s.execute(select(*_FIGURE).where(LinkClaim.item_id.in_(chunk))):
            k, i, readings[i] = _figure_row(key, row)
            leaders.append((k, i))

    places = sorted((value is None, value or low, low, math.inf if high is None else high, i)
                    for i, value, low, high in s.execute(
                        select(LinkClaim.item_id, LinkClaim.value, LinkClaim.low, LinkClaim.high)
                        .where(LinkClaim.block == block)).all())

    def read(ids: Iterable[int]) -> None:
        for chunk in _chunks([i for i in ids if i not in readings]):
            for row in s.execute(select(*_FIGURE).where(LinkClaim.item_id.in_(chunk))):
                _, i, readings[i] = _figure_row(key, row)

    def after(k: tuple):
        for n in range(bisect_left(places, k), len(places)):
            if places[n][4] not in readings:  # a long replay: the next ones too
                read(p[4] for p in places[n:n + 32])
            yield places[n], places[n][4], places[n][4] in added

    def reading(i: int) -> Quantity:
        if i not in readings:
            readings.update((j, q) for _, j, q in (_figure_row(key, r) for r in s.execute(
                select(*_FIGURE).where(LinkClaim.item_id == i))))
        return readings[i]

    changed = [k for k, _, _ in removed] + [sort_key(normalised(claims[i].item.payload), i) for i in added]
    read(p[4] for k in changed for p in places[bisect_left(places, k):bisect_left(places, k) + 8])
    decided = recluster(leaders, changed, after, reading)
    was: dict[int, int] = {}  # the clusters the re-decided stored figures were in
    for chunk in _chunks([i for i in decided if i not in added]):
        for i, k in s.execute(select(LinkMember.item_id, LinkCluster.key)
                              .join(LinkCluster, LinkCluster.id == LinkMember.cluster_id)
                              .where(LinkMember.item_id.in_(chunk), LinkCluster.kind == "quantity")):
            was[i] = int(k.rsplit(":", 1)[1])
    moved = [i for i, lead in decided.items() if i not in added and was.get(i) != lead]
    for _, _, lead in removed:
        if lead is not None:
            changes.setdefault(f"q:{block}:{lead}", _Change("quantity", block, "", []))
    joins = [(i, claims[i].item.document_id, claims[i].origin, claims[i].via) for i in added]
    for chunk in _chunks(moved):  # a figure that moves keeps its document and line of evidence
        joins += s.execute(select(LinkClaim.item_id, LinkClaim.document_id, LinkClaim.origin, LinkClaim.via)
                           .where(LinkClaim.item_id.in_(chunk))).all()
        for i in chunk:
            if i in was:
                changes.setdefault(f"q:{block}:{was[i]}", _Change("quantity", block, "", []))
    for row in joins:
        changes.setdefault(f"q:{block}:{decided[row[0]]}", _Change("quantity", block, "", [])).joins.append(
            tuple(row))
    return moved


def _figure_conflicts(s, block: str) -> None:
    """Rewrite the contradictions of one figure block that changed: every cluster of the block
    as the pairing (``quantity_conflicts``) sees it — its leader, range and the distinct
    (counted noun, events, context) of its members, read in one grouped query — compared with
    the pairs stored."""
    key = tuple(block.split("|"))
    clusters = dict(s.execute(select(LinkCluster.key, LinkCluster.low)
                              .where(LinkCluster.block == block, LinkCluster.kind == "quantity")).all())
    facets: dict[str, list[tuple[list, list]]] = {}
    for k, f, ctx in s.execute(
            select(LinkCluster.key, cast(LinkClaim.subjects, Text), cast(LinkClaim.context, Text))
            .join(LinkMember, LinkMember.cluster_id == LinkCluster.id)
            .join(LinkClaim, LinkClaim.item_id == LinkMember.item_id)
            .where(LinkCluster.block == block, LinkCluster.kind == "quantity").distinct()):
        facets.setdefault(k, []).append((_json_list(f), _json_list(ctx)))
    keys: dict[int, tuple] = {}  # leader → its sort key: clusters in the order they were made
    for chunk in _chunks([int(k.rsplit(":", 1)[1]) for k in clusters]):
        for row in s.execute(select(*_FIGURE).where(LinkClaim.item_id.in_(chunk))):
            k, i, _ = _figure_row(key, row)
            keys[i] = k
    context: dict[int, set[str]] = {}
    sides = []
    fake = 0
    for k in sorted(clusters, key=lambda k: keys[int(k.rsplit(":", 1)[1])]):
        members = []
        for n, (f, ctx) in enumerate(facets.get(k, [])):
            fake -= 1
            i = int(k.rsplit(":", 1)[1]) if n == 0 else fake  # the first stands for the leader
            head = (f or [""])[0]
            q = Quantity(Interval(0, 0), key[2], key[0], decided_by=tuple(Cue(w, 0, 0, "predicate") for w in f[1:]))
            members.append(Item(Span(0, 0), head, q, 0, id=i))
            context[i] = set(ctx)
        sides.append(ClaimCluster(k, "quantity", key, "", members, clusters[k]))
    want = {(c.a.id, c.b.id, c.a_cluster, c.b_cluster, tuple(c.shared)): c
            for c in quantity_conflicts(sides, context)}
    have = {(a, b, ca, cb, tuple(sh or ())): cid for cid, a, b, ca, cb, sh in s.execute(
        select(LinkContradiction.id, LinkContradiction.a_item, LinkContradiction.b_item, LinkContradiction.a_cluster,
               LinkContradiction.b_cluster, LinkContradiction.shared)
        .where(LinkContradiction.block == block, LinkContradiction.type == "incompatible figures"))}
    for chunk in _chunks([cid for k, cid in have.items() if k not in want]):
        s.execute(delete(LinkContradiction).where(LinkContradiction.id.in_(chunk)))
    _write_contradictions(s, [c for k, c in want.items() if k not in have])


def _write_contradictions(s, rows: Iterable[Contradiction]) -> None:
    data = [{"type": c.type, "key": c.key, "block": c.key or None, "a_item": c.a.id, "b_item": c.b.id,
             "a_cluster": c.a_cluster, "b_cluster": c.b_cluster, "shared": c.shared,
             "also": [x.id for x in c.also], "answers_document": c.answers_document, "topics": c.topics}
            for c in rows]
    for chunk in _chunks(data, 5000):
        s.execute(insert(LinkContradiction), chunk)


def _block_total(s) -> int:
    """Blocks the links are made of: entity names, figure blocks, actor and subject clusters."""
    return ((s.scalar(select(func.count()).select_from(LinkEntityKey).where(LinkEntityKey.alias.is_(False))) or 0)
            + (s.scalar(select(func.count(func.distinct(LinkClaim.block)))) or 0)
            + (s.scalar(select(func.count()).select_from(LinkCluster).where(LinkCluster.kind != "quantity")) or 0))


def _counts(s, items: int) -> dict:
    return {"items": items,
            "entities": s.scalar(select(func.count()).select_from(LinkEntity)) or 0,
            "claim_clusters": s.scalar(select(func.count()).select_from(LinkCluster)) or 0,
            "contradictions": s.scalar(select(func.count()).select_from(LinkContradiction)) or 0}


# --- rebuilding ---------------------------------------------------------------------------

def rebuild(store: Store, *, force: bool = False) -> dict:
    """Bring the links up to date with the stored items; returns the counts and what was done.

    Only what changed is re-linked (see the module docstring); the result says how much:
    ``mode`` ("full" or "incremental"), ``documents`` re-linked, ``relinked_blocks`` of
    ``blocks``. Nothing changed: the stored counts with ``"unchanged": True``.
    """
    t0 = time.perf_counter()
    with store.session() as s:
        state = s.get(LinkState, 1)
        digests = _digests(s)
        decided = s.scalar(select(func.max(LinkDecision.id))) or 0
        graded = s.scalar(select(func.max(SourceGrade.id))) or 0
        stored = dict(s.execute(select(LinkDocument.document_id, LinkDocument.digest)).all())
        changed = {d for d, (_, dig) in digests.items() if stored.get(d) != dig} | (set(stored) - set(digests))
        same_inputs = (state is not None and state.version == LINK_VERSION
                       and state.decisions == decided and state.grades == graded)
        if not force and same_inputs and not changed:
            return state.counts | state.last_run | {"unchanged": True}
        run = None
        if not force and same_inputs and len(changed) <= FULL_SHARE * max(len(digests), 1):
            run = _incremental(s, store, changed, digests)
        if run is None:
            run = _full(s, store, digests)
        items = sum(n for n, _ in digests.values())
        counts = _counts(s, items)
        run["seconds"] = round(time.perf_counter() - t0, 3)
        if state is None:
            state = LinkState(id=1)
            s.add(state)
        state.version, state.decisions, state.grades = LINK_VERSION, decided, graded
        state.counts, state.last_run = counts, run
        state.built_at = utcnow()
        s.flush()
    return counts | run


def _full(s, store: Store, digests: dict[int, tuple[int, str]]) -> dict:
    for table in LINK_TABLES:
        s.execute(delete(table))
    docs = _documents(s, store, digests)
    items = _items_of_documents(s, docs)
    decisions = _decisions(s)
    grades = _grades(s)
    links = build_links(items, docs, decisions, grades)
    _write_entities(s, links.entities, decisions)
    _write_claims(s, links.claims.values())
    origin_of = {i: (c.origin, c.via) for i, c in links.claims.items()}
    _write_clusters(s, [_claim_cluster(c, origin_of) for c in links.clusters], grades)
    _write_contradictions(s, links.contradictions)
    for chunk in _chunks([{"document_id": d, "digest": dig} for d, (_, dig) in digests.items()], 5000):
        s.execute(insert(LinkDocument), chunk)
    total = _block_total(s)
    return {"mode": "full", "documents": len(docs), "relinked_blocks": total, "blocks": total}


def _closure(s, seeds: set[int], toks: set[tuple[str, str, str]], limit: int) -> set[int] | None:
    """Entities that share a resolution token with ``toks`` or with each other, from ``seeds``;
    None when more than ``limit``."""
    found = set(seeds)
    frontier_toks = set(toks)
    frontier_ids = set(seeds)
    while frontier_toks or frontier_ids:
        if frontier_ids:
            for chunk in _chunks(frontier_ids):
                frontier_toks |= set(s.execute(select(LinkEntityToken.rule, LinkEntityToken.label,
                                                      LinkEntityToken.value)
                                               .where(LinkEntityToken.entity_id.in_(chunk))).all())
            frontier_ids = set()
        new: set[int] = set()
        for chunk in _chunks(frontier_toks):
            new |= set(s.scalars(select(LinkEntityToken.entity_id).where(tuple_(
                LinkEntityToken.rule, LinkEntityToken.label, LinkEntityToken.value).in_(chunk))))
        frontier_toks = set()
        frontier_ids = new - found
        found |= frontier_ids
        if len(found) > limit:
            return None
    return found


def _name_of(counts: Mapping[str, int], forms: Iterable[str]) -> str:
    """An entity's name as ``resolve_entities`` picks it: the gazetteer's, else the full name
    without a title in front most often used."""
    gaz = load_gazetteer()
    entry = next((gaz.lookup(f) for f in sorted(forms) if gaz.lookup(f)), None)
    return entry.name if entry else max(counts, key=lambda c: (
        len(c.split()) > 1, not any(w[:1].islower() for w in c.split()), counts[c], len(c), c))


@dataclass
class _Growth:
    """Entities that only gain or lose mentions (``_growing_entities``) and how."""

    entities: set[int]
    took: list[Item]  # the new mentions they take
    owner: dict[Key, int]
    leaving: dict[int, int]  # their mentions in the changed documents → entity
    counts: list[dict]  # their new mention and document counts

    def without(self, entities: set[int]) -> _Growth:
        keep = self.entities - entities
        return _Growth(keep, [m for m in self.took if self.owner[key_of(m)] in keep], self.owner,
                       {i: e for i, e in self.leaving.items() if e in keep},
                       [c for c in self.counts if c["eid"] in keep])


def _growing_entities(s, changed: set[int], new: list[Item]) -> _Growth:
    """The stored entities the change only adds mentions to or takes mentions from: every
    name (key) they join keeps at least one mention and the same spellings, no mention that
    comes or goes carries in-document aliases, and the name they go by stays. Resolution
    would give them back unchanged, so their mentions are updated in place (done here) and
    they stay out of the re-resolved closure (``_grow`` applies it)."""
    gone: dict[int, int] = {}  # mention of a changed document → its entity
    for chunk in _chunks(changed):
        gone.update(s.execute(select(LinkMention.item_id, LinkMention.entity_id)
                              .where(LinkMention.document_id.in_(chunk))).all())
    old = {m.id: m for m in _mentions_by_id(s, gone)}
    owner: dict[Key, int] = {}
    keys = {key_of(m) for m in new}
    for chunk in _chunks(keys):
        owner.update(((label, n), e) for label, n, e in s.execute(
            select(LinkEntityKey.label, LinkEntityKey.norm, LinkEntityKey.entity_id)
            .where(tuple_(LinkEntityKey.label, LinkEntityKey.norm).in_(chunk), LinkEntityKey.alias.is_(False))))
    slow: set[int] = {e for i, e in gone.items() if i not in old or old[i].payload.aliases}
    adds: dict[int, list[Item]] = {}
    for m in new:
        e = owner.get(key_of(m))
        if e is None or m.payload.aliases:
            slow |= {e} - {None}
            continue
        adds.setdefault(e, []).append(m)
    cands = (set(adds) | set(gone.values())) - slow
    if not cands:
        return _Growth(set(), [], owner, {}, [])
    kept: dict[int, dict[tuple[str, str, str], int]] = {}  # entity → (label, canonical, text) → mentions
    docs: dict[int, int] = {}
    for chunk in _chunks(cands):
        rows = (select(LinkMention.entity_id, ExtractedItem.label, ExtractedItem.canonical, ExtractedItem.text,
                       func.count()).join(ExtractedItem, ExtractedItem.id == LinkMention.item_id)
                .where(LinkMention.entity_id.in_(chunk), LinkMention.document_id.not_in(changed))
                .group_by(LinkMention.entity_id, ExtractedItem.label, ExtractedItem.canonical, ExtractedItem.text))
        for e, label, canonical, text, n in s.execute(rows):
            kept.setdefault(e, {})[(label, canonical or "", text)] = n
        docs.update(s.execute(select(LinkMention.entity_id, func.count(func.distinct(LinkMention.document_id)))
                              .where(LinkMention.entity_id.in_(chunk), LinkMention.document_id.not_in(changed))
                              .group_by(LinkMention.entity_id)).all())
    stored = {e: (name, aliases) for e, name, aliases in s.execute(
        select(LinkEntity.id, LinkEntity.name, LinkEntity.aliases).where(LinkEntity.id.in_(sorted(cands))))}

    def spellings(rows: Iterable[tuple[str, str, str]]) -> dict[Key, set[str]]:
        out: dict[Key, set[str]] = {}
        for label, canonical, text in rows:
            out.setdefault((label, norm(canonical or text)), set()).update({canonical or text, text})
        return out

    def form(m: Item) -> tuple[str, str, str]:
        return m.label, m.canonical or "", m.text

    fast = set()
    for e in sorted(cands):
        here = kept.get(e, {})
        before = spellings(list(here) + [form(old[i]) for i, x in gone.items() if x == e])
        after = spellings(list(here) + [form(m) for m in adds.get(e, [])])
        if before != after:
            continue
        counts: dict[str, int] = {}
        for (_, canonical, text), n in list(here.items()) + [(form(m), 1) for m in adds.get(e, [])]:
            counts[canonical or text] = counts.get(canonical or text, 0) + n
        if _name_of(counts, stored[e][1]) == stored[e][0]:
            fast.add(e)
    took = [m for e in sorted(fast) for m in adds.get(e, [])]
    counts = [{"eid": e, "n": sum(kept.get(e, {}).values()) + len(adds.get(e, [])),
               "docs": docs.get(e, 0) + len({m.document_id for m in adds.get(e, [])})} for e in sorted(fast)]
    return _Growth(fast, took, owner, {i: e for i, e in gone.items() if e in fast}, counts)


def _grow(s, g: _Growth) -> None:
    """Entities' mentions updated in place (see ``_growing_entities``)."""
    for chunk in _chunks(g.leaving):
        s.execute(delete(LinkMention).where(LinkMention.item_id.in_(chunk)))
    if g.took:
        s.execute(insert(LinkMention.__table__), [{"item_id": m.id, "entity_id": g.owner[key_of(m)],
                                                   "document_id": m.document_id} for m in g.took])
    if g.counts:
        table = LinkEntity.__table__
        s.connection().execute(update(table).where(table.c.id == bindparam("eid"))
                               .values(mentions=bindparam("n"), documents=bindparam("docs")), g.counts)


def _incremental(s, store: Store, changed: set[int], digests: dict[int, tuple[int, str]]) -> dict | None:
    """Re-link the changed documents and the blocks they touch; None: do a full rebuild."""
    decisions = _decisions(s)
    grades = _grades(s)
    visible = [d for d in changed if d in digests]
    docs = _documents(s, store, visible)
    new_items = _items_of_documents(s, docs)
    new_entities = [i for i in new_items if i.item_type == "entity"]
    total_entities = s.scalar(select(func.count()).select_from(LinkEntity)) or 0

    # 1. entities: every entity sharing a resolution token with a changed name, re-resolved
    # (those that only gain or lose mentions are updated in place)
    holding = set()
    for chunk in _chunks(changed):
        holding |= set(s.scalars(select(LinkMention.entity_id).where(LinkMention.document_id.in_(chunk))))
    growth = _growing_entities(s, changed, new_entities)
    while True:
        took = {m.id for m in growth.took}
        rest = [m for m in new_entities if m.id not in took]
        forms: dict[Key, set[str]] = {}
        aliases: dict[Key, set[str]] = {}
        for m in rest:
            forms.setdefault(key_of(m), set()).update({m.canonical or m.text, m.text})
            aliases.setdefault(key_of(m), set()).update(m.payload.aliases)
        toks = set()
        for k in forms:
            toks |= key_tokens(k, forms[k], aliases[k]) | _merge_decision_tokens(k, decisions)
        closure = _closure(s, holding - growth.entities, toks, max(50, int(FULL_SHARE * total_entities)))
        if closure is None:
            return None
        if not closure & growth.entities:
            break
        growth = growth.without(closure)  # a name that comes or goes may join them: re-resolve them
    _grow(s, growth)
    new_entities = rest
    old_names: set[str] = set()  # every name the closure answers to, before and after
    for chunk in _chunks(closure):
        old_names |= set(s.scalars(select(LinkEntityKey.norm).where(LinkEntityKey.entity_id.in_(chunk))))
        old_names |= {w for w in s.scalars(select(LinkEntity.last_word).where(
            LinkEntity.id.in_(chunk))) if w}
    mention_ids = []
    for chunk in _chunks(closure):
        mention_ids += list(s.scalars(select(LinkMention.item_id).where(
            LinkMention.entity_id.in_(chunk), LinkMention.document_id.not_in(changed))))
    kept = _mentions_by_id(s, mention_ids)
    clusters = resolve_entities(sorted(kept + new_entities, key=lambda i: i.id), decisions)
    names = old_names | {n for c in clusters for n in map(norm, c.aliases)}
    names |= {norm(c.name).split()[-1] for c in clusters if c.label == "person" and " " in c.name}
    before = _StoredResolver(s)
    before.preload(names)
    old_out = {n: before(n) for n in names}
    for chunk in _chunks(closure):
        s.execute(delete(LinkEntityKey).where(LinkEntityKey.entity_id.in_(chunk)))
        s.execute(delete(LinkEntityToken).where(LinkEntityToken.entity_id.in_(chunk)))
        s.execute(delete(LinkMention).where(LinkMention.entity_id.in_(chunk)))
        s.execute(delete(LinkEntity).where(LinkEntity.id.in_(chunk)))
    _write_entities(s, clusters, decisions)
    s.flush()
    after = _StoredResolver(s)
    after.preload(names)
    renamed = {old for n, old in old_out.items() if after(n) != old}

    # 2. claims: those of the changed documents, and those elsewhere that used a renamed name
    redo_docs = set(changed)
    for chunk in _chunks(renamed):
        redo_docs |= set(s.scalars(select(LinkName.document_id).where(LinkName.name.in_(chunk))))
    if len(redo_docs) > FULL_SHARE * max(len(digests), 1):
        return None
    extra = [d for d in redo_docs - changed if d in digests]
    docs |= _documents(s, store, extra)
    relinked_items = new_items + _items_of_documents(s, extra)
    old_claims = []
    old_topics: dict[str, set[int]] = {}
    for chunk in _chunks(redo_docs):
        for t, i in s.execute(select(LinkTopic.topic, LinkTopic.item_id).where(
                LinkTopic.document_id.in_(chunk), LinkTopic.kind == "allegation")):
            old_topics.setdefault(t, set()).add(i)
        old_claims += list(s.execute(select(LinkClaim.item_id, LinkClaim.item_type, LinkClaim.label,
                                            LinkClaim.block, LinkClaim.actor, LinkClaim.subjects,
                                            LinkClaim.value, LinkClaim.low, LinkClaim.high)
                                     .where(LinkClaim.document_id.in_(chunk))).all())
        for table in (LinkClaim, LinkName, LinkTopic):
            s.execute(delete(table).where(table.document_id.in_(chunk)))
    ents_in = by_document(i for i in relinked_items if i.item_type == "entity")
    tests_in = by_document(i for i in relinked_items if i.item_type == "testimony")
    urls = _StoredURLs(s, store, {d["url"].rstrip("/"): d for d in docs.values() if d.get("url")})
    claims = {i.id: link_claim(i, docs[i.document_id], ents_in.get(i.document_id, []),
                               tests_in.get(i.document_id, []), after, urls)
              for i in relinked_items if is_claim(i)}
    _write_claims(s, claims.values())
    gone = {r.item_id for r in old_claims}  # every old claim of these documents leaves its clusters

    # 3. claim blocks they touch: figure blocks re-clustered where the change reaches, actor
    # and subject clusters updated in place
    qblocks = {r.block for r in old_claims if r.block} | {"|".join(block_key(c.item.payload))
                                                          for c in claims.values() if c.item.item_type == "quantity"}
    keyed: dict[str, tuple[str, str, str]] = {}  # cluster key → (kind, block kind, name)
    for r in old_claims:
        kind = "testimony" if r.item_type == "testimony" else r.label
        if r.actor:
            keyed[f"{kind}:{r.actor.split('|', 1)[1]}"] = (kind, "actor", r.actor.split("|", 1)[1])
        for subj in (r.subjects or []) if r.item_type != "quantity" else []:  # a figure's are its events
            keyed[f"{r.label}~{subj}"] = (r.label, "subject", subj)
    joins: dict[str, list[tuple[int, int, str, str]]] = {}
    for c in claims.values():
        row = (c.item.id, c.item.document_id, c.origin, c.via)
        if c.actor:
            keyed[f"{c.actor[0]}:{c.actor[1]}"] = (c.actor[0], "actor", c.actor[1])
            joins.setdefault(f"{c.actor[0]}:{c.actor[1]}", []).append(row)
        for subj in c.subjects:
            keyed[f"{c.item.label}~{subj}"] = (c.item.label, "subject", subj)
            joins.setdefault(f"{c.item.label}~{subj}", []).append(row)
    changes: dict[str, _Change] = {}
    for key, (kind, how, name) in keyed.items():
        proto = (actor_cluster if how == "actor" else subject_cluster)((kind, name), [])
        changes[key] = _Change(kind, f"{kind}|{name}", proto.summary, joins.get(key, []))
    leaders: dict[int, int] = {}
    figures = [r for r in old_claims if r.block]
    for chunk in _chunks([r.item_id for r in figures]):
        for i, key in s.execute(select(LinkMember.item_id, LinkCluster.key)
                                .join(LinkCluster, LinkCluster.id == LinkMember.cluster_id)
                                .where(LinkMember.item_id.in_(chunk), LinkCluster.kind == "quantity")):
            leaders[i] = int(key.rsplit(":", 1)[1])
    removed: dict[str, list[tuple[tuple, int, int | None]]] = {}
    for r in figures:
        high = math.inf if r.high is None else r.high
        removed.setdefault(r.block, []).append(((r.value is None, r.value or r.low, r.low, high, r.item_id),
                                                r.item_id, leaders.get(r.item_id)))
    moved: list[int] = []
    for block in sorted(qblocks):
        moved += _recluster(s, block, claims, removed.get(block, []), changes)
    _update_clusters(s, changes, sorted(gone | set(moved)), grades)
    for block in sorted(qblocks):
        _figure_conflicts(s, block)
    relinked_clusters = len(changes)

    # 4. denials: those re-linked, and those whose first allegations per topic changed
    _relink_denials(s, claims, gone, old_topics)
    for d in changed - set(digests):
        s.execute(delete(LinkDocument).where(LinkDocument.document_id == d))
    for d in visible:
        s.merge(LinkDocument(document_id=d, digest=digests[d][1]))
    touched = sum(len(c.keys) for c in clusters) + len(growth.entities) + len(qblocks) + len(keyed)
    return {"mode": "incremental", "documents": len(redo_docs), "relinked_blocks": touched,
            "blocks": _block_total(s), "relinked_clusters": relinked_clusters}


def _relink_denials(s, claims: Mapping[int, ClaimLink], gone: set[int],
                    old_topics: dict[str, set[int]]) -> None:
    """Allegation-vs-denial rows of the re-linked denials, and of every stored denial whose
    topics lost or gained one of their first GROUP_LIMIT allegations (``old_topics``: the
    allegations each topic had among the re-linked documents before)."""
    stances = [c.item for c in claims.values() if c.item.item_type == "stance"]
    changed_topics = set(old_topics)
    for a in (x for x in stances if x.label == "allegation"):
        changed_topics |= topics(a.text)
    for chunk in _chunks(gone):  # the old rows of re-linked stances
        s.execute(delete(LinkContradiction).where(LinkContradiction.b_item.in_(chunk)))
    redo = {d.id: d for d in stances if d.label == "denial"}
    for t in sorted(changed_topics):
        first = s.scalars(select(LinkTopic.item_id).where(LinkTopic.topic == t, LinkTopic.kind == "allegation")
                          .order_by(LinkTopic.item_id).limit(GROUP_LIMIT)).all()
        if (any(i in claims for i in first) or len(first) < GROUP_LIMIT
                or any(i <= first[-1] for i in old_topics.get(t, ()))):
            for i in s.scalars(select(LinkTopic.item_id).where(LinkTopic.topic == t,
                                                               LinkTopic.kind == "denial")):
                redo.setdefault(i, None)
    # a stored denial whose answered allegations include a re-linked or removed claim
    for chunk in _chunks(gone):
        for b in s.scalars(select(LinkContradiction.b_item).where(
                LinkContradiction.type == "allegation vs denial", LinkContradiction.a_item.in_(chunk))):
            redo.setdefault(b, None)
    if not redo:
        return
    missing = _items_by_id(s, [i for i, d in redo.items() if d is None])
    denials = [d if d is not None else missing.get(i) for i, d in redo.items()]
    denials = [d for d in denials if d is not None]
    for chunk in _chunks([d.id for d in denials]):
        s.execute(delete(LinkContradiction).where(LinkContradiction.b_item.in_(chunk)))
    topic_cache: dict[str, list[Item]] = {}

    def by_topic(t: str) -> list[Item]:
        if t not in topic_cache:
            ids = s.scalars(select(LinkTopic.item_id).where(LinkTopic.topic == t, LinkTopic.kind == "allegation")
                            .order_by(LinkTopic.item_id).limit(GROUP_LIMIT)).all()
            found = _items_by_id(s, ids)
            topic_cache[t] = [found[i] for i in ids if i in found]
        return topic_cache[t]

    doc_cache: dict[int, list[Item]] = {}

    def same_document(doc: int) -> list[Item]:
        if doc not in doc_cache:
            ids = s.scalars(select(LinkClaim.item_id).where(LinkClaim.document_id == doc,
                                                           LinkClaim.label == "allegation")
                            .order_by(LinkClaim.item_id)).all()
            doc_cache[doc] = list(_items_by_id(s, ids).values())
        return doc_cache[doc]

    out = []
    for d in sorted(denials, key=lambda d: d.id):
        c = denial_conflict(d, same_document(d.document_id), by_topic, lambda a: topics(a.text))
        if c is not None:
            out.append(c)
    _write_contradictions(s, out)


# --- reading links --------------------------------------------------------------------------

def _state(s) -> LinkState:
    state = s.get(LinkState, 1)
    if state is None:
        raise NotFound("no links built yet; run 'harvestwatch link'")
    return state


def status(store: Store) -> dict:
    """The counts and what the last ``link`` run did (mode, documents, blocks re-linked)."""
    with store.session() as s:
        state = _state(s)
        return state.counts | state.last_run | {"built_at": state.built_at.isoformat() if state.built_at else None}


def _brief(item: Item) -> dict:
    return {"id": item.id, "item_id": item.id, "document_id": item.document_id, "start": item.start,
            "end": item.end, "text": item.text, "label": item.label, "item_type": item.item_type,
            "reading": item.reading}


def _find_entity(s, name: str) -> LinkEntity | None:
    entry = load_gazetteer().lookup(name)  # cross-language aliases: 法轮功 → Falun Gong
    key = norm(entry.name if entry else name)
    found = s.scalar(select(LinkEntity).join(LinkEntityKey, LinkEntityKey.entity_id == LinkEntity.id)
                     .where(LinkEntityKey.norm == key)
                     .order_by(LinkEntityKey.alias, LinkEntity.label, LinkEntity.root).limit(1))
    if found is not None:
        return found
    words = key.split()  # a surname, or a name with a title in front ("human rights lawyer ...")
    cands = list(s.scalars(select(LinkEntity).where(LinkEntity.label == "person", LinkEntity.last_word == key)
                           .limit(2)))
    for i in range(1, len(words) - 1):
        cands += list(s.scalars(select(LinkEntity).join(LinkEntityKey, LinkEntityKey.entity_id == LinkEntity.id)
                                .where(LinkEntity.label == "person",
                                       LinkEntityKey.norm == " ".join(words[i:])).limit(2)))
    unique = {c.id: c for c in cands}
    return next(iter(unique.values())) if len(unique) == 1 else None


def entity(store: Store, name: str, *, limit: int = 500, offset: int = 0) -> dict:
    """One entity across documents: mentions (paged), aliases, why they were joined, and the
    entities that share documents with it."""
    with store.session() as s:
        _state(s)
        e = _find_entity(s, name)
        if e is None:
            raise NotFound(f"no entity named {name!r}")
        docs = sorted(set(s.scalars(select(LinkMention.document_id).where(LinkMention.entity_id == e.id))))
        ids = s.scalars(select(LinkMention.item_id).where(LinkMention.entity_id == e.id)
                        .order_by(LinkMention.document_id, LinkMention.item_id).limit(limit).offset(offset)).all()
        found = _briefs(s, ids)
        mine = select(LinkMention.document_id).where(LinkMention.entity_id == e.id)
        shared = func.count(func.distinct(LinkMention.document_id))
        co = s.execute(select(LinkEntity.name, LinkEntity.label, shared)
                       .join(LinkMention, LinkMention.entity_id == LinkEntity.id)
                       .where(LinkMention.document_id.in_(mine), LinkEntity.id != e.id)
                       .group_by(LinkEntity.id, LinkEntity.name, LinkEntity.label)
                       .order_by(shared.desc(), LinkEntity.name).limit(30)).all()
        return {"id": e.key, "label": e.label, "name": e.name, "aliases": e.aliases, "reasons": e.reasons,
                "documents": docs, "mention_count": e.mentions,
                "mentions": [found[i] for i in ids if i in found],
                "co_occurring": [{"name": n, "label": lb, "shared_documents": k} for n, lb, k in co]}


def entities(store: Store, *, label: str | None = None, limit: int = 200, offset: int = 0) -> list[dict]:
    """Linked entities, most mentioned first (for export: ``entity`` gives each one's mentions
    with their evidence)."""
    with store.session() as s:
        _state(s)
        q = select(LinkEntity)
        if label:
            q = q.where(LinkEntity.label == label)
        rows = s.scalars(q.order_by(LinkEntity.mentions.desc(), LinkEntity.id).limit(limit).offset(offset))
        return [{"id": e.key, "label": e.label, "name": e.name, "aliases": e.aliases,
                 "mentions": e.mentions, "documents": e.documents} for e in rows]


def _briefs(s, ids: Iterable[int]) -> dict[int, dict]:
    """Items as the link pages show them, read as plain columns; an item whose document was
    made restricted since the last ``link`` is left out."""
    out = {}
    cols = (ExtractedItem.id, ExtractedItem.document_id, ExtractedItem.item_type, ExtractedItem.label,
            ExtractedItem.text, ExtractedItem.start, ExtractedItem.end, ExtractedItem.canonical,
            ExtractedItem.data)
    for chunk in _chunks(ids):
        for i, d, t, label, text, start, end, canonical, data in s.connection().execute(
                select(*cols).join(Document, Document.id == ExtractedItem.document_id)
                .where(ExtractedItem.id.in_(chunk), Document.restricted.is_(False))).all():
            item = Item(Span(start, end), text, payload_from(t, label, canonical, data), d, id=i)
            out[i] = _brief(item)
    return out


PER_LINE = 20  # claims shown per line of evidence (the line's count says how many in all)
LINES = 20  # lines of evidence shown per cluster, most claims first (the cluster says how many)
_CLUSTER_COLUMNS = (LinkCluster.id, LinkCluster.key, LinkCluster.kind, LinkCluster.block, LinkCluster.summary,
                    LinkCluster.low, LinkCluster.high, LinkCluster.independent, LinkCluster.documents,
                    LinkCluster.members)
_BRIEF_COLUMNS = (ExtractedItem.item_type, ExtractedItem.label, ExtractedItem.text, ExtractedItem.canonical,
                  ExtractedItem.data)


def _shown_lines(sqlite: bool):
    """The ``:lines`` strongest lines of evidence of each cluster in ``:ids`` (most claims, then
    origin) as (cluster id, origin, grade as JSON text, claims), by cluster and origin. On SQLite
    each cluster's lines are a correlated ``LIMIT`` on the (cluster, claims, origin) index (only
    the lines shown are read); elsewhere a window over the clusters' lines."""
    ids, lines = bindparam("ids", expanding=True), bindparam("lines")
    grade = cast(LinkLine.grade, Text)  # as text: decoded once per distinct grade
    if sqlite:
        x = LinkLine.__table__.alias("x")
        top = (select(x.c.id).where(x.c.cluster_id == LinkCluster.id)
               .order_by(x.c.claims.desc(), x.c.origin).limit(lines))
        return (select(LinkLine.cluster_id, LinkLine.origin, grade.label("grade"), LinkLine.claims)
                .select_from(LinkCluster).join(LinkLine, LinkLine.id.in_(top))
                .where(LinkCluster.id.in_(ids)).order_by(LinkLine.cluster_id, LinkLine.origin))
    top = func.row_number().over(partition_by=LinkLine.cluster_id,
                                 order_by=(LinkLine.claims.desc(), LinkLine.origin)).label("top")
    ranked = (select(LinkLine.cluster_id, LinkLine.origin, grade.label("grade"), LinkLine.claims, top)
              .where(LinkLine.cluster_id.in_(ids)).subquery())
    return (select(ranked.c.cluster_id, ranked.c.origin, ranked.c.grade, ranked.c.claims)
            .where(ranked.c.top <= lines).order_by(ranked.c.cluster_id, ranked.c.origin))


def _shown_members(sqlite: bool, evidence: bool):
    """The first ``:per_line`` claims (by item id) of each line ``_shown_lines`` shows, as
    (cluster id, origin, via, item id, document id, start, end[, what the item says with
    ``evidence``]), by item id; claims of documents restricted since the last ``link`` are left out."""
    per_line = bindparam("per_line")
    cols = (ExtractedItem.id, ExtractedItem.document_id, ExtractedItem.start, ExtractedItem.end) + (
        _BRIEF_COLUMNS if evidence else ())
    shown = _shown_lines(sqlite).order_by(None).subquery()
    if sqlite:  # each shown line's first claims: a correlated LIMIT on the (cluster, origin, item) index
        y = LinkMember.__table__.alias("y")
        first = (select(y.c.item_id).where(y.c.cluster_id == shown.c.cluster_id, y.c.origin == shown.c.origin)
                 .order_by(y.c.item_id).limit(per_line))
        q = (select(LinkMember.cluster_id, LinkMember.origin, LinkMember.via, *cols).select_from(shown)
             .join(LinkMember, (LinkMember.cluster_id == shown.c.cluster_id) & LinkMember.item_id.in_(first))
             .join(ExtractedItem, ExtractedItem.id == LinkMember.item_id))
    else:
        rank = func.row_number().over(partition_by=(LinkMember.cluster_id, LinkMember.origin),
                                      order_by=LinkMember.item_id).label("rank")
        ranked = (select(LinkMember.cluster_id, LinkMember.origin, LinkMember.item_id, LinkMember.via, rank)
                  .join(shown, (shown.c.cluster_id == LinkMember.cluster_id)
                        & (shown.c.origin == LinkMember.origin)).subquery())
        q = (select(ranked.c.cluster_id, ranked.c.origin, ranked.c.via, *cols)
             .join(ExtractedItem, ExtractedItem.id == ranked.c.item_id).where(ranked.c.rank <= per_line))
    return (q.join(Document, Document.id == ExtractedItem.document_id)
            .where(Document.restricted.is_(False)).order_by(ExtractedItem.id))


@functools.cache
def _corroboration_statements(sqlite: bool, evidence: bool):
    """The lines and members statements, built once (constructing them costs more than running
    them for a page)."""
    return _shown_lines(sqlite), _shown_members(sqlite, evidence)


def corroboration(store: Store, *, min_sources: int = 1, kind: str | None = None, limit: int = 200,
                  offset: int = 0, per_line: int = PER_LINE, evidence: bool = True) -> list[dict]:
    """Claim clusters with at least ``min_sources`` independent lines, best supported first
    (paged), each with its strongest lines of evidence (up to ``per_line`` claims shown per
    line, and how many it has) and the members shown. Three statements, whatever the page size:
    clusters, lines, members with their items. Without ``evidence`` a shown claim is only where
    it is (item, document, span, and ``via`` in ``members`` too: what the page links to)."""
    with store.session() as s:
        _state(s)
        conn = s.connection()
        q = select(*_CLUSTER_COLUMNS).where(LinkCluster.independent >= min_sources)
        if kind:
            q = q.where(LinkCluster.kind == kind)
        clusters = conn.execute(q.order_by(LinkCluster.independent.desc(), LinkCluster.members.desc(),
                                           LinkCluster.key).limit(limit).offset(offset)).all()
        shown_lines, shown_members = _corroboration_statements(conn.dialect.name == "sqlite", evidence)
        lines: dict[int, list[dict]] = {}
        chains: dict[tuple[int, str], list[dict]] = {}
        members: dict[int, list[dict]] = {}
        grades: dict[str | None, dict | None] = {None: None, "null": None}
        for chunk in _chunks([c.id for c in clusters]):
            for cid, origin, grade, claims in conn.execute(shown_lines, {"ids": chunk, "lines": LINES}).all():
                if grade not in grades:
                    grades[grade] = json.loads(grade)
                lines.setdefault(cid, []).append({"origin": origin, "grade": grades[grade], "claims": claims,
                                                  "chain": chains.setdefault((cid, origin), [])})
            for row in conn.execute(shown_members, {"ids": chunk, "lines": LINES, "per_line": per_line}).all():
                cid, origin, via, i, d, start, end = row[:7]
                if evidence:
                    t, label, text, canonical, data = row[7:]
                    brief = _brief(Item(Span(start, end), text, payload_from(t, label, canonical, data), d, id=i))
                    members.setdefault(cid, []).append(brief)
                    chains[cid, origin].append(brief | {"via": via})
                else:
                    brief = {"id": i, "item_id": i, "document_id": d, "start": start, "end": end, "via": via}
                    members.setdefault(cid, []).append(brief)
                    chains[cid, origin].append(brief)
        return [{"id": c.key, "kind": c.kind, "key": c.block, "summary": c.summary, "low": c.low, "high": c.high,
                 "member_count": c.members, "members": members.get(c.id, []),
                 "support": {"independent_sources": c.independent, "documents": c.documents,
                             "lines": lines.get(c.id, [])}}
                for c in clusters]


def contradictions(store: Store, *, limit: int = 200, offset: int = 0) -> list[dict]:
    """Claims that conflict (paged), each with both items and, for a denial, the other
    allegations it answers and how many allegations share each of its topics."""
    with store.session() as s:
        _state(s)
        rows = s.connection().execute(
            select(LinkContradiction.type, LinkContradiction.key, LinkContradiction.a_item, LinkContradiction.b_item,
                   LinkContradiction.a_cluster, LinkContradiction.b_cluster, LinkContradiction.shared,
                   LinkContradiction.also, LinkContradiction.answers_document, LinkContradiction.topics)
            .order_by(LinkContradiction.id).limit(limit).offset(offset)).all()
        items = _briefs(s, {i for r in rows for i in (r.a_item, r.b_item, *r.also)})
        shared = {t for r in rows for t in r.topics}
        per_topic = dict(s.execute(select(LinkTopic.topic, func.count()).where(
            LinkTopic.kind == "allegation", LinkTopic.topic.in_(shared))
            .group_by(LinkTopic.topic)).all()) if shared else {}
        out = []
        for r in rows:
            if r.a_item not in items or r.b_item not in items:
                continue
            row = {"type": r.type, "a": items[r.a_item], "b": items[r.b_item],
                   "also": [items[i] for i in r.also if i in items]}
            if r.type == "incompatible figures":
                row |= {"key": r.key, "a_cluster": r.a_cluster, "b_cluster": r.b_cluster,
                        "shared_context": r.shared}
            else:
                row |= {"shared_topics": r.shared, "answers_document": r.answers_document,
                        "allegations_per_topic": {t: per_topic.get(t, 0) for t in r.topics}}
            out.append(row)
        return out


def grade_source(store: Store, source: str, reliability: str, *, credibility: int | None = None,
                 note: str | None = None, actor: str | None = None) -> dict:
    """Admiralty grade of a publisher or author; recorded in the ledger, used on the next build."""
    reliability = reliability.upper()
    if reliability not in GRADE_HELP:
        raise ValidationError(reliability, "reliability must be one of A, B, C, D, E, F")
    if credibility is not None and not 1 <= credibility <= 6:
        raise ValidationError(str(credibility), "credibility must be 1–6")
    actor = actor or store.settings.actor
    with store.session() as s:
        s.add(SourceGrade(source=source, reliability=reliability, credibility=credibility,
                          note=note, actor=actor))
        ledger.append(s, actor=actor, action="grade_source", object_type="source_name",
                      object_id=source, payload={"reliability": reliability,
                                                 "credibility": credibility, "note": note})
    return {"source": source, "reliability": reliability, "meaning": GRADE_HELP[reliability],
            "credibility": credibility}


def list_grades(store: Store) -> list[dict]:
    with store.session() as s:
        return list(_grades(s).values())


def decide(store: Store, kind: str, label: str, a: str, b: str | None = None, *,
           note: str | None = None, actor: str | None = None) -> dict:
    """Record a manual merge (a + b) or split (a out of its cluster), then rebuild."""
    if kind not in ("merge", "split") or (kind == "merge" and not b):
        raise ValidationError(kind, "use merge A B or split A")
    actor = actor or store.settings.actor
    with store.session() as s:
        entry = ledger.append(s, actor=actor, action=f"entity_{kind}", object_type="entity",
                              object_id=f"{label}:{a}", payload={"b": b, "note": note})
        s.add(LinkDecision(kind=kind, label=label, a=a, b=b, note=note, actor=actor,
                           ledger_seq=entry.seq))
    return rebuild(store)
