"""Regional questions: /liec ask, region, questions; the coordinator's buttons; the jobs."""

from __future__ import annotations

from slack_bolt import App

from bot.deps import AppDeps
from handlers.commands import Subcommand

SUBCOMMANDS: list[Subcommand] = []


def register(app: App, deps: AppDeps) -> None:
    del app, deps
