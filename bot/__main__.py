"""Command line: `python -m bot serve | try | check | config | db upgrade` (also installed as `liec-bot`)."""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import os
import signal
import sqlite3
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dotenv import find_dotenv, load_dotenv

from bot.logs import setup_logging

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler

    from bot.config import Settings
    from bot.runtime import Runtime
    from bot.services.roles import RoleCatalog

log = logging.getLogger("bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="liec-bot", description="The LIEC Slack bot.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the bot (Socket Mode when SLACK_APP_TOKEN is set)")
    serve.add_argument("--http", action="store_true", help="serve HTTP even if SLACK_APP_TOKEN is set")
    serve.add_argument("--port", type=int, default=None, help="HTTP port (default: PORT or 3000)")
    serve.add_argument("--tick", type=float, default=5.0, help=argparse.SUPPRESS)
    serve.add_argument(
        "--config-import",
        action="store_true",
        help="the organisation file replaces the organisation in the database on every start",
    )
    trial = sub.add_parser("try", help='try a command with no Slack at all: try "role secretary"')
    trial.add_argument("text", help="what you would type after /liec")
    trial.add_argument("--user", default="U0MEMBER", help="the Slack user id to act as")
    sub.add_parser("manifest", help="print the Slack app manifest (paste it at api.slack.com/apps)")
    sub.add_parser("init", help="write a commented .env and liec.yml here (never overwrites)")
    sub.add_parser("check", help="check the organisation file, the database and the Slack token")
    config = sub.add_parser("config", help="the organisation in the database: export it, or import a file")
    config.add_argument("action", choices=["export", "import"])
    config.add_argument("file", nargs="?", type=Path, help="import: the organisation file to read")
    config.add_argument("-o", "--output", type=Path, help="export: write here instead of printing")
    config.add_argument("--yes", action="store_true", help="import: apply without asking")
    database = sub.add_parser("db", help="database schema")
    database.add_argument("action", choices=["upgrade", "backup", "revision"])
    database.add_argument("-m", "--message", help="db revision: what the new migration changes")
    database.add_argument("--to", type=Path, help="db backup: the file to write (default: beside it)")
    return parser


def _validate(settings: Settings, config_import: bool = False) -> RoleCatalog:
    """Fail fast, before anything is started, on what `check` calls WRONG: the organisation the
    bot will use (the database's when it holds one; the file when it fills an empty database or
    is imported), the role files and the environment (bot/validation.py). Returns the role
    files, read once for the bot."""
    from sqlalchemy import inspect

    from bot import db
    from bot.runtime import prepare_database
    from bot.validation import require_valid

    engine = db.make_engine(settings.database_url, bounded=False)
    try:
        prepared = bool(inspect(engine).get_table_names())
        if prepared:
            prepare_database(engine)  # a schema behind is named before the organisation is read
        # The organisation serve will use: the stored one, else (or with --config-import) the
        # file, before a new database is made; the same validation and lines as `check`.
        _org, roles = require_valid(settings, config_import=config_import)
        if not prepared:
            prepare_database(engine)
    finally:
        engine.dispose()  # the bot's own engine is made next; this one keeps no connection
    return roles


def _serve(
    settings: Settings, http: bool, port: int | None, tick: float, config_import: bool = False
) -> None:
    from bot.config import ConfigError
    from bot.runtime import build_runtime
    from bot.scheduler import build_scheduler

    port = port or settings.port
    socket_mode = bool(settings.slack_app_token) and not http
    if not socket_mode:
        settings.require_slack_credentials()
    elif not settings.slack_bot_token:
        raise ConfigError("SLACK_BOT_TOKEN is not set: put it in .env (`liec-bot init` writes one)")
    roles = _validate(settings, config_import)

    if socket_mode:
        from bot.server import make_server, make_wsgi_app
        from bot.socket_mode import BoundedSocketModeHandler

        runtime = build_runtime(settings, roles=roles, config_import=config_import)
        scheduler = build_scheduler(runtime.deps.jobs, tick)
        runtime.deps.jobs.startup()
        scheduler.start()
        # Slack never POSTs to a Socket Mode app: the port answers /healthz, and 404 elsewhere.
        health = make_server(make_wsgi_app(runtime.app, signing_secret=None, events=False), port)
        _started()
        threading.Thread(target=health.run, daemon=True).start()
        handler = BoundedSocketModeHandler(runtime.app, settings.slack_app_token)
        log.info("serving in Socket Mode; health on port %s", port)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        # Connect in the background: the bot is up (and healthy) even while Slack is unreachable.
        threading.Thread(target=_connect_until_up, args=(handler, stop), daemon=True).start()
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
        runtime.deps.jobs.stopping.set()  # first: Slack retries end, so closing is quick
        handler.close()  # type: ignore[no-untyped-call]
        _stop_jobs(runtime, scheduler)
        return

    from bot.server import make_server

    # The schema was checked just now; runtime.http_app() verifies every request's signature.
    runtime = build_runtime(
        settings, roles=roles, schema_checked=True, config_import=config_import, verified_before=True
    )
    server = make_server(runtime.http_app(), port)
    scheduler = build_scheduler(runtime.deps.jobs, tick)

    def start_jobs() -> None:
        runtime.deps.jobs.startup()
        if not runtime.deps.jobs.stopping.is_set():
            scheduler.start()

    # The bot answers Slack at once; the start-up work (planning every meeting from the
    # organisation file, seconds with hundreds of meetings) follows beside it, then the
    # scheduler starts. What the database held already is served meanwhile.
    starting = threading.Thread(target=start_jobs, name="liec-startup", daemon=True)
    starting.start()
    signal.signal(signal.SIGTERM, _stop_serving)
    _started()
    log.info("serving HTTP on port %s", port)
    try:
        server.run()  # returns on SIGTERM or Ctrl-C, after closing the sockets
    finally:
        runtime.deps.jobs.stopping.set()
        starting.join(timeout=STOP_GRACE)
        _stop_jobs(runtime, scheduler)


STOP_GRACE = 5.0
"""Seconds the job in hand gets to end after SIGTERM; systemd allows 30 (deploy/liec-bot.service)."""


def _stop_jobs(runtime: Runtime, scheduler: BaseScheduler) -> None:
    """No more ticks; the job in hand ends at its next Slack retry or backoff, or is given back
    to the queue (bot/jobs.py `JobQueue.stop`): the next start, or another process, runs it."""
    if scheduler.running:
        scheduler.shutdown(wait=False)
    try:
        ended = runtime.deps.jobs.stop(STOP_GRACE)
    except Exception:
        # The database did not answer: a job left running is reclaimed when its lease ends.
        log.exception("could not give back the running jobs")
        ended = False
    if not ended:
        log.warning("stopped while a job still waited on Slack; it runs again at the next start")
        logging.shutdown()
        # Its thread is blocked in a Slack call (up to the client's timeout), and the
        # interpreter's exit would wait for it; its job is given back, so nothing is lost.
        os._exit(0)


def _started() -> None:
    """The start is over: what it built lives as long as the process. `main` turned the cyclic
    garbage collector off for the start (it ran dozens of times over the objects that importing
    and building the app make, about a tenth of the start's CPU); frozen, those objects are left
    out of every later collection, so a full collection does not pause a request for them.
    (While work after an acknowledgement or a job runs, the interpreter switches threads
    more often: ``acks_first.ShortSwitches``.)"""
    gc.freeze()
    gc.set_threshold(*gc.get_threshold()[:2], FULL_COLLECTION_AFTER)
    gc.enable()


FULL_COLLECTION_AFTER = 100
"""Collections of the middle generation between two full ones (CPython's default: 10). A full
collection stops every thread for about 0.3 µs per object it scans (everything made since the
start: the caches, the requests in flight), 2 to 6 ms here under load, and at the default it
came every few seconds under load, each time on the ten requests being answered at once.
Young objects are still collected as often as before; what waits longer is only cyclic
garbage that has already outlived two collections."""


def _stop_serving(*_: object) -> None:
    # waitress's run() closes its sockets and returns on KeyboardInterrupt.
    raise KeyboardInterrupt


def _connect_until_up(handler: Any, stop: threading.Event) -> None:
    delay = 1.0
    while not stop.is_set():
        try:
            handler.connect()
            return
        except Exception as exc:
            log.warning("cannot reach Slack yet (%s); trying again in %.0f s", type(exc).__name__, delay)
            stop.wait(delay)
            delay = min(delay * 2, 60)


def _db_upgrade(settings: Settings) -> int:
    """Apply every migration the database has not had; safe to run again."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot import db

    try:
        engine = db.make_engine(settings.database_url, bounded=False)
        try:
            before = db.schema_behind(engine)
            db.upgrade(settings.database_url)
            after = db.schema_behind(engine)
        finally:
            engine.dispose()
    except (SQLAlchemyError, OSError) as exc:
        # The type only: a driver's message can carry the connection string.
        print(
            f"liec-bot: cannot upgrade the database ({type(exc).__name__}); is DATABASE_URL right?",
            file=sys.stderr,
        )
        return 1
    if after:
        print(f"liec-bot: the database is still behind ({', '.join(sorted(after))})", file=sys.stderr)
        return 1
    applied = f"now at {', '.join(sorted(before))}" if before else "nothing to apply"
    print(f"database schema is up to date ({applied})")
    return 0


def _db_backup(settings: Settings, target: Path | None) -> int:
    from bot.backup import BackupError, backup

    try:
        written = backup(settings.database_url, target)
    except BackupError as exc:
        print(f"liec-bot: {exc}", file=sys.stderr)
        return 1
    except sqlite3.Error as exc:
        print(f"liec-bot: the backup failed ({exc}); nothing was written", file=sys.stderr)
        return 1
    print(f"backed up to {written}")
    return 0


def _db_revision(message: str | None) -> int:
    """Write the next migration's file after the single head (for contributors)."""
    from bot import db

    if not message:
        print(
            'liec-bot: say what the migration changes: liec-bot db revision -m "add apologies"',
            file=sys.stderr,
        )
        return 2
    print(f"new migration: {db.new_revision(message)}")
    return 0


def _config(settings: Settings, action: str, file: Path | None, output: Path | None, yes: bool) -> int:
    from bot.org_cli import config_export, config_import

    if action == "export":
        return config_export(settings, output)
    if file is None:
        print("liec-bot: say which file to import: liec-bot config import liec.yml", file=sys.stderr)
        return 2
    return config_import(settings, file, yes)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        gc.disable()  # until the server is built (`_started`)
    from bot.config import ConfigError, Settings

    # The .env of the folder it runs in (python-dotenv's default looks beside the code instead).
    load_dotenv(find_dotenv(usecwd=True))
    # `db` and `init` print their own result and nothing else.
    setup_logging("INFO" if args.command == "serve" else "WARNING")
    try:
        settings = Settings.from_env()
        if args.command == "manifest":
            from bot.packaged import data_path

            print(data_path("manifest.yml").read_text(encoding="utf-8"), end="")
        elif args.command == "init":
            from bot.starter import write_starter_files

            print("\n".join(write_starter_files(Path.cwd())))
        elif args.command == "serve":
            _serve(settings, args.http, args.port, args.tick, args.config_import)
        elif args.command == "config":
            return _config(settings, args.action, args.file, args.output, args.yes)
        elif args.command == "try":
            from bot.trial import run_trial

            print(run_trial(args.text, user_id=args.user, config=settings.liec_config))
        elif args.command == "check":
            from bot.check import run_check

            return run_check(settings)
        elif args.command == "db" and args.action == "backup":
            return _db_backup(settings, args.to)
        elif args.command == "db" and args.action == "revision":
            return _db_revision(args.message)
        elif args.command == "db":
            return _db_upgrade(settings)
    except ConfigError as exc:
        for line in str(exc).splitlines():  # one line per problem
            print(f"liec-bot: {line}", file=sys.stderr)
        return 2
    finally:
        gc.enable()  # a start that failed before `_started` must not leave the collector off
    return 0


if __name__ == "__main__":
    sys.exit(main())
