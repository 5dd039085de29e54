"""``negsim app``: what is refused before anything starts, and a real start serving the page over HTTP."""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
VILNIUS = str(ROOT / "scenarios" / "vilnius_2023.toml")
HAS_SOLARA = importlib.util.find_spec("solara") is not None
STANDIN = "tests.app.launcher_standin_page"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def errors(capsys) -> list[str]:
    return capsys.readouterr().err.splitlines()


def test_port_in_use_is_one_line_and_status_2(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        if not HAS_SOLARA:
            pytest.skip("solara is not installed (pip install -e '.[viz]'): the port is checked after it")
        assert main(["app", VILNIUS, "--port", str(port)]) == 2
    assert errors(capsys) == [f"error: --port: {port} is in use on 127.0.0.1 (another negsim app?); "
                              f"choose another with --port"]


def test_invalid_scenario_lists_its_errors_and_starts_nothing(tmp_path, capsys, monkeypatch):
    import sim.app.server as server

    bad = tmp_path / "bad.toml"
    bad.write_text((ROOT / "scenarios" / "vilnius_2023.toml").read_text()
                   .replace("salience = { membership_timing = 0.8", "salience = { membership_timing = 1.4", 1)
                   .replace("salience = { membership_timing = 0.6", "salienc = { membership_timing = 0.6", 1))
    monkeypatch.setattr(server, "bind", lambda *a: pytest.fail("a port was bound for an invalid scenario"))
    assert main(["app", str(bad), "--port", str(free_port())]) == 2
    lines = errors(capsys)
    assert all(line.startswith(f"error: {bad}: ") for line in lines), lines
    assert any("actors[0].salience.membership_timing" in line for line in lines)
    assert any("actors[1].salienc: unknown field" in line for line in lines)
    assert "Traceback" not in "\n".join(lines)
    assert "NEGSIM_APP_SCENARIO" not in os.environ or os.environ["NEGSIM_APP_SCENARIO"] != str(bad)


def run_main(argv: list[str]) -> int:
    """``main``'s status, whether the grammar ends with SystemExit (argparse) or returns it."""
    try:
        return main(argv)
    except SystemExit as stop:
        return stop.code


@pytest.mark.parametrize("argv", [["--port", "0"], ["--port", "70000"], ["--runs", "0"], ["--seed", "-1"]])
def test_bad_options_are_refused(argv, capsys):
    assert run_main(["app", VILNIUS, *argv]) == 2
    (line,) = errors(capsys)  # from the grammar or from the command's own checks: one line either way
    assert line.startswith("error: ") and argv[0] in line and argv[1] in line, line


def test_a_port_out_of_range_is_said(capsys):
    assert main(["app", VILNIUS, "--port", "70000"]) == 2
    assert errors(capsys) == ["error: --port: must be in 1..65535, got 70000"]


def test_runs_beyond_memory_are_refused_with_how_many_fit(capsys):
    assert main(["app", VILNIUS, "--runs", "1000000000"]) == 2
    (line,) = errors(capsys)
    assert line.startswith("error: --runs: 1,000,000,000 runs would take about") and "runs of this scenario" in line


def test_an_experiment_file_is_named_as_such(capsys):
    assert main(["app", str(ROOT / "experiments" / "vilnius_flank.toml")]) == 2
    (line,) = errors(capsys)
    assert "this is an experiment file" in line


def test_missing_solara_says_how_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "solara", None)  # import solara raises ImportError
    assert main(["app", VILNIUS, "--port", str(free_port())]) == 2
    assert errors(capsys) == ["error: negsim app: the web app needs Solara, which is not installed: "
                              "pip install -e '.[viz]'"]


def test_importing_sim_does_not_import_solara():
    code = "import sys, sim, sim.cli, sim.app.server; print('solara' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


def test_help_shows_its_own_examples(capsys):
    assert run_main(["app", "--help"]) == 0
    out = capsys.readouterr().out
    assert "examples:\n  negsim app scenarios/vilnius_2023.toml" in out
    assert "--port N" in out and "negsim run" not in out


def start(port: int, page: str, *extra: str) -> subprocess.Popen:
    """``negsim app VILNIUS --port PORT`` serving ``page`` (the stand-in until the real page lands)."""
    code = ("import sys; import sim.app.server as server; server.PAGE = sys.argv.pop(1); "
            "from sim.cli import main; sys.exit(main(sys.argv[1:]))")
    return subprocess.Popen([sys.executable, "-c", code, page, "app", VILNIUS, "--port", str(port), *extra],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_page(process: subprocess.Popen, url: str, timeout: float = 30.0) -> bytes:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the app exited with {process.returncode}: {process.stderr.read()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                assert response.status == 200
                return response.read()
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer within {timeout:g} s")


@pytest.mark.skipif(not HAS_SOLARA, reason="solara is not installed (pip install -e '.[viz]')")
@pytest.mark.parametrize("page", [STANDIN, "sim.app.page"])
def test_a_real_start_serves_the_page_and_ctrl_c_stops_it(page):
    if page != STANDIN and importlib.util.find_spec(page) is None:
        pytest.skip(f"{page} is not there yet")
    port = free_port()
    process = start(port, page, "--runs", "200", "--seed", "7")
    try:
        body = wait_for_page(process, f"http://127.0.0.1:{port}/")
        assert b"solara" in body.lower()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode in (0, 130), err
    assert "Traceback" not in err, err
    assert out.splitlines()[0] == f"negsim app: http://127.0.0.1:{port}/  (Ctrl-C to stop)"


@pytest.mark.skipif(not HAS_SOLARA, reason="solara is not installed (pip install -e '.[viz]')")
def test_the_page_receives_the_scenario_runs_and_seed():
    """The launcher hands the page exactly NEGSIM_APP_SCENARIO, NEGSIM_APP_RUNS and NEGSIM_APP_SEED."""
    code = ("import os, sys; import sim.app.server as s, uvicorn; uvicorn.Server.run = lambda self, sockets=None: "
            "print(os.environ['NEGSIM_APP_SCENARIO'], os.environ['NEGSIM_APP_RUNS'], "
            "os.environ.get('NEGSIM_APP_SEED'), os.environ['SOLARA_APP']); "
            "s.PAGE = 'tests.app.launcher_standin_page'; s.serve(sys.argv[1], port=int(sys.argv[2]), runs=250, seed=11)")
    out = subprocess.run([sys.executable, "-c", code, "scenarios/vilnius_2023.toml", str(free_port())],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.stdout.split()[:4] == [VILNIUS, "250", "11", STANDIN], out.stderr


def test_an_address_this_machine_does_not_have_is_one_line(capsys):
    if not HAS_SOLARA:
        pytest.skip("solara is not installed (pip install -e '.[viz]'): the address is checked after it")
    assert main(["app", VILNIUS, "--host", "192.0.2.1", "--port", str(free_port())]) == 2  # TEST-NET-1
    (line,) = errors(capsys)
    assert line.startswith("error: --host: cannot listen on 192.0.2.1:")


def chrome():
    """Headless Chromium through Selenium, or a skip saying what is missing."""
    import shutil

    if importlib.util.find_spec("selenium") is None:
        pytest.skip("selenium is not installed (pip install -e '.[test]')")
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver = shutil.which("chromedriver")
    if not browser or not driver:
        pytest.skip("headless Chromium and chromedriver are needed (Debian: apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(flag)
    options.binary_location = browser
    return webdriver.Chrome(options=options, service=Service(driver))


@pytest.mark.skipif(not HAS_SOLARA, reason="solara is not installed (pip install -e '.[viz]')")
def test_ctrl_c_stops_promptly_with_a_page_open():
    """An open page holds a websocket: Ctrl-C still stops the server within its grace period, cleanly."""
    from sim.app.server import GRACEFUL_SHUTDOWN

    port = free_port()
    process = start(port, STANDIN)
    browser = None
    try:
        wait_for_page(process, f"http://127.0.0.1:{port}/")
        browser = chrome()
        browser.get(f"http://127.0.0.1:{port}/")
        deadline = time.monotonic() + 30
        while "standin:" not in browser.find_element("tag name", "body").text:  # rendered over the websocket
            assert time.monotonic() < deadline, "the page did not render within 30 s"
            time.sleep(0.2)
        assert f"{VILNIUS} runs=1000 seed=None" in browser.find_element("tag name", "body").text
        began = time.monotonic()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
        took = time.monotonic() - began
    finally:
        if browser is not None:
            browser.quit()
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode in (0, 130), err
    assert "Traceback" not in err, err
    assert took < GRACEFUL_SHUTDOWN + 5, took
    assert out.splitlines()[-1] == "negsim app: stopped"
