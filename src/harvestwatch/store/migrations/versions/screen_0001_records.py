"""Screening: records, flags, review decisions."""

import sqlalchemy as sa
from alembic import op

revision = "screen_0001"
down_revision = "store_0001"
branch_labels = ("screen",)
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "screen_records",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project", sa.String(120), nullable=False, index=True),
        sa.Column("record_id", sa.String(300), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("screened_version", sa.String(40)),
        sa.Column("imported_at", TZ, nullable=False),
        sa.UniqueConstraint("project", "record_id", name="uq_screen_records_project_record"),
    )
    op.create_table(
        "screen_flags",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("record_pk", sa.Integer, sa.ForeignKey("screen_records.id"), nullable=False, index=True),
        sa.Column("rule", sa.String(40), nullable=False, index=True),
        sa.Column("strength", sa.String(10), nullable=False),
        sa.Column("explanation", sa.Text, nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
    )
    op.create_table(
        "screen_decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("record_pk", sa.Integer, sa.ForeignKey("screen_records.id"), nullable=False, index=True),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("rule", sa.String(40)),
        sa.Column("note", sa.Text),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("ledger_seq", sa.Integer, nullable=False),
        sa.Column("at", TZ, nullable=False),
    )
