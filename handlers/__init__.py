"""register(app, deps): every Slack surface the bot listens on."""

from __future__ import annotations

import functools
import json
import logging
import re
from types import ModuleType
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltResponse

from bot.deps import AppDeps
from bot.routes import Routes
from bot.views.common import failure_view

if TYPE_CHECKING:
    from bot.commands import Subcommand
    from handlers.commands import Dispatcher

log = logging.getLogger(__name__)


def features() -> tuple[ModuleType, ...]:
    """The one feature list: each module has `register(app, deps)` and may list
    `SUBCOMMANDS`, shown by /liec help in this order (members' everyday questions first,
    admin tools last). Imported here, not at the top, so that importing one feature never
    imports them all."""
    from handlers import (
        calendar,
        elections,
        home,
        meetings,
        member_data,
        my_nominations,
        nomination_admin,
        nomination_answers,
        nomination_form,
        nomination_submit,
        nominations,
        officers,
        organisation,
        question_actions,
        questions,
        regions,
        roles,
    )

    return (
        roles,
        officers,
        nominations,
        nomination_submit,
        my_nominations,
        nomination_admin,
        nomination_answers,
        nomination_form,
        elections,
        questions,
        regions,
        question_actions,
        meetings,
        calendar,
        member_data,
        home,
        organisation,
    )


def subcommands() -> list[Subcommand]:
    """Every feature's /liec subcommands, in the order /liec help lists them."""
    return [sub for f in features() for sub in getattr(f, "SUBCOMMANDS", [])]


@functools.cache
def _dispatcher() -> Dispatcher:
    from handlers.commands import Dispatcher

    return Dispatcher(subcommands())


def from_memory(body: bytes) -> bool:
    """Whether a verified request is a /liec command answered from memory alone, which
    bot/server.py dispatches without the deadline's hand-off (handlers/commands.py)."""
    from handlers.commands import from_memory as answered_from_memory

    return answered_from_memory(_dispatcher(), body)


def register(app: App, deps: AppDeps) -> None:
    from handlers import commands, middleware

    middleware.register(app, deps)
    commands.register(app, deps, subcommands())
    # Bolt tries its listeners one by one in the order they were registered, until one
    # matches (about 11 µs each): /liec, the Home tab's event (the one event a feature
    # listens for), then one listener for each kind of interaction, which finds the
    # feature's function by id (bot/routes.py).
    routes = Routes(app)
    for feature in features():
        feature.register(routes, deps)
    routes.install()

    # Registered last: any event no feature listens for is still acknowledged, so Slack does
    # not retry it or count it as a failure.
    @app.event(re.compile(".*"))
    def acknowledge_other_events(ack: Ack) -> None:
        ack()

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        # One error path: the traceback goes to the log, the member gets a plain answer.
        log.error("unhandled error type=%s", body.get("type", "?"), exc_info=error)
        if body.get("type") == "view_submission":
            # Pushed on top of the form, so closing it brings back everything they typed.
            answer = {"response_action": "push", "view": failure_view().to_dict()}
            return BoltResponse(
                status=200, body=json.dumps(answer), headers={"content-type": "application/json"}
            )
        return BoltResponse(status=200, body="")
