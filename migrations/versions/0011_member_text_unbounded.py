"""Names and reasons people type are limited in characters as people see them (grapheme
clusters, bot/text_measure.py): one such character can be several code points ("é" typed with
a combining accent, a family emoji), so a column limited in code points could refuse a name the
rule allows. These columns become TEXT; the rules keep the limits.

Revision ID: 0011_member_text_unbounded
Revises: 0010_admin_alerts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_member_text_unbounded"
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
