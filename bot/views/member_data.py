"""Block Kit for members' data rights (my-data, forget-me) and the admins' audit log."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.services.audit import AuditPage
from bot.services.member_data import Kept
from bot.views.common import (
    MESSAGE_BLOCK_LIMIT,
    Reply,
    bullets,
    context,
    escape,
    form_modal,
    header,
    mention,
    notice,
    section,
    truncate,
)
from bot.views.slack_dates import SHORT, date_token

FORGET_MODAL = "member_data.forget"
MY_DATA_BUTTON = "member_data.send"
FORGET_BUTTON = "member_data.forget_open"
AUDIT_SHOWN = 40


def export_on_its_way() -> Reply:
    return notice(
        "I'm gathering everything the bot stores about you; it will arrive in a DM from me in a moment."
    )


def export_comment() -> str:
    return (
        "Here is everything the LIEC bot stores about you: the same data twice, as JSON for "
        "computers and as a summary to read. To have it erased, type `/liec forget-me`."
    )


def export_sent() -> Reply:
    return notice("Done: your data is in a DM from me, as two files (JSON and a readable summary).")


def export_failed() -> Reply:
    return notice(
        "Sorry, I could not send your data just now, and nothing was changed. Please try again "
        "in a few minutes; if it keeps happening, tell an LIEC admin."
    )


def forget_modal(feature_titles: Sequence[str]) -> View:
    """The confirmation: what will be erased, and that it cannot be undone."""
    blocks: list[Block] = [
        section(
            "This erases everything the LIEC bot stores about you that it does not have to keep:\n"
            + bullets(feature_titles)
        ),
        section(
            "Some things must be kept for a while, such as a nomination in an election that is "
            "still running, which the returning officer must see until it closes. I will tell "
            "you exactly what was kept and why."
        ),
        section("*This cannot be undone.* If you want a copy first, cancel and type `/liec my-data`."),
        context("Messages already in Slack channels and DMs are Slack's; a workspace admin can delete them."),
    ]
    return form_modal(FORGET_MODAL, "Forget me", "Erase my data", blocks)


def forget_done(kept: Sequence[Kept]) -> Reply:
    blocks: list[Block] = [header("Your data has been erased")]
    if not kept:
        text = "Everything the LIEC bot stored about you has been erased. Nothing was kept."
        blocks.append(section(text))
        return Reply(text=text, blocks=blocks)
    blocks.append(section("Everything the LIEC bot stored about you has been erased, except:"))
    room = MESSAGE_BLOCK_LIMIT - len(blocks) - 1
    for item in kept[:room]:
        blocks.append(section(f"*{escape(item.what)}* ({escape(item.feature)})\n_Why:_ {escape(item.why)}"))
    if len(kept) > room:
        blocks.append(context(f"And {len(kept) - room} more kept for the same kinds of reason."))
    return Reply(text="Your data has been erased, except what must be kept (see why).", blocks=blocks)


def forget_failed() -> Reply:
    return notice(
        "Sorry, something went wrong and nothing was erased. Please try `/liec forget-me` again "
        "in a few minutes; if it keeps happening, tell an LIEC admin."
    )


def audit_log(page: AuditPage) -> Reply:
    if not page.entries:
        return notice("The audit log is empty: no admin has read members' personal data through the bot.")
    lines = [
        f"{date_token(entry.at, SHORT)}  {mention(entry.actor_id)}  {escape(truncate(entry.what, 200))}"
        for entry in page.entries[:AUDIT_SHOWN]
    ]
    blocks: list[Block] = [header("Audit log: admins' reads of personal data")]
    # Several lines per section: a section holds 3,000 characters, an entry under 300.
    for start in range(0, len(lines), 5):
        blocks.append(section("\n".join(lines[start : start + 5])))
    shown = min(len(page.entries), AUDIT_SHOWN)
    blocks.append(context(f"The newest {shown} of {page.total} entries, newest first, in your local time."))
    return Reply(text=f"Audit log: {page.total} entries", blocks=blocks)
