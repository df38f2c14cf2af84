"""Screening review workflow: dedupe keys, duplicates, reasons, resolutions, project settings."""

import sqlalchemy as sa
from alembic import op

revision = "screen_0002"
down_revision = "screen_0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    for col in (sa.Column("source", sa.String(300)), sa.Column("doi_key", sa.String(300)),
                sa.Column("pmid_key", sa.String(20)), sa.Column("title_key", sa.String(40)),
                sa.Column("year", sa.Integer)):
        op.add_column("screen_records", col)
    for key in ("doi_key", "pmid_key", "title_key"):
        op.create_index(f"ix_screen_records_project_{key}", "screen_records", ["project", key])
    op.add_column("screen_decisions", sa.Column("reason", sa.String(40)))
    op.create_table(
        "screen_duplicates",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project", sa.String(120), nullable=False, index=True),
        sa.Column("record_id", sa.String(300), nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("duplicate_of", sa.Integer, sa.ForeignKey("screen_records.id"), nullable=False,
                  index=True),
        sa.Column("key", sa.String(20), nullable=False),
        sa.Column("imported_at", TZ, nullable=False),
        sa.UniqueConstraint("project", "record_id", name="uq_screen_duplicates_project_record"),
    )
    op.create_table(
        "screen_resolutions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("record_pk", sa.Integer, sa.ForeignKey("screen_records.id"), nullable=False, index=True),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(40)),
        sa.Column("note", sa.Text),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("ledger_seq", sa.Integer, nullable=False),
        sa.Column("at", TZ, nullable=False),
    )
    op.create_table(
        "screen_projects",
        sa.Column("name", sa.String(120), primary_key=True),
        sa.Column("reviewers", sa.Integer, nullable=False),
        sa.Column("stop_after", sa.Integer, nullable=False),
        sa.Column("min_screened", sa.Float, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
