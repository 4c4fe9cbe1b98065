"""Publishing an election's candidate list: after closing, once, in the announcements channel
(bot/deliver.py post_once, so a publish typed again after a fault finds what went out)."""

from __future__ import annotations

import logging

from bot.deliver import post_once, report_failure
from bot.deps import AppDeps
from bot.services import election_runs
from bot.services.delivery import LOOK_BACK, PostError
from bot.services.outcomes import Skip
from bot.views import elections as views
from bot.views.common import Reply, escape, notice

log = logging.getLogger(__name__)

PUBLISH_KIND = "election_publish"


def publish_candidate_list(deps: AppDeps, name: str, user_id: str, *, anyway: bool = False) -> Reply | None:
    """Post the valid candidates of a closed election in the announcements channel, exactly
    once; the reply for the admin who asked (None when the acknowledgement said why not).

    A list can be published only once, so while nominations are still to be checked by the
    returning officer it is not, unless the admin said ``anyway`` (those are then left out)."""
    channel = deps.org.channels.announcements
    now = deps.clock.now()
    if channel is None:
        return None
    found = deps.read(election_runs.candidate_list, deps.roles, name, now)
    if isinstance(found, Skip):
        return None
    left = found.left_to_check
    if left and not anyway:
        return notice(
            f"{left} nomination{'s' if left != 1 else ''} of {escape(found.name)} "
            f"{'are' if left != 1 else 'is'} still to be checked by the returning officer, so "
            "the candidate list is not published: it can be published only once. Press *Mark "
            "checked* on each in `/liec nominations <role>`, then publish again; to publish "
            f"without them, type `/liec election publish {escape(found.name)} anyway`."
        )
    candidates = [views.Candidate(c.position, c.name, c.statement) for c in found.candidates]
    election_id, election_name, closed_at = found.election_id, found.name, found.closes_at
    # Exactly once, like the scheduled posts: a publish typed again after a fault finds the
    # messages that went out (the list can only be published after closing).
    for index, message in enumerate(views.candidate_list(election_name, candidates)):
        try:
            post_once(
                deps,
                PUBLISH_KIND,
                channel,
                f"{PUBLISH_KIND}:{election_id}:{index}",
                message,
                since=min(closed_at, now) - LOOK_BACK,
                check_first=True,
            )
        except PostError as exc:
            log.warning("candidate list not published election=%s error=%s", election_id, exc.error)
            if exc.permanent:
                report_failure(deps, PUBLISH_KIND, channel, exc, "the candidate list")
            return notice(
                f"The candidate list of {escape(election_name)} could not be "
                f"posted (Slack said `{escape(exc.error)}`), so it is not marked "
                "published. Please try again in a few minutes."
            )
    deps.write(election_runs.mark_published, election_id, user_id, now)
    log.info("candidate list published election=%s by=%s", election_id, user_id)
    unchecked = (
        f" {left} nomination{'s' if left != 1 else ''} the returning officer had not marked checked "
        f"{'were' if left != 1 else 'was'} left out."
        if left
        else ""
    )
    return notice(
        f"The candidate list of {escape(election_name)} is published "
        f"({len(candidates)} candidate{'s' if len(candidates) != 1 else ''}).{unchecked}"
    )
