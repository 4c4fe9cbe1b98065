"""Indexes for the admins' Home tab at scale (bench/README.md, "At ten times LI's size"):
nominators by nomination and status, read from the index alone by the count of nominations
awaiting a nominator (it replaces the index on the nomination alone, which it covers), and
meeting posts by outcome and time, so the recent failures are found without reading every
recent post.

Revision ID: 0013_indexes_for_home
Revises: 0012_member_text
"""

from __future__ import annotations

from alembic import op

revision = "0013_indexes_for_home"
down_revision = "0012_member_text"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_nominators_nomination_id_status", "nominators", ["nomination_id", "status"], unique=False
    )
    op.drop_index(op.f("ix_nominators_nomination_id"), table_name="nominators")
    op.create_index(
        "ix_meeting_posts_outcome_recorded_at", "meeting_posts", ["outcome", "recorded_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_meeting_posts_outcome_recorded_at", table_name="meeting_posts")
    op.create_index(op.f("ix_nominators_nomination_id"), "nominators", ["nomination_id"], unique=False)
    op.drop_index("ix_nominators_nomination_id_status", table_name="nominators")
