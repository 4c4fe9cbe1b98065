"""`check` with a token: the organisation file against the real workspace.

Every user id must be a member who is not deactivated, every channel must exist with the bot
in it (else the line to type, `/invite @LIEC`), and no id may still be one of the example's
placeholders. One line per problem, naming the key path, as for the file's own problems.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import OrgConfig

BOT_NAME = "LIEC"  # the manifest's display_name


@dataclass(frozen=True)
class WorkspaceReport:
    problems: list[str]
    users: int
    channels: int


def user_ids(org: OrgConfig) -> Iterator[tuple[str, str]]:
    """(key path, user id) for every user the file names."""
    for index, user in enumerate(org.admins):
        yield f"admins.{index}", user
    for role, holders in org.officers.items():
        for index, user in enumerate(holders):
            yield f"officers.{role}.{index}", user
    for region, config in org.regions.items():
        for index, user in enumerate(config.coordinator):
            yield f"regions.{region}.coordinator.{index}", user


def channel_ids(org: OrgConfig) -> Iterator[tuple[str, str]]:
    """(key path, channel id) for every channel the bot posts in: the complete list to invite it to."""
    if org.channels.announcements:
        yield "channels.announcements", org.channels.announcements
    if org.channels.admins:
        yield "channels.admins", org.channels.admins
    for region, config in org.regions.items():
        if config.channel:
            yield f"regions.{region}.channel", config.channel
    for branch, branch_config in org.branches.items():
        if branch_config.channel:
            yield f"branches.{branch}.channel", branch_config.channel
    if org.digest.channel:
        yield "digest.channel", org.digest.channel
    for index, meeting in enumerate(org.meetings):
        yield f"meetings.{index}.channel", meeting.channel


def _first_places(pairs: Iterator[tuple[str, str]]) -> dict[str, str]:
    places: dict[str, str] = {}
    for path, value in pairs:
        places.setdefault(value, path)
    return places


def _error(exc: SlackApiError) -> str:
    return str(exc.response.get("error", "")) if exc.response is not None else "unknown_error"


def workspace_problems(client: WebClient, org: OrgConfig, example: OrgConfig | None) -> WorkspaceReport:
    placeholders = (
        set(_first_places(user_ids(example))) | set(_first_places(channel_ids(example))) if example else set()
    )
    problems: list[str] = []
    users = _first_places(user_ids(org))
    channels = _first_places(channel_ids(org))
    for user, path in users.items():
        if user in placeholders:
            problems.append(
                f"{path}: {user} is still the example's placeholder; expected a real member ID "
                "(in Slack: their profile, ⋮, Copy member ID), e.g. U012ABCDEF"
            )
            continue
        try:
            answer = client.users_info(user=user)
        except SlackApiError as exc:
            error = _error(exc)
            if error == "user_not_found":
                problems.append(f"{path}: {user} is not a member of this workspace; check the member ID")
            else:
                problems.append(f"{path}: Slack would not say who {user} is ({error})")
            continue
        if (answer.get("user") or {}).get("deleted"):
            problems.append(f"{path}: {user} has been deactivated in Slack; put in who holds the post now")
    for channel, path in channels.items():
        if channel in placeholders:
            problems.append(
                f"{path}: {channel} is still the example's placeholder; expected the real channel id "
                "(in Slack: open the channel, click its name: the id is at the bottom), e.g. C012ABCDEF"
            )
            continue
        try:
            client.conversations_history(channel=channel, limit=1)
        except SlackApiError as exc:
            error = _error(exc)
            if error == "not_in_channel":
                problems.append(
                    f"{path}: the bot is not in channel {channel}; open that channel in Slack and type "
                    f"`/invite @{BOT_NAME}`"
                )
            elif error == "channel_not_found":
                problems.append(
                    f"{path}: there is no channel {channel} the bot can see; check the id, or if the "
                    f"channel is private, open it in Slack and type `/invite @{BOT_NAME}`"
                )
            else:
                problems.append(f"{path}: Slack would not open channel {channel} ({error})")
    return WorkspaceReport(problems, len(users), len(channels))
