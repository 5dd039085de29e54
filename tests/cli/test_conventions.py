"""One consistent command line: version, suggestions, no abbreviations, the other kind of file,
one overwrite rule, each command's own examples, flags that would do nothing refused."""

from __future__ import annotations

import pytest

from sim import __version__
from sim.cli import EXAMPLES, main
from tests.conftest import ROOT, SCENARIOS

MINIMAL = str(SCENARIOS / "minimal.toml")
EXPERIMENT = str(ROOT / "experiments" / "vilnius_flank.toml")


def run(capsys, *args: str) -> tuple[int, str, str]:
    try:
        status = main(list(args))
    except SystemExit as stop:  # argparse's own exits (--help, --version, usage errors)
        status = stop.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_version(capsys):
    status, out, _ = run(capsys, "--version")
    assert status == 0 and out.strip() == f"negsim {__version__}"


@pytest.mark.parametrize("typed, meant", [("rn", "run"), ("valdate", "validate"), ("swep", "sweep"),
                                          ("protocol", "protocols")])
def test_a_misspelled_command_gets_a_suggestion(capsys, typed, meant):
    status, _, err = run(capsys, typed, MINIMAL)
    assert status == 2 and f"did you mean '{meant}'?" in err


def test_options_are_never_abbreviated(capsys):
    status, _, err = run(capsys, "run", MINIMAL, "--run", "10")
    assert status == 2 and "unrecognized arguments: --run" in err and "did you mean '--runs'?" in err


def test_each_command_recognises_the_other_kind_of_file(capsys):
    status, _, err = run(capsys, "run", EXPERIMENT)
    assert status == 2 and "this is an experiment file" in err and f"negsim sweep {EXPERIMENT}" in err
    status, _, err = run(capsys, "sweep", MINIMAL)
    assert status == 2 and "this is a scenario file" in err and f"negsim run {MINIMAL}" in err
    assert "required field" not in err  # not the experiment schema's complaints about a scenario
    for command in ("plot", "report"):
        status, _, err = run(capsys, command, MINIMAL)
        assert status == 2 and "this is a scenario file" in err
    status, _, err = run(capsys, "convert", EXPERIMENT)
    assert status == 2 and "this is an experiment file" in err


def test_run_out_follows_the_overwrite_rule(capsys, tmp_path):
    out = tmp_path / "results"
    assert run(capsys, "run", MINIMAL, "--runs", "5", "--quiet", "--out", str(out), "--trajectories")[0] == 0
    assert (out / "trajectories.parquet").exists()
    (out / "notes.txt").write_text("mine")
    status, _, err = run(capsys, "run", MINIMAL, "--runs", "5", "--quiet", "--out", str(out))
    assert status == 2 and "is not empty; add --overwrite" in err
    status, _, err = run(capsys, "run", MINIMAL, "--runs", "5", "--quiet", "--out", str(out), "--overwrite")
    assert status == 0, err
    assert not (out / "trajectories.parquet").exists()  # the previous results went; they are not mixed
    assert (out / "notes.txt").read_text() == "mine"  # what is not ours is left alone


def test_plot_report_and_convert_follow_the_overwrite_rule(capsys, tmp_path):
    out = tmp_path / "results"
    assert run(capsys, "run", MINIMAL, "--runs", "5", "--quiet", "--out", str(out))[0] == 0
    assert run(capsys, "plot", str(out), "--figure", "statement")[0] == 0
    status, _, err = run(capsys, "plot", str(out), "--figure", "statement")
    assert status == 2 and "figures is not empty; add --overwrite" in err
    assert run(capsys, "plot", str(out), "--figure", "statement", "--overwrite")[0] == 0
    assert run(capsys, "report", str(out))[0] == 0
    status, _, err = run(capsys, "report", str(out))
    assert status == 2 and "report.html exists; add --overwrite" in err
    assert run(capsys, "report", str(out), "--overwrite")[0] == 0
    target = tmp_path / "minimal.toml"
    assert run(capsys, "convert", MINIMAL, "--out", str(target))[0] == 0
    status, _, err = run(capsys, "convert", MINIMAL, "--out", str(target))
    assert status == 2 and "exists; add --overwrite" in err
    assert run(capsys, "convert", MINIMAL, "--out", str(target), "--force")[0] == 0  # kept as an alias


@pytest.mark.parametrize("command", sorted(EXAMPLES))
def test_each_help_shows_its_own_examples(capsys, command):
    status, out, _ = run(capsys, command, "--help")
    assert status == 0
    examples = out[out.index("examples:"):]
    assert f"negsim {command}" in examples
    others = [other for other in EXAMPLES if other != command and f"negsim {other} " in examples]
    assert not others, f"{command} --help shows examples of {others}"


@pytest.mark.parametrize("flags, reason", [
    (["--trajectories"], "--trajectories does nothing without --out"),
    (["--overwrite"], "--overwrite does nothing without --out"),
    (["--engine", "mesa"], "--engine: a single run is always one Mesa model"),
    (["--quiet"], "--quiet: a single run shows no progress bar"),
])
def test_flags_that_would_do_nothing_are_refused(capsys, flags, reason):
    status, out, err = run(capsys, "run", MINIMAL, *flags)
    assert status == 2 and reason in err and out == ""


def test_error_prefixes_are_not_repeated(capsys):
    status, _, err = run(capsys, "run", MINIMAL, "--set", "deadline=x")
    assert status == 2 and err.strip() == "error: --set: deadline=x: expected PATH=NUMBER"


@pytest.mark.parametrize("flags, reason", [
    (["--executor", "serial", "--workers", "2"], "--workers does nothing with --executor serial"),
    (["--executor", "dask", "--scheduler", "tcp://127.0.0.1:1", "--workers", "2"],
     "--workers does nothing with --scheduler"),
    (["--connect-timeout", "3"], "--connect-timeout does nothing without --scheduler"),
])
def test_sweep_flags_that_would_do_nothing_are_refused(capsys, tmp_path, flags, reason):
    status, _, err = run(capsys, "sweep", EXPERIMENT, "--out", str(tmp_path / "out"), *flags)
    assert status == 2 and reason in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("out, reason", [
    ("/proc/negsim-nope", "cannot write /proc/negsim-nope"),
    ("FILE/sub", "is a file, not a folder"),
    ("a" * 300, "is too long for the system"),
])
@pytest.mark.parametrize("command", ["run", "convert", "sweep"])
def test_an_unwritable_output_is_one_line_before_any_work(capsys, tmp_path, monkeypatch, command, out, reason):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "FILE").write_text("")
    target = {"run": [MINIMAL, "--runs", "3"], "convert": [MINIMAL], "sweep": [EXPERIMENT, "--executor", "serial"]}
    status, stdout, err = run(capsys, command, *target[command], "--out", out)
    assert status == 2 and err.startswith("error: --out: ") and reason in err and len(err.splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["FILE"]


@pytest.mark.parametrize("flags, reason", [
    (["--seed", "\u0661\u0662"], "expected a whole number >= 0 in digits 0-9"),
    (["--seed", " 7"], "expected a whole number >= 0 in digits 0-9"),
    (["--seed", "1_000"], "expected a whole number >= 0 in digits 0-9"),
    (["--seed", "-1"], "expected a whole number >= 0 in digits 0-9"),
    (["--replicate", str(2**63)], "must be below 2**63"),
    (["--point", "1", "--replicate", "2"], "--point does nothing with a scenario file"),
])
def test_numbers_on_the_command_line_are_plain_digits_within_range(capsys, flags, reason):
    status, out, err = run(capsys, "run", MINIMAL, *flags)
    assert status == 2 and reason in err and err.startswith("error: ") and out == ""


def test_an_experiment_run_keeps_its_own_seed(capsys):
    status, _, err = run(capsys, "run", EXPERIMENT, "--point", "1", "--replicate", "1", "--seed", "3")
    assert status == 2 and "--seed: an experiment's runs use its own seed" in err


def test_usage_errors_are_one_line_naming_the_command(capsys):
    status, _, err = run(capsys, "validate", MINIMAL, "--overwrite")
    assert status == 2 and err == ("error: unrecognized arguments: --overwrite (`negsim validate --help` lists the "
                                   "options)\n")  # no suggestion of the main parser's --version


@pytest.mark.parametrize("flags, reason", [
    (["--scheduler", "tcp://[::1:9", "--connect-timeout", "2"], "--scheduler: cannot reach the Dask scheduler"),
    (["--scheduler", "tcp://127.0.0.1:9", "--connect-timeout", "1e10"], "at most 86400 seconds"),
    (["--scheduler", "tcp://127.0.0.1:9", "--connect-timeout", "inf"], "at most 86400 seconds"),
])
def test_scheduler_options_are_refused_in_one_line(capsys, tmp_path, flags, reason):
    status, _, err = run(capsys, "sweep", EXPERIMENT, "--out", str(tmp_path / "o"), "--executor", "dask", *flags)
    assert status == 2 and reason in err and len(err.splitlines()) == 1


def test_a_protocol_switch_names_the_file(capsys, tmp_path):
    import tomllib

    import tomli_w

    data = tomllib.loads((SCENARIOS / "minimal.toml").read_text())
    for actor in data["actors"]:
        actor["salience"] = {key: 0.0 for key in actor["salience"]}
        actor["salience"][next(iter(actor["salience"]))] = 0.0
    path = tmp_path / "no_salience.toml"
    path.write_text(tomli_w.dumps(data))
    status, _, err = run(capsys, "run", str(path), "--protocol", "bdm")
    assert status == 2 and err.startswith(f"error: {path} with --protocol bdm: ")
