"""Block Kit as plain text, so `python -m bot try` shows a reply in the terminal."""

from __future__ import annotations

import re
from typing import Any

_DATE_TOKEN = re.compile(r"<!date\^\d+\^[^|>]*\|([^>]*)>")
_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
_MENTION = re.compile(r"<@([A-Z0-9]+)>")


def mrkdwn_to_text(text: str) -> str:
    text = _DATE_TOKEN.sub(r"\1", text)
    text = _LINK.sub(r"\2 (\1)", text)
    text = _MENTION.sub(r"@\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text(obj: dict[str, Any] | None) -> str:
    return mrkdwn_to_text(obj.get("text", "")) if obj else ""


def _element(element: dict[str, Any]) -> str:
    if element.get("type") == "button":
        return f"[{_text(element.get('text'))}]"
    if element.get("type") in {"mrkdwn", "plain_text"}:
        return _text(element)
    return f"[{element.get('type', '?')}]"


def blocks_to_text(blocks: list[dict[str, Any]]) -> str:
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = _text(block.get("text"))
            lines += [title.upper(), "=" * min(len(title), 60)]
        elif kind == "section":
            if block.get("text"):
                lines.append(_text(block["text"]))
            for field in block.get("fields") or []:
                lines.append(_text(field))
            if block.get("accessory"):
                lines.append("  " + _element(block["accessory"]))
        elif kind == "context":
            lines.append("  " + "  ".join(_element(e) for e in block.get("elements", [])))
        elif kind == "actions":
            lines.append(" ".join(_element(e) for e in block.get("elements", [])))
        elif kind == "divider":
            lines.append("-" * 40)
        elif kind == "input":
            lines.append(f"{_text(block.get('label'))}: ____")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def message_to_text(message: dict[str, Any]) -> str:
    blocks = message.get("blocks")
    if blocks:
        return blocks_to_text(blocks)
    return mrkdwn_to_text(message.get("text", "")) + "\n"
