"""Version counters for what the admins' and officers' Home tab counts: `data_versions`
"questions" (every INSERT, UPDATE and DELETE of `questions`) and "failed_posts" (every write
to `meeting_posts`, and every write to a `scheduled_jobs` row that is or was `failed`). The
tab's shared counts are kept per process under these, "nominations" and "meetings"
(bot/services/home.py `admin_counts`), so an admin opening the tab again reads one row of
versions instead of the counts' five statements, and a change made by any process shows at
the next open.

As in migration 0016: on PostgreSQL deferred constraint triggers bump each version once per
transaction as it commits, and a statement trigger watches TRUNCATE; SQLite has row triggers.
The job rows' triggers fire only for rows that are or were failed, so the claims and
completions of every other job (most writes to that table) bump nothing. SQLite drops a
table's triggers with the table: a later batch migration that rebuilds one of these tables
must create them again (tests/services/test_data_versions.py fails if a write no longer bumps
its version).

Revision ID: 0017_home_counts_data_versions
Revises: 0016_nominations_data_version
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_home_counts_data_versions"
down_revision = "0016_nominations_data_version"
branch_labels = None
depends_on = None

# (version, table, the row condition on PostgreSQL and SQLite per event, or None for every row)
WATCHED: tuple[tuple[str, str, dict[str, str] | None], ...] = (
    ("questions", "questions", None),
    ("failed_posts", "meeting_posts", None),
    (
        "failed_posts",
        "scheduled_jobs",
        {
            "INSERT": "NEW.status = 'failed'",
            "UPDATE": "OLD.status = 'failed' OR NEW.status = 'failed'",
            "DELETE": "OLD.status = 'failed'",
        },
    ),
)
VERSIONS = ("questions", "failed_posts")
BUMP = {
    "questions": "UPDATE data_versions SET version = version + 1 WHERE name = 'questions'",
    "failed_posts": "UPDATE data_versions SET version = version + 1 WHERE name = 'failed_posts'",
}


def _bump(name: str) -> str:
    return BUMP[name]


def _bump_once(name: str) -> str:
    setting = f"liec.{name}_version_bumped"
    return f"""
CREATE FUNCTION bump_{name}_version_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('{setting}', true) IS DISTINCT FROM 'yes' THEN
    {_bump(name)};
    PERFORM set_config('{setting}', 'yes', true);
  END IF;
  RETURN NULL;
END $$
"""


def upgrade() -> None:
    for name in VERSIONS:
        op.execute(
            sa.text("INSERT INTO data_versions (name, version) VALUES (:name, 1)").bindparams(name=name)
        )
    if op.get_bind().dialect.name == "postgresql":
        for name in VERSIONS:
            op.execute(_bump_once(name))
            op.execute(
                f"CREATE FUNCTION bump_{name}_version() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN {_bump(name)}; RETURN NULL; END $$"
            )
        for name, table, when in WATCHED:
            events = ("INSERT", "UPDATE", "DELETE") if when else ("INSERT OR UPDATE OR DELETE",)
            for event in events:
                condition = f" WHEN ({when[event]})" if when else ""
                suffix = f"_{event.lower()}" if when else ""
                op.execute(
                    f"CREATE CONSTRAINT TRIGGER {table}_{name}_version{suffix} AFTER {event} ON {table} "
                    f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW{condition} "
                    f"EXECUTE FUNCTION bump_{name}_version_once()"
                )
            if not when:
                op.execute(
                    f"CREATE TRIGGER {table}_{name}_version_truncate AFTER TRUNCATE ON {table} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION bump_{name}_version()"
                )
        return
    for name, table, when in WATCHED:  # SQLite: row triggers only
        for event in ("INSERT", "UPDATE", "DELETE"):
            condition = f" WHEN {when[event]}" if when else ""
            op.execute(
                f"CREATE TRIGGER {table}_{name}_version_{event.lower()} AFTER {event} ON {table}"
                f"{condition} BEGIN {_bump(name)}; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, table, when in WATCHED:
            if when:
                for event in ("insert", "update", "delete"):
                    op.execute(f"DROP TRIGGER IF EXISTS {table}_{name}_version_{event} ON {table}")
            else:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{name}_version_truncate ON {table}")
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{name}_version ON {table}")
        for name in VERSIONS:
            op.execute(f"DROP FUNCTION IF EXISTS bump_{name}_version_once()")
            op.execute(f"DROP FUNCTION IF EXISTS bump_{name}_version()")
    else:
        for name, table, _when in WATCHED:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{name}_version_{event}")
    for name in VERSIONS:
        op.execute(sa.text("DELETE FROM data_versions WHERE name = :name").bindparams(name=name))
