"""Search: narrow facet rows and a CJK character index beside the full-text index; a trigram
index on PostgreSQL titles (a title-or-body match no longer falls back to a scan)."""

import sqlalchemy as sa
from alembic import op

revision = "search_0001"
down_revision = "store_0001"
branch_labels = ("search",)
depends_on = None


def upgrade() -> None:
    from harvestwatch.store import facets

    op.create_table(
        "search_facets",
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id"), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False, index=True),
        sa.Column("language", sa.String(8), nullable=False, index=True),
        sa.Column("year", sa.String(4), index=True),
        sa.Column("published", sa.String(32)),
    )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # contentless: only the document id and the grams' postings are kept
        op.execute("CREATE VIRTUAL TABLE search_cjk USING fts5(grams, content='', "
                   "tokenize='unicode61')")
    else:
        op.create_table(
            "search_cjk",
            sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id"), primary_key=True),
            sa.Column("grams", sa.ARRAY(sa.Text), nullable=False),
        )
        op.execute("CREATE INDEX ix_search_cjk_grams ON search_cjk USING gin (grams)")
        op.execute("CREATE INDEX ix_search_text_title_trgm ON search_text "
                   "USING gin (title gin_trgm_ops)")
    facets.rebuild(bind)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE search_cjk")
    else:
        op.execute("DROP INDEX ix_search_text_title_trgm")
        op.drop_table("search_cjk")
    op.drop_table("search_facets")
