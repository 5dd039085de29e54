"""The page module without a browser: no Solara at package import, configuration read lazily, bad input as lines."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VILNIUS = ROOT / "scenarios" / "vilnius_2023.toml"


def test_the_package_does_not_import_solara():
    code = "import sys, sim.app, sim.app.state, sim.app.live, sim.app.stepping; print('solara' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.strip() == "False", done.stderr


def test_the_page_reads_nothing_at_import(monkeypatch):
    pytest.importorskip("solara")
    monkeypatch.setenv("NEGSIM_APP_SCENARIO", "/nonexistent/file.toml")
    import importlib

    import sim.app.page as page

    importlib.reload(page)  # no error: the file is read when a session opens the page
    assert page.page is page.Page


def test_a_good_scenario_is_read_with_runs_and_seed(monkeypatch):
    pytest.importorskip("solara")
    from sim.app.page import read_config

    monkeypatch.setenv("NEGSIM_APP_SCENARIO", str(VILNIUS))
    monkeypatch.setenv("NEGSIM_APP_RUNS", "500")
    monkeypatch.setenv("NEGSIM_APP_SEED", "7")
    config = read_config()
    assert config.problems == () and (config.runs, config.seed) == (500, 7) and config.base.name == "vilnius_2023"
    monkeypatch.delenv("NEGSIM_APP_RUNS")
    monkeypatch.delenv("NEGSIM_APP_SEED")
    assert (read_config().runs, read_config().seed) == (1000, None)


def test_a_bad_scenario_is_one_line_per_problem(monkeypatch, tmp_path):
    pytest.importorskip("solara")
    from sim.app.page import read_config

    bad = tmp_path / "bad.toml"
    bad.write_text(VILNIUS.read_text().replace("step = 0.3", "step = 1.3").replace('deadline = 13 ', 'deadline = "x" '))
    monkeypatch.setenv("NEGSIM_APP_SCENARIO", str(bad))
    monkeypatch.setenv("NEGSIM_APP_RUNS", "0")
    problems = read_config().problems
    assert len(problems) >= 3 and all("\n" not in line and "Traceback" not in line for line in problems)
    assert any("broker.step" in line for line in problems) and any("NEGSIM_APP_RUNS" in line for line in problems)
    monkeypatch.setenv("NEGSIM_APP_SCENARIO", str(tmp_path / "missing.toml"))
    assert read_config().problems and "missing.toml" in read_config().problems[-1]
