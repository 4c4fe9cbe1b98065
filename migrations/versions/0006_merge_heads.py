"""Merge the four feature branches (0002 to 0005) into one head.

Revision ID: 0006_merge_heads
Revises: 0002_elections, 0003_questions, 0004_meetings, 0005_data_rights
"""

from __future__ import annotations

revision = "0006_merge_heads"
down_revision = ("0002_elections", "0003_questions", "0004_meetings", "0005_data_rights")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: this revision only joins the history into one line."""


def downgrade() -> None:
    """Nothing to undo."""
