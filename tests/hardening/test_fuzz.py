"""Mutated copies of the shipped scenario files never crash ``negsim``: status 0 or 2, no traceback,
every error line naming the file, and ``convert --out`` writing nothing when it fails."""

from __future__ import annotations

import copy
import tempfile
import tomllib
from pathlib import Path

import tomli_w
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hardening.invoke import check_contract, invoke

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "scenarios").glob("*.toml")) + sorted((ROOT / "scenarios" / "data").glob("*.csv"))
TOML = [path for path in SHIPPED if path.suffix == ".toml"]

TOKENS = ["\n", "[", "]", "[[", "{", "}", "=", ",", '"', "'", ":", "-", "&a ", "*a", "# ", "\ufeff", "\x00", "\r",
          "9" * 5000, "1e309", "nan", "inf", "-1", "0", "1" * 30, "true", "[" * 200, "x" * 300, "\u2028", "é",
          "deadline = 99999999999", "seed = -3", "actors", "salince", "\t", "\\"]

HOSTILE_VALUES = [None, True, -1, 0, 2 ** 64, 10 ** 30, 1e308, -1e308, 0.5, "", "x" * 12_000, "a\nb", [], {},
                  [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]], {"colour": 1}, [1, 2, 3],
                  "9" * 100, 10_001, 3]

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _check_file(path: Path) -> None:
    for command in ("validate", "run", "convert"):
        argv = [command, str(path)]
        out = path.parent / "converted.toml"
        if command == "convert":
            argv += ["--out", str(out)]
        result = invoke(argv)
        check_contract(result, str(path))
        if command == "convert":
            assert out.exists() == (result.status == 0)
            if out.exists():
                out.unlink()


@st.composite
def text_mutations(draw) -> tuple[str, bytes]:
    source = draw(st.sampled_from(SHIPPED))
    data = bytearray(source.read_bytes())
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["insert", "delete", "duplicate", "byte"]))
        if kind == "insert":
            data[at:at] = draw(st.sampled_from(TOKENS)).encode("utf-8")
        elif kind == "delete":
            del data[at:at + draw(st.integers(1, 200))]
        elif kind == "duplicate":
            data[at:at] = data[at:at + draw(st.integers(1, 400))]
        else:
            data[at:at + 1] = bytes([draw(st.integers(0, 255))])
    return source.suffix, bytes(data)


@SETTINGS
@given(text_mutations())
def test_mutated_text(mutation):
    suffix, content = mutation
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"mutant{suffix}"
        path.write_bytes(content)
        _check_file(path)


def _paths(data, prefix=()):
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _paths(value, prefix + (index,))


@st.composite
def value_mutations(draw) -> tuple[str, object]:
    source = draw(st.sampled_from(TOML))
    data = tomllib.loads(source.read_text())
    mutate_values(draw, data, HOSTILE_VALUES)
    return draw(st.sampled_from([".toml", ".yaml"])), data


def mutate_values(draw, data, values: list) -> None:
    """Replace, delete or rename one to three fields of ``data`` in place, with values drawn from ``values``."""
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from([p for p in _paths(data) if p]))
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        value = draw(st.sampled_from(values + ["delete", "rename"]))
        if value == "delete":
            del parent[path[-1]]
        elif value == "rename" and isinstance(parent, dict):
            parent[str(path[-1])[:-1] + "x"] = parent.pop(path[-1])
        elif value != "rename":
            parent[path[-1]] = copy.deepcopy(value)


def _without_none(value):
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value if v is not None]
    return value


def write_mutant(folder: str | Path, suffix: str, data) -> Path:
    """``data`` written as ``mutant<suffix>`` (TOML without its None values, or YAML) in ``folder``."""
    path = Path(folder) / f"mutant{suffix}"
    if suffix == ".toml":
        path.write_text(tomli_w.dumps(_without_none(data)), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@SETTINGS
@given(value_mutations())
def test_mutated_values(mutation):
    suffix, data = mutation
    with tempfile.TemporaryDirectory() as folder:
        path = write_mutant(folder, suffix, data)
        _check_file(path)
