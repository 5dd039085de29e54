"""The equations of KTAB's Spatial Model of Politics (SMP), as pure functions.

Re-derived from KAPSARC's KTAB (MIT licence; Wise, B. et al., "KTAB: the KAPSARC
Toolkit for Behavioral Analysis"). Every function takes KTAB's parameter by its
KTAB name (:class:`SMPParameters`); the defaults are KTAB's: Linear victory model,
Prop voting, Conditional PCE, Mid risk range, OneThird risk adjustment, SemiCommit
third parties, S2P2 interpolated bargains. Positions and saliences are on KTAB's
internal [0, 1] scale (its CSV's 0-100 divided by 100).

Notation: ``i`` initiates a challenge, ``j`` receives it, ``k`` is the actor
whose gain is assessed, ``h`` the actor whose estimates are used, ``n`` a third party.

The equations are implemented once, compiled with numba, in :mod:`sim.ktab.elections`
(votes, coalitions, PCEs), :mod:`sim.ktab.assessment` (distances, utilities, risk),
:mod:`sim.ktab.challenges` (challenges and bargains) and :mod:`sim.ktab.bargaining`
(elections among bargains); the functions here call them with KTAB's parameter names,
on arrays of any size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.ktab import assessment, challenges, elections
from sim.ktab.assessment import POSITION_TOLERANCE
from sim.ktab.elections import MIN_COALITION

__all__ = [
    "DEFAULTS",
    "MIN_COALITION",
    "POSITION_TOLERANCE",
    "coalition_strengths",
    "conditional_pce",
    "estimated_risk",
    "interpolate_bargain",
    "markov_incentive_pce",
    "markov_uniform_pce",
    "risk_from_probabilities",
    "risk_utility",
    "salience_distance",
    "scalar_pce",
    "unique_positions",
    "victory_probabilities",
    "vote",
    "SMPParameters",
]


@dataclass(frozen=True)
class SMPParameters:
    """KTAB's SMP parameters, under KTAB's names and values (defaults: KTAB's).

    Attributes
    ----------
    VictoryProbModel : "Linear" | "Square" | "Quartic" | "Octic" | "Binary"
    VotingRule : "Binary" | "PropBin" | "Prop" | "PropCbc" | "Cubic" | "ASymProsp"
    PCEModel : "Conditional" | "MarkovIncentive" | "MarkovUniform"
    StateTransitions : "Deterministic" | "Stochastic"
    BigRRange : "Min" | "Mid" | "Max"
    BigRAdjust : "None" | "OneThird" | "Half" | "TwoThirds" | "Full"
    ThirdPartyCommit : "NoCommit" | "SemiCommit" | "FullCommit"
    InterVecBrgn : "S1P1" | "S2P2" | "S2PMax"
    BargnModel : "InitOnlyInterp" | "InitRcvrInterp" | "PWCompInterp"
    """

    VictoryProbModel: str = "Linear"
    VotingRule: str = "Prop"
    PCEModel: str = "Conditional"
    StateTransitions: str = "Deterministic"
    BigRRange: str = "Mid"
    BigRAdjust: str = "OneThird"
    ThirdPartyCommit: str = "SemiCommit"
    InterVecBrgn: str = "S2P2"
    BargnModel: str = "InitOnlyInterp"

    CHOICES = {
        "VictoryProbModel": ("Linear", "Square", "Quartic", "Octic", "Binary"),
        "VotingRule": ("Binary", "PropBin", "Prop", "PropCbc", "Cubic", "ASymProsp"),
        "PCEModel": ("Conditional", "MarkovIncentive", "MarkovUniform"),
        "StateTransitions": ("Deterministic", "Stochastic"),
        "BigRRange": ("Min", "Mid", "Max"),
        "BigRAdjust": ("None", "OneThird", "Half", "TwoThirds", "Full"),
        "ThirdPartyCommit": ("NoCommit", "SemiCommit", "FullCommit"),
        "InterVecBrgn": ("S1P1", "S2P2", "S2PMax"),
        "BargnModel": ("InitOnlyInterp", "InitRcvrInterp", "PWCompInterp"),
    }

    def codes(self) -> np.ndarray:
        """Each parameter's value as its index in :attr:`CHOICES`, in that order (what the compiled kernels take)."""
        return np.array([allowed.index(getattr(self, name)) for name, allowed in self.CHOICES.items()],
                        dtype=np.int64)

    def __post_init__(self) -> None:
        for name, allowed in self.CHOICES.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {getattr(self, name)!r}")


DEFAULTS = SMPParameters()


def _code(name: str, value: str) -> int:
    try:
        return SMPParameters.CHOICES[name].index(value)
    except ValueError:
        raise ValueError(f"unknown {name} {value!r}") from None


def _floats(values) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=float)


def vote(rule: str, weight, gain):
    """KTAB's vote of a voter of weight w for a utility difference du (:func:`sim.ktab.elections.vote`), elementwise."""
    code = _code("VotingRule", rule)
    weight, gain = np.broadcast_arrays(np.asarray(weight, dtype=float), np.asarray(gain, dtype=float))
    result = np.array([elections.vote(code, w, g) for w, g in zip(weight.ravel(), gain.ravel())]).reshape(gain.shape)
    return result[()] if result.ndim == 0 else result


def salience_distance(ideal: np.ndarray, position: np.ndarray, salience: np.ndarray) -> np.ndarray:
    """Salience-weighted distance ``d[i, j]`` from i's ideal to position j (:func:`sim.ktab.assessment.salience_distance`)."""
    return assessment.salience_distance(_floats(ideal), _floats(position), _floats(salience))


def risk_utility(distance, risk):
    """KTAB's utility of a distance under a risk attitude (:func:`sim.ktab.assessment.risk_utility`), elementwise."""
    distance, risk = np.broadcast_arrays(np.asarray(distance, dtype=float), np.asarray(risk, dtype=float))
    result = np.array([assessment.risk_utility(d, r) for d, r in zip(distance.ravel(), risk.ravel())])
    return result.reshape(distance.shape)[()]


def coalition_strengths(weight: np.ndarray, utility: np.ndarray, rule: str = "Prop") -> np.ndarray:
    """Coalition strengths ``c[i, j]`` of option i against j (:func:`sim.ktab.elections.coalition_strengths`)."""
    return elections.coalition_strengths(_floats(weight), _floats(utility), _code("VotingRule", rule))


def victory_probabilities(strengths: np.ndarray, model: str = "Linear") -> np.ndarray:
    """P[i > j] from coalition strengths (:func:`sim.ktab.elections.victory_probabilities`)."""
    return elections.victory_probabilities(_floats(strengths), _code("VictoryProbModel", model))


def conditional_pce(victory: np.ndarray) -> np.ndarray:
    """Conditional probabilistic Condorcet election (:func:`sim.ktab.elections.conditional_pce`)."""
    return elections.conditional_pce(_floats(victory))


def markov_uniform_pce(victory: np.ndarray, tolerance: float = 1e-6) -> np.ndarray:
    """Markov PCE with uniform challenges (:func:`sim.ktab.elections.markov_uniform_pce`)."""
    return elections.markov_uniform_pce(_floats(victory), tolerance)


def markov_incentive_pce(strengths: np.ndarray, victory: np.ndarray, tolerance: float = 1e-8) -> np.ndarray:
    """Markov PCE with challenges by incentive (:func:`sim.ktab.elections.markov_incentive_pce`)."""
    return elections.markov_incentive_pce(_floats(strengths), _floats(victory), tolerance)


def scalar_pce(weight: np.ndarray, utility: np.ndarray, params: SMPParameters = DEFAULTS
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Probability each option wins, pairwise victories and coalition strengths (:func:`sim.ktab.elections.pce`)."""
    codes = params.codes()
    return elections.pce(_floats(weight), _floats(utility), codes[1], codes[0], codes[2])


def risk_from_probabilities(probability: np.ndarray, big_r_range: str = "Mid") -> np.ndarray:
    """Risk attitudes from election probabilities (:func:`sim.ktab.assessment.risk_from_probabilities`)."""
    return assessment.risk_from_probabilities(_floats(probability), _code("BigRRange", big_r_range))


def estimated_risk(risk: np.ndarray, big_r_adjust: str = "OneThird") -> np.ndarray:
    """``[h, i]``: actor h's estimate of actor i's risk attitude (:func:`sim.ktab.assessment.believed_risk`)."""
    code = _code("BigRAdjust", big_r_adjust)
    return np.array([[assessment.believed_risk(mine, theirs, code) for theirs in risk] for mine in risk])


def interpolate_bargain(position_i: np.ndarray, salience_i: np.ndarray, p_i: float, position_j: np.ndarray,
                        salience_j: np.ndarray, p_j: float, method: str = "S2P2") -> tuple[np.ndarray, np.ndarray]:
    """Interpolated bargain (for i, for j) between two positions (:func:`sim.ktab.challenges.interpolate_bargain`)."""
    out_i, out_j = np.empty(len(position_i)), np.empty(len(position_j))
    challenges.interpolate_bargain(_floats(position_i), _floats(salience_i), float(p_i), _floats(position_j),
                                   _floats(salience_j), float(p_j), _code("InterVecBrgn", method), out_i, out_j)
    return out_i, out_j


def unique_positions(position: np.ndarray, tolerance: float = POSITION_TOLERANCE) -> tuple[list[int], list[int]]:
    """Indices of distinct positions (the first of each group) and each actor's group index."""
    unique, group = assessment.unique_positions(_floats(position), tolerance)
    return unique.tolist(), group.tolist()
