from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.jobs import LEASE, MAX_ATTEMPTS, JobRun, RetryLater
from bot.services.delivery import (
    LOOK_BACK,
    Delivery,
    PostError,
    carries,
    deliver_job,
    deliver_once,
    metadata,
)

SINCE = datetime(2027, 1, 1, tzinfo=UTC)


class FakeOutbox:
    """A channel that can fail on command; `messages` is what a reader would see."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.failures: list[PostError] = []
        self.posted_anyway: set[int] = set()  # failures after which the message was there
        self.finds = 0
        self.find_fails = False

    def find(self, channel: str, key: str, since: datetime) -> str | None:
        self.finds += 1
        if self.find_fails:
            raise PostError("http_500")
        for message in self.messages:
            if message["channel"] == channel and carries(message, key):
                return str(message["ts"])
        return None

    def post(self, channel: str, key: str, text: str, blocks: list[dict[str, Any]]) -> str:
        ts = f"{len(self.messages) + 1}.0"
        if self.failures:
            failure = self.failures.pop(0)
            if failure.maybe_posted and len(self.failures) in self.posted_anyway:
                self.messages.append({"channel": channel, "ts": ts, "metadata": metadata(key, "r")})
            raise failure
        self.messages.append({"channel": channel, "ts": ts, "text": text, "metadata": metadata(key, "r")})
        return ts


def deliver(outbox: FakeOutbox, check_first: bool = False, sleeps: list[float] | None = None) -> Delivery:
    return deliver_once(
        outbox,
        "C1",
        "mtg:gc:20270123T1400Z:1d",
        "hello",
        [],
        since=SINCE,
        check_first=check_first,
        sleep=(sleeps if sleeps is not None else []).append,
    )


def test_a_plain_post_is_made_once_without_looking() -> None:
    outbox = FakeOutbox()
    assert deliver(outbox) == Delivery("sent", "1.0")
    assert len(outbox.messages) == 1 and outbox.finds == 0


def test_a_recovered_job_finds_its_earlier_post_and_does_not_post_again() -> None:
    outbox = FakeOutbox()
    deliver(outbox)  # posted, then the process died before recording it
    again = deliver(outbox, check_first=True)
    assert again == Delivery("found", "1.0")
    assert len(outbox.messages) == 1


def test_a_recovered_job_posts_when_the_history_has_nothing() -> None:
    outbox = FakeOutbox()
    assert deliver(outbox, check_first=True).outcome == "sent"
    assert outbox.finds == 1 and len(outbox.messages) == 1


def test_a_5xx_after_slack_posted_is_not_posted_twice() -> None:
    outbox = FakeOutbox()
    outbox.failures = [PostError("http_500", maybe_posted=True)]
    outbox.posted_anyway = {0}
    sleeps: list[float] = []
    assert deliver(outbox, sleeps=sleeps).outcome == "found"
    assert len(outbox.messages) == 1
    assert sleeps == []


def test_a_5xx_that_did_not_post_is_retried_with_backoff() -> None:
    outbox = FakeOutbox()
    outbox.failures = [
        PostError("http_503", maybe_posted=True),
        PostError("ConnectionResetError", maybe_posted=True),
    ]
    sleeps: list[float] = []
    assert deliver(outbox, sleeps=sleeps).outcome == "sent"
    assert len(outbox.messages) == 1
    assert outbox.finds == 2  # looked after each doubtful failure
    assert sleeps == [1.0, 2.0]


def test_a_429_is_retried_without_looking() -> None:
    outbox = FakeOutbox()
    outbox.failures = [PostError("ratelimited")]
    assert deliver(outbox).outcome == "sent"
    assert outbox.finds == 0 and len(outbox.messages) == 1


def test_a_permanent_error_is_raised_at_once() -> None:
    outbox = FakeOutbox()
    outbox.failures = [PostError("channel_not_found", permanent=True), PostError("x")]
    with pytest.raises(PostError) as caught:
        deliver(outbox)
    assert caught.value.error == "channel_not_found" and caught.value.permanent
    assert outbox.messages == [] and len(outbox.failures) == 1


def test_when_every_attempt_fails_nothing_was_posted_and_the_error_is_raised() -> None:
    outbox = FakeOutbox()
    outbox.failures = [PostError("http_500", maybe_posted=True) for _ in range(3)]
    with pytest.raises(PostError) as caught:
        deliver(outbox)
    assert not caught.value.permanent
    assert outbox.messages == []


def test_a_failing_look_up_never_leads_to_a_post() -> None:
    outbox = FakeOutbox()
    outbox.find_fails = True
    with pytest.raises(PostError):
        deliver(outbox, check_first=True)
    assert outbox.messages == []


def test_metadata_names_the_key_and_only_matching_messages_carry_it() -> None:
    meta = metadata("mtg:gc:20270123T1400Z:1d", "meeting_reminder")
    assert meta == {
        "event_type": "liec_reminder",
        "event_payload": {"key": "mtg:gc:20270123T1400Z:1d", "kind": "meeting_reminder"},
    }
    assert carries({"metadata": meta}, "mtg:gc:20270123T1400Z:1d")
    assert not carries({"metadata": meta}, "mtg:gc:20270123T1400Z:1h")
    assert not carries(
        {"metadata": {"event_type": "other", "event_payload": {"key": "mtg:gc:20270123T1400Z:1d"}}},
        "mtg:gc:20270123T1400Z:1d",
    )
    assert not carries({"text": "no metadata"}, "mtg:gc:20270123T1400Z:1d")


def test_election_posts_made_before_the_shared_event_type_are_still_found() -> None:
    earlier = {"event_type": "liec_election_post", "event_payload": {"key": "elections.announce:3"}}
    assert carries({"metadata": earlier}, "elections.announce:3")
    assert not carries({"metadata": earlier}, "elections.announce:4")


# deliver_job: a job's post, with the job queue's retry rules ------------------------------

DUE = datetime(2027, 1, 23, 13, tzinfo=UTC)


def job(attempt: int = 1, recovered: bool = False, now: datetime = DUE) -> JobRun:
    return JobRun(
        kind="meeting_reminder",
        key="mtg:gc:20270123T1400Z:1h",
        payload={},
        due_at=now,
        now=now,
        attempt=attempt,
        recovered=recovered,
    )


class SinceOutbox(FakeOutbox):
    """Remembers how far back each look went."""

    def __init__(self) -> None:
        super().__init__()
        self.looked_since: list[datetime] = []

    def find(self, channel: str, key: str, since: datetime) -> str | None:
        self.looked_since.append(since)
        return super().find(channel, key, since)


def post_job(outbox: FakeOutbox, run: JobRun, now: datetime | None = None) -> Delivery:
    return deliver_job(outbox, run, "C1", "hello", [], due=DUE, now=now or run.now, sleep=lambda _s: None)


def test_a_first_run_posts_without_looking() -> None:
    outbox = FakeOutbox()
    assert post_job(outbox, job()) == Delivery("sent", "1.0")
    assert outbox.finds == 0
    assert carries(outbox.messages[0], "mtg:gc:20270123T1400Z:1h")


@pytest.mark.parametrize("run", [job(recovered=True), job(attempt=2)])
def test_a_recovered_or_retried_job_looks_first_from_before_the_due_time(run: JobRun) -> None:
    outbox = SinceOutbox()
    post_job(outbox, job())  # an earlier run posted
    assert post_job(outbox, run) == Delivery("found", "1.0")
    assert len(outbox.messages) == 1
    assert outbox.looked_since == [DUE - LOOK_BACK]


def test_a_late_run_looks_back_from_the_first_due_time_not_the_retry() -> None:
    outbox = SinceOutbox()
    later = DUE + timedelta(minutes=8)  # the row's due_at moved with each retry
    post_job(outbox, job(attempt=4, now=later))
    assert outbox.looked_since == [DUE - LOOK_BACK]


def test_a_passing_fault_becomes_retry_later_and_posts_nothing() -> None:
    outbox = FakeOutbox()
    outbox.failures = [PostError("http_500", maybe_posted=True) for _ in range(3)]
    with pytest.raises(RetryLater, match="http_500"):
        post_job(outbox, job())
    assert outbox.messages == []


def test_a_passing_fault_on_the_last_attempt_is_raised_for_the_caller_to_report() -> None:
    outbox = FakeOutbox()
    outbox.failures = [PostError("http_500", maybe_posted=True) for _ in range(3)]
    with pytest.raises(PostError) as caught:
        post_job(outbox, job(attempt=MAX_ATTEMPTS))
    assert not caught.value.permanent


def test_a_permanent_fault_is_raised_at_once() -> None:
    outbox = FakeOutbox()
    outbox.failures = [PostError("not_in_channel", permanent=True)]
    with pytest.raises(PostError) as caught:
        post_job(outbox, job())
    assert caught.value.error == "not_in_channel" and outbox.messages == []


def test_a_claim_older_than_half_the_lease_is_given_back_unposted() -> None:
    outbox = FakeOutbox()
    with pytest.raises(RetryLater, match="claim too old"):
        post_job(outbox, job(), now=DUE + LEASE / 2 + timedelta(seconds=1))
    assert outbox.messages == [] and outbox.finds == 0
    assert post_job(outbox, job(), now=DUE + LEASE / 2).outcome == "sent"
