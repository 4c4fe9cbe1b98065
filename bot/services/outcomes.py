"""Outcomes shared by the use cases: one type each, so every caller tests for the same class."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Skip:
    """Nothing to do; ``reason`` says why (for a log line or a test)."""

    reason: str
