"""A path too long for the system, or for the declared limit, is an input error naming a shortened path."""

from __future__ import annotations

import pytest

from sim.errors import InputError
from sim.files import display_path, read_data_file
from sim.scenario import load_scenario
from tests.hardening.invoke import check_contract, invoke

PATHS = {
    "one megabyte": "a" * 1_000_000 + ".toml",
    "file name too long": "scenarios/" + "b" * 300 + ".toml",
    "deep folders": "/".join(["c" * 200] * 5) + "/x.toml",
    "nul": "scenarios/minimal\x00.toml",
}


@pytest.mark.parametrize("name", sorted(PATHS))
def test_loading_refuses_cleanly(name):
    path = PATHS[name]
    with pytest.raises(InputError) as error:
        load_scenario(path)
    assert error.value.source == display_path(path)
    assert len(error.value.source) < 1200
    with pytest.raises(InputError):
        read_data_file(path)


def _invoke(argv: list[str]):
    return invoke(argv)  # an OSError escaping here (asking the system about the path) fails the test


@pytest.mark.parametrize("name", sorted(PATHS))
def test_convert_refuses_cleanly(name, tmp_path):
    out = tmp_path / "out.toml"
    result = _invoke(["convert", PATHS[name], "--out", str(out)])
    check_contract(result, display_path(PATHS[name]), {2})
    assert not out.exists()
    assert len(result.stderr) < 2000


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("name", sorted(PATHS))
def test_validate_and_run_refuse_cleanly(command, name):
    result = _invoke([command, PATHS[name]])
    check_contract(result, display_path(PATHS[name]), {2})
    assert len(result.stderr) < 2000
