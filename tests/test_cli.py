"""The negsim command, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from sim.cli import main
from sim.results.layout import read_runs
from tests.conftest import ROOT, SCENARIOS

VILNIUS = str(SCENARIOS / "vilnius_2023.toml")
MINIMAL = str(SCENARIOS / "minimal.toml")


def negsim(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)


def test_run_prints_a_readable_summary():
    done = negsim("run", VILNIUS)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Track consensus" in out and "AGREED in round" in out
    assert "membership_timing" in out and '"' in out  # the number and its draft wording
    assert "Signatories" in out and "aid_level" in out
    assert "Draft statement:" in out
    assert "round 11: bilateral usa-uk" in out
    assert done.stderr == ""


def test_run_names_blockers_when_talks_fail(capsys, tmp_path):
    data = tomllib.loads((SCENARIOS / "minimal.toml").read_text())
    data["actors"][0]["reservation_utility"] = 1.0
    data["actors"][1]["reservation_utility"] = 1.0
    path = tmp_path / "deadlock.yaml"
    path.write_text(yaml.safe_dump(data))
    assert main(["run", str(path)]) == 0
    out = capsys.readouterr().out
    assert "NO AGREEMENT by round 10" in out
    assert "Blocked by: dove, hawk" in out
    assert "The door remains open." in out  # the status quo's wording


def test_monte_carlo_json_is_byte_identical_for_the_same_seed_and_differs_for_another():
    first = negsim("run", VILNIUS, "--runs", "60", "--seed", "9", "--json")
    again = negsim("run", VILNIUS, "--runs", "60", "--seed", "9", "--json")
    other = negsim("run", VILNIUS, "--runs", "60", "--seed", "10", "--json")
    assert first.returncode == again.returncode == other.returncode == 0
    assert first.stdout == again.stdout
    assert first.stdout != other.stdout
    summary = json.loads(first.stdout)
    assert summary["runs"] == 60 and summary["seed"] == 9
    assert 0 <= summary["agreement"]["probability"] <= 1
    assert first.stderr == ""  # no progress bar when stderr is not a terminal


def test_single_run_json_has_statement_wording_and_blockers(capsys):
    assert main(["run", MINIMAL, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    (track,) = result["tracks"]
    assert track["agreed"] is True and track["round"] >= 1
    assert set(track["statement"]) == {"timing"} and set(track["wording"]) == {"timing"}
    assert track["blockers"] == []
    assert set(track["utility"]) == {"hawk", "dove"}


def test_out_writes_a_runs_table_and_a_summary(tmp_path, capsys):
    out = tmp_path / "results"
    assert main(["run", VILNIUS, "--runs", "25", "--seed", "2", "--out", str(out), "--quiet"]) == 0
    table = read_runs(out / "runs.parquet")
    assert table.num_rows == 25
    columns = set(table.column_names)
    for name in ("run_id", "replicate", "seed", "run_seed", "agreed", "rounds", "consensus.agreed",
                 "consensus.round", "consensus.blockers", "umbrella.signatories", "statement.membership_timing",
                 "statement.aid_duration", "utility.consensus.usa", "concession.consensus.ukraine",
                 "pledge.germany.aid_level"):
        assert name in columns, name
    assert table.column("run_id").to_pylist() == list(range(25))
    summary = json.loads((out / "summary.json").read_text())
    agreed = table.column("consensus.agreed").to_pylist()
    assert summary["tracks"][0]["agreement"]["probability"] == sum(agreed) / 25
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "runs.parquet", "summary.json"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["format"] == "negsim-run/3" and manifest["kind"] == "monte_carlo" and manifest["runs"] == 25
    assert manifest["scenario"]["name"] == "vilnius_2023" and manifest["scenario"]["data"]["deadline"] == 13


def test_replicate_recreates_a_monte_carlo_row(tmp_path, capsys):
    out = tmp_path / "mc"
    assert main(["run", VILNIUS, "--runs", "5", "--seed", "3", "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["run", VILNIUS, "--seed", "3", "--replicate", "4", "--json"]) == 0
    alone = json.loads(capsys.readouterr().out)
    row = pq.read_table(out / "runs.parquet").slice(4, 1).to_pylist()[0]
    assert alone["run_seed"] == row["run_seed"]
    assert alone["tracks"][0]["statement"]["membership_timing"] == row["statement.membership_timing"]


def test_validate_shows_what_the_file_holds():
    done = negsim("validate", VILNIUS)
    assert done.returncode == 0
    for text in ("valid scenario 'vilnius_2023'", "Actors (11)", "Dimensions (4)", "Tracks (2)",
                 "protocol mediated", "protocol bilateral", "deadline round 13", "ukraine", "no veto",
                 "bloc eastern_flank", "round 11: bilateral usa-uk"):
        assert text in done.stdout, text


def test_help_has_examples():
    done = negsim("run", "--help")
    assert done.returncode == 0
    assert "examples:" in done.stdout and "--runs 1000 --seed 7" in done.stdout


BAD_CASES = {
    "missing file": (None, "no such file"),
    "invalid toml": ('name = "x"\ndeadline = = 3\n', "invalid TOML: Invalid value (at line 2, column 12)"),
    "salience": ("salience", "actors[3].salience.aid_level: must be in [0, 1], got 1.4"),
    "position": ("position", "actors[0].position.membership_timing: must be in the range of 'membership_timing' [0, 100], got 101"),
    "unknown actor": ("event", "events[0].actors[0]: unknown actor 'atlantis'"),
    "one actor": ("one_actor", "actors: a negotiation needs at least two actors, got 1"),
    "nan": ("nan", "actors[1].capability: must be a finite number, got nan"),
}


def _bad_file(tmp_path, case):
    content, _ = BAD_CASES[case]
    if content is None:
        return tmp_path / "absent.toml"
    if "\n" in content:
        path = tmp_path / "bad.toml"
        path.write_text(content)
        return path
    data = tomllib.loads((SCENARIOS / "vilnius_2023.toml").read_text())
    if content == "salience":
        data["actors"][3]["salience"]["aid_level"] = 1.4
    elif content == "position":
        data["actors"][0]["position"]["membership_timing"] = 101
    elif content == "event":
        data["events"][0]["actors"][0] = "atlantis"
    elif content == "one_actor":
        data["actors"] = data["actors"][:1]
    elif content == "nan":
        data["actors"][1]["capability"] = float("nan")
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_input_exits_2_with_its_message_and_writes_nothing(tmp_path, case):
    path = _bad_file(tmp_path, case)
    out = tmp_path / "results"
    done = negsim("run", str(path), "--runs", "3", "--out", str(out))
    assert done.returncode == 2
    assert f"error: {path}: {BAD_CASES[case][1]}" in done.stderr.splitlines()
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert not out.exists()


@pytest.mark.parametrize("args, message", [
    (["--runs", "0"], "error: --runs: must be >= 1, got 0"),
    (["--seed", "-1"], "error: argument --seed: expected a whole number >= 0 in digits 0-9, got '-1'"),
    (["--runs", "3", "--replicate", "1"], "error: --replicate re-creates one run; it cannot be combined with --runs"),
])
def test_bad_arguments_exit_2(capsys, args, message):
    assert main(["run", MINIMAL, *args]) == 2
    assert message in capsys.readouterr().err


def test_validate_bad_file_exits_2(tmp_path, capsys):
    path = _bad_file(tmp_path, "salience")
    assert main(["validate", str(path)]) == 2
    assert "actors[3].salience.aid_level: must be in [0, 1], got 1.4" in capsys.readouterr().err


def test_negsim_entry_point_is_installed_beside_python():
    exe = Path(sys.executable).parent / "negsim"
    assert exe.exists(), "install the package (pip install -e .) to get the negsim command"
    done = subprocess.run([str(exe), "validate", MINIMAL], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "valid scenario 'minimal'" in done.stdout


def test_out_that_is_a_file_is_refused_before_running(tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("keep me")
    assert main(["run", MINIMAL, "--out", str(target)]) == 2
    assert f"error: --out: {target} exists and is not a folder" in capsys.readouterr().err
    assert target.read_text() == "keep me"


def test_monte_carlo_of_a_certain_scenario_says_so(capsys):
    assert main(["run", MINIMAL, "--runs", "3", "--quiet"]) == 0
    assert "declares no uncertainty" in capsys.readouterr().out


KTAB_CSV = str(ROOT / "tests" / "ktab" / "oracle" / "dummyData_3Dim.csv")


def test_protocols_lists_every_protocol_with_its_citation():
    done = negsim("protocols")
    assert done.returncode == 0
    for name, cited in (("mediated", "Raiffa"), ("bilateral", "Faratin"), ("concession", "Faratin"),
                        ("alternating", "Baron"), ("bdm", "Scholz"), ("smp", "KTAB")):
        block = done.stdout.split(f"{name}: ", 1)[1].split("\n\n", 1)[0]
        assert "citation:" in block and cited in block, name


def test_run_a_ktab_file_with_the_smp():
    done = negsim("run", KTAB_CSV, "--protocol", "smp", "--json")
    assert done.returncode == 0, done.stderr
    track = json.loads(done.stdout)["tracks"][0]
    assert track["protocol"] == "smp" and track["round"] == 10
    assert track["statement"] == pytest.approx({"Pstn1": 79.9, "Pstn2": 34.4, "Pstn3": 75.2}, abs=0.05)


def test_protocol_switch_notes_tracks_it_cannot_negotiate(capsys):
    assert main(["run", VILNIUS, "--protocol", "bdm"]) == 0
    captured = capsys.readouterr()
    assert "note: track 'consensus': decision rule 'unanimity' replaced by 'forecast' for bdm" in captured.err
    assert "note: track 'umbrella': bdm does not negotiate 'opt_in' tracks; it keeps protocol 'bilateral'" in captured.err
    assert "protocol bdm" in captured.out


def test_unknown_protocol_exits_2(capsys):
    assert main(["run", VILNIUS, "--protocol", "telepathy"]) == 2
    assert "error: --protocol: unknown protocol 'telepathy'; known: alternating, bdm" in capsys.readouterr().err


def test_baselines_are_printed_beside_the_result(capsys):
    assert main(["run", VILNIUS, "--baselines"]) == 0
    out = capsys.readouterr().out
    assert "Baselines (closed form, declared inputs):" in out
    for name in ("compromise", "weighted_median", "nash", "status_quo"):
        assert name in out
    assert main(["run", VILNIUS, "--baselines", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["baselines"]
    assert {r["baseline"] for r in rows} == {"compromise", "weighted_median", "nash", "status_quo"}


def test_malformed_csv_exits_2_naming_line_and_column(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(Path(KTAB_CSV).read_text().replace("53.393", "lots"))
    done = negsim("run", str(bad), "--protocol", "smp")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"error: {bad}: line 4, column 3 (Power): expected a number, got 'lots'"]


def test_convert_to_toml(tmp_path):
    out = tmp_path / "dummy.toml"
    done = negsim("convert", KTAB_CSV, "--to", "toml", "--out", str(out))
    assert done.returncode == 0 and out.exists()
    again = negsim("convert", KTAB_CSV, "--out", str(out))
    assert again.returncode == 2 and "exists; add --overwrite" in again.stderr
    forced = negsim("convert", KTAB_CSV, "--out", str(out), "--force")  # the older name still works
    assert forced.returncode == 0, forced.stderr
    assert negsim("validate", str(out)).returncode == 0


EU_CSV = str(ROOT / "scenarios" / "data" / "bdm_eu_emissions.csv")
SHIPPED_KTAB_CSV = str(ROOT / "scenarios" / "data" / "ktab_dummyData_3Dim.csv")


def test_a_bdm_csv_run_reports_a_forecast_never_a_status_quo(capsys):
    assert main(["run", EU_CSV]) == 0
    out = capsys.readouterr().out
    assert "status quo holds" not in out and "NO AGREEMENT" not in out
    assert "DID NOT SETTLE by round 100: forecast at round 100" in out
    assert "No status quo declared for issue" in out
    assert "at most 100 rounds" in out
    # round 0 (before round 1) and round 1 of the per-round table: weighted median, mean, model
    assert "        0      7.00   7.39      -" in out
    assert "        1      8.42   7.46   8.42" in out


def test_a_bdm_csv_forecast_in_json_and_capped_by_set(capsys):
    assert main(["run", EU_CSV, "--set", "deadline=10", "--json"]) == 0
    track = json.loads(capsys.readouterr().out)["tracks"][0]
    forecast = track["forecast"]
    assert forecast["settled"] is False and len(forecast["per_round"]["mean"]["issue"]) == 11
    assert forecast["per_round"]["mean"]["issue"][10] == pytest.approx(7.242, abs=5e-4)
    assert track["statement"]["issue"] == forecast["final"]["model"]["issue"] == 7.0
    # utility and concession against each actor's opening ideal point (4, 7 or 10 on a 4-10 scale)
    assert track["concession"]["Germany"] == pytest.approx(3 / 6)
    assert track["utility"]["Belgium"] == pytest.approx(1.0)


def test_a_monte_carlo_of_a_forecast_gives_the_forecast_distribution(capsys):
    assert main(["run", EU_CSV, "--set", "deadline=10", "--runs", "20", "--quiet", "--json"]) == 0
    track = json.loads(capsys.readouterr().out)["tracks"][0]
    assert track["statement"]["issue"]["q50"] == 7.0  # counted over every run, settled or not
    assert track["forecast"]["mean"]["issue"]["q50"] == pytest.approx(7.242, abs=5e-4)


def test_the_shipped_ktab_file_settles_in_round_10_as_ktab_did(capsys):
    assert main(["run", SHIPPED_KTAB_CSV]) == 0
    out = capsys.readouterr().out
    assert "SETTLED in round 10: the forecast" in out and "protocol smp" in out


def test_switching_a_forecast_file_to_a_voting_protocol_asks_for_a_status_quo(capsys):
    assert main(["run", EU_CSV, "--protocol", "mediated"]) == 2
    err = capsys.readouterr().err
    assert "dimensions[0].status_quo" in err and "needs a status quo" in err
    assert "Traceback" not in err


def test_a_replicates_text_and_json_use_its_own_drawn_band_edges(capsys):
    """Vilnius draws its band edges: the printed statement's wording is the one the JSON reports."""
    for replicate in range(6):
        assert main(["run", VILNIUS, "--seed", "7", "--replicate", str(replicate), "--json"]) == 0
        tracks = json.loads(capsys.readouterr().out)["tracks"]
        assert main(["run", VILNIUS, "--seed", "7", "--replicate", str(replicate)]) == 0
        out = capsys.readouterr().out
        for track in tracks:
            for dim, text in track["wording"].items():
                if track["statement"][dim] is not None:
                    assert f'"{text}"' in out, (replicate, dim, text)
