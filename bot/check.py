"""`python -m bot check`: the organisation file, the database schema and the Slack token."""

from __future__ import annotations

from bot import db
from bot.config import ConfigError, Settings, load_org_config
from bot.runtime import load_roles


def run_check(settings: Settings) -> int:
    problems: list[str] = []
    for name, step in (
        ("organisation file", lambda: load_org_config(settings.liec_config)),
        ("role files", lambda: load_roles(settings)),
    ):
        try:
            step()
            print(f"ok    {name}")
        except ConfigError as exc:
            problems.append(f"{name}: {exc}")
    try:
        behind = db.schema_behind(db.make_engine(settings.database_url))
        if behind:
            problems.append(
                f"database: schema is behind ({', '.join(sorted(behind))}); run: python -m bot db upgrade"
            )
        else:
            print("ok    database schema")
    except Exception as exc:
        problems.append(f"database: cannot read it ({type(exc).__name__})")
    for problem in problems:
        print(f"WRONG {problem}")
    return 1 if problems else 0
