"""A cited position sits in the band whose text says what its quote says."""

from __future__ import annotations

import pytest

from sim.errors import InputError
from sim.scenario import scenario_from_dict
from tests.conftest import actor, scenario_data


def build(data):
    return scenario_from_dict(data, evidence=True)

BANDS = [{"from": 0, "text": "no timeline"}, {"from": 25, "text": "only after the war"},
         {"from": 50, "text": "a faster path even during the war"}]
QUOTE = {"dimension": "d", "band": 25, "quote": "nobody can become a member of a defensive alliance during a war",
         "source": "brief"}


def data(position: float, evidence: dict) -> dict:
    dims = [{"id": "d", "range": [0, 100], "status_quo": 0, "wording": BANDS}]
    return scenario_data([actor("germany", {"d": position}, evidence=[evidence]), actor("other", {"d": 80})],
                         dims=dims)


@pytest.mark.parametrize("position", [25, 30, 49.9])
def test_a_position_in_the_quoted_band_validates(position):
    build(data(position, QUOTE))


@pytest.mark.parametrize("position, where", [(10, "0"), (50, "50"), (95, "50")])
def test_a_position_outside_the_quoted_band_is_refused_naming_it(position, where):
    with pytest.raises(InputError) as caught:
        build(data(position, QUOTE))
    assert caught.value.problems == [
        f"actors[0].evidence[0].band: 'germany' sits at {position:g} on 'd', outside the band its quote supports "
        '(25 to 50: "only after the war")']


def test_a_band_that_does_not_exist_is_refused():
    with pytest.raises(InputError) as caught:
        build(data(30, QUOTE | {"band": 30}))
    assert "'d' has no wording band starting at 30 (bands start at 0, 25, 50)" in caught.value.problems[0]


def test_variants_that_move_a_quoted_position_on_purpose_are_not_refused():
    """A sweep or --set builds variants without the evidence check: moving Germany is the point of it."""
    scenario_from_dict(data(95, QUOTE))
