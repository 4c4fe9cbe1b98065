"""The /liec dispatcher: one slash command, many subcommands, each owned by a feature module.

The `reply` part of a subcommand answers inside the acknowledgement (before the HTTP response,
no Slack calls); the `work` part runs after it (bot/listeners.py), for modals and DMs.
"""

from __future__ import annotations

import difflib
import logging
import re
from typing import Any
from urllib.parse import unquote_plus

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk.models.blocks import Block

from bot.commands import CommandRequest, Subcommand
from bot.deps import AppDeps
from bot.listeners import ASKED_AT, acknowledged
from bot.views.common import (
    Reply,
    bullets,
    context,
    escape,
    failure_notice,
    from_slack,
    header,
    notice,
    section,
    truncate,
)

log = logging.getLogger(__name__)

COMMAND = "/liec"
Section = tuple[str, list[Subcommand]]  # a part of /liec help: its title, its commands


class Dispatcher:
    def __init__(self, subcommands: list[Subcommand]) -> None:
        self.subcommands = subcommands
        self._by_name: dict[str, Subcommand] = {}
        for sub in subcommands:
            for name in (sub.name, *sub.aliases):
                if name in self._by_name:
                    raise ValueError(f"subcommand {name!r} is defined twice")
                self._by_name[name] = sub

    def resolve(self, text: str) -> tuple[Subcommand | None, str, str]:
        """(subcommand or None, its arguments as the member typed them, the word typed).

        ``text`` is the command text as Slack sends it (``&amp;``, ``&lt;``, ``&gt;``)."""
        words = from_slack(text).strip().split(maxsplit=1)
        if not words:
            return None, "", ""
        word = words[0].lower()
        if word in {"help", "?"}:
            return None, "", ""
        return self._by_name.get(word), (words[1].strip() if len(words) > 1 else ""), words[0]

    def suggestion(self, text: str, visible: list[Subcommand]) -> Subcommand | None:
        """What a mistyped subcommand probably meant: `my data` -> my-data, `officer` -> officers."""
        words = text.strip().lower().split()
        if not words:
            return None
        names = {name: sub for sub in visible for name in (sub.name, *sub.aliases)}
        if len(words) > 1:
            for joined in ("-".join(words[:2]), "".join(words[:2])):
                if joined in names:
                    return names[joined]
        close = difflib.get_close_matches(words[0], list(names), n=1, cutoff=0.75)
        return names[close[0]] if close else None

    def answers_from_memory(self, text: str) -> bool:
        """Whether `/liec <text>` is acknowledged from memory alone: the help (and the answer
        to a word it does not know), a subcommand marked `from_memory`, or one with no `reply`
        (an empty acknowledgement). Its `work`, if any, follows on a thread of its own."""
        sub, _, _ = self.resolve(text)
        return sub is None or sub.from_memory or sub.reply is None

    def _audience(self, audience: str) -> list[Subcommand]:
        return [s for s in self.subcommands if s.audience == audience and not s.admin_only]

    def _sections(
        self, admin: bool, coordinator: bool, secretary: bool
    ) -> list[tuple[str, list[Subcommand]]]:
        """The help's sections this reader sees, as (title, commands): the members' first."""
        sections = [("", self._audience("members"))]
        if admin or coordinator:
            sections.append(("*For coordinators and admins*\n", self._audience("coordinators")))
        if admin or secretary:
            sections.append(("*For the Secretary and admins*\n", self._audience("secretary")))
        if admin:
            sections.append(("*For admins*\n", [s for s in self.subcommands if s.admin_only]))
        return sections

    def help(
        self, unknown: str = "", *, admin: bool = False, coordinator: bool = False, secretary: bool = False
    ) -> Reply:
        """Members see their own commands; admins, coordinators and the Secretary see theirs in
        sections apart."""
        sections = self._sections(admin, coordinator, secretary)
        blocks: list[Block] = [header("What /liec can do")]
        if unknown:
            typed = unknown.strip().split()[0]
            line = f"I don't know `{escape(truncate(typed, 40))}`."
            guess = self.suggestion(unknown, [sub for _title, subs in sections for sub in subs])
            if guess is not None:
                line += f" Did you mean `/liec {guess.name}`?"
            blocks.append(section(line + " Here is what I can do:"))
        for title, subs in sections:
            lines = [f"`{sub.usage}`  {sub.summary}" for sub in subs]
            if not title:
                lines.append("`/liec help`  this list")
            elif title.startswith("*For admins*"):
                members = sections[0][1]
                lines += [f"`{usage}`  {summary}" for sub in members for usage, summary in sub.admin_help]
            if lines:
                blocks.append(section(title + bullets(lines)))
        blocks.append(context("Replies are shown only to you unless you choose to share them."))
        return Reply(text="What /liec can do", blocks=blocks)

    def request(
        self, body: dict[str, Any], args: str, respond: Respond | None, asked_at: float | None = None
    ) -> CommandRequest:
        def send(reply: Reply) -> None:
            if respond is not None:
                respond(**reply.as_ephemeral(), replace_original=False)

        return CommandRequest(
            user_id=body.get("user_id", ""),
            channel_id=body.get("channel_id", ""),
            team_id=body.get("team_id", ""),
            args=args,
            trigger_id=body.get("trigger_id", ""),
            response_url=body.get("response_url", ""),
            respond=send,
            asked_at=asked_at,
        )


# A slash command's body is a few hundred bytes; anything far larger is not read here.
_FROM_MEMORY_MAX_BYTES = 8 * 1024
# One field of an application/x-www-form-urlencoded body: its name, then its raw value.
_FIELD = re.compile(rb"(?:^|&)(command|text)=([^&]*)")


def from_memory(dispatcher: Dispatcher, body: bytes) -> bool:
    """Whether a verified request body (Slack's form-encoded slash command) is a `/liec`
    command answered from memory alone (``Dispatcher.answers_from_memory``): it touches
    neither the database nor Slack. Anything else, or anything unreadable, is False.

    Only ``command`` and ``text`` are decoded, the last of each as Bolt keeps
    (``slack_bolt.request.internals.parse_body``): decoding all twelve fields was a seventh
    of the role card's CPU in one process (bench.profile_request)."""
    if len(body) > _FROM_MEMORY_MAX_BYTES or b"command=%2Fliec" not in body:
        return False
    form = {
        name.decode("ascii"): unquote_plus(value.decode("utf-8", "replace"))
        for name, value in _FIELD.findall(body)
    }
    if form.get("command") != COMMAND:
        return False
    return dispatcher.answers_from_memory(form.get("text", ""))


def _coordinates(deps: AppDeps, user_id: str) -> bool:
    return any(user_id in region.coordinator for region in deps.org.regions.values())


def _refusal() -> Reply:
    return notice("Only LIEC admins can do that. If you think you should be one, ask the Secretary.")


def register(app: App, deps: AppDeps, subcommands: list[Subcommand]) -> None:
    """`subcommands`: every feature's, in the order /liec help lists them (handlers/__init__.py)."""
    dispatcher = Dispatcher(subcommands)

    def acknowledge(ack: Ack, body: dict[str, Any]) -> None:
        sub, args, word = dispatcher.resolve(body.get("text", ""))
        if sub is None:
            user = body.get("user_id", "")
            typed = body.get("text", "") if word else ""
            helped = dispatcher.help(
                typed,
                admin=deps.is_admin(user),
                coordinator=_coordinates(deps, user),
                secretary=user in deps.org.holders("secretary"),
            )
            ack(**helped.as_ephemeral())
            return
        if sub.admin_only and not deps.is_admin(body.get("user_id", "")):
            ack(**_refusal().as_ephemeral())
            return
        if sub.reply is None:
            ack()
            return
        try:
            reply = sub.reply(dispatcher.request(body, args, None), deps)
        except Exception:
            log.exception("subcommand %s failed", sub.name)
            reply = failure_notice()
        if reply is None:
            ack()
        else:
            ack(**reply.as_ephemeral())

    def work(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        sub, args, _ = dispatcher.resolve(body.get("text", ""))
        if sub is None or sub.work is None:
            return
        if sub.admin_only and not deps.is_admin(body.get("user_id", "")):
            return
        request = dispatcher.request(body, args, respond, context.get(ASKED_AT))
        try:
            sub.work(request, deps)
        except Exception:
            log.exception("subcommand %s failed after acknowledgement", sub.name)
            request.reply(failure_notice())

    def has_work(body: dict[str, Any]) -> bool:
        sub, _, _ = dispatcher.resolve(body.get("text", ""))
        return sub is not None and sub.work is not None

    # Work after the acknowledgement costs a hand-off to another thread; only work that needs
    # Slack pays for it: the role card and the other answers from memory have none.
    app.command(COMMAND)(acknowledged(deps, work, ack=acknowledge, when=has_work))
