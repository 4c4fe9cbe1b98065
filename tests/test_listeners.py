"""bot/listeners.py: a listener asking for an argument it would never be given fails when it
is registered, not when a member first presses the button."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest

from bot.deps import AppDeps
from bot.listeners import acknowledged, after_ack


def test_an_acknowledgement_or_work_taking_an_unknown_argument_is_refused_at_registration() -> None:
    deps = cast(AppDeps, object())  # registration reads nothing of them

    def ack_with_client(ack: Any, client: Any) -> None: ...

    def work_with_say(body: Any, say: Any) -> None: ...

    def work(body: Any, respond: Any, context: Any, event: Any) -> None: ...

    def ack(ack: Any, body: Any, context: Any, view: Any, event: Any) -> None: ...

    with pytest.raises(ValueError, match="'ack_with_client' takes \\['client'\\]"):
        acknowledged(deps, work, ack=ack_with_client)
    with pytest.raises(ValueError, match="'work_with_say' takes \\['say'\\]"):
        acknowledged(deps, work_with_say)
    assert callable(acknowledged(deps, work, ack=ack))  # every name it may take
    assert callable(after_ack(deps, lambda _deps, _body, _respond: None, ack=ack))


def test_work_is_handed_on_only_when_there_is_some() -> None:
    """``when(body)`` False: acknowledged, nothing handed to the work after acknowledgements."""
    handed: list[Any] = []
    deps = cast(AppDeps, SimpleNamespace(run_after_ack=handed.append))
    acked: list[dict[str, Any]] = []

    def ack(ack: Any, body: Any) -> None:
        acked.append(body)

    listener = acknowledged(deps, lambda body: None, ack=ack, when=lambda body: body["work"])
    context = cast(Any, SimpleNamespace(respond=None))
    listener(None, {"work": False}, context)
    assert len(acked) == 1 and handed == []
    listener(None, {"work": True}, context)
    assert len(acked) == 2 and len(handed) == 1
