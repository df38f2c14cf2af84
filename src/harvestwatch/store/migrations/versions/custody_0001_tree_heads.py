"""Custody: signed tree heads over the ledger and the Merkle node cache for proofs."""

import sqlalchemy as sa
from alembic import op

revision = "custody_0001"
down_revision = "store_0001"
branch_labels = ("custody",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tree_heads",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tree_size", sa.Integer, nullable=False, index=True),
        sa.Column("root_hash", sa.String(64), nullable=False),
        sa.Column("issued_at", sa.String(32), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("signature", sa.String(100), nullable=False),
        sa.Column("frontier", sa.JSON, nullable=False),
        sa.Column("tsa_url", sa.Text),
        sa.Column("tsa_token", sa.Text),
    )
    op.create_table(
        "merkle_nodes",
        sa.Column("level", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("idx", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("merkle_nodes")
    op.drop_table("tree_heads")
