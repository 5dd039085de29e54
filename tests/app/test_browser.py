"""End to end: the app in headless Chromium; an actor's position typed in updates the agreement shown.

Starts ``negsim app`` (or, where the command does not exist yet, ``solara run sim.app.page``) on a
free local port, moves Germany's membership-timing position to 40 and checks the page shows the
agreement probability and count that ``sim.monte_carlo`` gives for that input and seed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "vilnius_2023.toml"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
RUNS, SEED = 1000, 7
PATH = "actors.germany.position.membership_timing"

pytest.importorskip("solara", reason="the app needs Solara (the viz extra)")
webdriver = pytest.importorskip("selenium.webdriver", reason="the browser test needs selenium")
if not (shutil.which(CHROMIUM) or os.path.exists(CHROMIUM)) or not os.path.exists(CHROMEDRIVER):
    pytest.skip(f"the browser test needs {CHROMIUM} and {CHROMEDRIVER}", allow_module_level=True)

from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _has_app_command() -> bool:
    done = subprocess.run([sys.executable, "-m", "sim", "app", "--help"], capture_output=True, cwd=ROOT)
    return done.returncode == 0


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app stopped (exit status {process.returncode})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing listens on {port} after {timeout} s")


@pytest.fixture
def app_url(tmp_path):
    port = _free_port()
    env = {**os.environ, "NEGSIM_APP_SCENARIO": str(SCENARIO), "NEGSIM_APP_RUNS": str(RUNS),
           "NEGSIM_APP_SEED": str(SEED)}
    if _has_app_command():
        command = [sys.executable, "-m", "sim", "app", str(SCENARIO), "--port", str(port), "--runs", str(RUNS),
                   "--seed", str(SEED)]
    else:
        command = [sys.executable, "-m", "solara", "run", "sim.app.page", "--port", str(port),
                   "--host", "127.0.0.1", "--production", "--no-open"]
    log = open(tmp_path / "app.log", "w")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    for argument in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                     "--disable-background-networking", "--window-size=1280,1000"):
        options.add_argument(argument)
    options.binary_location = CHROMIUM
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver, condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition(driver)
        except Exception:  # an element replaced while read: try again
            value = None
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}; page: "
                         f"{driver.find_element(By.TAG_NAME, 'body').text[:2000]}")


def _shown(driver, track: str) -> tuple[str, str] | None:
    value = driver.find_elements(By.CSS_SELECTOR, f".negsim-agreement-{track}")
    interval = driver.find_elements(By.CSS_SELECTOR, f".negsim-interval-{track}")
    if not value or not interval:
        return None
    return value[0].text, interval[0].text


def _front_end_served(url: str) -> None:
    """Fail with the reason when the page's JavaScript cannot be served (Solara proxies it from a CDN,
    or serves it from ``<prefix>/share/solara/cdn``, where the solara-assets package puts it)."""
    import re
    import urllib.request

    html = urllib.request.urlopen(url, timeout=20).read().decode("utf-8", "replace")
    scripts = re.findall(r'src="([^"]*solara-vuetify[^"]*\.js)"', html)
    assert scripts, "the page names no solara-vuetify script"
    target = scripts[0] if scripts[0].startswith("http") else url.rstrip("/") + "/" + scripts[0].lstrip("./")
    try:
        with urllib.request.urlopen(target, timeout=30) as reply:
            ok = reply.status == 200 and len(reply.read(1000)) > 0
    except OSError as error:
        ok, target = False, f"{target} ({error})"
    if not ok:
        pytest.fail(f"Solara cannot serve the page's front end {target}: with no internet access, install "
                    f"the files under {sys.prefix}/share/solara/cdn (the solara-assets package, and the npm "
                    f"package that Solara's template names)")


def test_moving_a_position_updates_the_agreement_shown(app_url, browser, tmp_path):
    import sim
    from sim.cli.run import override
    from sim.scenario import load_scenario

    base = load_scenario(SCENARIO)
    edited = override(base, [f"{PATH}=40"])
    expected = sim.summarise(edited, sim.monte_carlo(edited, RUNS, seed=SEED).table, SEED)
    before = sim.summarise(base, sim.monte_carlo(base, RUNS, seed=SEED).table, SEED)

    def text(summary, index):
        agreement = summary["tracks"][index]["agreement"]
        return f"{100 * agreement['probability']:.1f}%", f"{agreement['count']:,} of {RUNS:,} runs"

    _front_end_served(app_url)
    browser.get(app_url)
    first = _wait(browser, lambda d: _shown(d, "consensus"), 40, "the first result")
    assert first[0] == text(before, 0)[0] and text(before, 0)[1] in first[1]

    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".negsim-group-Actor-germany"), 10,
          "Germany's panel")[0].click()
    field = _wait(browser, lambda d: [e for e in d.find_elements(
        By.CSS_SELECTOR, f".negsim-input-{PATH.replace('.', '-')} input") if e.is_displayed()], 10,
        "Germany's position field")[0]
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys("40")
    _wait(browser, lambda d: field.get_attribute("value") == "40", 5, "the typed value")
    time.sleep(0.3)
    field.send_keys(Keys.ENTER)

    _wait(browser, lambda d: "1 change from the file" in d.find_element(By.CSS_SELECTOR, ".negsim-change-count").text,
          10, "the change count")
    want = text(expected, 0)
    _wait(browser, lambda d: (shown := _shown(d, "consensus")) and shown[0] == want[0] and want[1] in shown[1]
          and not d.find_elements(By.CSS_SELECTOR, ".negsim-computing"), 30,
          f"the agreement for {PATH}=40 ({want})")
    umbrella = _shown(browser, "umbrella")
    assert umbrella[0] == text(expected, 1)[0]
    assert browser.find_elements(By.CSS_SELECTOR, ".negsim-changed")

    # the edited scenario is saved from a visible button, as a file that loads back to the same scenario
    import base64

    save = _wait(browser, lambda d: [e for e in d.find_elements(By.CSS_SELECTOR, ".negsim-save") if e.is_displayed()
                                     and (e.get_attribute("href") or "").startswith("data:application/toml;base64,")
                                     and "40" in base64.b64decode(e.get_attribute("href").split(",", 1)[1]).decode()],
                 10, "a visible Save scenario button holding the edit")[0]
    saved = tmp_path / "saved.toml"
    saved.write_bytes(base64.b64decode(save.get_attribute("href").split(",", 1)[1]))
    def without_evidence(scenario):  # a moved position's quote is dropped on saving (it no longer supports it)
        data = scenario.spec.model_dump(mode="json", by_alias=True)
        for actor in data["actors"]:
            actor.pop("evidence", None)
        return data

    assert load_scenario(saved).seed == SEED  # the seed the page ran with, so negsim run reproduces the page
    assert without_evidence(load_scenario(saved)) | {"seed": 0} == without_evidence(edited) | {"seed": 0}
    download = browser.find_element(By.CSS_SELECTOR, ".negsim-download-csv")
    browser.execute_script("arguments[0].scrollIntoView()", download)
    download.click()
    csv_link = _wait(browser, lambda d: [e for e in d.find_elements(By.CSS_SELECTOR, ".negsim-save-csv")
                                         if e.is_displayed()], 10, "the built CSV download")[0]
    rows = base64.b64decode(csv_link.get_attribute("href").split(",", 1)[1]).decode().splitlines()
    assert len(rows) == RUNS + 1  # a header and one row per run

    # one run, stepped: Step plays round 1 and shows each actor's answer
    step = browser.find_element(By.CSS_SELECTOR, ".negsim-step")
    browser.execute_script("arguments[0].scrollIntoView()", step)
    step.click()
    _wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".negsim-round").text.startswith("round 1 of"), 10,
          "round 1")
    assert "germany" in browser.find_element(By.CSS_SELECTOR, ".negsim-answers-consensus").text

    # a deadline before a scheduled event: the problem is shown, the last good result kept
    browser.find_element(By.CSS_SELECTOR, ".negsim-group-Negotiation").click()
    deadline = _wait(browser, lambda d: [e for e in d.find_elements(By.CSS_SELECTOR, ".negsim-input-deadline input")
                                         if e.is_displayed()], 10, "the deadline field")[0]
    deadline.send_keys(Keys.CONTROL, "a")
    deadline.send_keys("9")
    _wait(browser, lambda d: deadline.get_attribute("value") == "9", 5, "the typed deadline")
    time.sleep(0.3)
    deadline.send_keys(Keys.ENTER)
    problem = _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".negsim-problem"), 10, "the problem line")
    assert "must be at most the last deadline (9)" in problem[0].text
    assert _shown(browser, "consensus")[0] == want[0]
    browser.save_screenshot(str(tmp_path / "app.png"))
    assert (tmp_path / "app.png").stat().st_size > 0
