"""The mediated single negotiating text: how communiques are drafted."""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np

from sim.kernel import decision
from sim.kernel.utility import FAST_MATH, contiguous_start, per_replicate
from sim.kernel.state import NegotiationState
from sim.protocols.base import Protocol
from sim.protocols.collective import AnswerInputs, answer_row, record_answers
from sim.protocols.registry import register
from sim.scenario.scenario import Scenario, TrackInfo

__all__ = ["Mediated", "compromise", "revise_draft"]


def compromise(position: np.ndarray, salience: np.ndarray, capability: np.ndarray,
               members: np.ndarray, dims: np.ndarray | None = None) -> np.ndarray:
    """Capability x salience weighted mean of members' positions (Achen's compromise model).

    .. math:: \\hat x_d = \\sum_i c_i s_{id} x_{id} / \\sum_i c_i s_{id}

    and, on a dimension where no member has salience, the capability-weighted mean
    :math:`\\sum_i c_i x_{id} / \\sum_i c_i`. One compiled pass over the members, the
    sums in actor order (:func:`_weighted_means`).

    Parameters
    ----------
    position, salience : array (R, A, K), or (R, A, D) with ``dims``
        Either may have one row (1, A, .) that every replicate shares.
    capability : array (R, A)
    members : array (R, A) of bool
    dims : array (K,) of int, optional
        The dimensions to take (default: all of them).

    Returns
    -------
    array (R, K)
    """
    position = np.ascontiguousarray(position, dtype=float)  # one layout: see sim.kernel.utility._run
    dims = np.arange(position.shape[2], dtype=np.intp) if dims is None else np.array(dims, dtype=np.intp)
    out = np.empty((capability.shape[0], len(dims)))
    _weighted_means(position, per_replicate(salience, position.shape),
                    np.ascontiguousarray(capability, dtype=float), np.ascontiguousarray(members, dtype=np.bool_),
                    dims, out)
    return out


@numba.njit(cache=True, nogil=True, fastmath=FAST_MATH)
def _weighted_means(position, salience, capability, members, dims, out):  # pragma: no cover - compiled
    """out[r, j]: the members' c x s weighted mean on dims[j] (c-weighted where no member has salience)."""
    replicates, actors = capability.shape
    count = dims.shape[0]
    total = np.empty(count)
    pulled = np.empty(count)
    plain = np.empty(count)
    for r in range(replicates):
        rp = r if position.shape[0] > 1 else 0  # one table shared by every replicate, or one each
        rs = r if salience.shape[0] > 1 else 0
        total[:] = 0.0
        pulled[:] = 0.0
        plain[:] = 0.0
        plain_total = 0.0
        for i in range(actors):
            if not members[r, i]:
                continue
            c = capability[r, i]
            plain_total += c
            for j in range(count):
                d = dims[j]
                w = c * salience[rs, i, d]
                total[j] += w
                pulled[j] += w * position[rp, i, d]
                plain[j] += c * position[rp, i, d]
        for j in range(count):
            if total[j] > 0.0:
                out[r, j] = pulled[j] / total[j]
            else:
                out[r, j] = plain[j] / max(plain_total, 1e-300)


def revise_draft(draft: np.ndarray, position: np.ndarray, salience: np.ndarray, capability: np.ndarray,
                 objectors: np.ndarray, dissatisfaction: np.ndarray, step: float | np.ndarray,
                 dims: np.ndarray | None = None, rows: np.ndarray | None = None) -> np.ndarray:
    """The broker's revision toward the objections.

    .. math::
        W_{id} = c_i \\, s_{id} \\, \\max(a_i - u_i, 0) \\, [i \\text{ objects}], \\qquad
        x_d \\leftarrow x_d + \\lambda \\Big( \\frac{\\sum_i W_{id} p_{id}}{\\sum_i W_{id}} - x_d \\Big)

    where :math:`\\lambda` is the broker's step; a dimension no objector weighs stays put.
    The sums run over actors in order, in one compiled pass that reads only the
    objectors' positions and saliences (:func:`_objection_pull`).

    Parameters
    ----------
    draft : array (R, K)
        The draft on the track's K dimensions.
    position, salience : array (R, A, K), or (R, A, D) with ``dims``; either may have one row
        (1, A, .) that every replicate shares
    capability, dissatisfaction : array (R, A)
        Dissatisfaction is :math:`a_i - u_i` (NaN for an actor that has not answered: no pull).
    objectors : array (R, A) of bool
    step : float or array (R,) or (R, 1)
    dims : array (K,) of int, optional
        The track's dimensions in ``position`` and ``salience`` (default: all of them).
    rows : array (R,) of bool, optional
        The replicates to revise (the others keep their draft).
    """
    replicates, actors = capability.shape
    dims = np.arange(position.shape[2], dtype=np.intp) if dims is None else np.array(dims, dtype=np.intp)
    rows = np.ones(replicates, dtype=np.bool_) if rows is None else np.asarray(rows, dtype=np.bool_)
    step = np.require(np.broadcast_to(np.asarray(step, dtype=float).reshape(-1), (replicates,)), float, ["C", "W"])
    revised = np.array(draft, dtype=float, order="C")  # one layout: see sim.kernel.utility._run
    position = np.ascontiguousarray(position, dtype=float)
    _objection_pull(revised, position, per_replicate(salience, position.shape),
                    np.ascontiguousarray(capability, dtype=float), np.ascontiguousarray(objectors, dtype=np.bool_),
                    np.ascontiguousarray(dissatisfaction, dtype=float), dims, contiguous_start(dims),
                    step, np.ascontiguousarray(rows))
    return revised


@numba.njit(cache=True, nogil=True, fastmath=FAST_MATH)
def revise_row(x, table, weights, capability, members, accepted, demand, utility, dims, start, step, total, pulled
               ):  # pragma: no cover - compiled
    """One replicate's revision, in place on its draft ``x`` (on the track's dimensions): objectors
    (members that did not accept) with a gap :math:`a_i - u_i > 0` (a NaN gap: no pull) pull with
    :math:`W_{id} = c_i \\, gap_i \\, s_{id}`, and x[j] += step (sum_i W p / sum_i W - x[j]) where
    sum_i W > 0 (d_j = start + j when ``start`` >= 0, else dims[j]). Read straight from last round's
    answers (``demand`` and ``utility``; a caller with the gaps passes them as ``demand`` and zeros).
    ``total`` and ``pulled`` are scratch. The one definition of the revision's sums."""
    count = dims.shape[0]
    total[:] = 0.0
    pulled[:] = 0.0
    for i in range(capability.shape[0]):
        if members[i] and not accepted[i]:
            gap = demand[i] - utility[i]
        else:
            continue
        if gap > 0.0:
            w_i = capability[i] * gap
            p = table[i]
            s = weights[i]
            if start >= 0:  # consecutive dimensions: the loop vectorises
                for j in range(count):
                    w = w_i * s[start + j]
                    total[j] += w
                    pulled[j] += w * p[start + j]
            else:
                for j in range(count):
                    w = w_i * s[dims[j]]
                    total[j] += w
                    pulled[j] += w * p[dims[j]]
    for j in range(count):
        if total[j] > 0.0:
            x[j] = x[j] + step * (pulled[j] / total[j] - x[j])


@numba.njit(cache=True, nogil=True)
def _objection_pull(draft, position, salience, capability, objectors, dissatisfaction, dims, start, step, rows
                    ):  # pragma: no cover - compiled
    """:func:`revise_row` for each replicate asked."""
    total = np.empty(dims.shape[0])
    pulled = np.empty(dims.shape[0])
    accepted = np.zeros(capability.shape[1], dtype=np.bool_)
    nothing = np.zeros(capability.shape[1])
    for r in range(capability.shape[0]):
        if rows[r]:
            revise_row(draft[r], position[r if position.shape[0] > 1 else 0],
                       salience[r if salience.shape[0] > 1 else 0], capability[r], objectors[r], accepted,
                       dissatisfaction[r], nothing, dims, start, step[r], total, pulled)


@numba.njit(cache=True, nogil=True)
def _mediated_rows(revise, step, live, k, draft, position, salience, dims, start, scale, demand, uniforms, logistic,
                   temperature, participating, veto, capability, rule, by_capability, threshold,
                   utility_out, demand_out, accepts_out, met):  # pragma: no cover - compiled
    """One mediated round, replicate by replicate: the broker revises (``revise``: from round 2)
    toward last round's objectors (:func:`revise_row`), then the members answer
    (:func:`sim.protocols.collective.answer_row`)."""
    replicates = capability.shape[0]
    total = np.empty(dims.shape[0])
    pulled = np.empty(dims.shape[0])
    for r in range(replicates):
        if not live[r]:
            met[r] = False
            continue
        if revise:  # toward last round's objectors, read from its answers
            revise_row(draft[r], position[r if position.shape[0] > 1 else 0],
                       salience[r if salience.shape[0] > 1 else 0], capability[r], participating[r, k],
                       accepts_out[r, k], demand_out[r, k], utility_out[r, k], dims, start, step[r], total, pulled)
        met[r] = answer_row(r, k, draft, position, salience, dims, start, scale, demand, uniforms, logistic,
                            temperature, participating, veto, capability, rule, by_capability, threshold,
                            utility_out, demand_out, accepts_out)


@register
class Mediated(Protocol):
    """A broker drafts one text; members accept or object in parallel; the broker revises.

    Each round t of a track with deadline T:

    0. from round 2 on, the broker first revises the draft: it moves a share
       :math:`\\lambda` toward the positions of last round's objectors, weighted
       by capability x salience x dissatisfaction (:func:`revise_draft`);
    1. every participant i evaluates the draft x: utility
       :math:`u_i(x) = 1 - \\sum_d w_{id} |x_d - p_{id}| / \\text{width}_d` and demand
       :math:`a_i(t) = r_i + (1 - r_i)(1 - \\alpha_i(t))` with Faratin's
       :math:`\\alpha_i(t) = ((t-1)/(T-1))^{1/\\beta_i}`;
    2. it accepts when :math:`u_i \\ge a_i` (or with probability
       :math:`1/(1 + e^{-(u_i - a_i)/\\tau})` under logistic acceptance);
    3. if the track's decision rule is met, the draft is the statement;
       otherwise the track goes to another round, until its deadline.

    The first draft is the members' compromise (:func:`compromise`) or the status
    quo, as the broker is declared. Bloc cohesion and events act on positions
    before each round (see :func:`sim.dynamics.advance`). Agreement near the deadline is
    not scripted: it comes from Boulware demands falling late while the draft
    converges on what the objectors can live with.

    Its trace (:meth:`trace`) gives each objector's weight in the broker's next
    revision and its share of the pull on each dimension.

    Degenerate inputs: on a dimension no member gives any salience the first draft
    is the capability-weighted mean (:func:`compromise`) and no revision moves it
    (no objector weighs it); an actor with no salience anywhere values every text
    at 1 (:func:`sim.kernel.utility.salience_weights`) and accepts it; with every
    member at one position the first draft is that position and is agreed in round 1.
    """

    name = "mediated"
    citation = ("Raiffa, H. (1982). The Art and Science of Negotiation, Harvard University Press "
                "(the single negotiating text, as used at Camp David); "
                "Faratin, Sierra & Jennings (1998), Robotics and Autonomous Systems 24(3-4)")
    summary = "broker drafts one text, members accept or object, broker revises toward objections"
    stochastic = False
    batched = True
    decision_rules = decision.COLLECTIVE_RULES

    @classmethod
    def trace(cls, scenario: Scenario, track: TrackInfo, state: NegotiationState) -> dict[str, np.ndarray]:
        """Each actor's pull on the broker's next revision, from its answer to this round's draft.

        - ``mediated.weight``: :math:`c_i \\max(a_i - u_i, 0)` if it objects, else 0
          (what :func:`revise_draft` weighs it by, before salience);
        - ``mediated.pull.<dim>``: its share of the revision's target on the dimension,
          :math:`W_{id} / \\sum_j W_{jd}` (NaN where nobody objects with weight).

        Both are NaN once the track has closed (no revision follows). The next
        round's revision uses the saliences after that round's events, so an event
        shifting a salience changes the pull from what is shown here.
        """
        k, dims = track.index, track.dims
        members = state.participating[:, k, :]
        objectors = members & ~state.accepts[:, k, :]
        gap = np.maximum(np.nan_to_num(state.demand[:, k, :] - state.utility[:, k, :], nan=0.0), 0.0)
        weight = np.where(objectors, state.capability * gap, 0.0)
        pulls = weight[:, :, None] * state.salience[:, :, dims]
        total = pulls.sum(axis=1, keepdims=True)
        share = np.divide(pulls, total, out=np.full_like(pulls, np.nan), where=total > 0)
        live = state.open[:, k, None]
        columns = {"mediated.weight": np.where(live & members, weight, np.nan)}
        for column, d in enumerate(dims):
            columns[f"mediated.pull.{scenario.dimension_ids[d]}"] = np.where(live & members, share[:, :, column],
                                                                             np.nan)
        return columns

    @staticmethod
    def open(scenario: Scenario, track: TrackInfo, state: NegotiationState) -> None:
        dims = track.dims
        if scenario.spec.broker.initial_draft == "status_quo":
            state.draft[:, dims] = state.status_quo[:, dims]
            return
        members = state.participating[:, track.index, :]
        state.draft[:, dims] = compromise(state.position, state.salience, state.capability, members, dims)

    @staticmethod
    def play_round(scenario: Scenario, track: TrackInfo, state: NegotiationState, round_: int,
                   rngs: Sequence[np.random.Generator]) -> None:
        k = track.index
        inputs = AnswerInputs(scenario, track, state, round_, rngs)
        met = np.zeros(state.replicates, dtype=np.bool_)
        _mediated_rows(round_ > 1, np.ascontiguousarray(state.broker_step, dtype=float), inputs.live, k,
                       *inputs.arguments(state, k), met)
        state.draft[:, track.dims] = inputs.draft  # revised where open
        record_answers(track, state, round_, inputs.live, met)
