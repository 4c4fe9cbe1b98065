"""bot/server.py interaction_json: an interaction's form-encoded payload decoded as
urllib.parse decodes it (and as Bolt's own parse would), or left to Bolt."""

from __future__ import annotations

import json
import random
from urllib.parse import parse_qsl, quote, urlencode

import pytest

from bot.server import interaction_json

SAMPLES = [
    {"type": "view_submission", "view": {"state": {"values": {}}}},
    {"text": 'a + b = c & d; 100% sure? #hash /path\\back "quoted" \n\t'},
    {"name": "Zoë Ångström – café ☕ 🇬🇧 日本語 עברית", "email": "ben@bücher.de"},
    {"plus": "+++", "percent": "%2B%25%", "empty": ""},
]


def _bolt(body: bytes) -> dict[str, object]:
    """What Bolt's parse_body gives for a form-encoded interaction."""
    return json.loads(dict(parse_qsl(body.decode(), keep_blank_values=True))["payload"])


@pytest.mark.parametrize("payload", SAMPLES)
def test_a_payload_decodes_to_what_bolt_would_parse(payload: dict[str, object]) -> None:
    body = urlencode({"payload": json.dumps(payload)}).encode()
    decoded = interaction_json(body)
    assert decoded is not None
    assert json.loads(decoded) == _bolt(body) == payload
    # Slack's JSON keeps non-ASCII as it is, not as \\u escapes: the same once decoded.
    raw = urlencode({"payload": json.dumps(payload, ensure_ascii=False)}).encode()
    assert json.loads(interaction_json(raw) or b"") == _bolt(raw) == payload


def test_random_text_decodes_as_urllib_does() -> None:
    rng = random.Random(14)
    alphabet = [chr(c) for c in range(32, 127)] + list("éü€😀\u0301\u200b\n\t")
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
        body = urlencode({"payload": json.dumps({"t": text})}).encode()
        assert json.loads(interaction_json(body) or b"") == _bolt(body)
        spaced = ("payload=" + quote(json.dumps({"t": text}), safe="")).encode()  # %20, not +
        assert json.loads(interaction_json(spaced) or b"") == _bolt(spaced)


@pytest.mark.parametrize(
    "body",
    [
        b"payload=%",  # a stray percent sign
        b"payload=%7B%4",
        b"payload=%zz",
        b"payload=%FF%FE",  # not UTF-8 once decoded: Bolt's parse replaces them
        b"payload=a\\x41",  # a backslash is never in Slack's encoding
        b"payload=%7B%7D&other=1",  # more than one field
        b"command=%2Fliec&text=role",  # a slash command
        b'{"type": "event_callback"}',  # an event, already JSON
        "payload=é".encode(),  # not ASCII
        b"",
    ],
)
def test_anything_else_is_left_to_bolt(body: bytes) -> None:
    assert interaction_json(body) is None
