"""Files shipped inside the package (``bot/data``): the role files, the country-to-region table,
and the examples that `liec-bot init` copies. Read through importlib.resources, so an installed
bot (``pipx install``, ``pip install .``) finds them wherever it runs from.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def data_path(*parts: str) -> Path:
    """A file or folder under bot/data. Installed packages are plain folders (pip and pipx
    never run the bot from a zip), so the resource is a real path the loaders can glob."""
    return Path(str(files("bot").joinpath("data", *parts)))


def example_config() -> Path:
    return data_path("liec.example.yml")


def example_env() -> Path:
    return data_path("env.example")
