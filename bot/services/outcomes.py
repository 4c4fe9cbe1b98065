"""Outcomes shared by the use cases: one type each, so every caller tests for the same class."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Skip:
    """Nothing to do; ``reason`` says why (for a log line or a test)."""

    reason: str


@dataclass(frozen=True)
class Refused:
    """The use case cannot be done; ``message`` tells the member why (plain text: the caller
    escapes it), ``field`` names the form input at fault, if any."""

    message: str
    field: str | None = None
