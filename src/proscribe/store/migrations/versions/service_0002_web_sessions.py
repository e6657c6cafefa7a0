"""service: web sessions, one row a sign-in to the reviewers' pages, deleted at sign-out

Revision ID: service_0002
Revises: service_0001
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa

revision = "service_0002"
down_revision = "service_0001"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "service_web_sessions",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_service_web_sessions"),
        sa.UniqueConstraint("digest", name="uq_service_web_sessions_digest"),
        sa.ForeignKeyConstraint(
            ["key_id"], ["service_api_keys.key_id"], name="fk_service_web_sessions_key_id_service_api_keys", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_service_web_sessions_expires_at", "service_web_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_service_web_sessions_expires_at", table_name="service_web_sessions")
    op.drop_table("service_web_sessions")
