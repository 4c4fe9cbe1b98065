"""Block Kit for the nominators: the DM asking them to confirm or decline, the confirmation
modal and reading it back, and what the candidate hears of their answers."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import Block, ConfirmObject
from slack_sdk.models.views import View

from bot.services import nomination_rules as fields
from bot.services.nomination_rules import Person
from bot.services.nominations import REQUEST_PREFIX
from bot.views.common import Reply, actions, button, context, escape, form_modal, mention, section
from bot.views.elections import slack_time
from bot.views.nominations import candidate_text, read_person, text_input

CONFIRM_CALLBACK = "nominator_confirm_submit"
NOMINATOR_CONFIRM = "nominator_confirm"
NOMINATOR_DECLINE = "nominator_decline"


def nominator_request(
    nomination_id: int,
    nominator_slack_id: str,
    candidate: str,
    candidate_slack_id: str | None,
    submitted_by: str,
    position: str,
    election: str,
    closes_at: datetime,
) -> Reply:
    who = candidate_text(candidate, candidate_slack_id)
    if candidate_slack_id == submitted_by:
        lead = f"{who} named you as a nominator for *{escape(position)}*"
    else:
        lead = f"{mention(submitted_by)} named you as a nominator of {who} for *{escape(position)}*"
    value = f"{REQUEST_PREFIX}{nomination_id}:{nominator_slack_id}"
    decline = button("Decline", NOMINATOR_DECLINE, value=value, style="danger")
    # Decline asks again: a mis-tap must not cost a candidate their nomination.
    decline.confirm = ConfirmObject(
        title="Decline?", text="The candidate will be told.", confirm="Decline", deny="Back"
    )
    blocks: list[Block] = [
        section(f"{lead} in {escape(election)}. Confirm / Decline."),
        context(
            "Confirming asks for your name, email and membership number, which only the "
            f"returning officer sees. Please answer before {slack_time(closes_at)}."
        ),
        actions(
            button("Confirm", NOMINATOR_CONFIRM, value=value, style="primary"),
            decline,
        ),
    ]
    plain = f"{escape(candidate)} named you as a nominator for {escape(position)}. Confirm / Decline."
    return Reply(text=plain, blocks=blocks)


def nominator_answered(candidate: str, position: str, confirmed: bool) -> Reply:
    verb = "confirmed" if confirmed else "declined"
    text = f"You {verb} your nomination of *{escape(candidate)}* for *{escape(position)}*." + (
        " Thank you." if confirmed else " The candidate has been told."
    )
    return Reply(text=f"You {verb} this nomination.", blocks=[section(text)])


def confirm_modal(
    nominator_id: int, candidate: str, position: str, details: Person, membership_format: str
) -> View:
    keys = fields.CONFIRM_FIELDS
    blocks: list[Block] = [
        section(
            f"You are nominating *{escape(candidate)}* for *{escape(position)}*. "
            "The returning officer needs your details to check you are an LI member."
        ),
        text_input(keys.name, "Your name", details.name),
        text_input(keys.email, "Your email", details.email, email=True),
        text_input(
            keys.membership,
            "Your membership number",
            details.membership_number,
            hint=f"Format: {membership_format}.",
            max_length=40,
        ),
    ]
    return form_modal(
        CONFIRM_CALLBACK,
        "Confirm",
        "Confirm",
        blocks,
        private_metadata=json.dumps({"nominator_id": nominator_id}),
    )


def read_confirmation(values: dict[str, Any]) -> Person:
    return read_person(values, fields.CONFIRM_FIELDS)


def declined_notice(nominator_slack_id: str | None, position: str, election: str) -> Reply:
    who = mention(nominator_slack_id) if nominator_slack_id else "One of your nominators"
    text = (
        f"{who} declined to nominate you for *{escape(position)}* in {escape(election)}. "
        "You can name another nominator: `/liec nominations mine` → Edit."
    )
    return Reply(text=f"A nominator declined your nomination for {escape(position)}.", blocks=[section(text)])


def valid_notice(position: str, election: str) -> Reply:
    text = (
        f"Your nomination for *{escape(position)}* in {escape(election)} is now *valid*: "
        "your nominators have confirmed and the returning officer has checked it."
    )
    return Reply(text=f"Your nomination for {escape(position)} is valid.", blocks=[section(text)])
