"""Bueno de Mesquita's expected utility model on one dimension, as pure array functions.

Sources: Bueno de Mesquita, B. (1994), "Political forecasting: an expected
utility method", in Stokman & Bueno de Mesquita (eds.), *European Community
Decision Making*, Yale UP, 71-104; restated in full by Scholz, J. B., Calbert,
G. J. & Smith, G. A. (2011), "Unravelling Bueno de Mesquita's group decision
model", *Journal of Theoretical Politics* 23(4), 510-531 (their worked example:
the EU car-emissions case, ten states on a 4-10 scale).

Every function works on a leading replicate axis: positions are ``(R, A)``.

One round
---------
With Δ the width of the scale, voter k's vote for i over j is

.. math:: v_k(i, j) = c_k s_k \\left[(|x_k - x_j|/Δ)^{r_k} - (|x_k - x_i|/Δ)^{r_k}\\right],

P_ij, the chance that i beats j, comes from these votes (see *Readings*), and
i's expected utility of challenging j, scored with a risk exponent ρ, is

.. math::
    EU_{ij}(ρ) = s_j [P_{ij} U^s + (1 - P_{ij}) U^f] + (1 - s_j) U^s
                 - Q U^{sq} - (1 - Q)[T U^b + (1 - T) U^w],

    U^s = 2 - 4(½ - ½ δ_{ij})^ρ, \\; U^f = 2 - 4(½ + ½ δ_{ij})^ρ, \\; U^{sq} = 2 - 4 (½)^ρ,
    \\; U^{b,w} = 2 - 4(½ ∓ ¼(|x_i - μ| + |x_i - x_j|)/Δ)^ρ,

with δ_ij = |x_i - x_j|/Δ and μ the capability x salience weighted mean. A round:

1. with every r = 1, each actor's *danger* is what the others expect to gain by
   challenging it, S_i = Σ_{j≠i} EU_ji; with R_i = (2 S_i - S_max - S_min) /
   (S_max - S_min), its risk exponent is r_i = (1 - R_i/3)/(1 + R_i/3) ∈ [½, 2];
2. the expected utilities are recomputed with these exponents;
3. every target t looks at each other actor p's challenge, judging the dyad by
   E_tp (t challenging p) and E_pt (p challenging t):

   - *confrontation* that t loses, E_pt > E_tp > 0: t moves to x_p;
   - *compromise*, E_pt > 0 > E_tp and E_pt > |E_tp|: t moves |E_tp|/E_pt of the way to x_p;
   - *capitulation*, E_pt > 0 > E_tp and E_pt < |E_tp|: t moves to x_p;

   and takes one of the offers (see *Readings*). All moves are simultaneous.

The forecast is the weighted median of positions (weights c x s); the weighted
mean is reported too, as Scholz et al. plot it.

Degenerate inputs
-----------------
No step divides by zero:

- *Nobody gives the dimension any salience* (Σ_i c_i s_i = 0; a scenario file
  declaring it on a forecast track is refused, but a salience event or draw can
  bring it about). Every vote is 0, so every P_ij = 0; with s_j = 0 a challenge
  meets no resistance, EU_ij = U^s - U^sq, and under the target perspective
  both sides of a dyad expect the same, so nobody moves. The weighted median
  and mean are then taken with weights c_i alone (:func:`forecast_weights`):
  the limit of the c x s weights as every salience shrinks alike to zero, and
  the fallback the compromise and bloc positions use. Before this rule the
  median silently returned the lowest position.
- *Every capability is 0 as well* (not reachable from a scenario, which
  requires capability > 0): equal weights.
- *Every actor at one position*: every δ_ij = 0, so every vote is 0,
  P_ij = 0, every actor is equally in danger (r = 1), no offer moves anyone, and
  the forecast is that position.

Readings
--------
Public replications disagree with each other and with the equations as printed
on three points. Each is an option of :class:`BDMReading`; the two named
readings are :data:`SCHOLZ_CODE` (the default) and :data:`AS_PRINTED`.

(a) ``probability``: how P_ij is normalised.
    ``"pair"`` (as printed, Scholz et al. eq. for P_i): the share of the dyad's
    own votes that favour i, :math:`Σ_k \\max(0, v_k(i,j)) / Σ_k |v_k(i,j)|`.
    ``"all_pairs"`` (Scholz et al.'s program, as reported by the public
    replication of J. McKibben, github.com/jmckib/bdm-scholz-expected-utility-model,
    which states it reproduces their published rounds): the same numerator over
    every vote in every dyad, :math:`Σ_k Σ_{a,b} |v_k(a,b)|`. P_ij is then small,
    so challenges rarely end in confrontation.
(b) ``perspective``: whose risk exponent scores the two sides of a dyad.
    ``"target"`` (Scholz et al.'s program as reported): the target t scores
    both E_tp and E_pt with its own r_t.
    ``"own"`` (as printed: E^i(U_ij) with i's utilities and E^j(U_ji) with j's;
    also the replication of D. Masad, github.com/dmasad/BDM_DecisionModel_Replication):
    each side's expected utility is scored with that side's exponent.
(c) ``offer``: which offer a target takes when several arrive.
    ``"smallest_move"`` (as printed: the offer that moves it least).
    ``"type_order"`` (Scholz et al.'s program as reported): a lost confrontation
    if any (the smallest move among them), else a compromise, else a capitulation.
    Among compromises the program takes the one whose capability-free
    *compromise point* (|E_tp| x_t + E_pt x_p)/(|E_tp| + E_pt) is lowest on the
    scale, not the smallest move; this reading keeps that.

The reported program also never capitulates (its capitulation test compares
E_pt with its own absolute value), so ``capitulation`` is an option too:
``True`` as printed, ``False`` in :data:`SCHOLZ_CODE`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

__all__ = [
    "AS_PRINTED", "SCHOLZ_CODE", "READINGS", "BDMReading", "BDMRound",
    "bdm_round", "bdm_run", "expected_utility", "forecast_weights", "risk_exponents", "win_probability",
    "weighted_mean", "weighted_median",
]

NO_OFFER, CONFRONTATION, COMPROMISE, CAPITULATION = 0, 1, 2, 3
OFFER_KINDS = ("none", "confrontation", "compromise", "capitulation")
"""Names of the offer a target took, indexed by :attr:`BDMRound.offer_kind`."""


@dataclass(frozen=True)
class BDMReading:
    """The choices where readings of the model differ (see the module docstring).

    ``status_quo_probability`` is Q, the chance that nothing changes absent a
    challenge; ``improvement_probability`` is T, the chance that change, if it
    comes, helps the challenger. Scholz et al. take Q = T = 1.
    """

    probability: str = "all_pairs"
    perspective: str = "target"
    offer: str = "type_order"
    capitulation: bool = False
    status_quo_probability: float = 1.0
    improvement_probability: float = 1.0

    def __post_init__(self) -> None:
        for name, allowed in (("probability", ("pair", "all_pairs")), ("perspective", ("target", "own")),
                              ("offer", ("smallest_move", "type_order"))):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {getattr(self, name)!r}")
        for name in ("status_quo_probability", "improvement_probability"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be in [0, 1]; got {getattr(self, name)!r}")


SCHOLZ_CODE = BDMReading()
"""Scholz, Calbert & Smith's program as the McKibben replication reports it: reproduces their published run."""
AS_PRINTED = BDMReading(probability="pair", perspective="own", offer="smallest_move", capitulation=True)
"""The equations and the decision table as printed by Scholz et al. (2011) and Bueno de Mesquita (1994)."""
READINGS = {"scholz_code": SCHOLZ_CODE, "as_printed": AS_PRINTED}


@dataclass(frozen=True)
class BDMRound:
    """One round for R replicates: the state before it, what was computed, and the moves.

    Arrays are ``(R, A)`` unless noted; ``[r, i, j]`` arrays are ``(R, A, A)``.
    """

    round: int
    position: np.ndarray
    """Positions before the round."""
    weight: np.ndarray
    """Vote weights c_i s_i."""
    risk: np.ndarray
    """Risk exponents r_i found this round."""
    probability: np.ndarray
    """``[r, i, j]``: P_ij with the round's risk exponents."""
    expected_utility: np.ndarray
    """``[r, i, j]``: i's expected utility of challenging j, scored with i's own exponent."""
    offer_from: np.ndarray
    """The actor whose offer each target took (-1 for none)."""
    offer_kind: np.ndarray
    """The kind of offer taken, an index into :data:`OFFER_KINDS`."""
    new_position: np.ndarray
    """Positions after the round."""
    forecast_weight: np.ndarray | None = None
    """The forecast's weights (:func:`forecast_weights`): c_i s_i, or c_i where nobody has salience."""

    @property
    def median(self) -> np.ndarray:
        """(R,) the weighted median before the round (weights :attr:`forecast_weight`)."""
        return weighted_median(self.position, self.weight if self.forecast_weight is None else self.forecast_weight)

    @property
    def mean(self) -> np.ndarray:
        """(R,) the weighted mean before the round (weights :attr:`forecast_weight`)."""
        return weighted_mean(self.position, self.weight if self.forecast_weight is None else self.forecast_weight)


def forecast_weights(capability: np.ndarray, salience: np.ndarray, members: np.ndarray | None = None
                     ) -> np.ndarray:
    r"""The weights of the forecast (median and mean) on one dimension, on the last axis.

    .. math::
        w_i = m_i c_i s_i \;\text{ if } \sum_j m_j c_j s_j > 0, \quad
        \text{else } m_i c_i \;\text{ if } \sum_j m_j c_j > 0, \quad \text{else } m_i

    with :math:`m_i` = 1 for a member (every actor when ``members`` is None). Where
    nobody gives the dimension any salience, each actor weighs by capability
    alone: the limit of :math:`c_i s_i` when every salience shrinks alike to zero,
    and the fallback of :func:`sim.protocols.mediated.compromise` and the bloc
    positions. The weights are zero only where there is no member.

    Parameters
    ----------
    capability, salience : array (..., A)
        Broadcast against each other.
    members : array (..., A) of bool, optional
    """
    capability = np.asarray(capability, dtype=float)
    salience = np.asarray(salience, dtype=float)
    shape = np.broadcast_shapes(capability.shape, salience.shape)
    member = np.ones(shape) if members is None else np.broadcast_to(np.asarray(members, dtype=float), shape)
    weight = member * capability * salience
    plain = member * np.broadcast_to(capability, shape)
    weight = np.where(weight.sum(axis=-1, keepdims=True) > 0, weight, plain)
    return np.where(weight.sum(axis=-1, keepdims=True) > 0, weight, member)


def weighted_median(position: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """The position with at most half the weight strictly on either side (the lower on an exact tie).

    Works on the last axis, so ``(…, A)`` gives ``(…)``. In one dimension with
    single-peaked preferences this is the Condorcet winner under weighted majority.
    NaN where every weight is 0: no position is a median then (the forecast's
    weights, :func:`forecast_weights`, are never all 0 while there is a member).
    """
    position = np.asarray(position, dtype=float)
    shape = position.shape
    flat = position.reshape(-1, shape[-1])
    weight = np.broadcast_to(np.asarray(weight, dtype=float), shape).reshape(flat.shape)
    rows = np.arange(flat.shape[0])[:, None]
    order = np.argsort(flat, axis=-1, kind="stable")
    cumulative = np.cumsum(weight[rows, order], axis=-1)
    half = cumulative[:, -1:] / 2.0 - 1e-12 * np.maximum(cumulative[:, -1:], 1.0)
    index = np.minimum((cumulative < half).sum(axis=-1), shape[-1] - 1)
    result = flat[rows[:, 0], order[rows[:, 0], index]]
    result = np.where(cumulative[:, -1] > 0, result, np.nan).reshape(shape[:-1])
    return float(result) if result.ndim == 0 else result


def weighted_mean(position: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Σ w_i x_i / Σ w_i on the last axis (NaN where every weight is 0)."""
    weight = np.broadcast_to(weight, position.shape)
    total = weight.sum(axis=-1)
    return np.divide((weight * position).sum(axis=-1), total, out=np.full(np.shape(total), np.nan), where=total > 0)


def _distance(position: np.ndarray, width: np.ndarray) -> np.ndarray:
    """δ[r, i, j] = |x_i - x_j| / Δ."""
    return np.abs(position[:, :, None] - position[:, None, :]) / width[:, None, None]


def win_probability(position: np.ndarray, weight: np.ndarray, risk: np.ndarray, width: np.ndarray,
                    normalisation: str) -> np.ndarray:
    """P[r, i, j], the chance that i beats j, from the votes v_k(i, j) (module docstring, reading a).

    Parameters
    ----------
    position, weight, risk : array (R, A)
        Positions, vote weights c_k s_k and the voters' risk exponents r_k.
    width : array (R,)
        Δ, the width of the scale.
    normalisation : {"pair", "all_pairs"}
    """
    # g[r, k, a] = (|x_k - x_a| / Δ)^{r_k}; v_k(i, j) = w_k (g_kj - g_ki)
    g = _distance(position, width) ** risk[:, :, None]
    votes = weight[:, :, None, None] * (g[:, :, None, :] - g[:, :, :, None])
    favour = np.maximum(votes, 0.0).sum(axis=1)
    if normalisation == "pair":
        total = np.abs(votes).sum(axis=1)
    else:
        # Σ_{a,b} |g_ka - g_kb| from sorted values: Σ_m (2m - A + 1) g_(m), twice.
        ordered = np.sort(g, axis=-1)
        count = ordered.shape[-1]
        rank = 2.0 * np.arange(count) - count + 1.0
        total = (2.0 * weight * (ordered * rank).sum(axis=-1)).sum(axis=-1)[:, None, None]
        total = np.broadcast_to(total, favour.shape)
    return np.divide(favour, total, out=np.zeros_like(favour), where=total > 0)


def expected_utility(position: np.ndarray, salience: np.ndarray, weight: np.ndarray, probability: np.ndarray,
                     exponent: np.ndarray, width: np.ndarray, reading: BDMReading) -> np.ndarray:
    """EU[r, i, j] of i challenging j, every entry scored with ``exponent[r, i, j]`` (module docstring).

    ``weight`` gives the weighted mean μ (used only when Q < 1); pass
    :func:`forecast_weights`, never all 0. ``exponent`` broadcasts against ``(R, A, A)``: pass ``risk[:, :, None]`` to
    score each row with its challenger's exponent, ``risk[:, None, :]`` with its
    target's. The diagonal is 0.
    """
    delta = _distance(position, width)
    success = 2.0 - 4.0 * (0.5 - 0.5 * delta) ** exponent
    failure = 2.0 - 4.0 * (0.5 + 0.5 * delta) ** exponent
    s_j = salience[:, None, :]
    eu = s_j * (probability * success + (1.0 - probability) * failure) + (1.0 - s_j) * success
    q, t = reading.status_quo_probability, reading.improvement_probability
    eu = eu - q * (2.0 - 4.0 * 0.5 ** exponent)
    if q < 1.0:
        mean = weighted_mean(position, weight)
        spread = (np.abs(position - mean[:, None])[:, :, None] + delta * width[:, None, None]) / width[:, None, None]
        better = 2.0 - 4.0 * np.clip(0.5 - 0.25 * spread, 0.0, None) ** exponent
        worse = 2.0 - 4.0 * (0.5 + 0.25 * spread) ** exponent
        eu = eu - (1.0 - q) * (t * better + (1.0 - t) * worse)
    eye = np.eye(position.shape[1], dtype=bool)
    return np.where(eye, 0.0, eu)


def risk_exponents(danger_utility: np.ndarray) -> np.ndarray:
    """r[r, i] from risk-neutral expected utilities EU[r, j, i] of others challenging i.

    .. math::
        S_i = Σ_{j≠i} EU_{ji}, \\quad R_i = \\frac{2 S_i - S_{max} - S_{min}}{S_{max} - S_{min}},
        \\quad r_i = \\frac{1 - R_i/3}{1 + R_i/3}

    All exponents are 1 where every actor is equally in danger.
    """
    danger = danger_utility.sum(axis=1)
    low, high = danger.min(axis=1, keepdims=True), danger.max(axis=1, keepdims=True)
    spread = high - low
    flat = spread <= 1e-15 * np.maximum(np.abs(high), 1.0)
    big_r = np.divide(2.0 * danger - high - low, spread, out=np.zeros_like(danger), where=~flat)
    return (1.0 - big_r / 3.0) / (1.0 + big_r / 3.0)


def _offers(position: np.ndarray, own: np.ndarray, other: np.ndarray, reading: BDMReading
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Classify every offer p -> t and pick one per target.

    ``own[r, t, p]`` is E_tp and ``other[r, t, p]`` is E_pt, both as target t
    judges them. Returns (new positions, the proposer taken or -1, the kind taken).
    """
    x_t, x_p = position[:, :, None], position[:, None, :]
    different = x_t != x_p
    contested = (other > 0) & different
    kind = np.full(own.shape, NO_OFFER, dtype=np.int8)
    kind[contested & (own > 0) & (own < other)] = CONFRONTATION
    losing = contested & (own < 0)
    kind[losing & (other > -own)] = COMPROMISE
    if reading.capitulation:
        kind[losing & (other < -own)] = CAPITULATION
    share = np.divide(-own, other, out=np.zeros_like(own), where=kind == COMPROMISE)
    target = np.where(kind == COMPROMISE, x_t + (x_p - x_t) * share, x_p)
    move = np.abs(target - x_t)
    if reading.offer == "smallest_move":
        key = np.where(kind != NO_OFFER, move, np.inf)
    else:
        # Lexicographic: kind first (confrontation < compromise < capitulation), then within kind.
        point = np.divide(-own * x_t + other * x_p, other - own, out=np.zeros_like(own), where=kind == COMPROMISE)
        within = np.where(kind == COMPROMISE, point, move)
        key = np.where(kind != NO_OFFER, within, np.inf)
        best_kind = np.where(kind != NO_OFFER, kind, 99).min(axis=2, keepdims=True)
        key = np.where(kind == best_kind, key, np.inf)
    chosen = np.argmin(key, axis=2)
    has = np.isfinite(np.take_along_axis(key, chosen[:, :, None], axis=2)[:, :, 0])
    new = np.where(has, np.take_along_axis(target, chosen[:, :, None], axis=2)[:, :, 0], position)
    taken_kind = np.where(has, np.take_along_axis(kind, chosen[:, :, None], axis=2)[:, :, 0], NO_OFFER)
    return new, np.where(has, chosen, -1), taken_kind.astype(np.int8)


def bdm_round(position: np.ndarray, capability: np.ndarray, salience: np.ndarray, width: np.ndarray | float,
              reading: BDMReading = SCHOLZ_CODE, round_: int = 1) -> BDMRound:
    """Play one round for R replicates (module docstring, *One round*).

    Parameters
    ----------
    position, capability, salience : array (R, A)
    width : array (R,) or float
        Δ, the width of the scale.
    reading : BDMReading
    round_ : int
        The round's number, for the record.
    """
    position = np.asarray(position, dtype=float)
    width = np.broadcast_to(np.asarray(width, dtype=float), position.shape[:1])
    weight = capability * salience
    central = forecast_weights(capability, salience)
    neutral = np.ones_like(position)
    p_neutral = win_probability(position, weight, neutral, width, reading.probability)
    eu_neutral = expected_utility(position, salience, central, p_neutral, 1.0, width, reading)
    risk = risk_exponents(eu_neutral)
    probability = win_probability(position, weight, risk, width, reading.probability)
    by_challenger = expected_utility(position, salience, central, probability, risk[:, :, None], width, reading)
    own = by_challenger
    if reading.perspective == "own":
        other = np.swapaxes(by_challenger, 1, 2)
    else:
        by_target = expected_utility(position, salience, central, probability, risk[:, None, :], width, reading)
        other = np.swapaxes(by_target, 1, 2)
    new, taken_from, taken_kind = _offers(position, own, other, reading)
    return BDMRound(round_, position.copy(), weight, risk, probability, by_challenger, taken_from, taken_kind, new,
                    central)


def bdm_run(position: np.ndarray, capability: np.ndarray, salience: np.ndarray, width: np.ndarray | float, *,
            rounds: int = 100, tolerance: float = 1e-6, reading: BDMReading = SCHOLZ_CODE) -> Iterator[BDMRound]:
    """Yield rounds until no position moves by more than ``tolerance * Δ`` in any replicate, or ``rounds`` rounds.

    Accepts one replicate as ``(A,)`` arrays too (then ``R = 1``).
    """
    position = np.atleast_2d(np.asarray(position, dtype=float))
    capability = np.broadcast_to(np.atleast_2d(capability), position.shape)
    salience = np.broadcast_to(np.atleast_2d(salience), position.shape)
    width = np.broadcast_to(np.asarray(width, dtype=float), position.shape[:1])
    for round_ in range(1, rounds + 1):
        record = bdm_round(position, capability, salience, width, reading, round_)
        yield record
        settled = np.all(np.max(np.abs(record.new_position - position), axis=1) <= tolerance * width)
        position = record.new_position
        if settled:
            break


def with_options(reading: BDMReading, **changes: object) -> BDMReading:
    """A copy of ``reading`` with some options changed (validated)."""
    return replace(reading, **changes)
