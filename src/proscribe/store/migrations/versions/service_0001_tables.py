"""service: API keys, audit log, review items, appeals, settings

Revision ID: service_0001
Revises:
Create Date: 2025-01-01
"""
from alembic import op
import sqlalchemy as sa

revision = "service_0001"
down_revision = None
branch_labels = ("service",)
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "service_api_keys",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(256), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_service_api_keys"),
        sa.UniqueConstraint("key_id", name="uq_service_api_keys_key_id"),
        sa.UniqueConstraint("name", name="uq_service_api_keys_name"),
    )
    op.create_table(
        "service_audit_log",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(1024), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_service_audit_log"),
    )
    op.create_index("ix_service_audit_log_actor", "service_audit_log", ["actor"])
    op.create_table(
        "service_review_items",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("post_id", sa.String(512), nullable=False),
        sa.Column("profile", sa.String(128), nullable=False),
        sa.Column("account_id", sa.String(512), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("followers", sa.BigInteger(), nullable=True),
        sa.Column("base_priority", sa.Float(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(256), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("outcome_reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(256), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_service_review_items"),
        sa.UniqueConstraint("post_id", "profile", name="uq_service_review_items_post_id_profile"),
    )
    op.create_index("ix_service_review_items_status", "service_review_items", ["status", "level"])
    op.create_table(
        "service_appeals",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target", sa.String(1100), nullable=False),
        sa.Column("profile", sa.String(128), nullable=False),
        sa.Column("post_id", sa.String(512), nullable=True),
        sa.Column("account_id", sa.String(512), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=True),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("filed_by", sa.String(256), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("excluded", sa.JSON(), nullable=False),
        sa.Column("claimed_by", sa.String(256), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("outcome_reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(256), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_service_appeals"),
        sa.UniqueConstraint("kind", "target", "profile", name="uq_service_appeals_kind_target_profile"),
    )
    op.create_index("ix_service_appeals_status", "service_appeals", ["status"])
    op.create_table(
        "service_settings",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_service_settings"),
    )


def downgrade() -> None:
    for table in ("service_settings", "service_appeals", "service_review_items", "service_audit_log", "service_api_keys"):
        op.drop_table(table)
