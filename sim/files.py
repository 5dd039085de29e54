"""Reading TOML and YAML files into plain data, with errors that name the file and line."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import yaml

from sim.errors import InputError

__all__ = ["read_data_file"]


def read_data_file(path: Path, accepted: str = ".toml, .yaml or .yml") -> tuple[Any, str]:
    """Parse a ``.toml``, ``.yaml`` or ``.yml`` file; return its data and its text.

    ``accepted`` is how an error about another file type lists the types the caller reads.

    Raises
    ------
    InputError
        If the file is missing, unreadable, of another type, or invalid (the message gives the line).
    """
    source = str(path)
    if not path.is_file():
        raise InputError(source, ["no such file" if not path.exists() else "not a file"])
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(source, [f"cannot read: {error}"]) from None
    suffix = path.suffix.lower()
    if suffix == ".toml":
        try:
            return tomllib.loads(text), text
        except tomllib.TOMLDecodeError as error:
            raise InputError(source, [f"invalid TOML: {error}"]) from None
    if suffix in (".yaml", ".yml"):
        try:
            return yaml.safe_load(text), text
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f" (at line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            problem = getattr(error, "problem", None) or str(error)
            raise InputError(source, [f"invalid YAML: {problem}{where}"]) from None
    raise InputError(source, [f"unknown file type '{path.suffix}': expected {accepted}"])
