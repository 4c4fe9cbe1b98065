"""Members' regional questions: chosen regions, questions, deliveries, admin alerts.

Revision ID: 0003_questions
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_questions"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_regions",
        sa.Column("user_id", sa.String(20), nullable=False),
        sa.Column("region", sa.String(30), nullable=True),
        sa.Column("branch", sa.String(80), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_member_regions")),
    )
    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("asker_id", sa.String(20), nullable=False),
        sa.Column("region", sa.String(30), nullable=True),
        sa.Column("region_reason", sa.String(300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("asker_tz", sa.String(64), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("routed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reroutes", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(20), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by", sa.String(20), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
    )
    op.create_index(op.f("ix_questions_asker_id"), "questions", ["asker_id"], unique=False)
    op.create_index(
        "ix_questions_status_region_asked_at",
        "questions",
        ["status", "region", "asked_at"],
        unique=False,
    )
    op.create_table(
        "question_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(60), nullable=False),
        sa.Column("recipient", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(20), nullable=True),
        sa.Column("ts", sa.String(40), nullable=True),
        sa.Column("error", sa.String(60), nullable=True),
        sa.Column("reserved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_question_deliveries_question_id_questions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_deliveries")),
        sa.UniqueConstraint(
            "question_id", "stage", "recipient", name=op.f("uq_question_deliveries_question_id")
        ),
    )
    op.create_index(
        op.f("ix_question_deliveries_question_id"),
        "question_deliveries",
        ["question_id"],
        unique=False,
    )
    op.create_table(
        "question_alerts",
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_question_alerts")),
    )


def downgrade() -> None:
    op.drop_table("question_alerts")
    op.drop_index(op.f("ix_question_deliveries_question_id"), table_name="question_deliveries")
    op.drop_table("question_deliveries")
    op.drop_index("ix_questions_status_region_asked_at", table_name="questions")
    op.drop_index(op.f("ix_questions_asker_id"), table_name="questions")
    op.drop_table("questions")
    op.drop_table("member_regions")
