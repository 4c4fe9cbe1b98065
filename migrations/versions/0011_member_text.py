"""What members type: its limits and who sees it.

Names and reasons are limited in characters as people see them (grapheme clusters,
bot/text_measure.py): one such character can be several code points ("é" typed with a combining
accent, a family emoji), so a column limited in code points could refuse a name the rule allows.
These columns become TEXT; the rules keep the limits.

questions.channel_ok: the asker was told, before the question went, that a region's channel
shows it to everyone in it; without it the region's coordinators get it by DM. It is false for
the questions already stored: nothing says their askers were told.

Revision ID: 0011_member_text
Revises: 0010_admin_alerts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_member_text"
down_revision = "0010_admin_alerts"
branch_labels = None
depends_on = None

# (table, column, its old length, nullable)
COLUMNS = (
    ("elections", "name", 100, False),
    ("nominations", "candidate_name", 150, False),
    ("nominations", "partner_name", 150, True),
    ("nominators", "name", 150, True),
    ("meetings", "name", 150, False),
    ("meeting_answers", "reason", 300, True),
)


def upgrade() -> None:
    with op.batch_alter_table("questions") as batch:
        batch.add_column(sa.Column("channel_ok", sa.Boolean(), server_default=sa.false(), nullable=False))
    for table, column, length, nullable in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column, type_=sa.Text(), existing_type=sa.String(length), existing_nullable=nullable
            )


def downgrade() -> None:
    for table, column, length, nullable in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column, type_=sa.String(length), existing_type=sa.Text(), existing_nullable=nullable
            )
    with op.batch_alter_table("questions") as batch:
        batch.drop_column("channel_ok")
