"""Migration link_0002: the last JSON snapshot of links becomes rows; the snapshot table goes."""

from __future__ import annotations

import json
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, select, text

from harvestwatch.services import link as link_svc
from harvestwatch.services import store as store_svc
from harvestwatch.store import MIGRATIONS, migrate
from harvestwatch.store.models import ExtractedItem

DOCS = Path(__file__).parent / "docs"


def _config(conn) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", str(MIGRATIONS / "versions"))
    cfg.attributes["connection"] = conn
    return cfg


def test_snapshot_rows_survive_the_upgrade_and_the_next_link_rebuilds(sqlite_store):
    store_svc.ingest(sqlite_store, [str(DOCS)], kind="news")
    with sqlite_store.session() as s:
        items = s.scalars(select(ExtractedItem).order_by(ExtractedItem.id)).all()
        person = next(i for i in items if i.item_type == "entity" and i.label == "person")
        figures = [i for i in items if i.item_type == "quantity"][:2]
        mention = {"item_id": person.id, "document_id": person.document_id, "start": person.start,
                   "end": person.end, "text": person.text}
        brief = [{"id": f.id, "document_id": f.document_id, "start": f.start, "end": f.end,
                  "text": f.text, "label": f.label, "data": f.data} for f in figures]
    snapshot = {
        "entities": [{"id": "person:someone", "label": "person", "name": person.canonical,
                      "aliases": [person.text], "documents": [person.document_id],
                      "mentions": [mention, {**mention, "item_id": 10**9}], "reasons": ["why"]}],
        "claim_clusters": [{"id": "q0:victims|-|", "kind": "quantity", "key": "victims|-|",
                            "summary": "victims", "low": 1.0, "high": 2.0, "members": brief,
                            "support": {"independent_sources": 1, "documents": 1, "lines": [
                                {"origin": "Daily Mail", "grade": None,
                                 "chain": [{"item_id": b["id"], "document_id": b["document_id"],
                                            "via": "the document's own claim"} for b in brief]}]}}],
        "contradictions": [{"type": "incompatible figures", "key": "victims|-|", "a": brief[0],
                            "b": brief[1], "a_cluster": "q0", "b_cluster": "q1", "shared_context": []}],
        "counts": {"items": len(items), "entities": 1, "claim_clusters": 1, "contradictions": 1}}
    with sqlite_store.engine.begin() as conn:
        command.downgrade(_config(conn), "link_0001")
        assert inspect(conn).has_table("link_results") and not inspect(conn).has_table("link_entities")
        conn.execute(text("INSERT INTO link_results (built_at, items, data) VALUES "
                          "('2026-01-01 00:00:00', 1, :d)"), {"d": json.dumps(snapshot)})
    migrate(sqlite_store.engine)
    with sqlite_store.engine.connect() as conn:
        assert not inspect(conn).has_table("link_results")
    carried = link_svc.entity(sqlite_store, person.text)
    assert carried["name"] == person.canonical and carried["reasons"] == ["why"]
    assert [m["item_id"] for m in carried["mentions"]] == [person.id]  # the vanished item is dropped
    (cluster,) = link_svc.corroboration(sqlite_store)
    assert cluster["support"]["lines"][0]["origin"] == "Daily Mail" and len(cluster["members"]) == 2
    (row,) = link_svc.contradictions(sqlite_store)
    assert {row["a"]["id"], row["b"]["id"]} == {f.id for f in figures}
    assert link_svc.status(sqlite_store)["items"] == len(items)
    assert link_svc.rebuild(sqlite_store)["mode"] == "full"  # "migrated" is no linker version
