"""Small experiments for sweep tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SCENARIOS

VILNIUS = SCENARIOS / "vilnius_2023.toml"


def experiment_text(design: str = 'design = { kind = "lhs", samples = 6 }', replicates: int = 5,
                    chunk_size: int = 7, extra: str = "", scenario: Path = VILNIUS) -> str:
    return f'''
name = "small"
scenario = "{scenario}"
seed = 3
replicates = {replicates}
chunk_size = {chunk_size}
{design}
{extra}

[[parameters]]
path = "actors.poland.flexibility"
range = [0.0, 0.6]

[[parameters]]
path = "tracks.consensus.deadline"
range = [8, 14]
distribution = "integer"
'''


@pytest.fixture
def small_experiment(tmp_path) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(experiment_text())
    return path
