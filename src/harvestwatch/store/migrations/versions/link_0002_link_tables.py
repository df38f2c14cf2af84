"""Links as tables: entities, mentions, claims, clusters, members, lines, contradictions.

Replaces the ``link_results`` JSON snapshots: the latest snapshot is carried over into the
tables (so pages show the same links before the next ``link``), then the table is dropped.
The carried-over state has version "migrated": the next ``harvestwatch link`` rebuilds in full.
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "link_0002"
down_revision = "link_0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def _norm(name: str) -> str:
    name = " ".join(name.lower().split())
    return name.removeprefix("the ").removesuffix("'s").removesuffix("’s")


def upgrade() -> None:
    op.create_table(
        "link_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.String(20), nullable=False),
        sa.Column("decisions", sa.Integer, nullable=False),
        sa.Column("grades", sa.Integer, nullable=False),
        sa.Column("built_at", TZ, nullable=False),
        sa.Column("counts", sa.JSON, nullable=False),
        sa.Column("last_run", sa.JSON, nullable=False),
    )
    op.create_table(
        "link_documents",
        sa.Column("document_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("digest", sa.String(64), nullable=False),
    )
    op.create_table(
        "link_entities",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("label", sa.String(40), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("root", sa.Text, nullable=False),
        sa.Column("last_word", sa.Text),
        sa.Column("aliases", sa.JSON, nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("mentions", sa.Integer, nullable=False),
        sa.Column("documents", sa.Integer, nullable=False),
    )
    op.create_index("ix_link_entities_key", "link_entities", ["key"])
    op.create_index("ix_link_entities_label_mentions", "link_entities", ["label", "mentions"])
    op.create_index("ix_link_entities_last_word", "link_entities", ["last_word"])
    op.create_index("ix_link_entities_name", "link_entities", ["name"])
    op.create_table(
        "link_entity_keys",
        sa.Column("label", sa.String(40), primary_key=True),
        sa.Column("norm", sa.Text, primary_key=True),
        sa.Column("entity_id", sa.Integer, nullable=False),
        sa.Column("alias", sa.Boolean, nullable=False),
    )
    op.create_index("ix_link_entity_keys_entity_id", "link_entity_keys", ["entity_id"])
    op.create_index("ix_link_entity_keys_norm", "link_entity_keys", ["norm"])
    op.create_table(
        "link_entity_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("rule", sa.String(10), nullable=False),
        sa.Column("label", sa.String(40), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("entity_id", sa.Integer, nullable=False),
    )
    op.create_index("ix_link_entity_tokens_entity_id", "link_entity_tokens", ["entity_id"])
    op.create_index("ix_link_entity_tokens_token", "link_entity_tokens", ["rule", "label", "value"])
    op.create_table(
        "link_mentions",
        sa.Column("item_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("entity_id", sa.Integer, nullable=False),
        sa.Column("document_id", sa.Integer, nullable=False),
    )
    op.create_index("ix_link_mentions_document_id", "link_mentions", ["document_id"])
    op.create_index("ix_link_mentions_entity_id", "link_mentions", ["entity_id"])
    op.create_table(
        "link_claims",
        sa.Column("item_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("document_id", sa.Integer, nullable=False),
        sa.Column("item_type", sa.String(20), nullable=False),
        sa.Column("label", sa.String(40), nullable=False),
        sa.Column("block", sa.Text),
        sa.Column("origin", sa.Text, nullable=False),
        sa.Column("via", sa.Text, nullable=False),
        sa.Column("actor", sa.Text),
        sa.Column("subjects", sa.JSON, nullable=False),
        sa.Column("context", sa.JSON, nullable=False),
        sa.Column("text", sa.Text),
        sa.Column("value", sa.Float),
        sa.Column("low", sa.Float),
        sa.Column("high", sa.Float),
        sa.Column("qualifier", sa.String(20)),
        sa.Column("subject", sa.Text),
    )
    op.create_index("ix_link_claims_block", "link_claims", ["block"])
    op.create_index("ix_link_claims_document_id", "link_claims", ["document_id"])
    op.create_table(
        "link_names",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("item_id", sa.Integer, nullable=False),
        sa.Column("document_id", sa.Integer, nullable=False),
    )
    op.create_index("ix_link_names_item_id", "link_names", ["item_id"])
    op.create_index("ix_link_names_name", "link_names", ["name"])
    op.create_table(
        "link_clusters",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.Text, nullable=False, unique=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("block", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("low", sa.Float),
        sa.Column("high", sa.Float),
        sa.Column("independent", sa.Integer, nullable=False),
        sa.Column("documents", sa.Integer, nullable=False),
        sa.Column("members", sa.Integer, nullable=False),
    )
    op.create_index("ix_link_clusters_block", "link_clusters", ["block"])
    op.create_index("ix_link_clusters_kind", "link_clusters", ["kind"])
    op.create_index("ix_link_clusters_support", "link_clusters", ["independent", "members"])
    op.create_table(
        "link_members",
        sa.Column("cluster_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("item_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("document_id", sa.Integer, nullable=False),
        sa.Column("origin", sa.Text, nullable=False),
        sa.Column("via", sa.Text, nullable=False),
    )
    op.create_index("ix_link_members_document_id", "link_members", ["document_id"])
    op.create_index("ix_link_members_item_id", "link_members", ["item_id"])
    op.create_table(
        "link_lines",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("cluster_id", sa.Integer, nullable=False),
        sa.Column("origin", sa.Text, nullable=False),
        sa.Column("grade", sa.JSON),
        sa.Column("claims", sa.Integer, nullable=False),
    )
    op.create_index("ix_link_lines_cluster_id", "link_lines", ["cluster_id"])
    op.create_table(
        "link_contradictions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("block", sa.Text),
        sa.Column("a_item", sa.Integer, nullable=False),
        sa.Column("b_item", sa.Integer, nullable=False),
        sa.Column("a_cluster", sa.Text),
        sa.Column("b_cluster", sa.Text),
        sa.Column("shared", sa.JSON, nullable=False),
        sa.Column("also", sa.JSON, nullable=False),
        sa.Column("answers_document", sa.Boolean, nullable=False),
        sa.Column("topics", sa.JSON, nullable=False),
    )
    op.create_index("ix_link_contradictions_a_item", "link_contradictions", ["a_item"])
    op.create_index("ix_link_contradictions_b_item", "link_contradictions", ["b_item"])
    op.create_index("ix_link_contradictions_block", "link_contradictions", ["block"])
    op.create_index("ix_link_contradictions_type", "link_contradictions", ["type"])
    op.create_table(
        "link_topics",
        sa.Column("topic", sa.String(20), primary_key=True),
        sa.Column("item_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("document_id", sa.Integer, nullable=False),
    )
    op.create_index("ix_link_topics_document_id", "link_topics", ["document_id"])
    _carry_over()
    op.drop_table("link_results")


def _carry_over() -> None:
    """The latest JSON snapshot, row by row (items that no longer exist are left out)."""
    bind = op.get_bind()
    meta = sa.MetaData()
    meta.reflect(bind, only=["link_results", "link_state", "link_entities", "link_entity_keys",
                             "link_mentions", "link_clusters", "link_members", "link_lines",
                             "link_contradictions"])
    t = meta.tables
    results = t["link_results"]
    row = bind.execute(sa.select(results.c.data, results.c.built_at)
                       .order_by(results.c.id.desc()).limit(1)).first()
    if row is None:
        return
    data = row[0] if isinstance(row[0], dict) else json.loads(row[0])
    items = {r[0]: r[1] for r in bind.execute(sa.text("SELECT id, document_id FROM extracted_items"))}
    bind.execute(t["link_state"].insert(), [{"id": 1, "version": "migrated", "decisions": 0,
                                             "grades": 0, "built_at": row[1],
                                             "counts": data.get("counts") or {}, "last_run": {}}])
    keys: set[tuple[str, str]] = set()
    for e in data.get("entities", []):
        mentions = [m for m in e.get("mentions", []) if m["item_id"] in items]
        words = _norm(e["name"]).split()
        eid = bind.execute(t["link_entities"].insert().values(
            key=e["id"], label=e["label"], name=e["name"], root=_norm(e["name"]),
            last_word=words[-1] if e["label"] == "person" and len(words) > 1 else None,
            aliases=e.get("aliases", []), reasons=e.get("reasons", []), mentions=len(mentions),
            documents=len({m["document_id"] for m in mentions}))).inserted_primary_key[0]
        for alias in {_norm(a) for a in [e["name"], *e.get("aliases", [])]}:
            if (e["label"], alias) not in keys:
                keys.add((e["label"], alias))
                bind.execute(t["link_entity_keys"].insert().values(
                    label=e["label"], norm=alias, entity_id=eid, alias=True))
        if mentions:
            bind.execute(t["link_mentions"].insert(), [
                {"item_id": m["item_id"], "entity_id": eid, "document_id": m["document_id"]}
                for m in {m["item_id"]: m for m in mentions}.values()])
    for c in data.get("claim_clusters", []):
        support = c.get("support") or {}
        cid = bind.execute(t["link_clusters"].insert().values(
            key=c["id"], kind=c["kind"], block=str(c.get("key")), summary=c["summary"],
            low=c.get("low"), high=c.get("high"), independent=support.get("independent_sources", 0),
            documents=support.get("documents", 0), members=len(c.get("members", [])))).inserted_primary_key[0]
        seen: set[int] = set()
        for line in support.get("lines", []):
            chain = [x for x in line.get("chain", []) if x["item_id"] in items and x["item_id"] not in seen]
            seen.update(x["item_id"] for x in chain)
            bind.execute(t["link_lines"].insert().values(cluster_id=cid, origin=line["origin"],
                                                         grade=line.get("grade"), claims=len(chain)))
            if chain:
                bind.execute(t["link_members"].insert(), [
                    {"cluster_id": cid, "item_id": x["item_id"], "document_id": x["document_id"],
                     "origin": line["origin"], "via": x.get("via") or ""} for x in chain])
    for c in data.get("contradictions", []):
        if c["a"]["id"] not in items or c["b"]["id"] not in items:
            continue
        bind.execute(t["link_contradictions"].insert().values(
            type=c["type"], key=c.get("key") or "", block=c.get("key"), a_item=c["a"]["id"],
            b_item=c["b"]["id"], a_cluster=c.get("a_cluster"), b_cluster=c.get("b_cluster"),
            shared=c.get("shared_context") or c.get("shared_topics") or [],
            also=[x["id"] for x in c.get("also", []) if x["id"] in items],
            answers_document=bool(c.get("answers_document")),
            topics=sorted(c.get("allegations_per_topic") or {})))


def downgrade() -> None:
    for name in ("link_topics", "link_contradictions", "link_lines", "link_members", "link_clusters",
                 "link_names", "link_claims", "link_mentions", "link_entity_tokens",
                 "link_entity_keys", "link_entities", "link_documents", "link_state"):
        op.drop_table(name)
    op.create_table(
        "link_results",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("built_at", TZ, nullable=False),
        sa.Column("items", sa.Integer, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
    )
