"""The organisation in the database: the current document with its revision, and every change.

Revision ID: 0009_organisation
Revises: 0008_indexes_for_reads_at_scale
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_organisation"
down_revision = "0008_indexes_for_reads_at_scale"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
    )
    op.create_table(
        "organisation_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(40), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_changes")),
    )
    op.create_index(op.f("ix_organisation_changes_revision"), "organisation_changes", ["revision"])
    op.create_index(op.f("ix_organisation_changes_at"), "organisation_changes", ["at"])
    op.create_index(op.f("ix_organisation_changes_actor_id"), "organisation_changes", ["actor_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_organisation_changes_actor_id"), table_name="organisation_changes")
    op.drop_index(op.f("ix_organisation_changes_at"), table_name="organisation_changes")
    op.drop_index(op.f("ix_organisation_changes_revision"), table_name="organisation_changes")
    op.drop_table("organisation_changes")
    op.drop_table("organisation")
