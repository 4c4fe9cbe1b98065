"""Indexes for reads at scale: a member's data (my-data, forget-me) found by index, not by
reading every question and delivery (bench/README.md, "At ten times LI's size").

Revision ID: 0008_indexes_for_reads_at_scale
Revises: 0007_meeting_members
"""

from __future__ import annotations

from alembic import op

revision = "0008_indexes_for_reads_at_scale"
down_revision = "0007_meeting_members"
branch_labels = None
depends_on = None

INDEXES = (
    ("questions", "claimed_by"),
    ("questions", "answered_by"),
    ("question_deliveries", "recipient"),
)


def upgrade() -> None:
    for table, column in INDEXES:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def downgrade() -> None:
    for table, column in reversed(INDEXES):
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
