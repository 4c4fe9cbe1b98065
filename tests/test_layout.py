"""The layering rules of docs/ARCHITECTURE.md, checked on the source: handlers stay thin."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

from bot.jobs import JobKind

ROOT = Path(__file__).resolve().parent.parent
HANDLERS = sorted((ROOT / "handlers").glob("*.py"))
# Wiring, not listeners: they only name the listeners they register.
WIRING = {"register", "features"}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_no_handler_opens_a_session() -> None:
    offenders = [p.name for p in HANDLERS if "session_factory" in p.read_text()]
    assert offenders == [], "use deps.read / deps.write with a service use case"


# Delivery engines read, decide and record through service use cases (deps.read /
# deps.write) and only talk to Slack themselves: no module of bot/flows opens a session.
FLOWS = sorted((ROOT / "bot" / "flows").glob("*.py"))


def test_no_delivery_engine_opens_a_session() -> None:
    assert len(FLOWS) > 5  # the folder was found
    offenders = [p.name for p in FLOWS if "session_factory" in p.read_text()]
    assert offenders == [], "call a service use case with deps.read / deps.write"


def test_no_handler_module_imports_another() -> None:
    for path in HANDLERS:
        if path.name == "__init__.py":
            continue  # the feature list
        assert not any(m == "handlers" or m.startswith("handlers.") for m in _imports(path)), path.name


def test_handler_modules_and_listeners_are_small() -> None:
    for path in HANDLERS:
        text = path.read_text()
        assert len(text.splitlines()) <= 250, path.name
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef) and node.name not in WIRING:
                assert node.end_lineno is not None
                assert node.end_lineno - node.lineno + 1 <= 30, f"{path.name}: {node.name}"


def test_configuration_imports_no_service() -> None:
    assert not any(m.startswith("bot.services") for m in _imports(ROOT / "bot" / "config.py"))


# Job keys ----------------------------------------------------------------------------------
SOURCES = sorted([*(ROOT / "bot").rglob("*.py"), *HANDLERS])


def _declared_kinds() -> dict[str, JobKind]:
    """Every JobKind a module of bot/ or handlers/ declares, by name."""
    found: dict[str, JobKind] = {}
    for path in SOURCES:
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for value in vars(importlib.import_module(name)).values():
            if isinstance(value, JobKind):
                assert found.setdefault(value.name, value) == value, f"two kinds named {value.name}"
    return found


def _literal_starts(path: Path) -> list[str]:
    """The start of every string literal in a module (an f-string's first fixed part)."""
    starts: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
            starts.append(str(node.values[0].value))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            starts.append(node.value)
    return starts


def test_job_keys_are_built_only_by_their_kind() -> None:
    # bot/jobs.py: "keys are only ever built by that declaration". A key typed by hand (such
    # as f"cal:{id}:{n}") drifts from its kind, and cancelling or forgetting it then misses.
    kinds = _declared_kinds()
    assert {"calendar_send", "meeting_apologies_list", "meeting_data_purge"} <= set(kinds)
    prefixes = {kind.prefix or kind.name for kind in kinds.values()}
    for path in SOURCES:
        if path == ROOT / "bot" / "jobs.py":
            continue
        typed = [s for s in _literal_starts(path) if any(s.startswith(f"{p}:") for p in prefixes)]
        assert typed == [], f"{path.relative_to(ROOT)} builds a job key by hand: {typed}"


def test_every_kind_declares_its_key_parts_and_its_keys_tell_kinds_apart() -> None:
    kinds = list(_declared_kinds().values())
    for kind in kinds:
        assert kind.parts, f"{kind.name}: a key with no parts is one job for ever"
        key = kind.key(*(f"<{part}>" for part in kind.parts))
        assert len(key.split(":")) == 1 + len(kind.parts) + bool(kind.suffix)
        assert key.startswith(kind.key_prefix(*(f"<{part}>" for part in kind.parts[:-1])))
        # No other kind's keys start the same way: cancel_all of one never touches another.
        others = [k for k in kinds if k is not kind and k.key_prefix() and key.startswith(k.key_prefix())]
        assert all(k.prefix == kind.prefix for k in others), (kind.name, [k.name for k in others])


# The one module that handles two inserts of the same row at once (docs/ARCHITECTURE.md).
RACED_ROWS = ROOT / "bot" / "services" / "rows.py"
SOURCE_DIRS = ("bot", "handlers", "models")


def _race_handling(path: Path) -> list[str]:
    """Where `path` catches IntegrityError, opens a savepoint (`begin_nested`) or writes an
    INSERT ... ON CONFLICT."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            caught = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
            names = [c.attr if isinstance(c, ast.Attribute) else getattr(c, "id", "") for c in caught]
            if "IntegrityError" in names:
                found.append(f"{path.name}:{node.lineno} catches IntegrityError")
        if isinstance(node, ast.Attribute) and node.attr == "begin_nested":
            found.append(f"{path.name}:{node.lineno} opens a savepoint")
        if isinstance(node, ast.Attribute) and node.attr.startswith("on_conflict"):
            found.append(f"{path.name}:{node.lineno} inserts on conflict")
    return found


def test_only_the_rows_module_handles_a_raced_insert() -> None:
    paths = [p for d in SOURCE_DIRS for p in sorted((ROOT / d).rglob("*.py")) if p != RACED_ROWS]
    offenders = [where for path in paths for where in _race_handling(path)]
    assert offenders == [], "use bot/services/rows.py: insert_once or add_unless_raced"
    assert _race_handling(RACED_ROWS)  # the check sees the one place it allows


def test_all_work_after_an_acknowledgement_goes_through_bot_listeners() -> None:
    """No Bolt lazy listener (each costs a second parse and two deep copies of the request
    before the acknowledgement is written): handlers wire their work with
    `acknowledged`/`after_ack` (bot/listeners.py), whose `answered` tells the member who
    pressed when it fails (the app's error handler sees only the acknowledgement's)."""
    lazy = [
        f"{path.relative_to(ROOT)}: {found}"
        for d in SOURCE_DIRS
        for path in sorted((ROOT / d).rglob("*.py"))
        for found in re.findall(r"\blazy=", path.read_text())
    ]
    assert lazy == []
    wired = [
        path.name
        for path in sorted((ROOT / "handlers").glob("*.py"))
        if re.search(r"\b(acknowledged|after_ack)\(deps", path.read_text())
    ]
    assert "nomination_submit.py" in wired and "home.py" in wired  # the check sees the wiring


# Every way Bolt registers a listener for an interaction (slack_bolt.App): actions, views,
# shortcuts, options requests and the legacy dialogs and attachments.
INTERACTION_REGISTRATION = (
    r"\bapp\.(?:action|block_action|attachment_action|view|view_submission|view_closed|options"
    r"|block_suggestion|dialog_suggestion|dialog_submission|dialog_cancellation|shortcut"
    r"|global_shortcut|message_shortcut)\("
)


def test_interactions_are_registered_through_routes() -> None:
    """Block actions, views, shortcuts and options requests go through bot/routes.py, one Bolt
    listener per kind: each listener registered on the app itself is tried, one by one, by
    every request after it."""
    direct = [
        f"{path.name}: {found}"
        for path in HANDLERS
        for found in re.findall(INTERACTION_REGISTRATION, path.read_text())
    ]
    assert direct == []
    assert any("routes.view(" in path.read_text() for path in HANDLERS)  # the check sees the wiring
