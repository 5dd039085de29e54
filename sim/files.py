"""Reading input files into plain data, with errors that name the file and line.

Every file is checked against the declared limits (:mod:`sim.limits`) as it is
read, before anything is built from it: its path, its size, and, for TOML and
YAML, the nesting depth, the length of every string and the digits of every
integer. A UTF-8 byte order mark at the start of a file is accepted and dropped,
in every format. YAML files may not use anchors or aliases and may not repeat a
key in one mapping (TOML refuses both by its grammar).
"""

from __future__ import annotations

import datetime

import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

from sim import limits
from sim.errors import InputError, one_line

__all__ = ["check_data", "display_path", "input_file", "one_line", "read_data_file", "read_text"]

_LIMITS = "see README, 'Limits'"


def display_path(path: str | Path) -> str:
    """``path`` as error messages name it: shortened in the middle when it exceeds the path limit."""
    text = str(path)
    if len(text) <= limits.MAX_PATH_CHARS:
        return one_line(text)
    return one_line(f"{text[:40]}...{text[-40:]} ({len(text):,} characters)")


def input_file(path: str | Path) -> Path:
    """Check that ``path`` names a readable regular file within the size limit; return it as a Path.

    Raises
    ------
    InputError
        If the path is too long or unusable (e.g. "File name too long"), the file is
        missing, not a file, or larger than :data:`sim.limits.MAX_FILE_BYTES`.
    """
    source = display_path(path)
    text = str(path)
    if "\x00" in text:
        raise InputError(source, ["the path contains a NUL character"])
    if len(text) > limits.MAX_PATH_CHARS:
        raise InputError(source, [f"the path is longer than {limits.MAX_PATH_CHARS:,} characters ({_LIMITS})"])
    path = Path(path)
    try:
        if not path.is_file():
            raise InputError(source, ["no such file" if not path.exists() else "not a file"])
        size = path.stat().st_size
    except OSError as error:
        raise InputError(source, [f"cannot read: {error.strerror or error}"]) from None
    if size > limits.MAX_FILE_BYTES:
        raise InputError(source, [f"the file is {size:,} bytes; the limit is {limits.MAX_FILE_BYTES:,} ({_LIMITS})"])
    return path


def read_text(path: str | Path) -> str:
    """The checked file's text, decoded as UTF-8 (a leading byte order mark dropped).

    Raises
    ------
    InputError
        As :func:`input_file`, or if the file cannot be read or is not UTF-8.
    """
    path = input_file(path)
    source = display_path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(source, [f"cannot read: {error.strerror or error}"]) from None
    if len(data) > limits.MAX_FILE_BYTES:  # grew since it was checked
        raise InputError(source, [f"the file is over {limits.MAX_FILE_BYTES:,} bytes ({_LIMITS})"])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputError(source, [f"line {line}: not UTF-8 text ({error.reason})"]) from None


def read_data_file(path: Path, accepted: str = ".toml, .yaml or .yml") -> tuple[Any, str]:
    """Parse a ``.toml``, ``.yaml`` or ``.yml`` file; return its data and its text.

    ``accepted`` is how an error about another file type lists the types the caller reads.

    Raises
    ------
    InputError
        If the file is missing, unreadable, of another type, invalid (the message gives the
        line) or beyond a limit of :mod:`sim.limits`.
    """
    source = display_path(path)
    suffix = Path(path).suffix.lower() if len(str(path)) <= limits.MAX_PATH_CHARS else ""
    text = read_text(path)
    if suffix == ".toml":
        data = _parse_toml(text, source)
    elif suffix in (".yaml", ".yml"):
        data = _parse_yaml(text, source)
    else:
        raise InputError(source, [f"unknown file type '{Path(path).suffix}': expected {accepted}"])
    check_data(data, source)
    return data, text


_LONG_INTEGER = re.compile(r"[0-9_]{%d,}" % (limits.MAX_INTEGER_DIGITS + 1))


def _integer_too_long(text: str, source: str) -> InputError:
    match = _LONG_INTEGER.search(text)
    where = f"line {text.count(chr(10), 0, match.start()) + 1}: " if match else ""
    return InputError(source, [f"{where}an integer has more than {limits.MAX_INTEGER_DIGITS:,} digits ({_LIMITS})"])


def _parse_toml(text: str, source: str) -> Any:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError(source, [one_line(f"invalid TOML: {error}")]) from None
    except RecursionError:
        raise InputError(source, [f"tables or arrays nested more than {limits.MAX_NESTING} deep ({_LIMITS})"]) from None
    except ValueError:  # int() beyond Python's digit limit
        raise _integer_too_long(text, source) from None


class _Loader(yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader):  # type: ignore[misc]
    """The safe loader, refusing a key repeated in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r} (first on line {seen[key]})", key_node.start_mark)
                seen[key] = line
            except TypeError:  # an unhashable key: the base class says so
                break
        return super().construct_mapping(node, deep=deep)


def _scan_yaml(text: str, source: str) -> None:
    """Refuse, from the parser's events and before anything is built: anchors and aliases, deep
    nesting, over-long strings and integers."""
    depth = 0
    integer = re.compile(r"[-+]?[0-9_]+")
    sexagesimal = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")
    for event in yaml.parse(text, Loader=_Loader):
        line = f"line {event.start_mark.line + 1}"
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise InputError(source, [f"{line}: YAML anchors and aliases are not accepted ({_LIMITS})"])
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > limits.MAX_NESTING:
                raise InputError(source, [f"{line}: mappings or sequences nested more than "
                                          f"{limits.MAX_NESTING} deep ({_LIMITS})"])
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.ScalarEvent):
            if len(event.value) > limits.MAX_STRING_CHARS:
                raise InputError(source, [f"{line}: a value of {len(event.value):,} characters; the limit is "
                                          f"{limits.MAX_STRING_CHARS:,} ({_LIMITS})"])
            if not event.style and sexagesimal.fullmatch(event.value):
                raise InputError(source, [f"{line}: {event.value} is a YAML 1.1 base-60 number "
                                          f"({event.value} would be read as {_base60(event.value):g}); write the "
                                          f"number itself, or quote it if it is text"])
            if not event.style and len(event.value) > limits.MAX_INTEGER_DIGITS and integer.fullmatch(event.value):
                raise InputError(source, [f"{line}: an integer has more than {limits.MAX_INTEGER_DIGITS:,} digits "
                                          f"({_LIMITS})"])


def _base60(text: str) -> float:
    sign = -1 if text.startswith("-") else 1
    value = 0.0
    for part in text.lstrip("+-").replace("_", "").split(":"):
        value = value * 60 + float(part)
    return sign * value


def _parse_yaml(text: str, source: str) -> Any:
    try:
        _scan_yaml(text, source)
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (at line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise InputError(source, [one_line(f"invalid YAML: {problem}{where}")]) from None
    except RecursionError:
        raise InputError(source, [f"nested more than {limits.MAX_NESTING} deep ({_LIMITS})"]) from None
    except ValueError:
        raise _integer_too_long(text, source) from None


def check_data(data: Any, source: str) -> None:
    """Refuse parsed data beyond the nesting and string limits, naming the field.

    Walks the data without recursion, so any depth is reported, never a ``RecursionError``.

    Raises
    ------
    InputError
        At the first container nested beyond :data:`sim.limits.MAX_NESTING` or string
        (value or key) longer than :data:`sim.limits.MAX_STRING_CHARS`.
    """
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        value, where, depth = stack.pop()
        where = one_line(where)
        if isinstance(value, (dict, list)):
            if depth >= limits.MAX_NESTING:
                raise InputError(source, [f"{where or 'top level'}: nested more than {limits.MAX_NESTING} deep "
                                          f"({_LIMITS})"])
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(value, dict) and not isinstance(key, str):
                    raise InputError(source, [f"{where or 'top level'}: a key must be text, got {key!r} "
                                              f"({type(key).__name__})"])
                if isinstance(key, str) and len(key) > limits.MAX_STRING_CHARS:
                    raise InputError(source, [f"{where or 'top level'}: a key of {len(key):,} characters; the limit "
                                              f"is {limits.MAX_STRING_CHARS:,} ({_LIMITS})"])
                if isinstance(key, str):
                    _check_unicode(key, where or "top level", source)
                inner = f"{where}[{key}]" if isinstance(key, int) else (f"{where}.{key}" if where else str(key))
                stack.append((item, inner, depth + 1))
        elif isinstance(value, (datetime.date, datetime.time)):
            raise InputError(source, [f"{where}: a date or time ({value}), which no field takes"])
        elif isinstance(value, str):
            if len(value) > limits.MAX_STRING_CHARS:
                raise InputError(source, [f"{where}: a text of {len(value):,} characters; the limit is "
                                          f"{limits.MAX_STRING_CHARS:,} ({_LIMITS})"])
            _check_unicode(value, where, source)


def _check_unicode(text: str, where: str, source: str) -> None:
    """Refuse a text that is not valid Unicode (a lone surrogate, as a YAML escape can write)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(source, [f"{where}: not valid Unicode text (a lone surrogate such as \\ud800)"]) from None
