"""A version counter for the nominations: `data_versions` ("nominations" row), bumped by the
database on every INSERT, UPDATE and DELETE of `elections`, `nominations` and `nominators`, in
the writing transaction, whatever code (or person) writes. The returning officer's CSV export
is kept per process under this version (bot/services/data_versions.py), so admins exporting
the same nominations again build the file once.

As for the meetings' version (migrations 0011 and 0014): on PostgreSQL deferred constraint
triggers bump it once per transaction as it commits (the lock of the one row is taken last,
and only when a row changed), and a statement trigger watches TRUNCATE; SQLite has one writer
at a time and row triggers. SQLite drops a table's triggers with the table: a later batch
migration that rebuilds one of these tables must create them again
(tests/services/test_data_versions.py fails if a write no longer bumps the version).

Revision ID: 0016_nominations_data_version
Revises: 0015_every_nomination_checked
"""

from __future__ import annotations

from alembic import op

revision = "0016_nominations_data_version"
down_revision = "0015_every_nomination_checked"
branch_labels = None
depends_on = None

TABLES = ("elections", "nominations", "nominators")
BUMP = "UPDATE data_versions SET version = version + 1 WHERE name = 'nominations'"

BUMP_ONCE = f"""
CREATE FUNCTION bump_nominations_version_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('liec.nominations_version_bumped', true) IS DISTINCT FROM 'yes' THEN
    {BUMP};
    PERFORM set_config('liec.nominations_version_bumped', 'yes', true);
  END IF;
  RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.execute("INSERT INTO data_versions (name, version) VALUES ('nominations', 1)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(BUMP_ONCE)
        op.execute(
            "CREATE FUNCTION bump_nominations_version() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {BUMP}; RETURN NULL; END $$"
        )
        for table in TABLES:
            op.execute(
                f"CREATE CONSTRAINT TRIGGER {table}_nominations_version AFTER INSERT OR UPDATE OR DELETE "
                f"ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                "EXECUTE FUNCTION bump_nominations_version_once()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_nominations_version_truncate AFTER TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION bump_nominations_version()"
            )
        return
    for table in TABLES:  # SQLite: row triggers only
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_nominations_version_{event.lower()} AFTER {event} ON {table} "
                f"BEGIN {BUMP}; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_nominations_version_truncate ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_nominations_version ON {table}")
        op.execute("DROP FUNCTION IF EXISTS bump_nominations_version_once()")
        op.execute("DROP FUNCTION IF EXISTS bump_nominations_version()")
    else:
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_nominations_version_{event}")
    op.execute("DELETE FROM data_versions WHERE name = 'nominations'")
