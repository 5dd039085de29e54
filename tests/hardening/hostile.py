"""Hostile input files too big to keep in the corpus folder, written on demand.

Each generator writes one file into a folder and returns its path; ``GENERATED`` maps a
case name to its generator and the exit statuses it may end in.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"

_TRACK = """
[[dimensions]]
id = "d"
range = [0, 100]
status_quo = 0
wording = [{ from = 0, text = "low" }]
[[tracks]]
id = "t"
dimensions = ["d"]
decision_rule = { kind = "unanimity" }
"""


def _toml(name: str, extra: str = "", deadline: str = "5") -> str:
    actors = "".join(f'[[actors]]\nid = "a{i}"\ncapability = 1\nposition = {{ d = {50 * i} }}\n'
                     f'salience = {{ d = 1 }}\n' for i in range(2))
    return f'name = "{name}"\ndeadline = {deadline}\n{extra}\n{_TRACK}\n{actors}'


def deep_toml(folder: Path) -> Path:
    path = folder / "deep.toml"
    path.write_text(_toml("deep", "nested = " + "[" * 100_000 + "]" * 100_000))
    return path


def deep_toml_shallow_enough_for_tomllib(folder: Path) -> Path:
    path = folder / "deep_40.toml"
    path.write_text(_toml("deep", "nested = " + "[" * 40 + "]" * 40))
    return path


def deep_yaml(folder: Path) -> Path:
    path = folder / "deep.yaml"
    path.write_text("name: " + "[" * 100_000 + "]" * 100_000 + "\n")
    return path


def deep_yaml_block(folder: Path) -> Path:
    path = folder / "deep_block.yaml"
    path.write_text("".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "x: 1\n")
    return path


def long_integer_toml(folder: Path) -> Path:
    path = folder / "long_integer.toml"
    path.write_text(_toml("long", deadline="9" * 5000))
    return path


def long_integer_yaml(folder: Path) -> Path:
    path = folder / "long_integer.yaml"
    path.write_text("name: long\ndeadline: " + "9" * 5000 + "\n")
    return path


def long_seed_toml(folder: Path) -> Path:
    path = folder / "long_seed.toml"
    path.write_text(_toml("long seed", "seed = " + "7" * 5000))
    return path


def long_string_toml(folder: Path) -> Path:
    path = folder / "long_string.toml"
    path.write_text(_toml("x" * 200_000))
    return path


def big_file_toml(folder: Path) -> Path:
    path = folder / "big.toml"
    path.write_text(_toml("big", "description = '''" + "words " * 200_000 + "'''"))
    return path


def lone_surrogate_yaml(folder: Path) -> Path:
    path = folder / "surrogate.yaml"
    path.write_text('name: "bad \\ud800 text"\ndeadline: 5\n')
    return path


def csv_huge_cell(folder: Path) -> Path:
    path = folder / "huge_cell.csv"
    path.write_text("actor,capability,position,salience\n" + '"' + "x" * 300_000 + '",1,2,3\nb,1,2,3\n')
    return path


def csv_nul(folder: Path) -> Path:
    path = folder / "nul.csv"
    path.write_bytes(b"actor,capability,position,salience\na\x00,1,2,3\nb,1,2,3\n")
    return path


def ktab_long_numbers(folder: Path) -> Path:
    path = folder / "ktab_long_numbers.csv"
    digits = "9" * 5000
    path.write_text(f"long,numbers,{digits},{digits}\nActor,Description,Power,Pstn1,Sal1\n"
                    f"a,x,{digits},50,50\nb,y,20,{digits},50\n")
    return path


def ktab_long_number_cells(folder: Path) -> Path:
    path = folder / "ktab_long_cells.csv"
    digits = "9" * 5000
    path.write_text(f"long,cells,2,1\nActor,Description,Power,Pstn1,Sal1\na,x,{digits},50,50\nb,y,20,{digits},{digits}\n")
    return path


def _ktab(n: int, dims: int) -> str:
    lines = [f"many,actors,{n},{dims}", "Actor,Description,Power," + ",".join(f"P{d},S{d}" for d in range(dims))]
    lines += [f"a{i},x,{1 + i % 7}," + ",".join(f"{(i * 37 + d) % 100},{50 // dims}" for d in range(dims))
              for i in range(n)]
    return "\n".join(lines) + "\n"


def ktab_thousands(folder: Path) -> Path:
    path = folder / "ktab_thousands.csv"
    path.write_text(_ktab(5000, 1))
    return path


def ktab_over_smp_limit(folder: Path) -> Path:
    """Within the actor limit, beyond the SMP's work limit (actors^3 x dimensions x rounds) at its 100-round cap."""
    path = folder / "ktab_over_smp.csv"
    path.write_text(_ktab(700, 1))
    return path


def bdm_thousands(folder: Path) -> Path:
    path = folder / "bdm_thousands.csv"
    path.write_text("actor,capability,position,salience\n" +
                    "".join(f"a{i},{1 + i % 7},{i % 100},{1 + i % 99}\n" for i in range(3000)))
    return path


def bdm_over_limit(folder: Path) -> Path:
    """Within the actor limit, beyond BDM's work limit (actors^2 x dimensions x rounds) at its 100-round cap."""
    path = folder / "bdm_over.csv"
    path.write_text("actor,capability,position,salience\n" +
                    "".join(f"a{i},{1 + i % 7},{i % 100},{1 + i % 99}\n" for i in range(800)))
    return path


def many_problems_csv(folder: Path) -> Path:
    path = folder / "many_problems.csv"
    path.write_text("actor,capability,position,salience\n" + "a,x,y,z\n" * 800)
    return path


GENERATED: dict[str, tuple[Callable[[Path], Path], set[int]]] = {
    "deep_toml": (deep_toml, {2}),
    "deep_toml_40": (deep_toml_shallow_enough_for_tomllib, {2}),
    "deep_yaml": (deep_yaml, {2}),
    "deep_yaml_block": (deep_yaml_block, {2}),
    "long_integer_toml": (long_integer_toml, {2}),
    "long_integer_yaml": (long_integer_yaml, {2}),
    "long_seed_toml": (long_seed_toml, {2}),
    "long_string_toml": (long_string_toml, {2}),
    "big_file_toml": (big_file_toml, {2}),
    "lone_surrogate_yaml": (lone_surrogate_yaml, {2}),
    "csv_huge_cell": (csv_huge_cell, {2}),
    "csv_nul": (csv_nul, {0, 2}),
    "ktab_long_numbers": (ktab_long_numbers, {2}),
    "ktab_long_number_cells": (ktab_long_number_cells, {2}),
    "ktab_thousands": (ktab_thousands, {2}),
    "ktab_over_smp_limit": (ktab_over_smp_limit, {2}),
    "bdm_thousands": (bdm_thousands, {2}),
    "bdm_over_limit": (bdm_over_limit, {2}),
    "many_problems_csv": (many_problems_csv, {2}),
}

CORPUS_STATUS: dict[str, set[int]] = {
    "billion_laughs.yaml": {2},
    "bom.toml": {0},
    "bom.yaml": {0},
    "bom.csv": {0},
    "duplicate_key.yaml": {2},
    "duplicate_key_flow.yaml": {2},
    "huge_deadline.toml": {2},
    "ktab_fractional_count.csv": {2},
    "ktab_huge_counts.csv": {2},
    "newline_name.toml": {0},
    "seed_1_5.toml": {2},
    "seed_7.toml": {2},
    "seed_beyond_uint64.toml": {0},
    "seed_negative1.toml": {2},
    "seed_true.toml": {2},
    "unknown_key.toml": {2},
    "event_round_huge.toml": {2},
    "python_tag.yaml": {2},
    "newline_reference.toml": {2},
    "newline_key.yaml": {2},
    "empty.toml": {2},
    "empty.yaml": {2},
    "empty.csv": {2},
    "ktab_exponent_count.csv": {2},
}
"""Each file of the corpus folder and the statuses it may end in (0: a valid scenario)."""
