"""ledger: moderation events by account, profile and kind (deciding reads only the kinds that make state);
the index by account and profile alone is its prefix and goes

Revision ID: ledger_0002
Revises: ledger_0001
Create Date: 2026-12-07
"""
from alembic import op

revision = "ledger_0002"
down_revision = "ledger_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_moderation_events_account_profile_kind", "moderation_events", ["account_id", "profile", "kind"])
    op.drop_index("ix_moderation_events_account_profile", table_name="moderation_events")


def downgrade() -> None:
    op.create_index("ix_moderation_events_account_profile", "moderation_events", ["account_id", "profile"])
    op.drop_index("ix_moderation_events_account_profile_kind", table_name="moderation_events")
