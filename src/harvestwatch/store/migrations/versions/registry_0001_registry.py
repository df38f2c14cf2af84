"""Transplant-centre registry: hospitals, names, accreditations, facts, mentions, proposals."""

import sqlalchemy as sa
from alembic import op

revision = "registry_0001"
down_revision = "store_0001"
branch_labels = ("registry",)
depends_on = None

TZ = sa.DateTime(timezone=True)


def _hospital_fk() -> sa.ForeignKey:
    return sa.ForeignKey("registry_hospitals.id")


def upgrade() -> None:
    op.create_table(
        "registry_hospitals",
        sa.Column("id", sa.String(120), primary_key=True),
        sa.Column("name_en", sa.Text, nullable=False),
        sa.Column("name_zh_hans", sa.Text),
        sa.Column("name_zh_hant", sa.Text),
        sa.Column("city", sa.String(120)),
        sa.Column("province", sa.String(120), index=True),
        sa.Column("affiliation", sa.String(40), nullable=False),
        sa.Column("source_title", sa.Text),
        sa.Column("source_url", sa.Text, nullable=False),
        sa.Column("quote", sa.Text, nullable=False),
        sa.Column("origin", sa.String(200), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "registry_aliases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("hospital_id", sa.String(120), _hospital_fk(), nullable=False, index=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("lang", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.UniqueConstraint("hospital_id", "name", name="uq_registry_aliases_name"),
    )
    op.create_table(
        "registry_accreditations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("hospital_id", sa.String(120), _hospital_fk(), nullable=False, index=True),
        sa.Column("list_name", sa.String(200), nullable=False),
        sa.Column("year", sa.Integer),
        sa.Column("organs", sa.Text, nullable=False),
        sa.Column("source_title", sa.Text),
        sa.Column("source_url", sa.Text, nullable=False),
        sa.Column("quote", sa.Text, nullable=False),
        sa.Column("verified", sa.String(200), nullable=False),
        sa.Column("origin", sa.String(200), nullable=False),
    )
    op.create_table(
        "registry_facts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("hospital_id", sa.String(120), _hospital_fk(), nullable=False),
        sa.Column("metric", sa.String(40), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("value_high", sa.Float),
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("year", sa.Integer),
        sa.Column("date", sa.String(10)),
        sa.Column("scope", sa.Text),
        sa.Column("source_title", sa.Text),
        sa.Column("source_url", sa.Text),
        sa.Column("quote", sa.Text),
        sa.Column("document_sha256", sa.String(64), index=True),
        sa.Column("start", sa.Integer),
        sa.Column("end", sa.Integer),
        sa.Column("restricted", sa.Boolean, nullable=False),
        sa.Column("verified", sa.String(200), nullable=False),
        sa.Column("notes", sa.Text),
        sa.Column("origin", sa.String(200), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("ledger_seq", sa.Integer),
        sa.Column("created_at", TZ, nullable=False),
        sa.Index("ix_registry_facts_hospital_metric", "hospital_id", "metric"),
    )
    op.create_table(
        "registry_mentions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("hospital_id", sa.String(120), _hospital_fk(), nullable=False, index=True),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id"), nullable=False, index=True),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.UniqueConstraint("document_id", "start", "end", "hospital_id",
                            name="uq_registry_mentions_span"),
    )
    op.create_table(
        "registry_proposals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("hospital_id", sa.String(120), _hospital_fk(), nullable=False, index=True),
        sa.Column("metric", sa.String(40), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("value_high", sa.Float),
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("year", sa.Integer),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id"), nullable=False, index=True),
        sa.Column("document_sha256", sa.String(64), nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("item_start", sa.Integer, nullable=False),
        sa.Column("item_end", sa.Integer, nullable=False),
        sa.Column("quote", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("restricted", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("reviewer", sa.String(200)),
        sa.Column("note", sa.Text),
        sa.Column("fact_id", sa.Integer),
        sa.Column("ledger_seq", sa.Integer),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("decided_at", TZ),
        sa.UniqueConstraint("hospital_id", "metric", "document_sha256", "item_start", "item_end",
                            name="uq_registry_proposals_figure"),
    )
    op.create_table(
        "registry_meta",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for name in ("registry_meta", "registry_proposals", "registry_mentions", "registry_facts",
                 "registry_accreditations", "registry_aliases", "registry_hospitals"):
        op.drop_table(name)
