"""KTAB's own reference run of dummyData_3Dim, reproduced to the precision its log prints.

The oracle files (KTAB's input CSV and its log) ship with the project under
``tests/ktab/oracle/`` (MIT licence, see the LICENSE file there).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from sim.ktab.smp import smp_run

ORACLE = Path(__file__).parent / "oracle"
LOG = (ORACLE / "20170530_ref-dummyData_3Dim.txt").read_text()
ACTORS, DIMS = 7, 3


def _matrices(title: str, rows: int) -> list[np.ndarray]:
    lines = LOG.splitlines()
    found = []
    for n, line in enumerate(lines):
        if line.strip().startswith(title):
            block = [[float(x) for x in lines[n + 1 + r].split()] for r in range(rows)]
            found.append(np.array(block))
    return found


def _history(label: str) -> np.ndarray:
    pattern = re.compile(rf"^SActor-(\d\d), {label}\s*:\s*(.*)$", re.M)
    return pattern.findall(LOG)


@pytest.fixture(scope="module")
def turns():
    import csv

    with open(ORACLE / "dummyData_3Dim.csv") as handle:
        rows = list(csv.reader(handle))[2:2 + ACTORS]
    capability = np.array([float(r[2]) for r in rows])
    values = np.array([[float(x) for x in r[3:3 + 2 * DIMS]] for r in rows]) / 100
    return list(smp_run(values[:, 0::2], values[:, 1::2], capability))


def test_the_stopping_rule_ends_the_run_where_ktab_did(turns):
    states = int(re.search(r"There were (\d+) states", LOG).group(1))
    assert len(turns) == states


def test_risk_neutral_utility_matrices(turns):
    logged = _matrices("Raw actor-pos value matrix (risk neutral)", ACTORS)
    assert len(logged) == len(turns)
    for turn, matrix in zip(turns, logged):
        np.testing.assert_allclose(turn.risk_neutral_utility, matrix, atol=0.0005 + 1e-9, rtol=0)


def test_inferred_risk_attitudes(turns):
    logged = [m[:, 0] for m in _matrices("Inferred risk attitudes:", ACTORS)]
    assert len(logged) == len(turns)
    for turn, risk in zip(turns, logged):
        np.testing.assert_allclose(turn.risk, risk, atol=0.0005 + 1e-9, rtol=0)


def test_position_history_of_every_actor(turns):
    rows = re.findall(r"^SActor-(\d\d), Pstn(\d):\s+(.*)$", LOG, re.M)
    assert len(rows) == ACTORS * DIMS
    for actor, dim, values in rows:
        logged = np.array([float(v) for v in values.split()])
        ours = np.array([100 * t.position[int(actor), int(dim) - 1] for t in turns])
        np.testing.assert_allclose(ours, logged, atol=0.05 + 1e-9, rtol=0)


def test_winning_probability_history(turns):
    rows = re.findall(r"^SActor-(\d\d), prob :\s+(.*)$", LOG, re.M)
    assert len(rows) == ACTORS
    for actor, values in rows:
        logged = np.array([float(v) for v in values.split()])
        ours = np.array([t.win_probability[int(actor)] for t in turns])
        np.testing.assert_allclose(ours, logged, atol=0.00005 + 1e-9, rtol=0)


def test_first_turn_challenges_and_bargains(turns):
    # "In turn 0 actor 0 has most advantageous target 6 worth 0.095" ... "0 proposes 0 adopt: 75.610 24.780 71.950"
    first = {c.initiator: c for c in turns[0].challenges}
    for actor, target, worth in re.findall(r"In turn 0 actor (\d) has most advantageous target (\d) worth ([\d.]+)", LOG):
        assert first[int(actor)].target == int(target)
        assert first[int(actor)].gain == pytest.approx(float(worth), abs=0.0005)
    bargain = re.search(r"Bargain \[\d+, 0:6\] from 0's perspective \(brgnIIJ\)\s+0 proposes 0 adopt:\s+([\d. ]+)", LOG)
    np.testing.assert_allclose(100 * first[0].bargain_initiator, [float(x) for x in bargain.group(1).split()],
                               atol=0.0005 + 1e-9)
