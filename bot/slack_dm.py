"""Messages and files for one person, in their DM with the bot.

These go through the bot's usual client, which retries 429s, 5xx and dropped connections:
for a message to one person a rare double is better than none. A scheduled post to a
channel, which must go out exactly once, goes through bot/slack_outbox.py instead.

Slack errors are raised as they come (SlackApiError, OSError); each feature decides what a
failure means for it (retry the job, tell the member, alert the admins).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk import WebClient

from bot.views.common import Reply


@dataclass(frozen=True)
class DmFile:
    filename: str
    title: str
    content: str | bytes


def send_dm(client: WebClient, to: str, reply: Reply) -> tuple[str, str]:
    """Post `reply` to `to`: a member's user id (Slack posts it in their DM with the bot), or
    the id of a channel for one-off notices such as the admins' alerts. (channel, ts)."""
    response = client.chat_postMessage(
        channel=to, text=reply.text, blocks=reply.block_dicts(), unfurl_links=False
    )
    return str(response["channel"]), str(response["ts"])


def open_dm(client: WebClient, user_id: str) -> str:
    """The id of the member's DM channel with the bot."""
    return str(client.conversations_open(users=user_id)["channel"]["id"])


def upload_to_dm(client: WebClient, user_id: str, files: Sequence[DmFile], comment: str) -> str:
    """Upload `files` into the member's DM with the bot, never a channel; returns the DM's id."""
    channel = open_dm(client, user_id)
    client.files_upload_v2(
        channel=channel,
        initial_comment=comment,
        file_uploads=[{"content": f.content, "filename": f.filename, "title": f.title} for f in files],
        request_file_info=False,
    )
    return channel
