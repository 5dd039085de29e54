import numpy as np
import pytest

from sim.experiment.designs import DesignError, design_points
from sim.experiment.paths import PathError, apply, current_values
from sim.experiment.spec import Design, Parameter
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS


@pytest.fixture(scope="module")
def data():
    return load_scenario(SCENARIOS / "vilnius_2023.toml").spec.model_dump(mode="json", by_alias=True)


def test_paths_name_numbers_by_id_index_and_wildcard(data):
    assert current_values(data, "actors.germany.position.membership_timing") == [30.0]
    assert current_values(data, "events.0.strength") == [0.5]
    assert len(current_values(data, "actors.*.flexibility")) == 11
    changed = apply(data, {"actors.*.flexibility": 0.25, "deadline": 9.7})
    assert set(current_values(changed, "actors.*.flexibility")) == {0.25}
    assert changed["deadline"] == 10 and isinstance(changed["deadline"], int)
    assert current_values(data, "actors.*.flexibility") != [0.25] * 11  # the original is untouched


@pytest.mark.parametrize("path, message", [
    ("actors.germny.flexibility", "no actor 'germny' in 'actors'; did you mean 'germany'?"),
    ("actors.germany.flexibilty", "'actors.germany' has no 'flexibilty'; did you mean 'flexibility'?"),
    ("tracks.consensus.deadlin", "did you mean 'deadline'?"),
    ("actors.germany.name", "names str 'Germany', not a number"),
    ("events.4.round", "'events' is a list of 2; use an index from 0 to 1"),
])
def test_unknown_paths_suggest_the_nearest_name(data, path, message):
    with pytest.raises(PathError, match=message.replace("?", r"\?").replace("(", r"\(").replace(")", r"\)")):
        current_values(data, path)


PARAMETERS = [Parameter(path="a", range=(0, 10)), Parameter(path="b", values=[1, 2, 3]),
              Parameter(path="c", range=(5, 9), distribution="integer")]


@pytest.mark.parametrize("kind, samples, count", [
    ("random", 10, 10), ("lhs", 10, 10), ("sobol", 16, 16), ("sobol_sensitivity", 8, 8 * (2 * 3 + 2)),
    ("morris", 5, 5 * (3 + 1)),
])
def test_sampled_designs_respect_bounds_and_are_reproducible(kind, samples, count):
    points = design_points(Design(kind=kind, samples=samples), PARAMETERS, seed=4)
    assert points.count == count
    values = points.values
    assert np.all((values[:, 0] >= 0) & (values[:, 0] <= 10))
    assert set(values[:, 1]) <= {1.0, 2.0, 3.0}
    assert set(values[:, 2]) <= {5.0, 6.0, 7.0, 8.0, 9.0}
    np.testing.assert_array_equal(values, design_points(Design(kind=kind, samples=samples), PARAMETERS, 4).values)


def test_lhs_fills_every_stratum():
    points = design_points(Design(kind="lhs", samples=20), [Parameter(path="a", range=(0, 1))], seed=1)
    assert sorted(np.floor(points.values[:, 0] * 20).astype(int)) == list(range(20))


def test_grid_is_every_combination():
    points = design_points(Design(kind="grid"), [Parameter(path="a", range=(0, 1), levels=3),
                                                 Parameter(path="b", values=[5, 6])], seed=0)
    assert points.values.tolist() == [[0, 5], [0, 6], [0.5, 5], [0.5, 6], [1, 5], [1, 6]]


def test_a_count_the_sampler_rejects():
    with pytest.raises(DesignError, match="power of 2"):
        design_points(Design(kind="sobol_sensitivity", samples=10), PARAMETERS, seed=0)
    with pytest.raises(DesignError, match="needs 'samples'"):
        design_points(Design(kind="lhs"), PARAMETERS, seed=0)
