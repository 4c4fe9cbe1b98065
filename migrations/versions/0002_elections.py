"""Officer elections, nominations and nominators.

Revision ID: 0002_elections
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_elections"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "elections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("positions", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("created_by", sa.String(20), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_early_by", sa.String(20), nullable=True),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("summary_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.String(20), nullable=True),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elections")),
        sa.UniqueConstraint("name", name=op.f("uq_elections_name")),
    )
    op.create_table(
        "nominations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("position_key", sa.String(80), nullable=False),
        sa.Column("submission_key", sa.String(100), nullable=False),
        sa.Column("submitted_by", sa.String(20), nullable=False),
        sa.Column("candidate_slack_id", sa.String(20), nullable=True),
        sa.Column("candidate_name", sa.String(150), nullable=False),
        sa.Column("candidate_email", sa.String(320), nullable=False),
        sa.Column("candidate_membership", sa.String(40), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("route", sa.String(10), nullable=False),
        sa.Column("branch", sa.String(80), nullable=True),
        sa.Column("partner_slack_id", sa.String(20), nullable=True),
        sa.Column("partner_name", sa.String(150), nullable=True),
        sa.Column("partner_email", sa.String(320), nullable=True),
        sa.Column("partner_membership", sa.String(40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_by", sa.String(20), nullable=True),
        sa.Column("forget_at_close", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["elections.id"],
            name=op.f("fk_nominations_election_id_elections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nominations")),
        sa.UniqueConstraint("submission_key", name=op.f("uq_nominations_submission_key")),
    )
    op.create_index(op.f("ix_nominations_election_id"), "nominations", ["election_id"])
    op.create_index(op.f("ix_nominations_submitted_by"), "nominations", ["submitted_by"])
    op.create_index(op.f("ix_nominations_candidate_slack_id"), "nominations", ["candidate_slack_id"])
    op.create_table(
        "nominators",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("slack_id", sa.String(20), nullable=True),
        sa.Column("name", sa.String(150), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("membership_number", sa.String(40), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dm_channel", sa.String(20), nullable=True),
        sa.Column("dm_ts", sa.String(30), nullable=True),
        sa.Column("forget_at_close", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["nominations.id"],
            name=op.f("fk_nominators_nomination_id_nominations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nominators")),
        sa.UniqueConstraint("nomination_id", "slot", name=op.f("uq_nominators_nomination_id")),
    )
    op.create_index(op.f("ix_nominators_nomination_id"), "nominators", ["nomination_id"])
    op.create_index(op.f("ix_nominators_slack_id"), "nominators", ["slack_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_nominators_slack_id"), table_name="nominators")
    op.drop_index(op.f("ix_nominators_nomination_id"), table_name="nominators")
    op.drop_table("nominators")
    op.drop_index(op.f("ix_nominations_candidate_slack_id"), table_name="nominations")
    op.drop_index(op.f("ix_nominations_submitted_by"), table_name="nominations")
    op.drop_index(op.f("ix_nominations_election_id"), table_name="nominations")
    op.drop_table("nominations")
    op.drop_table("elections")
