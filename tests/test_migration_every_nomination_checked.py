"""Migration 0015: nominations valid under the old rule (two members on Slack confirmed, no
check needed) stay valid; nothing else becomes valid; goes down and up again."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import text

from bot import db

WHEN = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def _nomination(
    connection, id_: int, route: str, statuses: list[tuple[str | None, str]], withdrawn: bool = False
) -> None:  # type: ignore[no-untyped-def]
    connection.execute(
        text(
            "INSERT INTO nominations (id, election_id, position_key, submission_key, submitted_by, "
            "candidate_name, candidate_email, candidate_membership, statement, route, created_at, "
            "updated_at, withdrawn_at, forget_at_close) VALUES (:id, 1, 'secretary', :key, 'U0S', 'C', "
            "'c@x.org', 'L123456', 'S', :route, :when, :when, :withdrawn, false)"
        ),
        {"id": id_, "key": f"V{id_}", "route": route, "when": WHEN, "withdrawn": WHEN if withdrawn else None},
    )
    for slot, (slack_id, status) in enumerate(statuses, start=1):
        connection.execute(
            text(
                "INSERT INTO nominators (nomination_id, slot, slack_id, status, forget_at_close) "
                "VALUES (:n, :slot, :slack, :status, false)"
            ),
            {"n": id_, "slot": slot, "slack": slack_id, "status": status},
        )


def test_valid_nominations_stay_valid_and_nothing_else_becomes_valid(database_url: str) -> None:
    config = db.alembic_config(database_url)
    command.downgrade(config, "0014_meetings_version_at_commit")
    engine = db.make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO elections (id, name, kind, opens_at, closes_at, timezone, positions, source, "
                "created_at) VALUES (1, 'E', 'regular', :when, :when, 'UTC', '[]', 'slack', :when)"
            ),
            {"when": WHEN},
        )
        _nomination(connection, 1, "members", [("U0A", "confirmed"), ("U0B", "confirmed")])  # valid
        _nomination(connection, 2, "members", [("U0A", "confirmed"), ("U0B", "awaiting")])
        _nomination(connection, 3, "members", [("U0A", "confirmed"), (None, "to_check")])
        _nomination(connection, 4, "branch", [])
        _nomination(connection, 5, "members", [("U0A", "confirmed"), ("U0B", "confirmed")], withdrawn=True)
        _nomination(connection, 6, "members", [("U0A", "to_check"), ("U0B", "confirmed")])  # a guess
    command.upgrade(config, "heads")
    with engine.connect() as connection:
        checked = connection.execute(text("SELECT id FROM nominations WHERE checked_at IS NOT NULL")).all()
        statuses = connection.execute(
            text("SELECT status FROM nominators WHERE nomination_id = 6 ORDER BY slot")
        ).scalars()
        offline = connection.execute(text("SELECT status FROM nominators WHERE slack_id IS NULL")).scalars()
        assert [row[0] for row in checked] == [1]
        assert list(statuses) == ["confirmed", "confirmed"] and list(offline) == ["to_check"]
    command.downgrade(config, "0014_meetings_version_at_commit")
    with engine.connect() as connection:
        assert (
            connection.execute(text("SELECT count(*) FROM nominations WHERE checked_at IS NOT NULL")).scalar()
            == 0
        )
    command.upgrade(config, "heads")
    assert db.schema_behind(engine) == set()
    engine.dispose()
