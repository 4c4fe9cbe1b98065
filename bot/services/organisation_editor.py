"""The rules of the organisation editor (/liec org): a form's answers become a new organisation,
validated as `check` validates the organisation file, with each problem on the field at fault.

The admin list is checked on every submission against the newest stored organisation, so a
forged submission by someone who is not (or no longer) an admin changes nothing. Plain Python;
the answers come as {field id: text or list of ids}, the field ids being the keys they write
(bot/services/organisation_fields.py names them).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from bot.config import MEETING_KINDS, REGION_KEYS, OrgConfig
from bot.org_store import OrgStore
from bot.services import organisation_fields as ids
from bot.services.config_problems import config_problems
from bot.services.organisation import Change, OrganisationConflict
from bot.services.roles import RoleCatalog

Answers = Mapping[str, str | list[str] | None]


class NotAdmin(Exception):
    """The person submitting is not an admin of the current organisation."""


class FormErrors(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class Saved:
    changes: list[Change]


def _one(value: str | list[str] | None) -> str | None:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _many(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


class _Form:
    """A copy of the organisation document being changed, and the errors found so far."""

    def __init__(self, org: OrgConfig, answers: Answers) -> None:
        self.doc: dict[str, Any] = copy.deepcopy(org.model_dump(mode="json"))
        self.answers = answers
        self.errors: dict[str, str] = {}
        self.fields: list[str] = []  # the field ids this form writes, for placing schema errors

    def has(self, block: str) -> bool:
        return block in self.answers

    def people(self, block: str, most: int) -> list[str] | None:
        if not self.has(block):
            return None
        self.fields.append(block)
        people = list(dict.fromkeys(_many(self.answers[block])))
        if len(people) > most:
            self.errors[block] = "One person." if most == 1 else f"At most {most} people (a job share)."
        return people

    def channel(self, block: str) -> tuple[bool, str | None]:
        if not self.has(block):
            return False, None
        self.fields.append(block)
        chosen = _many(self.answers[block])
        if len(chosen) > 1:
            self.errors[block] = "One channel."
        return True, chosen[0] if chosen else None

    def text(self, block: str) -> str | None:
        if block in self.answers:
            self.fields.append(block)
        return _one(self.answers.get(block))


def _roles(form: _Form, roles: RoleCatalog) -> None:
    for role in roles.roles:
        if any(post.key in REGION_KEYS for post in role.posts):
            continue
        people = form.people(ids.role_block(role.key), 2 if role.job_share else 1)
        if people is None:
            continue
        if people or role.key in form.doc["officers"]:
            form.doc["officers"][role.key] = people


def _regions(form: _Form, roles: RoleCatalog) -> None:
    for key in REGION_KEYS:
        region = form.doc["regions"].setdefault(key, {"coordinator": [], "channel": None})
        people = form.people(ids.coordinator_block(key), 2)
        if people is not None:
            region["coordinator"] = people
        given, channel = form.channel(ids.region_channel_block(key))
        if given:
            region["channel"] = channel
    # The coordinators are named twice (officers and regions): keep the two in step.
    for role in roles.roles:
        posts = [post.key for post in role.posts if post.key in REGION_KEYS]
        if not posts:
            continue
        holders = [u for key in REGION_KEYS if key in posts for u in form.doc["regions"][key]["coordinator"]]
        holders = list(dict.fromkeys(holders))
        listed = form.doc["officers"].get(role.key)
        if listed is None and not holders:
            continue
        if listed is None or set(listed) != set(holders) or len(listed) != len(holders):
            form.doc["officers"][role.key] = holders


_SLUG = re.compile(r"[a-z0-9]+")


def branch_key_for(name: str) -> str:
    return "-".join(_SLUG.findall(name.lower()))[:60].strip("-")


def _branches(form: _Form) -> None:
    branches: dict[str, Any] = form.doc["branches"]
    remove = set(_many(form.answers.get(ids.REMOVE_BRANCHES)))
    if ids.REMOVE_BRANCHES in form.answers:
        form.fields.append(ids.REMOVE_BRANCHES)
    for key in list(branches):
        if key in remove:
            del branches[key]
            continue
        name_block = ids.branch_block(key, "name")
        if form.has(name_block):
            name = form.text(name_block)
            if not name:
                form.errors[name_block] = "A branch needs a name (or choose it under Remove these branches)."
            else:
                branches[key]["name"] = name
        region = form.text(ids.branch_block(key, "region"))
        if region is not None:
            branches[key]["region"] = region
        given, channel = form.channel(ids.branch_block(key, "channel"))
        if given:
            branches[key]["channel"] = channel
    name_block = ids.branch_block(ids.NEW_BRANCH, "name")
    region_block = ids.branch_block(ids.NEW_BRANCH, "region")
    name = form.text(name_block)
    region = form.text(region_block)
    _, channel = form.channel(ids.branch_block(ids.NEW_BRANCH, "channel"))
    if name is None:
        if region is not None or channel is not None:
            form.errors[name_block] = "Give the new branch a name, or leave its region and channel empty."
        return
    key = branch_key_for(name)
    if not key:
        form.errors[name_block] = "A branch name needs a letter or a digit."
    elif key in branches or any(b["name"].lower() == name.lower() for b in branches.values()):
        form.errors[name_block] = f"There is a branch called {name} already."
    elif region is None:
        form.errors[region_block] = "Choose the region the new branch is in."
    else:
        branches[key] = {"name": name, "region": region, "channel": channel}


def _channels(form: _Form, actor: str) -> None:
    for block, key in ((ids.ANNOUNCEMENTS, "announcements"), (ids.ADMINS_CHANNEL, "admins")):
        given, channel = form.channel(block)
        if given:
            form.doc["channels"][key] = channel
    admins = form.people(ids.ADMINS, 100)
    if admins is None:
        return
    if not admins:
        form.errors[ids.ADMINS] = "The organisation needs at least one admin: the last one cannot be removed."
        return
    confirmed = ids.REMOVE_ME_VALUE in _many(form.answers.get(ids.REMOVE_ME))
    if actor in form.doc["admins"] and actor not in admins and not confirmed:
        form.errors[ids.ADMINS] = (
            "You are removing yourself from the admins. If you mean it, tick "
            "“Yes, remove me from the admins” below and save again."
        )
    form.doc["admins"] = admins


def _number(form: _Form, block: str, kind: type[int] | type[float], words: str) -> int | float | None:
    text = form.text(block)
    if text is None:
        return None
    try:
        return kind(text)
    except ValueError:
        form.errors[block] = f"{text[:40]} is not {words}."
        return None


def _settings(form: _Form) -> None:
    doc = form.doc
    hours = _number(form, ids.ESCALATE_AFTER, float, "a number of hours, like 24")
    if hours is not None:
        doc["escalate_after"] = hours
    days = _number(form, ids.RETENTION_DAYS, int, "a whole number of days, like 365")
    if days is not None:
        doc["retention_days"] = days
    for block, section, key in (
        (ids.WORKING_START, "working_hours", "start"),
        (ids.WORKING_END, "working_hours", "end"),
        (ids.DIGEST_WEEKDAY, "digest", "weekday"),
        (ids.DIGEST_TIME, "digest", "time"),
        (ids.DIGEST_ZONE, "digest", "timezone"),
    ):
        value = form.text(block)
        if value is not None:
            doc[section][key] = value
    for block, key in (
        (ids.MISFIRE_GRACE, "misfire_grace"),
        (ids.MEMBERSHIP_PATTERN, "membership_number_pattern"),
    ):
        value = form.text(block)
        if value is not None:
            doc[key] = value
    if form.has(ids.MEMBERSHIP_FORMAT):
        doc["membership_number_format"] = form.text(ids.MEMBERSHIP_FORMAT)
    for kind in MEETING_KINDS:
        block = ids.notice_block(kind)
        if not form.has(block):
            continue
        notice = _number(form, block, int, "a whole number of days, like 7")
        if form.text(block) is None:
            doc["notice_days"].pop(kind, None)
        elif notice is not None and not 1 <= notice <= 60:
            form.errors[block] = "A number of days from 1 to 60 (empty: no agenda reminder)."
        elif notice is not None:
            doc["notice_days"][kind] = notice


def _place(form: _Form, path: str) -> str:
    """The field a problem at `path` belongs to: the longest field id it starts with."""
    matches = [f for f in form.fields if path == f or path.startswith(f + ".") or f.startswith(path + ".")]
    if matches:
        return max(matches, key=len)
    return form.fields[0] if form.fields else ids.ADMINS


def _validated(form: _Form, before: OrgConfig, roles: RoleCatalog) -> OrgConfig:
    try:
        new = OrgConfig.model_validate(form.doc)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            path = ".".join(str(part) for part in error["loc"])
            errors.setdefault(_place(form, path), error["msg"].removeprefix("Value error, "))
        raise FormErrors(errors) from None
    # The checks that need the role files, as `check` makes them; problems that were there
    # before this form are not this form's to fix.
    old = set(config_problems(before, roles))
    fresh = [p for p in config_problems(new, roles) if p not in old]
    if fresh:
        errors = {}
        for problem in fresh:
            where = next((f for f in sorted(form.fields, key=len, reverse=True) if f in problem), None)
            errors.setdefault(where or _place(form, problem.split(":", 1)[0]), problem)
        raise FormErrors(errors)
    return new


def submit(
    store: OrgStore, roles: RoleCatalog, which: str, actor: str, answers: Answers, revision: int
) -> Saved:
    """Apply one form's answers. Raises NotAdmin, FormErrors (by field id) or
    OrganisationConflict (the organisation changed since the form was opened); saves nothing then."""
    store.refresh()  # the newest admin list, even if another process changed it a moment ago
    before = store.current
    if not before.is_admin(actor):
        raise NotAdmin
    if revision != store.revision:
        raise OrganisationConflict
    form = _Form(before, answers)
    if which == ids.FORM_ROLES:
        _roles(form, roles)
    elif which == ids.FORM_REGIONS:
        _regions(form, roles)
    elif which == ids.FORM_BRANCHES:
        _branches(form)
    elif which == ids.FORM_CHANNELS:
        _channels(form, actor)
    elif which == ids.FORM_SETTINGS:
        _settings(form)
    else:
        raise NotAdmin  # not a form this bot shows: treated as forged
    if form.errors:
        raise FormErrors(form.errors)
    new = _validated(form, before, roles)
    return Saved(store.save(new, actor, "slack", expected_revision=revision))
