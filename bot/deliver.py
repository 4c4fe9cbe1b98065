"""One way to deliver and one way to fail: every post to a channel or a person goes here.

The policy (bot/services/delivery.py `fault`): 429, 5xx and the passing `ok: false` errors
(`ratelimited`, `internal_error`, `fatal_error`, `service_unavailable`, `request_timeout`)
are retried; before a retry of anything that may have posted, the channel's history is
searched for the post's key (metadata), so nothing is posted twice; a refusal
(`not_in_channel`, `channel_not_found`, `is_archived`, ...) is permanent and reported to the
admins once per kind and target (`report_refusal`), their repeats summarised
(bot/services/admin_alerts.py). The admins hear in their channel, or by DM to each admin
when that channel refuses too.

- `post_job(deps, run, to, reply, due=..., what=...)`: a job's post exactly once; a passing
  fault raises RetryLater while the job has attempts left; a refusal or the last attempt's
  fault is reported to the admins and raised as PostError for the caller to record.
- `post_once(deps, kind, to, key, reply, since=..., check_first=...)`: the same outside a job.
- `send(deps, to, reply)`: a message to one person (or a one-off notice in a channel), through
  the bot's client (which retries 429, 5xx and dropped connections); raises PostError.
  `send_files(deps, to, files, comment)`: files into a member's DM, the same way.
- `tell(deps, to, reply, kind=..., what=...)` / `give_files(...)`: `send` / `send_files` where
  nothing waits on the outcome (a listener's answer by DM): a failure is reported, not raised.
  `tell_where_pressed(deps, body, respond, reply, ...)`: ephemeral where a button was pressed,
  else (Home tab, modals) `tell`.
- `send_in_job(deps, run, to, reply, what=...)` / `send_files_in_job(...)`: the same in a job:
  passing -> RetryLater, refused (or the last attempt) -> reported and raised.
- `alert_admins(deps, key, text)`: once per key, repeats summarised.
- `update_view(deps, view_id, view, hash=..., tell=..., what=..., redo=...)` and
  `publish_home(deps, user_id, view)`: a view drawn again. `hash_conflict` (the view changed
  since it was read) is answered by drawing it again from the state as it now stands, once;
  any other refusal tells the member, and one caused by the bot's installation alerts the admins.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from slack_sdk.errors import SlackApiError

from bot.deps import AppDeps
from bot.jobs import JobRun, RetryLater
from bot.services import admin_alerts, slack_setup
from bot.services.delivery import (
    POST_ATTEMPTS,
    Delivery,
    PostError,
    connection_fault,
    deliver_job,
    deliver_once,
)
from bot.slack_client import Stopping
from bot.slack_dm import DmFile, send_dm, upload_to_dm
from bot.slack_modals import Tell
from bot.slack_outbox import SlackOutbox, slack_fault
from bot.views.alerts import admin_alert, repeat_summary
from bot.views.common import Reply, escape, notice

log = logging.getLogger(__name__)

Sleep = Callable[[float], None]
T = TypeVar("T")


def backoff(deps: AppDeps) -> Sleep:
    """The wait between a delivery's attempts (seconds): it ends at once, raising Stopping (an
    OSError: the job is given back, bot/jobs.py), when the process is asked to stop."""

    def wait(seconds: float) -> None:
        if deps.jobs.stopping.wait(seconds):
            raise Stopping("the bot is stopping")

    return wait


def _slack(call: Callable[[], T]) -> T:
    """One Web API call with its failure as the one policy sees it (PostError)."""
    try:
        return call()
    except SlackApiError as exc:
        raise slack_fault(exc) from None
    except OSError as exc:
        raise connection_fault(exc) from None


def send(deps: AppDeps, to: str, reply: Reply) -> tuple[str, str]:
    """Post `reply` to a person (their DM with the bot) or a channel; (channel, ts).
    Raises PostError (see bot/services/delivery.py `fault`)."""
    return _slack(lambda: send_dm(deps.client, to, reply))


def send_files(deps: AppDeps, to: str, files: Sequence[DmFile], comment: str) -> str:
    """Upload `files` into the DM of the member `to` with the bot (never a channel); the DM's
    id. Raises PostError."""
    return _slack(lambda: upload_to_dm(deps.client, to, files, comment))


def tell(deps: AppDeps, to: str, reply: Reply, *, kind: str, what: str) -> bool:
    """`send` where nothing waits on the outcome (a listener's answer in the member's DM): a
    failure is reported to the admins (once per `kind` and person), never raised. True if sent."""
    return _or_report(deps, kind, to, what, lambda: send(deps, to, reply))


def tell_where_pressed(
    deps: AppDeps,
    body: dict[str, Any],
    respond: Callable[..., Any] | None,
    reply: Reply,
    *,
    kind: str,
    what: str,
) -> None:
    """A private answer to the member who pressed: ephemeral where they pressed when Slack gave a
    response_url (a message), else (the Home tab, a modal) `tell` by DM; a response_url that
    refuses falls back to the DM. Never raises."""
    if respond is not None and body.get("response_url"):
        try:
            respond(**reply.as_ephemeral(), replace_original=False)
            return
        except Exception:
            log.warning("the response_url refused an answer to a member; telling by DM what=%s", what)
    user = body.get("user")
    user_id = user.get("id") if isinstance(user, dict) else body.get("user_id")
    if isinstance(user_id, str) and user_id:
        tell(deps, user_id, reply, kind=kind, what=what)


def dm_teller(deps: AppDeps, user_id: str, *, kind: str, what: str) -> Tell:
    """`tell` bound to one member: the `tell=` of show_modal (an expired trigger's answer) and
    of the other flows that answer a member where no response_url is at hand."""

    def told(reply: Reply) -> None:
        tell(deps, user_id, reply, kind=kind, what=what)

    return told


def update_message(
    deps: AppDeps, channel: str, ts: str, reply: Reply, *, kind: str, what: str, person: str | None = None
) -> bool:
    """Rewrite a message the bot sent (chat.update), where nothing waits on the outcome: its
    buttons brought up to date. A refusal, or a fault the client's retries did not clear, is
    reported to the admins like `tell`'s (once per `kind` and target: `person` when the message
    is in their DM, so the alert names no one; else the channel). True if updated."""

    def update() -> object:
        return _slack(
            lambda: deps.client.chat_update(
                channel=channel, ts=ts, text=reply.text, blocks=reply.block_dicts()
            )
        )

    return _or_report(deps, kind, person or channel, what, update)


def give_files(
    deps: AppDeps, to: str, files: Sequence[DmFile], comment: str, *, kind: str, what: str
) -> bool:
    """`send_files` reported like `tell`; True if uploaded."""
    return _or_report(deps, kind, to, what, lambda: send_files(deps, to, files, comment))


def _or_report(deps: AppDeps, kind: str, to: str, what: str, call: Callable[[], object]) -> bool:
    try:
        call()
    except PostError as exc:
        report_failure(deps, kind, to, exc, what)
        return False
    return True


def post_once(
    deps: AppDeps,
    kind: str,
    to: str,
    key: str,
    reply: Reply,
    *,
    since: datetime,
    check_first: bool,
    sleep: Sleep | None = None,
    attempts: int = POST_ATTEMPTS,
) -> Delivery:
    """Post `reply` to the channel `to` exactly once under `key`. Raises PostError.
    `attempts=1` when the caller retries a passing fault later itself."""
    return deliver_once(
        SlackOutbox(deps.client, kind),
        to,
        key,
        reply.text,
        reply.block_dicts(),
        since=since,
        check_first=check_first,
        sleep=sleep or backoff(deps),
        attempts=attempts,
    )


def post_job(
    deps: AppDeps,
    run: JobRun,
    to: str,
    reply: Reply,
    *,
    due: datetime,
    what: str,
    sleep: Sleep | None = None,
) -> Delivery:
    """The post of job `run`, to the channel `to`, exactly once under the job's key.

    `what` names the post for the admins ("the reminders of *Exec*"; escaped by the caller).
    Raises RetryLater while a passing fault may still clear; otherwise reports the failure
    to the admins (once per kind and target) and raises PostError.
    """
    try:
        return deliver_job(
            SlackOutbox(deps.client, run.kind),
            run,
            to,
            reply.text,
            reply.block_dicts(),
            due=due,
            now=deps.clock.now(),
            sleep=sleep or backoff(deps),
        )
    except PostError as exc:
        report_failure(deps, run.kind, to, exc, what)
        raise


def send_in_job(deps: AppDeps, run: JobRun, to: str, reply: Reply, *, what: str) -> tuple[str, str]:
    """`send` inside a job: a passing fault raises RetryLater (the queue backs off) while the
    job has attempts left; a refusal, or the last attempt's fault, is reported and raised."""
    return _in_job(deps, run, to, what, lambda: send(deps, to, reply))


def send_files_in_job(
    deps: AppDeps, run: JobRun, to: str, files: Sequence[DmFile], comment: str, *, what: str
) -> str:
    """`send_files` inside a job, failing as `send_in_job` does."""
    return _in_job(deps, run, to, what, lambda: send_files(deps, to, files, comment))


def _in_job(deps: AppDeps, run: JobRun, to: str, what: str, call: Callable[[], T]) -> T:
    try:
        return call()
    except PostError as exc:
        if not exc.permanent and not run.last_attempt:
            log.warning("job %s will be retried: %s", run.key, exc.error)
            raise RetryLater(exc.error) from None
        report_failure(deps, run.kind, to, exc, what)
        raise


def refusal_key(kind: str, target: str) -> str:
    """The one problem a refusal of posts of `kind` at `target` is."""
    return f"refused:{kind}:{target}"


def report_failure(deps: AppDeps, kind: str, target: str, exc: PostError, what: str) -> None:
    """Tell the admins, once per kind and target, that `what` could not be posted there."""
    log.warning("post not delivered kind=%s target=%s error=%s", kind, target, exc.error)
    said = escape(exc.error)
    if target[:1] in {"U", "W", "D"}:
        # A person: the alert names no one (the admins' channel is no place for who is who).
        text = (
            f"I cannot send {what} to a member by direct message (Slack says `{said}`): they "
            "may have left the workspace or turned off messages from apps."
        )
    elif exc.permanent:
        text = (
            f"I cannot post {what} in <#{target}> (Slack says `{said}`), so it is not reaching "
            "anyone. Invite me to the channel (`/invite @LIEC bot`), or change the channel in "
            "the organisation file."
        )
    else:
        text = f"{what[:1].upper()}{what[1:]} could not be posted in <#{target}> (Slack says `{said}`)."
    alert_admins(deps, refusal_key(kind, target), text)


def alert_admins(deps: AppDeps, key: str, text: str) -> None:
    """Tell the admins about a problem once per `key`; its repeats are summarised at most
    weekly. `text` must carry no member's personal data. Never raises."""
    try:
        with deps.session_factory.begin() as session:
            decision = admin_alerts.note(session, key, deps.clock.now())
    except Exception:
        log.exception("admin alert %s could not be recorded", key)
        return
    if isinstance(decision, admin_alerts.Tell):
        message = admin_alert(text)
    elif isinstance(decision, admin_alerts.Summarise):
        message = repeat_summary(text, decision.repeats, decision.since)
    else:
        return
    tell_admins(deps, message)


def tell_admins(deps: AppDeps, message: Reply) -> bool:
    """Post in the admins' channel; when it refuses (or there is none), DM each admin."""
    channel = deps.org.channels.admins
    if channel:
        try:
            send(deps, channel, message)
            return True
        except PostError as exc:
            log.warning("admins' channel refused an alert: %s", exc.error)
    told = False
    for admin in deps.org.admins:
        try:
            send(deps, admin, message)
            told = True
        except PostError as exc:
            log.warning("an admin alert could not be sent by DM: %s", exc.error)
    return told


# Views ------------------------------------------------------------------------------------------

HASH_CONFLICT = "hash_conflict"


def _view_call(call: Callable[..., Any], **params: Any) -> PostError | None:
    """One views.* call; None when Slack took it, else the failure as the policy sees it (the
    client has already retried 429, 5xx and dropped connections)."""
    try:
        call(**params)
    except SlackApiError as exc:
        return slack_fault(exc)
    except OSError as exc:
        return connection_fault(exc)
    return None


def _as_dict(view: Any) -> Any:
    return view.to_dict() if hasattr(view, "to_dict") else view


def view_not_shown(what: str, error: str) -> Reply:
    """The member's answer when Slack would not draw their form again."""
    return notice(
        f"Slack did not update the form, so {what} (Slack says `{escape(error)}`). Nothing you "
        "had typed is lost until you close it: close the form and open it again if it looks wrong."
    )


def _view_refused(deps: AppDeps, method: str, failure: PostError, tell: Tell | None, what: str) -> None:
    log.warning("%s refused error=%s", method, failure.error)
    if slack_setup.is_setup_error(failure.error):
        alert_admins(
            deps,
            slack_setup.alert_key(method, failure.error),
            slack_setup.alert_text(method, failure.error, "members' forms and Home tabs are not drawn"),
        )
    if tell is not None:
        try:
            tell(view_not_shown(what, failure.error))
        except Exception:
            log.exception("the member could not be told that %s failed", method)


def update_view(
    deps: AppDeps,
    view_id: str,
    view: Any,
    *,
    hash: str | None = None,
    tell: Tell | None,
    what: str,
    redo: Callable[[], Any] | None = None,
) -> bool:
    """views.update the open view `view_id` with `view` (a slack_sdk View or its dict).

    With `hash` Slack refuses (`hash_conflict`) when the view changed after it was read (the
    member clicked, another update landed): `redo()` then draws it again from the state as it
    now stands and that is sent once without the hash; `redo` returning None means the newer
    view stands as it is. Without `redo`, or when the second try fails too, the member is told
    through `tell` that `what` ("your details were not filled in") did not happen. Any other
    refusal or lasting fault tells the member the same way; a refusal caused by the bot's own
    installation (bot/services/slack_setup.py) also alerts the admins once. Never raises;
    True when Slack took an update."""
    failure = _view_call(deps.client.views_update, view_id=view_id, hash=hash, view=_as_dict(view))
    if failure is None:
        return True
    if failure.error == HASH_CONFLICT and redo is not None:
        log.info("view changed meanwhile; drawn again from its current state view=%s", view_id)
        again = redo()
        if again is None:
            return False  # the newer view already says what this update would have
        failure = _view_call(deps.client.views_update, view_id=view_id, view=_as_dict(again))
        if failure is None:
            return True
    _view_refused(deps, "views.update", failure, tell, what)
    return False


def publish_home(deps: AppDeps, user_id: str, view: Any) -> bool:
    """views.publish a member's Home tab. Not retried: the member sees the tab as it was and
    their next open publishes again; a refusal is the admins' to hear of (once per error, the
    alert names no one), since the Home tab has no one to answer. True when Slack took it."""
    failure = _view_call(deps.client.views_publish, user_id=user_id, view=_as_dict(view))
    if failure is None:
        return True
    if failure.permanent:
        _view_refused(deps, "views.publish", failure, None, "the Home tab was not drawn")
        if not slack_setup.is_setup_error(failure.error):
            alert_admins(
                deps,
                refusal_key("views.publish", failure.error),
                f"Slack refused to draw a member's Home tab (`views.publish`, Slack says "
                f"`{escape(failure.error)}`): members may see an old Home tab.",
            )
    else:
        log.warning("home tab not published error=%s", failure.error)
    return False
