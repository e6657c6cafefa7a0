"""registry: versions, layers, layer members and content-addressed entity records

Revision ID: registry_0001
Revises:
Create Date: 2025-01-01
"""
from alembic import op
import sqlalchemy as sa

revision = "registry_0001"
down_revision = None
branch_labels = ("registry",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registry_entity_record",
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("entity_id", sa.String(400), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("hash", name="pk_registry_entity_record"),
    )
    op.create_table(
        "registry_layer_version",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("layer", sa.String(200), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_registry_layer_version"),
    )
    op.create_table(
        "registry_layer_member",
        sa.Column("layer_version_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.String(400), nullable=False),
        sa.Column("entity_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("layer_version_id", "entity_id", name="pk_registry_layer_member"),
        sa.ForeignKeyConstraint(["layer_version_id"], ["registry_layer_version.id"], name="fk_registry_member_layer_version"),
        sa.ForeignKeyConstraint(["entity_hash"], ["registry_entity_record.hash"], name="fk_registry_member_record"),
    )
    op.create_table(
        "registry_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("origin", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_registry_version"),
    )
    op.create_index("ix_registry_version_hash", "registry_version", ["hash"])
    op.create_table(
        "registry_version_layer",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("layer", sa.String(200), nullable=False),
        sa.Column("layer_version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("version_id", "layer", name="pk_registry_version_layer"),
        sa.ForeignKeyConstraint(["version_id"], ["registry_version.id"], name="fk_registry_version_layer_version"),
        sa.ForeignKeyConstraint(["layer_version_id"], ["registry_layer_version.id"], name="fk_registry_version_layer_layer"),
    )


def downgrade() -> None:
    op.drop_table("registry_version_layer")
    op.drop_index("ix_registry_version_hash", table_name="registry_version")
    op.drop_table("registry_version")
    op.drop_table("registry_layer_member")
    op.drop_table("registry_layer_version")
    op.drop_table("registry_entity_record")
