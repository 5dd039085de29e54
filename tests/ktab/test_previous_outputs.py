"""The compiled, batched SMP computes what the NumPy implementation it replaced computed.

``previous/smp_outputs.npz`` was written by that implementation (commit 8d9495c, which
looped over replicates, actors and pairs in Python) with ``previous/capture.py``; the same
capture run now must give the same numbers: bit for bit, except where the old code raised
strengths to the 4th or 8th power (Quartic, Octic victory models), which NumPy computed with
its vectorised ``pow`` and the kernels with the C library's (they differ in the last bit).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.ktab.previous import capture

RECORDED = np.load(Path(__file__).parent / "previous" / "smp_outputs.npz")
LAST_BIT = {"ktab_binary_quartic"}


def _compare(case: str, now: dict[str, np.ndarray]) -> None:
    keys = sorted(k.split("/", 1)[1] for k in RECORDED.files if k.startswith(case + "/"))
    assert sorted(now) == keys
    for key in keys:
        before = RECORDED[f"{case}/{key}"]
        assert now[key].shape == before.shape, key
        if case in LAST_BIT:
            np.testing.assert_allclose(now[key], before, rtol=1e-12, atol=1e-12, err_msg=key)
        else:
            np.testing.assert_array_equal(now[key], before, err_msg=f"{case}: {key}")


@pytest.mark.parametrize("case", sorted(capture.CASES))
def test_every_turn_of_a_run_is_unchanged(case):
    make, options, seed = capture.CASES[case]
    _compare(case, capture.run_case(make, options, seed))


@pytest.fixture
def scipy_truncated_normals(monkeypatch):
    """Vilnius's uncertain positions drawn through scipy's ``truncnorm`` itself, as when the file was
    recorded: the draws now agree with it to about 1e-14, not bit for bit, and these cases check the SMP."""
    from scipy import stats

    import sim.kernel.uncertainty as uncertainty

    monkeypatch.setattr(uncertainty, "truncated_normal_ppf", lambda q, p: stats.truncnorm.ppf(q, p["a"], p["b"]))


def test_vilnius_under_smp_twenty_replicates_unchanged(scipy_truncated_normals):
    _compare("vilnius", capture.vilnius_state(20, stochastic=False))


def test_vilnius_with_stochastic_transitions_draws_as_before(scipy_truncated_normals):
    _compare("vilnius_stochastic", capture.vilnius_state(6, stochastic=True))
