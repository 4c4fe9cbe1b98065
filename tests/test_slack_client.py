"""The bot's Web API client retries what Slack asks to retry, until the process is stopping."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.fake_slack import FakeSlack
from bot.slack_client import Stopping, make_web_client
from bot.slack_outbox import post_client


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    started = FakeSlack().start()
    yield started
    started.stop()


def test_a_server_error_is_retried(fake: FakeSlack) -> None:
    client = make_web_client(Settings(slack_bot_token="xoxb-t", slack_api_url=fake.api_url))
    fake.fail_next("chat.postMessage", status=500, times=1)
    client.chat_postMessage(channel="C1", text="hi")
    assert (len(fake.failed), len(fake.calls_to("chat.postMessage"))) == (1, 1)


def test_once_stopping_no_retry_is_made(fake: FakeSlack) -> None:
    stopping = threading.Event()
    client = make_web_client(Settings(slack_bot_token="xoxb-t", slack_api_url=fake.api_url), stopping)
    fake.fail_next("chat.postMessage", status=500, times=3)
    stopping.set()
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="hi")
    assert (len(fake.failed), fake.calls_to("chat.postMessage")) == (1, [])


def test_a_backoff_wait_ends_when_the_process_stops(fake: FakeSlack) -> None:
    stopping = threading.Event()
    client = make_web_client(Settings(slack_bot_token="xoxb-t", slack_api_url=fake.api_url), stopping)
    fake.fail_next("chat.postMessage", status=429, times=1, retry_after=60)

    def stop_during_the_wait() -> None:
        while not fake.failed:
            stopping.wait(0.05)
        stopping.wait(1)  # the 429 is back with the client by then: it is waiting its minute
        stopping.set()

    threading.Thread(target=stop_during_the_wait, daemon=True).start()
    with pytest.raises(Stopping):
        client.chat_postMessage(channel="C1", text="hi")
    assert (len(fake.failed), fake.calls_to("chat.postMessage")) == (1, [])


def test_the_posting_client_retries_a_429_and_not_a_500(fake: FakeSlack) -> None:
    poster = post_client(make_web_client(Settings(slack_bot_token="xoxb-t", slack_api_url=fake.api_url)))
    fake.fail_next("chat.postMessage", status=429, times=1, retry_after=0)
    poster.chat_postMessage(channel="C1", text="hi")
    assert (len(fake.failed), len(fake.calls_to("chat.postMessage"))) == (1, 1)
    fake.fail_next("chat.postMessage", status=500, times=1)
    with pytest.raises(SlackApiError):  # it may have posted: deliver_once looks before trying again
        poster.chat_postMessage(channel="C1", text="hi")
    assert (len(fake.failed), len(fake.calls_to("chat.postMessage"))) == (2, 1)
