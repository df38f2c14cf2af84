"""Ingest: document parent/child links, OCR pages with word boxes, failed inputs."""

import sqlalchemy as sa
from alembic import op

revision = "ingest_0001"
down_revision = "store_0001"
branch_labels = ("ingest",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_links",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("documents.id"), nullable=False, index=True),
        sa.Column("child_id", sa.Integer, sa.ForeignKey("documents.id"), nullable=False, index=True),
        sa.Column("relation", sa.String(20), nullable=False),
        sa.Column("name", sa.Text),
        sa.UniqueConstraint("parent_id", "child_id"),
    )
    op.create_table(
        "ocr_pages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id"), nullable=False,
                  index=True),
        sa.Column("page", sa.Integer, nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("dpi", sa.Integer, nullable=False),
        sa.Column("lang", sa.String(40), nullable=False),
        sa.Column("confidence", sa.Float),
        sa.Column("words", sa.JSON, nullable=False),
        sa.Column("error", sa.Text),
        sa.UniqueConstraint("document_id", "page"),
    )
    op.create_table(
        "ingest_failures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("path", sa.LargeBinary, nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ingest_failures")
    op.drop_table("ocr_pages")
    op.drop_table("document_links")
