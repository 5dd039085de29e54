"""Bueno de Mesquita's expected utility model on one dimension, as pure array functions.

Sources: Bueno de Mesquita, B. (1994), "Political forecasting: an expected
utility method", in Stokman & Bueno de Mesquita (eds.), *European Community
Decision Making*, Yale UP, 71-104; restated in full by Scholz, J. B., Calbert,
G. J. & Smith, G. A. (2011), "Unravelling Bueno de Mesquita's group decision
model", *Journal of Theoretical Politics* 23(4), 510-531 (their worked example:
the EU car-emissions case, ten states on a 4-10 scale).

Every function works on a leading replicate axis: positions are ``(R, A)``.
The package: :mod:`~sim.bdm.readings` (the options where readings differ),
:mod:`~sim.bdm.probability` (P_ij), :mod:`~sim.bdm.utility` (expected utilities,
risk exponents), :mod:`~sim.bdm.rounds` (a round, a run), :mod:`~sim.bdm.forecast`
(weighted median and mean); every public name is importable from :mod:`sim.bdm`.

One round
---------
With Δ the width of the scale, voter k's vote for i over j is

.. math:: v_k(i, j) = c_k s_k \\left[(|x_k - x_j|/Δ)^{r_k} - (|x_k - x_i|/Δ)^{r_k}\\right],

P_ij, the chance that i beats j, comes from these votes (see *Readings*). It is
summed without forming the A^3 votes: since r_k > 0, v_k(i, j) > 0 exactly when
voter k is strictly nearer x_i than x_j, i.e. on i's side of the midpoint
(x_i + x_j)/2, a contiguous run of the voters sorted by position, so each dyad's
sum is a difference of running sums over the sorted voters (and the column totals)
(:mod:`sim.bdm.probability`): O(A^2 log A) time and O(A^2) memory per dimension
and round. i's expected utility of challenging j, scored with a risk exponent ρ, is

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

Rounding
--------
A replicate's numbers are the same whatever the batch it is computed in. They are
not bit for bit those of the direct A^3 sum (which summed votes in another order;
P agrees to ~1e-13). Where two actors sit within a few ulps of each other, their
expected utilities of challenging each other are rounding noise (~1e-16), and
whether such a challenge counts as an offer, and which offer a target takes, is
decided by that noise: any change in summation order changes it. On the EU example
with position noise (sd 0.3), 45 runs in 2,000 then end elsewhere than under the
direct sum, and 3 in 1,000 of Vilnius 2023 with its consensus track on bdm; the
published run is unaffected (its positions agree to 1e-14).

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

from sim.bdm.forecast import forecast_weights, weighted_mean, weighted_median
from sim.bdm.probability import win_probability
from sim.bdm.readings import AS_PRINTED, READINGS, SCHOLZ_CODE, BDMReading, with_options
from sim.bdm.rounds import (CAPITULATION, COMPROMISE, CONFRONTATION, NO_OFFER, OFFER_KINDS, BDMRound, bdm_round,
                            bdm_run)
from sim.bdm.utility import expected_utility, risk_exponents

__all__ = [
    "AS_PRINTED", "CAPITULATION", "COMPROMISE", "CONFRONTATION", "NO_OFFER", "OFFER_KINDS", "READINGS",
    "SCHOLZ_CODE", "BDMReading", "BDMRound", "bdm_round", "bdm_run", "expected_utility", "forecast_weights",
    "risk_exponents", "weighted_mean", "weighted_median", "win_probability", "with_options",
]
