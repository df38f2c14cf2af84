"""Linking: manual entity decisions, source grades, built link results."""

import sqlalchemy as sa
from alembic import op

revision = "link_0001"
down_revision = "store_0001"
branch_labels = ("link",)
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "link_decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("label", sa.String(40), nullable=False),
        sa.Column("a", sa.Text, nullable=False),
        sa.Column("b", sa.Text),
        sa.Column("note", sa.Text),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("ledger_seq", sa.Integer, nullable=False),
        sa.Column("at", TZ, nullable=False),
    )
    op.create_table(
        "source_grades",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source", sa.Text, nullable=False, index=True),
        sa.Column("reliability", sa.String(1), nullable=False),
        sa.Column("credibility", sa.Integer),
        sa.Column("note", sa.Text),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", TZ, nullable=False),
    )
    op.create_table(
        "link_results",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("built_at", TZ, nullable=False),
        sa.Column("items", sa.Integer, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
    )
