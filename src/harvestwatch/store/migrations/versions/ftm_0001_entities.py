"""FollowTheMoney interop: imported entities and where each came from."""

import sqlalchemy as sa
from alembic import op

revision = "ftm_0001"
down_revision = "store_0001"
branch_labels = ("ftm",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ftm_entities",
        sa.Column("entity_id", sa.String(255), primary_key=True),
        sa.Column("schema", sa.String(60), nullable=False, index=True),
        sa.Column("caption", sa.Text, nullable=False),
        sa.Column("properties", sa.JSON, nullable=False),
        sa.Column("datasets", sa.JSON, nullable=False),
        sa.Column("referents", sa.JSON, nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "ftm_provenance",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("entity_id", sa.String(255), sa.ForeignKey("ftm_entities.entity_id"),
                  nullable=False, index=True),
        sa.Column("source_sha256", sa.String(64), nullable=False, index=True),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("dataset", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ftm_provenance")
    op.drop_table("ftm_entities")
