"""Bad experiment files: one clear message each, status 2, before any run, nothing written."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.sweeps.conftest import experiment_text


def negsim_sweep(path, out):
    return subprocess.run([sys.executable, "-m", "sim", "sweep", str(path), "--out", str(out), "--executor",
                           "serial"], capture_output=True, text=True, cwd=ROOT, timeout=300)


CASES = {
    "unknown path": (experiment_text().replace("actors.poland.flexibility", "actors.polend.flexibility"),
                     "parameters[0].path: unknown path 'actors.polend.flexibility': no actor 'polend' in "
                     "'actors'; did you mean 'poland'?"),
    "value out of range": (experiment_text().replace("range = [0.0, 0.6]", "range = [0.0, 1.6]"),
                           "parameters[0] (actors.poland.flexibility): the scenario cannot take 1.6: "
                           "actors[6].flexibility: must be in [0, 1], got 1.6"),
    "empty design": (experiment_text(design='design = { kind = "grid" }').replace(
        'range = [8, 14]\ndistribution = "integer"', "values = []"),
        "parameters[1]: 'values' is empty"),
    "integer range with no whole number": (experiment_text().replace("range = [8, 14]", "range = [8.2, 8.7]"),
                                           "parameters[1]: an integer 'range' must contain a whole number, "
                                           "got [8.2, 8.7]"),
    "missing scenario": (experiment_text(scenario="/nowhere/scenario.toml"),
                         "scenario: /nowhere/scenario.toml: no such file"),
    "salib count": (experiment_text(design='design = { kind = "sobol_sensitivity", samples = 10 }'),
                    "design: The balance properties of Sobol' points require n to be a power of 2."),
    "unknown key": (experiment_text(extra="colour = 1"), "colour: unknown field (not part of the experiment schema)"),
    "misspelled key": (experiment_text(extra="replicats = 3"), "replicats: unknown field (not part of the experiment "
                                                               "schema); did you mean 'replicates'?"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_experiment(tmp_path, case):
    text, message = CASES[case]
    path = tmp_path / "bad.toml"
    path.write_text(text)
    out = tmp_path / "results"
    done = negsim_sweep(path, out)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert any(message in line for line in done.stderr.splitlines()), done.stderr
    assert not out.exists()
