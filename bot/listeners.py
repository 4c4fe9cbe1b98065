"""The one way a feature wires a button, shortcut or form whose work follows the acknowledgement.

Slack wants an answer within three seconds; anything that calls Slack or may wait runs after
it, in a Bolt lazy listener (docs/ARCHITECTURE.md, "The /liec dispatcher"):

    app.action(views.GOING)(**after_ack(deps, flow.going))

`ack_only` on its own is for a listener that builds its lazy function itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, Respond

from bot.deps import AppDeps

# fn(deps, body, respond): `respond` answers through the request's response_url (None where
# Slack gave none, as on the Home tab and in most modal submissions).
Work = Callable[[AppDeps, dict[str, Any], Respond], None]


def ack_only(ack: Ack) -> None:
    """Acknowledge with nothing to say: the work follows in a lazy listener."""
    ack()


def after_ack(deps: AppDeps, fn: Work, *, ack: Callable[..., None] = ack_only) -> dict[str, Any]:
    """The keyword arguments of `app.action(...)`, `app.view(...)` or `app.shortcut(...)`:
    acknowledge at once (`ack`: a listener of its own, such as a form's validation; by
    default `ack_only`), then run `fn(deps, body, respond)` in a lazy listener."""

    # Bolt passes a lazy listener's arguments by name: `body` and `respond`.
    def run(body: dict[str, Any], respond: Respond) -> None:
        fn(deps, body, respond)

    return {"ack": ack, "lazy": [run]}
