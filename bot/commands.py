"""What a /liec subcommand is: the contract between the dispatcher (handlers/commands.py) and
each feature, which lists its `SUBCOMMANDS`.

`reply` answers inside the acknowledgement (before the HTTP response, no Slack calls);
`work` runs after it (bot/listeners.py), for modals and DMs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from bot.deps import AppDeps
from bot.views.common import Reply


@dataclass(frozen=True)
class CommandRequest:
    user_id: str
    channel_id: str
    team_id: str
    args: str  # what follows the subcommand name, stripped
    trigger_id: str = ""
    response_url: str = ""
    respond: Callable[[Reply], None] | None = field(default=None, compare=False)
    asked_at: float | None = None
    """``time.monotonic()`` when the command reached the bot (bot/listeners.py ASKED_AT); None
    where it is not known (the acknowledgement's own call)."""

    def reply(self, reply: Reply) -> None:
        """Send an ephemeral follow-up to the person who typed the command."""
        if self.respond is not None:
            self.respond(reply)


ReplyFn = Callable[[CommandRequest, AppDeps], Reply | None]
WorkFn = Callable[[CommandRequest, AppDeps], None]


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    summary: str
    reply: ReplyFn | None = None
    work: WorkFn | None = None
    aliases: tuple[str, ...] = ()
    admin_only: bool = False
    # Whom /liec help shows it to: members (everyone), only coordinators and admins, or only
    # the Secretary and admins (meeting apologies).
    audience: Literal["members", "coordinators", "secretary"] = "members"
    # Lines (usage, summary) of a members' command that only admins may use, for their section.
    admin_help: tuple[tuple[str, str], ...] = ()
    # Its reply reads memory alone (the role documents, the organisation): no database, no
    # Slack (its `work` may, after the acknowledgement, on a thread of its own). Such an
    # acknowledgement cannot outlast its deadline, so it is answered on the thread that
    # received the request (bot/server.py `make_wsgi_app`), without the hand-off to another.
    # A subcommand with no `reply` is acknowledged from memory too.
    from_memory: bool = False
