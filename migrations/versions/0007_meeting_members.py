"""Meetings members put in their own calendar, and their answers (going, or apologies).

Revision ID: 0007_meeting_members
Revises: 0006_merge_heads
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_meeting_members"
down_revision = "0006_merge_heads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_additions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(20), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(20), nullable=False),
        sa.Column("original_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("uid", sa.String(200), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_calendar_additions_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_additions")),
        sa.UniqueConstraint("user_id", "meeting_id", "target", name=op.f("uq_calendar_additions_user_id")),
    )
    op.create_index(op.f("ix_calendar_additions_user_id"), "calendar_additions", ["user_id"], unique=False)
    op.create_index(
        op.f("ix_calendar_additions_updated_at"), "calendar_additions", ["updated_at"], unique=False
    )
    op.create_table(
        "meeting_answers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("original_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.String(20), nullable=False),
        sa.Column("answer", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(300), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_answers_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_answers")),
        sa.UniqueConstraint(
            "meeting_id", "original_start", "user_id", name=op.f("uq_meeting_answers_meeting_id")
        ),
    )
    op.create_index(
        op.f("ix_meeting_answers_original_start"), "meeting_answers", ["original_start"], unique=False
    )
    op.create_index(op.f("ix_meeting_answers_user_id"), "meeting_answers", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_meeting_answers_user_id"), table_name="meeting_answers")
    op.drop_index(op.f("ix_meeting_answers_original_start"), table_name="meeting_answers")
    op.drop_table("meeting_answers")
    op.drop_index(op.f("ix_calendar_additions_updated_at"), table_name="calendar_additions")
    op.drop_index(op.f("ix_calendar_additions_user_id"), table_name="calendar_additions")
    op.drop_table("calendar_additions")
