"""Whether actors accept what is on the table."""

from __future__ import annotations

import math

import numba
import numpy as np

from sim.kernel.utility import shaped

__all__ = ["TOLERANCE", "accept", "acceptance_probability", "accepts", "answer_members"]

TOLERANCE = 1e-9
"""Utilities within this of a demand count as meeting it (guards rounding at the ideal point)."""


@numba.njit(cache=True, nogil=True)
def _probability(utility: float, demand: float, temperature: float) -> float:  # pragma: no cover - compiled
    return 0.5 * (1.0 + math.tanh((utility - demand) / (2.0 * temperature)))


@numba.njit(cache=True, nogil=True)
def _probabilities(utility, demand, temperature, out):  # pragma: no cover - compiled
    for n in range(out.shape[0]):
        out[n] = _probability(utility[n], demand[n], temperature)


def acceptance_probability(utility: np.ndarray, demand: np.ndarray, temperature: float) -> np.ndarray:
    """Logistic acceptance: :math:`P_i = 1 / (1 + e^{-(u_i - a_i)/T})` with temperature T > 0,
    computed as :math:`\\tfrac12 (1 + \\tanh((u_i - a_i) / 2T))` (no overflow)."""
    utility, demand = np.broadcast_arrays(np.asarray(utility, dtype=float), np.asarray(demand, dtype=float))
    out = np.empty(utility.size)
    _probabilities(np.ascontiguousarray(utility).reshape(-1), np.ascontiguousarray(demand).reshape(-1),
                   float(temperature), out)
    return out.reshape(utility.shape)


@numba.njit(cache=True, nogil=True)
def accept(utility: float, demand: float, logistic: bool, temperature: float, uniform: float
           ) -> bool:  # pragma: no cover - compiled
    """One actor's answer: :math:`u_i \\ge a_i` within :data:`TOLERANCE` (deterministic), or
    ``uniform`` below :func:`acceptance_probability` (logistic). The one definition: the
    compiled rounds (:mod:`sim.protocols.collective`) and :func:`accepts` both call it."""
    if logistic:
        return uniform < _probability(utility, demand, temperature)
    return utility >= demand - TOLERANCE


@numba.njit(cache=True, nogil=True)
def _accept_all(utility, demand, logistic, temperature, uniforms, out):  # pragma: no cover - compiled
    for n in range(out.shape[0]):
        out[n] = accept(utility[n], demand[n], logistic, temperature, uniforms[n])


@numba.njit(cache=True, nogil=True)
def answer_members(values, demand, logistic, temperature, uniforms, members, demand_out, out
                   ):  # pragma: no cover - compiled
    """One replicate's members answer, from their distances to the text: in one pass over the actors,
    ``values[i]`` becomes the utility :math:`1 - \\delta_i`, ``demand_out[i]`` the demand and ``out[i]``
    whether actor i is a member and accepts (:func:`accept`). A function of its own: a logistic
    answer's tanh compiled into the distances' loop stops that loop vectorising."""
    for i in range(out.shape[0]):
        value = 1.0 - values[i]
        values[i] = value
        demand_out[i] = demand[i]
        out[i] = members[i] and accept(value, demand[i], logistic, temperature, uniforms[i])


def accepts(
    utility: np.ndarray,
    demand: np.ndarray,
    rule: str,
    temperature: float,
    uniforms: np.ndarray | None = None,
) -> np.ndarray:
    """Each actor's answer (:func:`accept`): ``rule`` is ``"deterministic"`` or ``"logistic"``
    (``uniforms`` are then the draws); the arrays broadcast against each other."""
    logistic = rule != "deterministic"
    if logistic and uniforms is None:
        raise ValueError("logistic acceptance needs uniform draws")
    utility = np.asarray(utility, dtype=float)
    demand = np.asarray(demand, dtype=float)
    draws = np.asarray(uniforms if logistic else 1.0, dtype=float)
    shape = utility.shape
    if not (demand.shape == shape and draws.shape == shape):
        shape = np.broadcast_shapes(shape, demand.shape, draws.shape)
    flat = [np.ascontiguousarray(shaped(array, shape)).reshape(-1) for array in (utility, demand, draws)]
    out = np.empty(flat[0].shape, dtype=np.bool_)
    _accept_all(flat[0], flat[1], logistic, float(temperature), flat[2], out)
    return out.reshape(shape)
