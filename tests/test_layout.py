"""The layering rules of docs/ARCHITECTURE.md, checked on the source: handlers stay thin."""

from __future__ import annotations

import ast
from pathlib import Path

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
