"""Incremental linking is the full rebuild, done in parts: random sequences of documents
added, restricted and released again leave exactly the link tables a forced full rebuild
makes (every entity, claim, cluster with its members and lines, and contradiction)."""

from __future__ import annotations

import hashlib
import json
import random
import shutil

import pytest
from sqlalchemy import insert, select, update

from harvestwatch.core.config import Settings
from harvestwatch.core.evidence import Span
from harvestwatch.core.items import Item, Mention, Stance
from harvestwatch.core.quantity import Cue, Interval, Quantity
from harvestwatch.services import link as link_svc
from harvestwatch.services import store as store_svc
from harvestwatch.store.items import to_row
from harvestwatch.store.links import (
    LINK_TABLES,
    LinkCluster,
    LinkEntity,
)
from harvestwatch.store.models import Document, ExtractedItem, Source

NOUNS = ("transplants", "organs a year", "transplants a year", "executions")
WHAT = {"transplants": "transplants", "organs a year": "organs", "transplants a year": "transplants",
        "executions": "executions"}
GROUPS = ("Falun Gong", "Uyghurs")
OUTLETS = ("Reuters", "BBC", "Xinhua")
PEOPLE = ("David Matas", "Matas", "Ethan Gutmann", "Gutmann", "Wei Li", "Li")
TOPICS = ("organs were harvested from prisoners", "Falun Gong detainees were killed for organs")


def document(rng: random.Random) -> tuple[str, list[tuple[int, int, str, object]]]:
    """One document's text and its items as (start, end, text, payload): figures close in
    value (so clusters form, split and cascade), some qualified or as ranges, with or without
    an event word or a group in their sentence; stances; people and an outlet."""
    text, items = "", []

    def add(sentence: str, payload, at: int = 0, length: int | None = None) -> int:
        nonlocal text
        start = len(text) + at
        end = start + (len(sentence) - at if length is None else length)
        items.append((start, end, sentence[at:at + (end - start)], payload))
        return start

    for _ in range(rng.randint(2, 5)):
        noun = rng.choice(NOUNS)
        base = rng.choice((1_000, 1_100, 10_000, 60_000, 65_000))
        value = round(base * rng.uniform(0.95, 1.05), rng.choice((0, -1, -2)))
        shape = rng.random()
        if shape < 0.15:
            q = Quantity(Interval(value, float("inf")), noun.split()[0], WHAT[noun], value, "over")
        elif shape < 0.25:
            q = Quantity(Interval(value, value * 2), noun.split()[0], WHAT[noun])
        else:
            q = Quantity(Interval.exact(value), noun.split()[0], WHAT[noun], value,
                         time_scope=rng.choice((None, None, "2016")), subject=rng.choice((None, None, "Tianjin")))
        if rng.random() < 0.3:
            q = Quantity(q.interval, q.unit, q.what, q.value, q.qualifier, q.time_scope, q.subject,
                         (Cue(rng.choice(("killed", "detained")), 0, 0, "predicate"),))
        figure = f"{value:,.0f} {noun}"
        group = rng.choice(GROUPS) if rng.random() < 0.4 else None
        sentence = figure + (f" among {group}" if group else "") + ". "
        add(sentence, q, 0, len(figure))
        if group:
            add(sentence, Mention("victim_group", group), len(figure) + 7, len(group))
        text += sentence
    for _ in range(rng.randint(0, 2)):
        sentence = rng.choice(TOPICS) + ". "
        add(sentence, Stance(rng.choice(("allegation", "allegation", "denial")), rng.choice(OUTLETS)), 0,
            len(sentence) - 2)
        text += sentence
    for name in rng.sample(PEOPLE, 2) + [rng.choice(OUTLETS)]:
        sentence = f"{name} reported. "
        add(sentence, Mention("organization" if name in OUTLETS else "person", name), 0, len(name))
        text += sentence
    return text, items


def load(store, rng: random.Random, first: int, n: int) -> list[int]:
    """n documents from ``first`` (ids), with their items, straight into the tables."""
    with store.session() as s:
        next_item = (s.scalar(select(ExtractedItem.id).order_by(ExtractedItem.id.desc()).limit(1)) or 0) + 1
        for d in range(first, first + n):
            text, items = document(rng)
            sha = hashlib.sha256(f"doc {d}".encode()).hexdigest()
            s.execute(insert(Source), [{"id": d, "blob_sha256": sha, "name": f"doc{d}.txt", "size": len(text),
                                        "kind": "news", "restricted": False, "actor": "test"}])
            s.execute(insert(Document), [{
                "id": d, "sha256": sha, "source_id": d, "record_index": 0, "title": f"doc {d}", "language": "en",
                "mime": "text/plain", "kind": "news", "restricted": False, "text": text,
                "text_sha256": hashlib.sha256(text.encode()).hexdigest(), "text_length": len(text),
                "pages": [], "meta": {}}])
            rows = []
            for start, end, t, payload in items:
                it = Item(Span(start, end), t, payload, d, sha, next_item, "test/1")
                rows.append(to_row(it) | {"id": next_item, "document_id": d, "document_sha256": sha,
                                          "extractor": "test/1"})
                next_item += 1
            s.execute(insert(ExtractedItem), rows)
    return list(range(first, first + n))


def restrict(store, doc: int, restricted: bool) -> None:
    with store.session() as s:
        s.execute(update(Document).where(Document.id == doc).values(restricted=restricted))


def tables(store) -> dict[str, list]:
    """Every link table as sorted rows, surrogate ids replaced by the keys they stand for."""
    def plain(v):
        return json.dumps(v, sort_keys=True) if isinstance(v, list | dict) else v

    out = {}
    with store.session() as s:
        entity = dict(s.execute(select(LinkEntity.id, LinkEntity.key)).all())
        cluster = dict(s.execute(select(LinkCluster.id, LinkCluster.key)).all())
        for table in LINK_TABLES:
            rows = []
            for r in s.execute(select(table.__table__)).mappings():
                row = {k: plain(v) for k, v in r.items() if k != "id"}
                for col, names in (("entity_id", entity), ("cluster_id", cluster)):
                    if col in row:
                        row[col] = names[row[col]]
                rows.append(tuple(sorted(row.items(), key=lambda kv: kv[0])))
            out[table.__tablename__] = sorted(rows, key=repr)
    return out


def full_rebuild_of(store, tmp_path) -> dict[str, list]:
    """The tables a forced full rebuild makes from the same store (on a copy of it)."""
    copy = tmp_path / "copy"
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(store.settings.store_dir, copy)
    other = store_svc.open(Settings(store_dir=copy, actor="tester"))
    try:
        assert link_svc.rebuild(other, force=True)["mode"] == "full"
        return tables(other)
    finally:
        other.close()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_additions_and_removals_leave_what_a_full_rebuild_makes(sqlite_store, tmp_path, seed):
    rng = random.Random(seed)
    docs = load(sqlite_store, rng, 1, 40)
    assert link_svc.rebuild(sqlite_store)["mode"] == "full"
    hidden: set[int] = set()
    for step in range(6):
        move = rng.random()
        if move < 0.5 or not docs:
            docs += load(sqlite_store, rng, max(docs) + 1, rng.randint(1, 3))
        elif move < 0.8 or not hidden:
            d = rng.choice(sorted(set(docs) - hidden))
            restrict(sqlite_store, d, True)
            hidden.add(d)
        else:
            d = rng.choice(sorted(hidden))
            restrict(sqlite_store, d, False)
            hidden.discard(d)
        run = link_svc.rebuild(sqlite_store)
        assert run["mode"] == "incremental", (step, run)
        assert run["documents"] >= 1 and 0 < run["relinked_blocks"] <= run["blocks"]
        mine = tables(sqlite_store)
        full = full_rebuild_of(sqlite_store, tmp_path)
        for name in full:
            assert mine[name] == full[name], (seed, step, name)
    assert link_svc.rebuild(sqlite_store).get("unchanged") is True


def test_incremental_steps_match_a_full_rebuild_on_any_store(any_store):
    """The same on PostgreSQL: each incremental step is compared with a forced full rebuild of
    the same store (which the next step then starts from)."""
    rng = random.Random(7)
    docs = load(any_store, rng, 1, 30)
    link_svc.rebuild(any_store)
    for step in range(3):
        docs += load(any_store, rng, max(docs) + 1, 2)
        if step:
            restrict(any_store, rng.choice(docs[:-2]), True)
        run = link_svc.rebuild(any_store)
        assert run["mode"] == "incremental", run
        mine = tables(any_store)
        link_svc.rebuild(any_store, force=True)
        assert tables(any_store) == mine, step
