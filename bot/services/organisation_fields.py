"""The fields of the organisation editor's forms, named after the keys of the organisation file
they write (`regions.americas.coordinator`), and the forms themselves. Shared by the rules
(bot/services/organisation_editor.py) and the modals (bot/views/organisation.py)."""

from __future__ import annotations

FORM_ROLES = "roles"
FORM_REGIONS = "regions"
FORM_BRANCHES = "branches"
FORM_CHANNELS = "channels"
FORM_SETTINGS = "settings"
FORMS: dict[str, str] = {
    FORM_ROLES: "Who holds each role",
    FORM_REGIONS: "Regions and coordinators",
    FORM_BRANCHES: "Branches",
    FORM_CHANNELS: "Channels and admins",
    FORM_SETTINGS: "Settings",
}

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


# Block ids: one per field, named after the key it writes -------------------------------------


def role_block(role: str) -> str:
    return f"officers.{role}"


def coordinator_block(region: str) -> str:
    return f"regions.{region}.coordinator"


def region_channel_block(region: str) -> str:
    return f"regions.{region}.channel"


def branch_block(key: str, part: str) -> str:
    return f"branches.{key}.{part}"


NEW_BRANCH = "new"  # branch_block(NEW_BRANCH, ...): the row for a branch to add
REMOVE_BRANCHES = "branches.remove"
ANNOUNCEMENTS = "channels.announcements"
ADMINS_CHANNEL = "channels.admins"
ADMINS = "admins"
REMOVE_ME = "admins.remove_me"
REMOVE_ME_VALUE = "yes"
ESCALATE_AFTER = "escalate_after"
WORKING_START = "working_hours.start"
WORKING_END = "working_hours.end"
RETENTION_DAYS = "retention_days"
DIGEST_WEEKDAY = "digest.weekday"
DIGEST_TIME = "digest.time"
DIGEST_ZONE = "digest.timezone"
MISFIRE_GRACE = "misfire_grace"
MEMBERSHIP_PATTERN = "membership_number_pattern"
MEMBERSHIP_FORMAT = "membership_number_format"


def notice_block(kind: str) -> str:
    return f"notice_days.{kind}"
