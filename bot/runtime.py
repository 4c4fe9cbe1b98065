"""Builds the bot's parts from settings: used by `serve`, `try` and the tests alike."""

from __future__ import annotations

import threading
from concurrent.futures import Executor
from dataclasses import dataclass

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import Engine, inspect

from bot import db
from bot.app import create_app
from bot.clock import Clock, SystemClock
from bot.config import ConfigError, OrgConfig, Settings, load_org_config
from bot.deps import AppDeps
from bot.jobs import JobQueue
from bot.org_store import OrgStore
from bot.server import WSGIApp, make_wsgi_app
from bot.services.roles import RoleCatalog, RoleDataError, default_roles_dir
from bot.slack_client import make_web_client


@dataclass
class Runtime:
    deps: AppDeps
    app: App
    engine: Engine

    def http_app(self) -> WSGIApp:
        """The WSGI app `serve --http` serves (and `try` and the benchmarks): every request's
        signature verified with the settings' signing secret before Bolt sees it; those
        answered from memory alone (handlers `from_memory`: the role card, the help)
        dispatched on the receiving thread, without the acknowledgement deadline's hand-off
        (bot/server.py). Raises ConfigError without a signing secret: make_wsgi_app given none
        would hand every request to Bolt unverified, as only the benchmarks' bare floor may."""
        from handlers import from_memory

        secret = self.deps.settings.slack_signing_secret
        if not secret:
            raise ConfigError(
                "SLACK_SIGNING_SECRET not set: the bot answers only requests Slack signed; paste the "
                "Signing Secret from api.slack.com/apps -> your app -> Basic Information into .env"
            )
        return make_wsgi_app(self.app, signing_secret=secret, from_memory=from_memory)


def load_roles(settings: Settings) -> RoleCatalog:
    try:
        return RoleCatalog.load(settings.roles_dir or default_roles_dir())
    except RoleDataError as exc:
        raise ConfigError(str(exc)) from None


def prepare_database(engine: Engine) -> None:
    """Create a brand-new database; refuse one whose schema is behind, with the command to run."""
    if not inspect(engine).get_table_names():
        db.upgrade(str(engine.url.render_as_string(hide_password=False)))
        return
    behind = db.schema_behind(engine)
    if behind:
        raise ConfigError(
            "the database schema is behind this version of the bot "
            f"(missing {', '.join(sorted(behind))}): back it up, then run: python -m bot db upgrade"
        )


def build_runtime(
    settings: Settings,
    org: OrgConfig | None = None,
    clock: Clock | None = None,
    client: WebClient | None = None,
    *,
    roles: RoleCatalog | None = None,
    schema_checked: bool = False,
    config_import: bool = False,
    listener_executor: Executor | None = None,
    verified_before: bool = False,
) -> Runtime:
    """`org` stands for the organisation file (read from LIEC_CONFIG when not given). It fills an
    empty database; after that the database is the source, unless `config_import` makes the
    file replace the stored organisation on this start (serve --config-import).
    `schema_checked`: the caller has just run prepare_database on this database (`serve`
    does, to fail fast before starting anything), so the migrations are not read again.
    `roles`: the role files as the caller has just read and checked them (`serve`).
    `listener_executor`: runs the work after acknowledgements (see create_app).
    `verified_before`: requests reach the app only through `make_wsgi_app` with the signing
    secret, which verifies them (see create_app)."""

    def from_file() -> OrgConfig:
        return org if org is not None else load_org_config(settings.liec_config)

    roles = roles or load_roles(settings)
    engine = db.make_engine(settings.database_url)
    if not schema_checked:
        prepare_database(engine)
    session_factory = db.make_session_factory(engine)
    clock = clock or SystemClock()
    stopping = threading.Event()  # set by `serve` on SIGTERM: jobs and Slack retries end
    store = OrgStore.open(session_factory, clock, from_file, import_file=config_import)
    deps = AppDeps(
        settings=settings,
        org=store.current,
        roles=roles,
        session_factory=session_factory,
        clock=clock,
        client=client or make_web_client(settings, stopping),
        jobs=JobQueue(session_factory, clock, stopping),
        organisation=store,
    )
    follow_organisation(deps, store)
    # A kept CSV of personal data is dropped once its minute is over, even if no admin asks
    # again (the scheduler ticks every few seconds).
    deps.jobs.on_tick(deps.nominations_csv.expire)
    deps.jobs.on_tick(deps.admin_counts.expire)
    return Runtime(
        deps=deps, app=create_app(deps, listener_executor, verified_before=verified_before), engine=engine
    )


def follow_organisation(deps: AppDeps, store: OrgStore) -> None:
    """Every tick checks the stored revision; a newer organisation is swapped into `deps.org`
    and everything planned from it is planned again (the jobs' startup steps are idempotent:
    meetings, the digest, elections, questions waiting for a coordinator)."""

    def swap(_before: OrgConfig, _after: OrgConfig) -> None:
        # The store's, not `_after`: two changes taken at once (a tick's refresh, an admin's
        # save) may call their listeners in either order, and the last to run must not put
        # back the older organisation. One assignment: readers see the old or the new.
        deps.org = store.current

    store.on_change(swap)
    store.on_change(lambda _before, _after: deps.jobs.startup())
    deps.jobs.on_tick(store.refresh)
