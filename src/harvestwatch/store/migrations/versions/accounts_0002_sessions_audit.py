"""Accounts: server-side web sessions, login lockout, and the access log as the audit of
every restricted view, export and admin action (one row per ledger entry)."""

import sqlalchemy as sa
from alembic import op

revision = "accounts_0002"
down_revision = "accounts_0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("last_seen_at", TZ, nullable=False),
        sa.Column("address", sa.String(64), nullable=False, server_default=""),
        sa.Column("ended_at", TZ),
        sa.Column("end_reason", sa.String(40)),
    )
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("locked_until", TZ))
    with op.batch_alter_table("access_log") as batch:
        batch.alter_column("document_id", existing_type=sa.Integer, nullable=True)
        batch.add_column(sa.Column("object_type", sa.String(40), nullable=False, server_default="document"))
        batch.add_column(sa.Column("object_id", sa.String(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("via", sa.String(10), nullable=False, server_default="web"))
        batch.add_column(sa.Column("ledger_seq", sa.Integer))
        batch.create_index("ix_access_log_user", ["user"])
        batch.create_index("ix_access_log_action", ["action"])
        batch.create_index("ix_access_log_at", ["at"])
    # rows written before this revision were document views and downloads by id
    op.execute("UPDATE access_log SET object_id = COALESCE((SELECT d.sha256 FROM documents d "
               "WHERE d.id = access_log.document_id), CAST(document_id AS VARCHAR(200))) "
               "WHERE document_id IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("access_log") as batch:
        batch.drop_index("ix_access_log_at")
        batch.drop_index("ix_access_log_action")
        batch.drop_index("ix_access_log_user")
        for column in ("ledger_seq", "via", "object_id", "object_type"):
            batch.drop_column(column)
    with op.batch_alter_table("users") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("failed_logins")
    op.drop_table("web_sessions")
