"""What members type: its limits and who sees it.

Names and reasons are limited in characters as people see them (grapheme clusters,
bot/text_measure.py): one such character can be several code points ("é" typed with a combining
accent, a family emoji), so a column limited in code points could refuse a name the rule allows.
These columns become TEXT; the rules keep the limits.

questions.channel_ok: the asker was told, before the question went, that a region's channel
shows it to everyone in it; without it the region's coordinators get it by DM. It is false for
the questions already stored: nothing says their askers were told.

SQLite rebuilds `meetings` to change a column: its data-version triggers (0011) are made again.

Revision ID: 0012_member_text
Revises: 0011_meetings_data_version
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_member_text"
down_revision = "0011_meetings_data_version"
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


BUMP = "UPDATE data_versions SET version = version + 1 WHERE name = 'meetings'"


def _meetings_triggers_again() -> None:
    """SQLite drops a table's triggers when a batch migration rebuilds it (0011's note)."""
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL changes the column in place: its triggers stay
    for event in ("INSERT", "UPDATE", "DELETE"):
        op.execute(f"DROP TRIGGER IF EXISTS meetings_version_{event.lower()}")
        op.execute(
            f"CREATE TRIGGER meetings_version_{event.lower()} AFTER {event} ON meetings BEGIN {BUMP}; END"
        )


def upgrade() -> None:
    with op.batch_alter_table("questions") as batch:
        batch.add_column(sa.Column("channel_ok", sa.Boolean(), server_default=sa.false(), nullable=False))
    for table, column, length, nullable in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column, type_=sa.Text(), existing_type=sa.String(length), existing_nullable=nullable
            )
    _meetings_triggers_again()


def downgrade() -> None:
    for table, column, length, nullable in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column, type_=sa.String(length), existing_type=sa.Text(), existing_nullable=nullable
            )
    _meetings_triggers_again()
    with op.batch_alter_table("questions") as batch:
        batch.drop_column("channel_ok")
