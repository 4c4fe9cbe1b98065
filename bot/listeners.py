"""The one way a feature wires a button, shortcut or form whose work follows the acknowledgement.

Slack wants an answer within three seconds; anything that calls Slack or may wait runs after
it, in a Bolt lazy listener (docs/ARCHITECTURE.md, "The /liec dispatcher"):

    app.action(views.GOING)(**after_ack(deps, flow.going))

`ack_only` with `answered(deps, fn)` is for a listener that builds its lazy function itself.
Either way, work that fails after the acknowledgement tells the member so: Bolt itself only
logs a lazy listener's exception (its app.error handler sees only the acknowledgement's), and
the member who pressed the button would hear nothing.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot import deliver
from bot.deps import AppDeps
from bot.views.common import failure_notice

log = logging.getLogger(__name__)

FAILED_AFTER_ACK = "listener_failed"  # the kind of the member's DM about it (bot/deliver.py)


# fn(deps, body, respond): `respond` answers through the request's response_url (None where
# Slack gave none, as on the Home tab and in most modal submissions).
Work = Callable[[AppDeps, dict[str, Any], Respond], None]


def ack_only(ack: Ack) -> None:
    """Acknowledge with nothing to say: the work follows in a lazy listener."""
    ack()


def answered(
    deps: AppDeps, fn: Callable[..., None]
) -> Callable[[dict[str, Any], Respond, BoltContext], None]:
    """`fn` as a Bolt lazy listener (it may take `body`, `respond` and `context`, by name:
    `context` carries what the acknowledgement left in it, copied) that tells the
    member when it fails: ephemeral where the button was, else (Home tab, modals) by DM."""
    wanted = set(inspect.getfullargspec(fn).args)

    def run(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        given = {"body": body, "respond": respond, "context": context}
        try:
            fn(**{name: value for name, value in given.items() if name in wanted})
        except Exception:
            # The type and the listener only: the request may carry a member's personal data.
            log.exception("work after the acknowledgement failed listener=%s", fn.__name__)
            deliver.tell_where_pressed(
                deps,
                body,
                respond,
                failure_notice(),
                kind=FAILED_AFTER_ACK,
                what="a failure notice to a member",
            )

    run.__name__ = fn.__name__  # Bolt names a lazy listener after its function
    return run


def after_ack(deps: AppDeps, fn: Work, *, ack: Callable[..., None] = ack_only) -> dict[str, Any]:
    """The keyword arguments of `app.action(...)`, `app.view(...)` or `app.shortcut(...)`:
    acknowledge at once (`ack`: a listener of its own, such as a form's validation; by
    default `ack_only`), then run `fn(deps, body, respond)` in a lazy listener (`answered`)."""

    def work(body: dict[str, Any], respond: Respond) -> None:
        fn(deps, body, respond)

    work.__name__ = getattr(fn, "__name__", "work")
    return {"ack": ack, "lazy": [answered(deps, work)]}
