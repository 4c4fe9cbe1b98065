"""The one way a feature wires a button, shortcut, form, event or command whose work follows
the acknowledgement.

Slack wants an answer within three seconds; anything that calls Slack or may wait runs after
it, on the work-after-acknowledgement threads (`AppDeps.run_after_ack`; docs/ARCHITECTURE.md,
"The /liec dispatcher"):

    routes.action(views.GOING)(after_ack(deps, flow.going))   # bot/routes.py
    routes.view(FORM)(acknowledged(deps, save, ack=check_form))

Work that fails after the acknowledgement tells the member so (`answered`): nothing else would
(the app's error handler sees only the acknowledgement's), and the member who pressed the
button would hear nothing.
"""

from __future__ import annotations

import functools
import inspect
import logging
import time
from collections.abc import Callable, Collection
from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot import deliver
from bot.deps import AppDeps
from bot.views.common import failure_notice

log = logging.getLogger(__name__)

ASKED_AT = "liec_asked_at"
"""The context key of when the request reached its listener (``time.monotonic()``), set by
`acknowledged` before the acknowledgement: the work after it may share a read already running
since then (bot/shared_reads.py), which holds every change committed before the member asked."""

ACK_ARGUMENTS = frozenset({"ack", "body", "context", "view", "event"})
"""What an acknowledgement function may take, by name (`acknowledged`)."""
WORK_ARGUMENTS = frozenset({"body", "respond", "context", "event"})
"""What work after an acknowledgement may take, by name (`answered`)."""


def takes(fn: Callable[..., object], allowed: frozenset[str], what: str) -> set[str]:
    """The argument names ``fn`` takes; ValueError, at registration, for one it would not be given."""
    names = set(inspect.getfullargspec(fn).args)
    unknown = sorted(names - allowed)
    if unknown:
        raise ValueError(
            f"{what} {getattr(fn, '__name__', fn)!r} takes {unknown}; it may take {sorted(allowed)}"
        )
    return names


def call_acknowledgement(
    fn: Callable[..., None], wants: Collection[str], ack: Ack, body: dict[str, Any], context: BoltContext
) -> None:
    """``fn`` called with the arguments it takes (``wants``, names of ACK_ARGUMENTS, as
    ``takes`` found them): Bolt's ``ack``, ``body`` and ``context``, and the body's ``view``
    and ``event``."""
    view, event = body.get("view"), body.get("event")
    given = {"ack": ack, "body": body, "context": context, "view": view, "event": event}
    fn(**{name: value for name, value in given.items() if name in wants})


FAILED_AFTER_ACK = "listener_failed"  # the kind of the member's DM about it (bot/deliver.py)


# fn(deps, body, respond): `respond` answers through the request's response_url (None where
# Slack gave none, as on the Home tab and in most modal submissions).
Work = Callable[[AppDeps, dict[str, Any], Respond], None]


def ack_only(ack: Ack) -> None:
    """Acknowledge with nothing to say: the work follows after the acknowledgement."""
    ack()


def answered(
    deps: AppDeps, fn: Callable[..., None]
) -> Callable[[dict[str, Any], Respond | None, BoltContext], None]:
    """`fn` as work after an acknowledgement (it may take `body`, `respond`, `context` and
    `event`, by name: `context` carries what the acknowledgement left in it) that tells the
    member when it fails: ephemeral where the button was, else (Home tab, modals) by DM.
    ValueError when `fn` takes another argument."""
    wanted = takes(fn, WORK_ARGUMENTS, "work after an acknowledgement")

    def run(body: dict[str, Any], respond: Respond | None, context: BoltContext) -> None:
        given = {"body": body, "respond": respond, "context": context, "event": body.get("event")}
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

    run.__name__ = fn.__name__
    return run


def acknowledged(
    deps: AppDeps,
    fn: Callable[..., None],
    *,
    ack: Callable[..., None] = ack_only,
    when: Callable[[dict[str, Any]], bool] | None = None,
) -> Callable[[Ack, dict[str, Any], BoltContext], None]:
    """The listener of `routes.action(...)`, `routes.view(...)`, `routes.shortcut(...)`,
    `routes.event(...)` or `app.command(...)`: it runs `ack` (it may take
    `ack`, `body`, `context`, `view` and `event`, by name; by default `ack_only`) and, once it
    has returned without raising, hands `fn` (`answered`) to the work after acknowledgements
    (`AppDeps.after_ack`, which lets the acknowledgement be written first: bot/acks_first.py).

    Not Bolt's lazy listeners: for each one Bolt parses the request's body a second time and
    deep-copies the request twice before the acknowledgement is written; for a nomination form
    (11 kB, a menu of 250 branches) that was most of the acknowledgement's time. The work here
    shares the request's body and context, which neither side changes once acknowledged.
    ``when(body)``, if given, says whether there is work at all: a request with none (the
    role card) costs no hand-off. (Not a Bolt ``matchers=`` function: Bolt builds its thirty
    possible arguments for each call of one, as for a middleware function.)
    ValueError when `ack` or `fn` takes another argument."""
    acknowledge = ack
    ack_wants = takes(acknowledge, ACK_ARGUMENTS, "acknowledgement")
    work = answered(deps, fn)

    def listener(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        context[ASKED_AT] = time.monotonic()
        call_acknowledgement(acknowledge, ack_wants, ack, body, context)
        if when is not None and not when(body):
            return
        deps.run_after_ack(functools.partial(work, body, context.respond, context))

    listener.__name__ = getattr(acknowledge, "__name__", "acknowledge")
    return listener


def after_ack(
    deps: AppDeps, fn: Work, *, ack: Callable[..., None] = ack_only
) -> Callable[[Ack, dict[str, Any], BoltContext], None]:
    """`acknowledged` for work written as `fn(deps, body, respond)`."""

    def work(body: dict[str, Any], respond: Respond) -> None:  # by name, from `answered`
        fn(deps, body, respond)

    work.__name__ = getattr(fn, "__name__", "work")
    return acknowledged(deps, work, ack=ack)
