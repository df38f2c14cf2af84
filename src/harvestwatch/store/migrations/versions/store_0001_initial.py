"""Evidence store: sources, documents, tags, search text, extracted items, ledger, checkpoints."""

import sqlalchemy as sa
from alembic import op

revision = "store_0001"
down_revision = None
branch_labels = ("store",)
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("blob_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("restricted", sa.Boolean, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("ingested_at", TZ, nullable=False),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id"), nullable=False),
        sa.Column("record_index", sa.Integer, nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("author", sa.Text),
        sa.Column("published", sa.String(32)),
        sa.Column("site", sa.Text),
        sa.Column("url", sa.Text),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("mime", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("restricted", sa.Boolean, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("text_sha256", sa.String(64), nullable=False, index=True),
        sa.Column("text_length", sa.Integer, nullable=False),
        sa.Column("pages", sa.JSON, nullable=False),
        sa.Column("meta", sa.JSON, nullable=False),
        sa.Column("near_duplicate_of", sa.Integer, sa.ForeignKey("documents.id")),
        sa.Column("ingested_at", TZ, nullable=False),
    )
    op.create_index("ix_documents_kind_language", "documents", ["kind", "language"])
    op.create_table(
        "document_tags",
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id"), primary_key=True),
        sa.Column("tag", sa.String(200), primary_key=True, index=True),
    )
    op.create_table(
        "search_text",
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id"), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_table(
        "extracted_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id"), nullable=False, index=True),
        sa.Column("document_sha256", sa.String(64), nullable=False),
        sa.Column("extractor", sa.String(80), nullable=False),
        sa.Column("item_type", sa.String(20), nullable=False),
        sa.Column("label", sa.String(40), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("canonical", sa.Text),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("document_id", "extractor", "item_type", "label", "start", "end",
                            name="uq_extracted_items_span"),
    )
    op.create_index("ix_extracted_items_type_label", "extracted_items", ["item_type", "label"])
    op.create_table(
        "ledger",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(60), nullable=False, index=True),
        sa.Column("object_type", sa.String(60), nullable=False),
        sa.Column("object_id", sa.String(200), nullable=False, index=True),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("payload_hash", sa.String(64), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False, unique=True),
    )
    op.create_table(
        "checkpoints",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("last_seq", sa.Integer, nullable=False),
        sa.Column("merkle_root", sa.String(64), nullable=False),
    )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # Trigram FTS over the folded search text (external content: search_text).
        op.execute("CREATE VIRTUAL TABLE search_fts USING fts5(title, body, "
                   "content='search_text', content_rowid='document_id', tokenize='trigram')")
        op.execute("CREATE TRIGGER search_text_ai AFTER INSERT ON search_text BEGIN "
                   "INSERT INTO search_fts(rowid, title, body) VALUES "
                   "(new.document_id, new.title, new.body); END")
        op.execute("CREATE TRIGGER search_text_ad AFTER DELETE ON search_text BEGIN "
                   "INSERT INTO search_fts(search_fts, rowid, title, body) VALUES "
                   "('delete', old.document_id, old.title, old.body); END")
        op.execute("CREATE TRIGGER search_text_au AFTER UPDATE ON search_text BEGIN "
                   "INSERT INTO search_fts(search_fts, rowid, title, body) VALUES "
                   "('delete', old.document_id, old.title, old.body); "
                   "INSERT INTO search_fts(rowid, title, body) VALUES "
                   "(new.document_id, new.title, new.body); END")
    elif bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_search_text_body_trgm ON search_text "
                   "USING gin (body gin_trgm_ops)")
