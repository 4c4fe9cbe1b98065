"""PostgreSQL: the meetings' data version (migration 0011) is bumped at commit, not at each
write statement.

Bumped by a statement trigger, a transaction writing `meetings` or `meeting_changes` held the
lock of the one `data_versions` row from its first such write until it ended, even for a
statement that changed no row. Any two such transactions that also met on another row (a
job's unique key, say, as two processes planning at once do) in the other order deadlocked,
where they would have waited. Deferred constraint triggers (one per changed row, run when the
transaction commits) take that lock last, when the transaction needs nothing more, and only
for rows that changed; the bump is still in the writing transaction, so a reader sees the
new version and the new meetings together. TRUNCATE, which constraint triggers cannot watch,
keeps a statement trigger. SQLite has one writer at a time: its row triggers stay.

Revision ID: 0014_meetings_version_at_commit
Revises: 0013_indexes_for_home
"""

from __future__ import annotations

from alembic import op

revision = "0014_meetings_version_at_commit"
down_revision = "0013_indexes_for_home"
branch_labels = None
depends_on = None

TABLES = ("meetings", "meeting_changes")

# Run once per changed row at commit, it bumps once per transaction: a transaction-local
# setting remembers the bump (planning 10,000 meetings would otherwise update the one row
# 10,000 times as it commits).
BUMP_ONCE = """
CREATE FUNCTION bump_meetings_version_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('liec.meetings_version_bumped', true) IS DISTINCT FROM 'yes' THEN
    UPDATE data_versions SET version = version + 1 WHERE name = 'meetings';
    PERFORM set_config('liec.meetings_version_bumped', 'yes', true);
  END IF;
  RETURN NULL;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(BUMP_ONCE)
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_version ON {table}")
        op.execute(
            f"CREATE CONSTRAINT TRIGGER {table}_version AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_meetings_version_once()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_version_truncate AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION bump_meetings_version()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_version_truncate ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_version ON {table}")
        op.execute(
            f"CREATE TRIGGER {table}_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION bump_meetings_version()"
        )
    op.execute("DROP FUNCTION IF EXISTS bump_meetings_version_once()")
