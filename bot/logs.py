"""Structured logs: one JSON object a line (or key=value), with secrets and personal data masked.

Whatever a caller or a library logs, the formatter masks Slack tokens, email addresses and
anything shaped like a membership number (an optional letter and 5 to 8 digits standing
alone), and PostgreSQL's error DETAIL lines (which quote row values), before the line is
written: in the message, in extra fields and in tracebacks.
Numbers written as an id (``id=12345``, ``question_id=12345``) are left readable.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any, Literal

_SECRETS = re.compile(r"\b(xox[abposre]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+)")
# A match may only start where a word of the address's characters starts (the look-behind):
# without it, a long run of such characters with no "@" costs time growing with its square.
# "%40" is "@" URL-encoded, as in a form body.
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
MAX_FIELD_CHARS = 8000
"""A longer message or field keeps this many characters, its head and tail, before redaction."""
# Not inside a longer token: a Slack ts (1700000000.000100), a port (127.0.0.1:54321), a path.
_MEMBERSHIP = re.compile(
    r"(?P<id>\bid[=:]\s*|_id[=:]\s*)?(?<![\w/-])(?<!\d[.:])[A-Za-z]?\d{5,8}(?![\w/-]|[.:]\d)"
)

# Attributes every LogRecord has; anything else was passed with `extra=` and is logged too.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}

# PostgreSQL's error detail quotes the row or key values that failed ("Failing row contains
# (…)", "Key (email)=(…) already exists"): a member's name or statement. hide_parameters
# keeps bound values out of SQLAlchemy's part; this keeps the server's part out. One line each.
_DATABASE_DETAIL = re.compile(r"(DETAIL:)[^\n]*")

LogFormat = Literal["json", "kv"]


def _mask_number(match: re.Match[str]) -> str:
    return match.group(0) if match.group("id") else "<number>"


def redact(text: str) -> str:
    """``text`` with tokens, emails and membership numbers masked, cut to MAX_FIELD_CHARS.

    Time is linear in the length of the text, whatever it holds.
    """
    if len(text) > MAX_FIELD_CHARS:
        # The head and the tail: a traceback's last lines say what went wrong.
        half = MAX_FIELD_CHARS // 2
        text = f"{text[:half]} … ({len(text) - 2 * half} characters left out) … {text[-half:]}"
    text = _SECRETS.sub("<token>", text)
    text = _DATABASE_DETAIL.sub(r"\1 <left out: it may quote a member's data>", text)
    text = _EMAIL.sub("<email>", text)
    return _MEMBERSHIP.sub(_mask_number, text)


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
        "level": record.levelname,
        "logger": record.name,
        "msg": record.getMessage(),
    }
    for key, value in vars(record).items():
        if key not in _STANDARD and not key.startswith("_"):
            fields[key] = value if isinstance(value, int | float | bool) or value is None else str(value)
    if record.exc_info:
        fields["exc"] = logging.Formatter().formatException(record.exc_info)
    elif record.exc_text:
        fields["exc"] = record.exc_text
    if record.stack_info:
        fields["stack"] = record.stack_info
    return {key: redact(value) if isinstance(value, str) else value for key, value in fields.items()}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: newlines in messages and tracebacks are escaped."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(_fields(record), ensure_ascii=False, default=str)


def _kv_value(value: Any) -> str:
    if isinstance(value, str):
        return value if value and not re.search(r'[\s="\\]', value) else json.dumps(value, ensure_ascii=False)
    return json.dumps(value, default=str)


class KeyValueFormatter(logging.Formatter):
    """key=value on one line; values with spaces, quotes or newlines are JSON-quoted."""

    def format(self, record: logging.LogRecord) -> str:
        return " ".join(f"{key}={_kv_value(value)}" for key, value in _fields(record).items())


# Kept for callers of the earlier name.
RedactingFormatter = KeyValueFormatter


def make_formatter(fmt: LogFormat = "json") -> logging.Formatter:
    return JsonFormatter() if fmt == "json" else KeyValueFormatter()


# Libraries whose routine lines would drown the bot's own: APScheduler logs two INFO lines per
# tick (about 35,000 a day), Alembic a line per migration step, and slack_sdk an ERROR per
# refused connection, which the bot reports itself in one plain line (bot/jobs.py).
QUIET_LOGGERS = {
    "apscheduler": logging.WARNING,
    "alembic": logging.WARNING,
    "slack_sdk.web.base_client": logging.CRITICAL,
}
_BODY = re.compile(r"\w*body\w*\s*[:=]")


class RequestBodyFilter(logging.Filter):
    """Keeps a request's body out of the log: Bolt writes a refused request's whole body.

    A slash command's or a form's body carries what a member typed (names, emails,
    membership numbers, statements), so a record that would print one keeps only its
    first words.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        template = str(record.msg)
        if "body:" in template or "body=" in template:
            # Cut before the first body and before the first bracket, whichever comes first:
            # a formatted message (Bolt's "Responding with status: 200 body: ...") carries the
            # body itself, and member text may come before any bracket in it.
            head = _BODY.split(template, maxsplit=1)[0].split("(", 1)[0]
            record.msg = head.strip().rstrip(",-") + " (request body not logged)"
            record.args = None
        return True


def setup_logging(level: str = "INFO", fmt: LogFormat = "json") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(make_formatter(fmt))
    handler.addFilter(RequestBodyFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name, quiet in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(quiet)
