"""A version counter for the meetings: `data_versions` ("meetings" row), bumped by triggers on
every INSERT, UPDATE and DELETE of `meetings` and `meeting_changes`, in the writing
transaction, whatever code (or person) writes. Lists of upcoming meetings are cached per
process under this version.

SQLite drops a table's triggers with the table: a later batch migration that rebuilds
`meetings` or `meeting_changes` must create them again (tests/services/test_meeting_listing.py
fails if a write no longer bumps the version).

Revision ID: 0011_meetings_data_version
Revises: 0010_admin_alerts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_meetings_data_version"
down_revision = "0010_admin_alerts"
branch_labels = None
depends_on = None

TABLES = ("meetings", "meeting_changes")
BUMP = "UPDATE data_versions SET version = version + 1 WHERE name = 'meetings'"


def upgrade() -> None:
    op.create_table(
        "data_versions",
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_data_versions")),
    )
    op.execute("INSERT INTO data_versions (name, version) VALUES ('meetings', 1)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION bump_meetings_version() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {BUMP}; RETURN NULL; END $$"
        )
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION bump_meetings_version()"
            )
        return
    for table in TABLES:  # SQLite: row triggers only
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_version_{event.lower()} AFTER {event} ON {table} BEGIN {BUMP}; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_version ON {table}")
        op.execute("DROP FUNCTION IF EXISTS bump_meetings_version()")
    else:
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_version_{event}")
    op.drop_table("data_versions")
