"""Small Block Kit builders and the one escaping function every feature uses."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.services.text_safety import neutralise
from bot.text_measure import within

SECTION_TEXT_LIMIT = 3000
HEADER_TEXT_LIMIT = 150
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
MESSAGE_BLOCK_LIMIT = 50
MODAL_BLOCK_LIMIT = 100
FALLBACK_TEXT_LIMIT = 3000

_BROADCAST = re.compile(r"@(here|channel|everyone)\b", re.IGNORECASE)
# A live broadcast or group mention in Slack's markup. The bot never sends one on purpose, so a
# notification fallback holding one carries member text that missed escape(): it is made inert.
_LIVE_BROADCAST = re.compile(r"<!(here|channel|everyone|subteam\^)([^>]*)>", re.IGNORECASE)


def inert_broadcasts(text: str) -> str:
    """The safety net under every Reply's fallback text: ``<!here>`` and the like shown, not sent."""
    return _LIVE_BROADCAST.sub(lambda m: f"&lt;!{m.group(1)}{m.group(2)}&gt;", text)


_SLACK_ENTITIES = re.compile(r"&(amp|lt|gt);")
_ENTITY_CHARS = {"amp": "&", "lt": "<", "gt": ">"}


def from_slack(text: str) -> str:
    """Text as Slack sends it in slash commands and messages, as the member typed it.

    Slack sends ``&``, ``<`` and ``>`` as ``&amp;``, ``&lt;`` and ``&gt;``; decoded once, in one
    pass (a typed ``&lt;`` arrives as ``&amp;lt;`` and comes back as ``&lt;``). Modal inputs
    arrive raw and must not pass through here. On the way out, ``escape`` encodes once.
    """
    return _SLACK_ENTITIES.sub(lambda m: _ENTITY_CHARS[m.group(1)], text)


def escape(text: str) -> str:
    """Make member-typed text inert in mrkdwn: no <!channel>, no <@U...>, no links, no @here,
    no right-to-left override or zero-width characters (bot/services/text_safety.py)."""
    text = neutralise(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # A zero-width joiner keeps @here readable but stops Slack from treating it as a broadcast.
    return _BROADCAST.sub(lambda m: "@\u2060" + m.group(1), text)


def plain(text: str) -> str:
    """Member-typed text for plain_text fields: never parsed, but kept free of broadcast words
    and of invisible direction controls."""
    return _BROADCAST.sub(lambda m: "@\u2060" + m.group(1), neutralise(text))


def truncate(text: str, limit: int) -> str:
    # Whole characters only: a cut never splits a flag, an emoji or a letter from its accent.
    return text if len(text) <= limit else within(text, limit - 1).rstrip() + "…"


def split_text(text: str, limit: int) -> list[str]:
    """The text in pieces of at most `limit` characters, cut at a line end or a space if one
    is in the second half of the piece, else hard: long text over several sections."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", limit // 2, limit)
        if cut < 0:
            cut = rest.rfind(" ", limit // 2, limit)
        if cut < 0:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


def mrkdwn(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=truncate(text, SECTION_TEXT_LIMIT))


def section(text: str, accessory: Any | None = None, block_id: str | None = None) -> SectionBlock:
    return SectionBlock(text=mrkdwn(text), accessory=accessory, block_id=block_id)


def header(text: str) -> HeaderBlock:
    # plain(): controls removed, then the broadcast guard (its word joiner must stay).
    return HeaderBlock(text=PlainTextObject(text=truncate(plain(text), HEADER_TEXT_LIMIT)))


def context(*texts: str) -> ContextBlock:
    return ContextBlock(elements=[mrkdwn(t) for t in texts[:10]])


def divider() -> DividerBlock:
    return DividerBlock()


def button(
    text: str, action_id: str, value: str = "", style: str | None = None, url: str | None = None
) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=truncate(text, BUTTON_TEXT_LIMIT)),
        action_id=action_id,
        value=truncate(value, BUTTON_VALUE_LIMIT) or None,
        style=style,
        url=url,
    )


def actions(*buttons: ButtonElement, block_id: str | None = None) -> ActionsBlock:
    return ActionsBlock(elements=list(buttons[:25]), block_id=block_id)


def bullets(items: Sequence[str]) -> str:
    return "\n".join(f"• {item}" for item in items)


def form_modal(
    callback_id: str, title: str, submit: str, blocks: Sequence[Block], private_metadata: str | None = None
) -> View:
    """A modal with a form: `submit` names its button, Cancel closes it."""
    return View(
        type="modal",
        callback_id=callback_id,
        title=PlainTextObject(text=title),
        submit=PlainTextObject(text=submit),
        close=PlainTextObject(text="Cancel"),
        blocks=list(blocks),
        private_metadata=private_metadata,
    )


@dataclass
class Reply:
    """A message for one person: the text is the notification fallback, blocks are what they see."""

    text: str
    blocks: list[Block] = field(default_factory=list)
    # Validated once: a Reply is not changed after it is first rendered.
    _rendered: list[dict[str, Any]] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.blocks) > MESSAGE_BLOCK_LIMIT:
            raise ValueError(f"a message may hold {MESSAGE_BLOCK_LIMIT} blocks, not {len(self.blocks)}")
        self.text = inert_broadcasts(truncate(self.text, FALLBACK_TEXT_LIMIT))

    def block_dicts(self) -> list[dict[str, Any]]:
        if self._rendered is None:
            # to_dict() runs slack_sdk's validation of every limit it knows.
            self._rendered = [block.to_dict() for block in self.blocks]
        return self._rendered

    def as_ephemeral(self) -> dict[str, Any]:
        return {"response_type": "ephemeral", "text": self.text, "blocks": self.block_dicts()}

    def as_in_channel(self) -> dict[str, Any]:
        return {"response_type": "in_channel", "text": self.text, "blocks": self.block_dicts()}


def notice(text: str) -> Reply:
    """A one-paragraph reply."""
    return Reply(text=text, blocks=[section(text)])


def failure_notice() -> Reply:
    """What a member hears when the bot failed them (a command, a button's work): nothing
    changed, and what to do."""
    return notice(
        "Sorry, something went wrong on our side and nothing was changed. Please try again in a "
        "minute; if it keeps happening, tell an LIEC admin."
    )


FAILURE_TEXT = (
    "Sorry, something went wrong on our side and nothing was saved. Close this to go back to "
    "your form, then try again in a minute; if it keeps happening, tell an LIEC admin."
)


def failure_view(text: str = FAILURE_TEXT) -> View:
    """Pushed over a form whose submission failed: the form and its answers stay underneath."""
    return View(
        type="modal",
        title=PlainTextObject(text="Not saved"),
        close=PlainTextObject(text="Back to the form"),
        blocks=[section(text)],
    )
