"""Admin alerts in one table: meeting_alerts and question_alerts become admin_alerts, which
also counts repeats so that they are summarised rather than told one by one.

Revision ID: 0010_admin_alerts
Revises: 0009_organisation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_admin_alerts"
down_revision = "0009_organisation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admin_alerts",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("told_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("repeats", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_admin_alerts")),
    )
    op.execute(
        "INSERT INTO admin_alerts (key, first_at, told_at, repeats) "
        "SELECT key, sent_at, sent_at, 0 FROM meeting_alerts"
    )
    op.execute(
        "INSERT INTO admin_alerts (key, first_at, told_at, repeats) "
        "SELECT key, sent_at, sent_at, 0 FROM question_alerts "
        "WHERE key NOT IN (SELECT key FROM admin_alerts)"
    )
    op.drop_table("meeting_alerts")
    op.drop_table("question_alerts")


def downgrade() -> None:
    for old, length in (("meeting_alerts", 200), ("question_alerts", 100)):
        op.create_table(
            old,
            sa.Column("key", sa.String(length), nullable=False),
            sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("key", name=op.f(f"pk_{old}")),
        )
    op.execute(
        "INSERT INTO question_alerts (key, sent_at) SELECT key, first_at FROM admin_alerts "
        "WHERE key LIKE 'vacant:%' OR key LIKE 'unreachable:%'"
    )
    op.execute(
        "INSERT INTO meeting_alerts (key, sent_at) SELECT key, first_at FROM admin_alerts "
        "WHERE key NOT LIKE 'vacant:%' AND key NOT LIKE 'unreachable:%'"
    )
    op.drop_table("admin_alerts")
