"""YAML as the bot reads it: the organisation file, the role files, the region tables.

PyYAML's C parser (libyaml) reads the role files ten times faster than its pure-Python one,
at every start. A document the C parser refuses is read again by the pure-Python parser, so a
mistake is reported with the same words and line, with or without libyaml.
"""

from __future__ import annotations

from typing import Any

import yaml


def safe_load(text: str) -> Any:
    """``yaml.safe_load(text)``, through libyaml when PyYAML was built with it.

    Raises ``yaml.YAMLError`` (with ``problem_mark``) as ``yaml.safe_load`` does.
    """
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is not None:
        try:
            return yaml.load(text, Loader=loader)  # noqa: S506 - the safe loader, in C
        except yaml.YAMLError:
            pass  # the pure-Python parser below says what is wrong, as it always has
    return yaml.safe_load(text)
