"""Slack answers that mean the bot's own installation is wrong, not the member's profile.

``users.info`` answering ``missing_scope`` (the app was installed without ``users:read``) or
an invalid token says nothing about the member: they are told what is really wrong, and the
admins are alerted once, with what to fix. No member's data goes into the alert.
"""

from __future__ import annotations

SETUP_ERRORS = frozenset(
    {
        "missing_scope",
        "not_allowed_token_type",
        "no_permission",
        "not_authed",
        "invalid_auth",
        "token_revoked",
        "token_expired",
        "team_access_not_granted",
        "ekm_access_denied",
    }
)

# What each Web API method the bot reads profiles with needs, for the admins' alert.
SCOPES = {"users.info": "users:read (and users:read.email for the email pre-fill)"}


def is_setup_error(error: str | None) -> bool:
    return bool(error) and error in SETUP_ERRORS


def alert_key(method: str, error: str) -> str:
    """One alert per method and error, until the admins' alert record is cleared."""
    return f"slack-setup:{method}:{error}"[:100]


def alert_text(method: str, error: str, effect: str) -> str:
    """The admins' alert: what Slack refused, what it stops, and the fix."""
    fix = (
        f"The app's token lacks a scope this needs: {SCOPES.get(method, 'see manifest.yml')}. "
        "Add the scopes in manifest.yml to the app and reinstall it to the workspace."
        if error == "missing_scope"
        else "The app's token is not accepted: check SLACK_BOT_TOKEN and reinstall the app."
    )
    return f"Slack refused `{method}` with `{error}`, so {effect}. {fix}"


TIMEZONE_UNREADABLE = (
    "I could not read your Slack time zone. That is a problem with the bot's Slack permissions, "
    "not with your profile, and the admins have been told"
)
