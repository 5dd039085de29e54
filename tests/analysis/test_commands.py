"""negsim plot and negsim report as a user runs them, including bad input."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest

from sim.cli import main
from tests.conftest import ROOT


def test_plot_writes_every_applicable_figure_and_prints_paths(monte_carlo, tmp_path, capsys):
    assert main(["plot", str(monte_carlo.folder), "--out", str(tmp_path / "figs")]) == 0
    paths = capsys.readouterr().out.split()
    names = sorted(p.rsplit("/", 1)[1] for p in paths)
    assert names == sorted(["statement_membership_timing.png", "statement_membership_wording.png",
                            "statement_aid_level.png", "statement_aid_duration.png", "time_to_agreement.png",
                            "blocking_consensus.png", "blocking_umbrella.png", "trajectories_consensus.png",
                            "trajectories_umbrella.png"])


def test_plot_a_sweep(lhs_sweep, tmp_path, capsys):
    assert main(["plot", str(lhs_sweep.folder), "--out", str(tmp_path), "--figure", "agreement",
                 "--figure", "heatmap", "--format", "svg"]) == 0
    names = [p.rsplit("/", 1)[1] for p in capsys.readouterr().out.split()]
    assert names == ["agreement_vs_actors_poland_flexibility.svg", "agreement_vs_tracks_consensus_deadline.svg",
                     "agreement_heatmap.svg"]


def test_report_is_self_contained_with_the_key_numbers(monte_carlo, tmp_path, capsys):
    target = tmp_path / "report.html"
    assert main(["report", str(monte_carlo.folder), "--out", str(target)]) == 0
    page = target.read_text()
    assert not re.search(r"(src|href)=['\"]https?:", page)
    images = re.findall(r"<img [^>]*src='data:image/png;base64,", page)
    assert len(images) == 9
    table = monte_carlo.table()
    assert f"Every track agreed in {100 * table['agreed'].mean():.1f}% of runs" in page
    assert "most frequent draft wording" in page and "Wording: share of runs per band" in page
    assert "no agreement (status quo holds)" in page
    assert "Package version" in page and "Root seed" in page
    assert page.count("<figcaption>") == 9


def _bad(args, capsys) -> str:
    assert main(args) == 2
    return capsys.readouterr().err


def test_not_a_results_folder(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("hello")
    assert f"error: {tmp_path}: not a results folder" in _bad(["plot", str(tmp_path)], capsys)
    assert "no such folder" in _bad(["report", str(tmp_path / "absent")], capsys)


def test_results_from_an_older_format(monte_carlo, tmp_path, capsys):
    old = tmp_path / "old"
    shutil.copytree(monte_carlo.folder, old)
    (old / "manifest.json").unlink()
    assert "results from an older format (no manifest.json)" in _bad(["plot", str(old)], capsys)
    manifest = json.loads((monte_carlo.folder / "manifest.json").read_text())
    del manifest["scenario"]["data"]
    (old / "manifest.json").write_text(json.dumps(manifest))
    assert "results from an older format (the manifest lacks the scenario)" in _bad(["report", str(old)], capsys)
    manifest["format"] = "negsim-run/0"
    (old / "manifest.json").write_text(json.dumps(manifest))
    assert "results of format 'negsim-run/0', which this version cannot read" in _bad(["plot", str(old)], capsys)


def test_parameter_figure_without_varied_parameters(monte_carlo, capsys):
    message = _bad(["plot", str(monte_carlo.folder), "--figure", "agreement"], capsys)
    assert "is a monte carlo with no varied parameters" in message.replace("this is a", "is a")
    assert "needs a sweep" in message


def test_no_traceback_from_the_command_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "sim", "plot", str(tmp_path)], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (Debian package 'chromium'; "
                                             ".ci/run installs it)")
def test_report_opens_in_headless_chromium(monte_carlo, tmp_path):
    from sim.analysis import write_report

    page = write_report(monte_carlo, tmp_path / "report.html")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}"]
    shot = tmp_path / "report.png"
    subprocess.run([CHROMIUM, *flags, "--window-size=1200,3000", f"--screenshot={shot}", page.as_uri()],
                   capture_output=True, timeout=120, check=True)
    assert shot.exists() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 50_000  # a rendered page of text and figures, not a blank one
    dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert dom.count("<img") == 9 and "What was run" in dom
