"""The nomination form and the nominator's confirmation form, opened from a command, a button
or the shortcut: views.open at once (the trigger lasts 3 seconds), then the member's Slack
profile filled in. Shared by the nomination and the nominator listeners."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.deliver import dm_teller, update_view
from bot.deps import AppDeps
from bot.flows.question_delivery import alert_setup
from bot.services import election_store, nominations, slack_setup
from bot.services import nomination_submissions as submissions
from bot.services.election_store import OpenPosition
from bot.services.elections import REGIONS, Position
from bot.services.nomination_rules import NominationForm, Person, Route
from bot.services.position_titles import position_title
from bot.slack_modals import Tell, show_modal
from bot.views import elections as election_views
from bot.views import nominations as views
from bot.views.choices import Choice
from bot.views.common import Reply, escape, notice
from bot.views.nomination_items import nomination_item

# A DM answering a member where no response_url is at hand (the admins hear if Slack refuses it).
ANSWER = "nominations.answer"


def position_choices(deps: AppDeps, found: list[OpenPosition]) -> list[Choice]:
    several = len({f.election_id for f in found}) > 1
    return [
        Choice(f.value, position_title(deps.roles, f.position) + (f" · {f.election_name}" if several else ""))
        for f in found
    ]


def branch_groups(deps: AppDeps) -> list[views.BranchGroup]:
    return [
        views.BranchGroup(
            title,
            [
                Choice(key, branch.name)
                for key, branch in sorted(deps.org.branches.items(), key=lambda kv: kv[1].name)
                if branch.region == region
            ],
        )
        for region, title in REGIONS.items()
    ]


def membership_format(deps: AppDeps) -> str:
    return nominations.rules_for(None, deps.org).membership_format_text


def _profile(deps: AppDeps, user_id: str) -> Person:
    """Name and email from the Slack profile, where Slack has them."""
    try:
        user = deps.client.users_info(user=user_id)["user"]
    except SlackApiError as exc:
        error = str(exc.response.get("error", "")) if exc.response is not None else ""
        if slack_setup.is_setup_error(error):
            # The member types their details themselves; the admins learn why the form is empty.
            alert_setup(deps, "users.info", error, "nomination forms cannot be pre-filled")
        return Person(user_id)
    profile = user.get("profile") or {}
    name = profile.get("real_name") or user.get("real_name") or ""
    return Person(user_id, name=str(name), email=str(profile.get("email") or ""))


def profile_of(deps: AppDeps, user_id: str) -> Person:
    """What the form's pre-fill shows for this member (blank where Slack has nothing)."""
    return _profile(deps, user_id)


def open_choices(deps: AppDeps) -> list[Choice]:
    """Every open post, as the form offers them."""
    now = deps.clock.now()
    return position_choices(deps, deps.read(election_store.open_positions, now))


def dm_tell(deps: AppDeps, user_id: str) -> Tell:
    """Tell the member in their DM with the bot (where no response_url is at hand)."""

    return dm_teller(deps, user_id, kind=ANSWER, what="an answer to a member about a nomination")


def respond_tell(respond: Any) -> Tell:
    """Tell the member with an ephemeral follow-up where the button was pressed."""

    def tell(reply: Reply) -> None:
        respond(**reply.as_ephemeral(), replace_original=False)

    return tell


def open_then_prefill(
    deps: AppDeps,
    trigger_id: str,
    build: Callable[[Person | None], Any],
    user_id: str,
    tell: Tell | None = None,
    again: str = "press the button again",
) -> None:
    """views.open at once (the trigger lasts 3 seconds), then fill in the profile. If Slack
    says the trigger expired, the member is told to press again (``tell``; by DM if None)."""
    opened = show_modal(
        deps.client, trigger_id, build(None), tell=tell or dm_tell(deps, user_id), again=again
    )
    if opened is None:
        return
    profile = _profile(deps, user_id)
    if not (profile.name or profile.email):
        return
    view = opened.get("view") or {}
    # hash_conflict: the member changed the form before the details arrived, and Slack cannot
    # be asked for the view as it now stands; they are told to type their details themselves.
    update_view(
        deps,
        str(view.get("id") or ""),
        build(profile),
        hash=view.get("hash"),
        tell=tell or dm_tell(deps, user_id),
        what="your name and email were not filled in for you: please type them",
    )


def open_nomination_form(
    deps: AppDeps,
    trigger_id: str,
    user_id: str,
    found: list[OpenPosition],
    selected: str | None = None,
    tell: Tell | None = None,
    again: str = "press the button again",
) -> None:
    choices = position_choices(deps, found)
    branches = branch_groups(deps)
    closes_at = min(f.closes_at for f in found)

    def build(profile: Person | None) -> Any:
        candidate = profile or Person(user_id)
        initial = NominationForm(position=None, candidate=candidate, statement="", route=Route.MEMBERS)
        return views.nomination_modal(
            choices,
            branches,
            membership_format=membership_format(deps),
            initial=initial,
            selected=selected,
            closes_at=closes_at,
        )

    open_then_prefill(deps, trigger_id, build, user_id, tell, again)


def mine_view(deps: AppDeps, user_id: str) -> Any:
    """The member's "My nominations" modal."""
    now = deps.clock.now()
    # nominations.mine loads each one's nominators and election: the items need no session.
    items = [nomination_item(deps.org, deps.roles, n, now) for n in deps.read(nominations.mine, user_id)]
    return views.mine_modal(items)


def edit_view(deps: AppDeps, nomination_id: int, user_id: str) -> Any:
    """The form again, filled in with what this member may see, for its candidate or
    submitter to edit; otherwise a notice saying why it cannot be edited (deleted, withdrawn,
    closed, not theirs)."""
    editing = deps.read(submissions.to_edit, nomination_id, user_id, deps.clock.now())
    if isinstance(editing, submissions.CannotEdit):
        return views.modal_notice("Cannot edit", escape(editing.problem))
    return views.nomination_modal(
        position_choices(deps, editing.open_positions),
        branch_groups(deps),
        membership_format=membership_format(deps),
        initial=editing.shown.form,
        selected=editing.selected,
        closes_at=editing.closes_at,
        nomination_id=nomination_id,
        kept=editing.shown.kept,
    )


def not_open_reply(session: Session, deps: AppDeps, wanted: Position | None) -> Reply:
    now = deps.clock.now()
    if wanted is not None and election_store.open_positions(session, now):
        return notice(
            f"Nominations for {escape(position_title(deps.roles, wanted))} are not open "
            "now. Type `/liec nominate` to see the positions that are."
        )
    upcoming = election_store.next_election(session, now)
    if upcoming is not None:
        return notice(
            f"Nominations are not open now. {escape(upcoming.name)} opens "
            f"{election_views.slack_time(upcoming.opens_at)}."
        )
    return notice(
        "No election is taking nominations now. Members are told in the "
        "announcements channel when nominations open."
    )


def nothing_mine(deps: AppDeps, user_id: str) -> Reply | None:
    """With no nominations and no election open, say when nominations open (no empty form)."""
    return deps.read(_nothing_mine_in, deps, user_id)


def _nothing_mine_in(session: Session, deps: AppDeps, user_id: str) -> Reply | None:
    if nominations.has_mine(session, user_id) or election_store.open_positions(session, deps.clock.now()):
        return None
    return not_open_reply(session, deps, None)
