"""Accounts: users, access log of restricted content, review decisions."""

import sqlalchemy as sa
from alembic import op

revision = "accounts_0001"
down_revision = "store_0001"
branch_labels = ("accounts",)
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(120), nullable=False, unique=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user", sa.String(120), nullable=False),
        sa.Column("document_id", sa.Integer, nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("at", TZ, nullable=False),
    )
    op.create_table(
        "review_decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("extracted_items.id"), nullable=False, index=True),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("user", sa.String(120), nullable=False),
        sa.Column("ledger_seq", sa.Integer, nullable=False),
        sa.Column("at", TZ, nullable=False),
    )
