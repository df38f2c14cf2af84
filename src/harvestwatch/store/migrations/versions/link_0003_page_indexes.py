"""Indexes for the queries the link pages make: clusters in support order, each cluster's
strongest lines of evidence, each line's first claims.

Replaces ``ix_link_clusters_support`` (independent, members: the page also orders by key) and
``ix_link_lines_cluster_id`` (a prefix of the new lines index).
"""

import sqlalchemy as sa
from alembic import op

revision = "link_0003"
down_revision = "link_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_link_clusters_support", table_name="link_clusters")
    op.create_index("ix_link_clusters_rank", "link_clusters",
                    [sa.text("independent DESC"), sa.text("members DESC"), "key"])
    op.drop_index("ix_link_lines_cluster_id", table_name="link_lines")
    op.create_index("ix_link_lines_top", "link_lines", ["cluster_id", sa.text("claims DESC"), "origin"])
    op.create_index("ix_link_members_line", "link_members", ["cluster_id", "origin", "item_id"])


def downgrade() -> None:
    op.drop_index("ix_link_members_line", table_name="link_members")
    op.drop_index("ix_link_lines_top", table_name="link_lines")
    op.create_index("ix_link_lines_cluster_id", "link_lines", ["cluster_id"])
    op.drop_index("ix_link_clusters_rank", table_name="link_clusters")
    op.create_index("ix_link_clusters_support", "link_clusters", ["independent", "members"])
