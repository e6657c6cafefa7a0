"""ledger: moderation events, decisions, accounts, account links, posts

Revision ID: ledger_0001
Revises:
Create Date: 2025-01-01
"""
from alembic import op
import sqlalchemy as sa

revision = "ledger_0001"
down_revision = None
branch_labels = ("ledger",)
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "moderation_events",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("account_id", sa.String(512), nullable=False),
        sa.Column("profile", sa.String(128), nullable=False),
        sa.Column("post_id", sa.String(512), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_moderation_events"),
    )
    op.create_index("ix_moderation_events_account_profile", "moderation_events", ["account_id", "profile"])
    op.create_index("ix_moderation_events_post", "moderation_events", ["post_id"])

    op.create_table(
        "decisions",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("post_id", sa.String(512), nullable=False),
        sa.Column("profile", sa.String(128), nullable=False),
        sa.Column("account_id", sa.String(512), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("violation", sa.Boolean(), nullable=False),
        sa.Column("strike", sa.Boolean(), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_decisions"),
        sa.UniqueConstraint("post_id", "profile", name="uq_decisions_post_id_profile"),
    )
    op.create_index("ix_decisions_account_profile", "decisions", ["account_id", "profile"])

    op.create_table(
        "accounts",
        sa.Column("id", sa.String(512), nullable=False),
        sa.Column("handle", sa.String(512), nullable=True),
        sa.Column("display_name", sa.Text(), nullable=True),
        sa.Column("operator", sa.String(512), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lock_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
    )
    op.create_index("ix_accounts_operator", "accounts", ["operator"])

    op.create_table(
        "account_links",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("a", sa.String(512), nullable=False),
        sa.Column("b", sa.String(512), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_account_links"),
        sa.UniqueConstraint("a", "b", name="uq_account_links_a_b"),
    )
    op.create_index("ix_account_links_b", "account_links", ["b"])

    op.create_table(
        "posts",
        sa.Column("id", sa.String(512), nullable=False),
        sa.Column("account_id", sa.String(512), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("original", sa.Text(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_posts"),
    )
    op.create_index("ix_posts_account_id", "posts", ["account_id"])


def downgrade() -> None:
    for table in ("posts", "account_links", "accounts", "decisions", "moderation_events"):
        op.drop_table(table)
