"""Block Kit as plain text, so `python -m bot try` shows a reply in the terminal."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

_DATE_TOKEN = re.compile(r"<!date\^(\d+)\^([^|>^]*)(?:\^[^|>]*)?\|([^>]*)>")
_DATE_PART = re.compile(
    r"\{(date_num|date|date_short|date_long|date_pretty|date_short_pretty|date_long_pretty|time|time_secs)\}"
)
_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
_MENTION = re.compile(r"<@([A-Z0-9]+)>")


def _date_part(moment: datetime, part: str) -> str:
    """One of Slack's date tokens as a Slack client in that zone shows it ("today" aside)."""
    return {
        "date_num": f"{moment:%Y-%m-%d}",
        "date": f"{moment:%B} {moment.day}, {moment:%Y}",
        "date_short": f"{moment:%b} {moment.day}, {moment:%Y}",
        "date_long": f"{moment:%A}, {moment:%B} {moment.day}, {moment:%Y}",
        "date_pretty": f"{moment:%B} {moment.day}, {moment:%Y}",
        "date_short_pretty": f"{moment:%b} {moment.day}, {moment:%Y}",
        "date_long_pretty": f"{moment:%A}, {moment:%B} {moment.day}, {moment:%Y}",
        "time": f"{moment:%H:%M}",
        "time_secs": f"{moment:%H:%M:%S}",
    }[part]


def render_date_token(match: re.Match[str], zone: ZoneInfo | None) -> str:
    """A `<!date^…>` token: in `zone` as the reader's Slack would show it, else its fallback."""
    if zone is None:
        return match.group(3)
    moment = datetime.fromtimestamp(int(match.group(1)), UTC).astimezone(zone)
    return _DATE_PART.sub(lambda part: _date_part(moment, part.group(1)), match.group(2))


def mrkdwn_to_text(text: str, zone: ZoneInfo | None = None) -> str:
    text = _DATE_TOKEN.sub(lambda match: render_date_token(match, zone), text)
    text = _LINK.sub(r"\2 (\1)", text)
    text = _MENTION.sub(r"@\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text(obj: dict[str, Any] | None, zone: ZoneInfo | None = None) -> str:
    return mrkdwn_to_text(obj.get("text", ""), zone) if obj else ""


def _element(element: dict[str, Any], zone: ZoneInfo | None = None) -> str:
    if element.get("type") == "button":
        return f"[{_text(element.get('text'), zone)}]"
    if element.get("type") in {"mrkdwn", "plain_text"}:
        return _text(element, zone)
    return f"[{element.get('type', '?')}]"


def blocks_to_text(blocks: list[dict[str, Any]], zone: ZoneInfo | None = None) -> str:
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = _text(block.get("text"), zone)
            lines += [title.upper(), "=" * min(len(title), 60)]
        elif kind == "section":
            if block.get("text"):
                lines.append(_text(block["text"], zone))
            for field in block.get("fields") or []:
                lines.append(_text(field, zone))
            if block.get("accessory"):
                lines.append("  " + _element(block["accessory"], zone))
        elif kind == "context":
            lines.append("  " + "  ".join(_element(e, zone) for e in block.get("elements", [])))
        elif kind == "actions":
            lines.append(" ".join(_element(e, zone) for e in block.get("elements", [])))
        elif kind == "divider":
            lines.append("-" * 40)
        elif kind == "input":
            lines.append(f"{_text(block.get('label'), zone)}: ____")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def message_to_text(message: dict[str, Any], zone: ZoneInfo | None = None) -> str:
    """`zone`: the reader's time zone, for Slack's date tokens; their fallback text when None."""
    blocks = message.get("blocks")
    if blocks:
        return blocks_to_text(blocks, zone)
    return mrkdwn_to_text(message.get("text", ""), zone) + "\n"
