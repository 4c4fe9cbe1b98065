"""The Slack side of posting a scheduled message exactly once (bot/services/delivery.py).

`SlackOutbox` posts with the job key in the message metadata, through a client that retries
only 429s, and finds a post by that key in the channel's history.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.delivery import PostError, carries, connection_fault, fault, metadata
from bot.slack_client import rate_limit_retries
from bot.slack_dm import open_dm
from bot.views.common import inert_broadcasts

log = logging.getLogger(__name__)

HISTORY_PAGES = 10


def post_client(client: WebClient) -> WebClient:
    """The client for posting scheduled messages: like the bot's, but it retries only 429s.

    A 5xx or a dropped connection can come after Slack posted the message; retrying it
    blindly would post it twice. deliver_once retries those itself, after looking in the
    channel's history for the message's key.
    """
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        headers=client.headers,
        retry_handlers=rate_limit_retries(client),
    )


def slack_fault(exc: SlackApiError) -> PostError:
    """A SlackApiError as the one delivery policy sees it (bot/services/delivery.py fault)."""
    response = exc.response
    status = int(getattr(response, "status_code", 200) or 200)
    error = str(response.get("error") or "") if response is not None else ""
    return fault(status, error)


class SlackOutbox:
    """deliver_once's view of Slack: post with metadata, find by metadata in the history.

    `client` is the bot's client: it reads the history and opens DMs; posts go through a
    copy that retries only 429s (post_client). `kind` is recorded in each post's metadata.
    """

    def __init__(self, client: WebClient, kind: str = "") -> None:
        self._poster = post_client(client)
        self._reader = client
        self.kind = kind

    def post(self, channel: str, key: str, text: str, blocks: list[dict[str, Any]]) -> str:
        try:
            response = self._poster.chat_postMessage(
                channel=channel,
                text=inert_broadcasts(text),
                blocks=blocks,
                metadata=metadata(key, self.kind),
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as exc:
            raise slack_fault(exc) from None
        except OSError as exc:  # connection refused, reset or timed out
            raise connection_fault(exc) from None
        return str(response["ts"])

    def find(self, channel: str, key: str, since: datetime) -> str | None:
        cursor: str | None = None
        try:
            for _page in range(HISTORY_PAGES):
                response = self._reader.conversations_history(
                    channel=channel,
                    oldest=f"{since.timestamp():.6f}",
                    limit=200,
                    include_all_metadata=True,
                    cursor=cursor,
                )
                for message in response.get("messages") or []:
                    if carries(message, key):
                        return str(message.get("ts"))
                cursor = (response.get("response_metadata") or {}).get("next_cursor")
                if not response.get("has_more") or not cursor:
                    return None
        except SlackApiError as exc:
            error = slack_fault(exc)
            # Unable to look: never post on a guess.
            raise PostError(error.error, permanent=error.permanent) from None
        except OSError as exc:
            raise PostError(type(exc).__name__) from None
        log.warning("history of %s not searched to the end for %s", channel, key)
        return None

    def open_dm(self, user_id: str) -> str:
        """The member's DM channel, to post in it exactly once (the Secretary's agenda notice)."""
        try:
            return open_dm(self._reader, user_id)
        except SlackApiError as exc:
            raise slack_fault(exc) from None
        except OSError as exc:
            raise PostError(type(exc).__name__) from None
