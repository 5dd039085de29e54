"""Every hostile file of the corpus ends ``validate``, ``run`` and ``convert`` in status 0 or 2, quickly,
with one ``error: FILE: ...`` line per problem and nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hardening.hostile import CORPUS, CORPUS_STATUS, GENERATED
from tests.hardening.invoke import check_contract, invoke

COMMANDS = ("validate", "run", "convert")


def test_the_corpus_table_lists_every_file():
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(CORPUS_STATUS)


def _check(path: Path, allowed: set[int], tmp_path: Path) -> None:
    for command in COMMANDS:
        argv = [command, str(path)]
        out = tmp_path / f"{command}.out.toml"
        if command == "convert":
            argv += ["--out", str(out)]
        result = invoke(argv)
        check_contract(result, str(path), allowed)
        assert result.seconds < 5, f"{command} took {result.seconds:.1f} s"
        if result.status == 2:
            assert not out.exists(), "convert wrote a file although it failed"
        assert not result.stderr.count("\n") > 60, "problems are not capped"


@pytest.mark.parametrize("name", sorted(CORPUS_STATUS))
def test_corpus_file(name, tmp_path):
    _check(CORPUS / name, CORPUS_STATUS[name], tmp_path)


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_file(name, tmp_path):
    make, allowed = GENERATED[name]
    folder = tmp_path / "in"
    folder.mkdir()
    _check(make(folder), allowed, tmp_path)


@pytest.mark.parametrize("name, expected", [
    ("billion_laughs.yaml", "line 1: YAML anchors and aliases are not accepted"),
    ("duplicate_key.yaml", "duplicate key 'deadline' (first on line 2) (at line 3"),
    ("duplicate_key_flow.yaml", "duplicate key 'status_quo'"),
    ("huge_deadline.toml", "deadline: must be in [1, 10000]"),
    ("ktab_huge_counts.csv", "line 1, column 3 (numActors): must be at most 1000"),
    ("ktab_exponent_count.csv", "line 1, column 3 (numActors): must be at most 1000, got 1e+09"),
    ("ktab_fractional_count.csv", "line 1, column 3 (numActors): must be a whole number, got 2.5"),
    ("python_tag.yaml", "invalid YAML"),
    ("newline_reference.toml", "'d\\nerror: forged line'"),
    ("newline_key.yaml", "key\\nwith newline: unknown field"),
    ("empty.csv", "the file is empty"),
    ("empty.yaml", "the file must hold a table of scenario fields"),
    ("seed_negative1.toml", "seed: a seed must be a whole number >= 0, got -1"),
    ("seed_1_5.toml", "seed: a seed must be a whole number >= 0, got float 1.5"),
    ("seed_true.toml", "seed: a seed must be a whole number >= 0, got bool True"),
    ("seed_7.toml", "seed: a seed must be a whole number >= 0, got str '7'"),
    ("unknown_key.toml", "actors[0].salince: unknown field (not part of the scenario schema); did you mean 'salience'?"),
    ("event_round_huge.toml", "events[0].round: must be in [1, 10000]"),
])
def test_messages_say_what_and_where(name, expected):
    result = invoke(["validate", str(CORPUS / name)])
    assert result.status == 2
    assert expected in result.stderr


@pytest.mark.parametrize("name, expected", [
    ("deep_toml", "nested more than 32 deep"),
    ("deep_yaml_block", "line 33: mappings or sequences nested more than 32 deep"),
    ("long_integer_toml", "line 2: an integer has more than 4,300 digits"),
    ("long_integer_yaml", "line 2: an integer has more than 4,300 digits"),
    ("long_string_toml", "name: a text of 200,000 characters; the limit is 10,000"),
    ("big_file_toml", "the limit is 1,000,000"),
    ("csv_huge_cell", "line 2: not readable as CSV"),
    ("ktab_thousands", "(numActors): must be at most 1000"),
    ("ktab_over_smp_limit", "tracks[0]: 700 actors x 1 dimension(s) x 100 rounds is too much work for the smp"),
    ("bdm_over_limit", "tracks[0]: 800 actors x 1 dimension(s) x 100 rounds is too much work for the bdm protocol"),
    ("bdm_thousands", "3,000 actor lines; the limit is 1,000 actors"),
    ("many_problems_csv", "more problems"),
])
def test_generated_messages(name, expected, tmp_path):
    result = invoke(["validate", str(GENERATED[name][0](tmp_path))])
    assert result.status == 2
    assert expected in result.stderr


def test_a_bom_is_accepted_in_every_format():
    for name in ("bom.toml", "bom.yaml", "bom.csv"):
        assert (CORPUS / name).read_bytes().startswith(b"\xef\xbb\xbf")
        assert invoke(["validate", str(CORPUS / name)]).status == 0


def test_unknown_keys_name_the_nearest_field_in_any_schema():
    import tomllib

    from pydantic import ValidationError

    from sim.experiment.spec import ExperimentSpec
    from sim.scenario.load import describe_validation_errors

    data = tomllib.loads((CORPUS.parents[2] / "experiments" / "vilnius_flank.toml").read_text())
    data["replicats"] = data.pop("replicates")
    data["levers"][0]["rang"] = data["levers"][0].pop("range")
    with pytest.raises(ValidationError) as error:
        ExperimentSpec.model_validate(data)
    lines = describe_validation_errors(error.value, ExperimentSpec)
    assert "replicats: unknown field (not part of the experiment schema); did you mean 'replicates'?" in lines
    assert "levers[0].rang: unknown field (not part of the experiment schema); did you mean 'range'?" in lines


@pytest.mark.parametrize("name, text, message", [
    ("base60.yaml", "name: x\nseed: 1:30\n", "line 2: 1:30 is a YAML 1.1 base-60 number"),
    ("null_key.yaml", "? null\n: x\n", "top level: a key must be text, got None"),
    ("date.toml", 'name = "x"\nseed = 1979-05-27\n', "seed: a date or time (1979-05-27), which no field takes"),
])
def test_yaml_and_toml_oddities_are_named(tmp_path, name, text, message):
    from tests.hardening.invoke import invoke

    path = tmp_path / name
    path.write_text(text)
    result = invoke(["validate", str(path)])
    assert result.status == 2 and result.stderr == f"error: {path}: {message}" + result.stderr.split(message, 1)[1]
    assert len(result.stderr.splitlines()) == 1
