"""Search: a change mark for the in-memory facet index (``store.facet_index``).

Every write to ``search_facets`` or ``document_tags`` moves ``search_changes``, so a process
holding facet columns in memory reads one tiny row per search to know they are still current.
SQLite has one writer at a time: one row counts the changed rows. PostgreSQL writers run at
once: each write statement adds a row (inserts never wait on each other, as updates of one
shared row would), and the row count moves when that transaction commits.
"""

import sqlalchemy as sa
from alembic import op

revision = "search_0002"
down_revision = "search_0001"
branch_labels = None
depends_on = None

TABLES = ("search_facets", "document_tags")


def upgrade() -> None:
    op.create_table(
        "search_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("n", sa.BigInteger, nullable=False, server_default="0"),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute("INSERT INTO search_changes(id, n) VALUES (1, 0)")
        for table in TABLES:
            for event in ("INSERT", "UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_changes_{event.lower()} AFTER {event} ON {table} "
                           "BEGIN UPDATE search_changes SET n = n + 1 WHERE id = 1; END")
        return
    op.execute("CREATE FUNCTION search_changes_mark() RETURNS trigger LANGUAGE plpgsql AS $$ "
               "BEGIN INSERT INTO search_changes(n) VALUES (1); RETURN NULL; END $$")
    for table in TABLES:
        op.execute(f"CREATE TRIGGER {table}_changes AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                   f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION search_changes_mark()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_changes_{event}")
    else:
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_changes ON {table}")
        op.execute("DROP FUNCTION search_changes_mark()")
    op.drop_table("search_changes")
