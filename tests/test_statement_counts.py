"""The SQL statements a surface runs do not grow with the data: no query per row.

Each key surface is sent to the real bot (in-process, served over loopback, its Web API calls
going to a FakeSlack) on a database seeded at two sizes five times apart (bench/seed.py), and
its statements are counted from the request to the end of its work after the acknowledgement
(bench/statements.py, the same counter `python -m bench.at_scale` prints). A count, not a
speed: a query per question, nomination or meeting shows as a different count.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench import seed
from bench.at_scale import change_nominations
from bench.statements import count_statements
from bench.surfaces import surfaces
from bot import db

KEY_SURFACES = {
    "region",
    "meetings",
    "nominate",
    "nomination submission",
    "nominations mine",
    "nominations (admin)",
    "nominations export",
    "nominations export (changed)",
    "questions",
    "home (member)",
    "home (coordinator)",
    "home (admin)",
    "my-data",
    "forget-me",
}
SMALL, LARGER = 0.002, 0.01  # 60 and 300 members, 20 and 100 questions, 4 and 20 nominations...


@pytest.fixture
def second_database_url(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'larger.db'}"
    url: str = request.getfixturevalue("postgres_database_url")
    return url


def _counts(url: str, scale: float) -> dict[str, int]:
    sizes = seed.seed(url, datetime.now(UTC), scale, forget_me_members=4)
    org = seed.org_file(sizes)
    writer = db.make_engine(url)
    try:
        found = surfaces(list(org["admins"]), change_nominations(writer))
        return count_statements(url, org, [s for s in found if s.name in KEY_SURFACES])
    finally:
        writer.dispose()


def test_statement_counts_do_not_grow_with_the_data(
    database_url: str, second_database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    small = _counts(database_url, SMALL)
    larger = _counts(second_database_url, LARGER)
    # A surface that failed (e.g. an insert colliding with a seeded row) counts nothing real.
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert set(small) == KEY_SURFACES
    # Every surface reached the database (a count of 0 would prove nothing)...
    assert all(count > 0 for count in small.values()), small
    # ...and ran exactly as many statements with five times the data.
    assert larger == small
