"""A bare Bolt app whose /liec only acknowledges, served exactly as the bot is: the yardstick.

    python -m bench.bare_app --port 3100 [--default-ack]

It reads SLACK_SIGNING_SECRET and SLACK_API_URL like the bot and runs behind the same
`bot.server.serve_forever` and `make_wsgi_app`, so any difference measured against the bot
is the bot's own work. `--default-ack` keeps Bolt's default process_before_response=False,
whose thread runner polls for ack() every 10 ms.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Sequence

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.config import DEFAULT_SLACK_API_URL
from bot.logs import setup_logging
from bot.server import make_wsgi_app, serve_forever

COMMAND = "/liec"


def create_bare_app(signing_secret: str, api_url: str, process_before_response: bool = True) -> App:
    app = App(
        token=None,
        signing_secret=signing_secret,
        client=WebClient(token="xoxb-bench", base_url=api_url),
        process_before_response=process_before_response,
        token_verification_enabled=False,
        logger=logging.getLogger("slack_bolt"),
    )

    def acknowledge(ack: Ack) -> None:
        ack()

    app.command(COMMAND)(acknowledge)
    return app


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.bare_app", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--default-ack", action="store_true", help="Bolt's default process_before_response=False"
    )
    args = parser.parse_args(argv)
    # The same log set-up as the bot, so neither pays for logging the other does not.
    setup_logging("INFO")
    secret = os.environ["SLACK_SIGNING_SECRET"]
    api_url = os.environ.get("SLACK_API_URL") or DEFAULT_SLACK_API_URL

    # Bolt's own signature check only: the floor is bare Bolt on the bot's server stack.
    wsgi = make_wsgi_app(create_bare_app(secret, api_url, not args.default_ack), signing_secret=None)
    # Loopback only: the benchmark is its only client.
    serve_forever(wsgi, port=args.port, host="127.0.0.1")


if __name__ == "__main__":
    main()
