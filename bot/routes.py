"""Block actions, view submissions, shortcuts and options requests, each found by its id.

Bolt tries its listeners one after the other, in the order they were registered, until one
matches, and each try goes through its argument injection (a dict of some thirty arguments,
about 11 µs here). With forty-odd listeners registered one by one, the nomination form,
registered tenth, paid 0.1 ms of its 0.45 ms acknowledgement before its own code began, and a
button registered fortieth nearly half a millisecond (bench/README.md, "What was slow").

Here each kind of interaction is one Bolt listener. Its constraint is every id of that kind at
once, one regular expression matched in C, so a request no feature listens for still falls
through to the listeners after it and to Bolt's own "unhandled request" answer. Within it, the
function is found by id in a dict (then among the patterns, in the order registered). A
feature registers as it would with Bolt:

    routes.action(views.GOING)(after_ack(deps, flow.going))
    routes.view(FORM)(acknowledged(deps, save, ack=check_form))

Events stay Bolt's own listeners (``event``): there are two, the Home tab and the catch-all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from slack_bolt import Ack, App, BoltContext

from bot.listeners import ACK_ARGUMENTS, call_acknowledgement, takes

F = TypeVar("F", bound=Callable[..., Any])

Constraint = str | re.Pattern[str]
"""An id, matched whole, or a pattern, matched anywhere in the id (``re.search``), as Bolt's own
``app.action(...)`` constraints."""
Matcher = Callable[[dict[str, Any]], bool]
"""A further condition on the request's body, as Bolt's ``matchers=`` (which take ``body``)."""


@dataclass(frozen=True)
class _Route:
    constraint: Constraint
    fn: Callable[..., None]
    wants: frozenset[str]
    matchers: tuple[Matcher, ...]

    def fits(self, key: str, body: dict[str, Any]) -> bool:
        found = key == self.constraint if isinstance(self.constraint, str) else self.constraint.search(key)
        return bool(found) and all(matcher(body) for matcher in self.matchers)


def _action_id(body: dict[str, Any]) -> str:
    return str(((body.get("actions") or [{}])[0]).get("action_id") or "")


def _callback_id(body: dict[str, Any]) -> str:
    return str((body.get("view") or {}).get("callback_id") or "")


def _shortcut_id(body: dict[str, Any]) -> str:
    return str(body.get("callback_id") or "")


def _suggestion_id(body: dict[str, Any]) -> str:
    return str(body.get("action_id") or "")


@dataclass
class _Table:
    """The routes of one kind: ``key(body)`` is the id they are found by."""

    kind: str
    key: Callable[[dict[str, Any]], str]
    exact: dict[str, list[_Route]] = field(default_factory=dict)
    patterns: list[_Route] = field(default_factory=list)

    def add(self, route: _Route) -> None:
        """ValueError when the route could take a request an earlier one takes, where Bolt's
        order and the dict's would differ: an id that an earlier pattern matches, or the
        reverse (the dict is looked in first), or an id twice with no matchers to tell them
        apart (the second would never run). Patterns keep their order, as in Bolt."""
        constraint = route.constraint
        if isinstance(constraint, re.Pattern) and constraint.flags != re.UNICODE:
            raise ValueError(f"{self.kind} {constraint.pattern!r}: a pattern with flags cannot be joined")
        if isinstance(constraint, str):
            same = self.exact.get(constraint, [])
            clashes = [r.constraint for r in self.patterns if r.constraint.search(constraint)]  # type: ignore[union-attr]
            clashes += [r.constraint for r in same if not (r.matchers and route.matchers)]
        else:
            clashes = [key for key in self.exact if constraint.search(key)]
        if clashes:
            raise ValueError(f"{self.kind} {_text(constraint)!r} takes what {_text(clashes[0])!r} takes")
        if isinstance(constraint, str):
            self.exact.setdefault(constraint, []).append(route)
        else:
            self.patterns.append(route)

    def find(self, body: dict[str, Any]) -> _Route | None:
        key = self.key(body)
        for route in [*self.exact.get(key, []), *self.patterns]:
            if route.fits(key, body):
                return route
        return None

    def constraint(self) -> re.Pattern[str]:
        """Every id of the table at once, for the one Bolt listener's own matcher."""
        whole = "|".join(re.escape(key) for key in self.exact)
        parts = ([f"^(?:{whole})$"] if whole else []) + [f"(?:{r.constraint.pattern})" for r in self.patterns]  # type: ignore[union-attr]
        return re.compile("|".join(parts))

    def has_matchers(self) -> bool:
        return any(r.matchers for r in (*self.patterns, *(r for rs in self.exact.values() for r in rs)))


def _text(constraint: Constraint) -> str:
    return constraint if isinstance(constraint, str) else constraint.pattern


class Routes:
    """The bot's interactions by kind and id (the module docstring); ``install()`` once every
    feature has registered. Not thread-safe while registering, read-only after."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._tables = {
            "action": _Table("action", _action_id),
            "view": _Table("view", _callback_id),
            "shortcut": _Table("shortcut", _shortcut_id),
            "options": _Table("options", _suggestion_id),
        }
        self._installed = False

    def action(self, constraint: Constraint) -> Callable[[F], F]:
        """A block action (a button, a menu) by ``action_id``, as Bolt's ``app.action``."""
        return self._adder("action", constraint, ())

    def view(self, constraint: Constraint) -> Callable[[F], F]:
        """A modal's submission (``view_submission``) by ``callback_id``, as Bolt's ``app.view``."""
        return self._adder("view", constraint, ())

    def shortcut(self, constraint: Constraint) -> Callable[[F], F]:
        """A global or message shortcut by ``callback_id``, as Bolt's ``app.shortcut``."""
        return self._adder("shortcut", constraint, ())

    def options(self, constraint: Constraint, matchers: Sequence[Matcher] = ()) -> Callable[[F], F]:
        """An external menu's options request (``block_suggestion``) by ``action_id``, told
        apart by ``matchers(body)`` where one id serves several menus, as Bolt's ``app.options``."""
        return self._adder("options", constraint, tuple(matchers))

    def event(self, constraint: Constraint) -> Callable[[F], F]:
        """An Events API event by type: Bolt's own ``app.event`` listener, registered now."""
        decorator = self.app.event(constraint)

        def register(fn: F) -> F:
            decorator(fn)
            return fn

        return register

    def _adder(self, kind: str, constraint: Constraint, matchers: tuple[Matcher, ...]) -> Callable[[F], F]:
        if self._installed:
            raise RuntimeError("routes are installed: register every feature before install()")

        def add(fn: F) -> F:
            wants = frozenset(takes(fn, ACK_ARGUMENTS, f"the {kind} listener"))
            self._tables[kind].add(_Route(constraint, fn, wants, matchers))
            return fn

        return add

    def install(self) -> None:
        """One Bolt listener for each kind with routes, registered on the app now (so after
        the listeners registered before, and before those registered after)."""
        self._installed = True
        register = {
            "action": self.app.block_action,
            "view": self.app.view_submission,
            "shortcut": self.app.shortcut,
            "options": self.app.block_suggestion,
        }
        for kind, table in self._tables.items():
            if not table.exact and not table.patterns:
                continue
            if table.has_matchers():  # then only a route's matchers can tell it is ours
                register[kind](table.constraint(), matchers=[_known(table)])(_listener(table))
            else:
                register[kind](table.constraint())(_listener(table))


def _known(table: _Table) -> Callable[[dict[str, Any]], bool]:
    def known(body: dict[str, Any]) -> bool:
        return table.find(body) is not None

    return known


def _listener(table: _Table) -> Callable[[Ack, dict[str, Any], BoltContext], None]:
    def listener(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        route = table.find(body)
        if route is None:  # Bolt's matcher said it is ours: only a changed body could do this
            raise LookupError(f"no {table.kind} route for {table.key(body)!r}")
        call_acknowledgement(route.fn, route.wants, ack, body, context)

    listener.__name__ = f"{table.kind}_routes"
    return listener
