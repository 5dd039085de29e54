"""Legislative bargaining with random recognition (Baron & Ferejohn 1989)."""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np

from sim.kernel import city_block_lp, decision, draws, utility
from sim.kernel.decision import rule_met_row
from sim.kernel.state import NegotiationState
from sim.protocols.base import Protocol
from sim.protocols.collective import answer_draft, demands
from sim.protocols.registry import register
from sim.scenario.scenario import Scenario, TrackInfo

__all__ = ["Alternating", "best_acceptable_point", "cheapest_coalition", "recognised"]


def best_acceptable_point(proposer_ideal: np.ndarray, proposer_weights: np.ndarray, ideals: np.ndarray,
                          weights: np.ndarray, budgets: np.ndarray, lower: np.ndarray, upper: np.ndarray
                          ) -> np.ndarray | None:
    """The point best for the proposer that gives every coalition member at least its demand.

    With city-block utility the problem is a linear programme:

    .. math::
        \\min_{x} \\sum_d w_{pd} |x_d - p_{pd}| / W_d \\quad \\text{s.t.} \\quad
        \\sum_d w_{id} |x_d - p_{id}| / W_d \\le 1 - a_i, \\quad \\underline{x} \\le x \\le \\bar{x}

    where :math:`1 - a_i` is member i's budget of distance, solved exactly by
    :mod:`sim.kernel.city_block_lp` (one problem; the protocol solves all its
    replicates' at once with :func:`sim.kernel.city_block_lp.best_points`). Returns
    None when no point satisfies every member.

    Where the proposer's best point is not unique, it takes, among its best points,
    the one nearest its own position on the dimensions it gives no salience (summed,
    range-normalised), then the one nearest on the first dimension, then on the
    second, and so on (the module's tie rule). An indifferent proposer facing an
    indifferent coalition so proposes its own position.

    Parameters
    ----------
    ideals, weights : array (M, D)
        Coalition members' positions and normalised salience weights.
    budgets : array (M,)
        Each member's largest acceptable distance, :math:`1 - a_i`.
    """
    return city_block_lp.best_point(proposer_ideal, proposer_weights, ideals, weights, budgets, lower, upper)


def recognised(uniform: np.ndarray, members: np.ndarray, capability: np.ndarray) -> np.ndarray:
    """The proposer recognised in each replicate, with probability proportional to capability.

    Member i is recognised when :math:`U \\in [F_{i-1}, F_i)`, with
    :math:`F_i = \\sum_{j \\le i,\\, j\\ \\text{member}} c_j / \\sum_{j\\ \\text{member}} c_j` (actors in
    their order; the last member if rounding leaves :math:`F` short of U).

    Parameters
    ----------
    uniform : array (R,)
        One uniform draw per replicate.
    members, capability : array (R, A)
        Who may be recognised (every replicate has one at least), and each actor's capability (> 0).

    Returns
    -------
    array (R,) of int: the proposer's actor index.
    """
    held = np.where(members, capability, 0.0)
    cumulative = np.cumsum(held / held.sum(axis=1, keepdims=True), axis=1)
    beyond = members & (cumulative > uniform[:, None])
    last = members.shape[1] - 1 - np.argmax(members[:, ::-1], axis=1)
    return np.where(beyond.any(axis=1), np.argmax(beyond, axis=1), last)


def cheapest_coalition(proposer: np.ndarray, members: np.ndarray, veto: np.ndarray, capability: np.ndarray,
                       distance_to_proposer: np.ndarray, kind: str, by: str, threshold: float) -> np.ndarray:
    """The members each proposer must satisfy: every blocker, then the nearest others until the rule's quota.

    Under unanimity the coalition is every member holding a veto (every member if
    none does). Otherwise it starts from the proposer and the veto holders and adds
    the other members nearest the proposer (:math:`\\delta` ascending, ties by actor
    order) until, were they all to accept, the track's decision rule would be met
    (:func:`sim.kernel.decision.rule_met_row`: their share of the members' weight,
    capability or one each, reaching the threshold of a qualified majority or more than
    half for a simple one), so a coalition is never judged short by the rule it was built for.

    Parameters
    ----------
    proposer : array (R,) of int
    members, capability, distance_to_proposer : array (R, A)
    veto : array (A,) of bool

    Returns
    -------
    array (R, A) of bool over actors (the proposer included).
    """
    rows = np.arange(members.shape[0])
    blockers = members & veto[None, :]
    start = np.where(blockers.any(axis=1)[:, None] | (kind != "unanimity"), blockers, members)
    start[rows, proposer] = True
    if kind == "unanimity":
        return start
    candidate = members & ~start
    order = np.argsort(np.where(candidate, distance_to_proposer, np.inf), axis=1, kind="stable")
    chosen = np.ascontiguousarray(start)
    _grow_coalitions(chosen, np.ascontiguousarray(order), np.ascontiguousarray(candidate),
                     np.ascontiguousarray(members), np.ascontiguousarray(veto, dtype=np.bool_),
                     np.ascontiguousarray(capability, dtype=float), decision.RULE_CODES[kind], by == "capability",
                     float(threshold))
    return chosen


@numba.njit(cache=True, nogil=True)
def _grow_coalitions(chosen, order, candidate, members, veto, capability, rule, by_capability, threshold
                     ):  # pragma: no cover - compiled
    """Per replicate, add the candidates in ``order`` (nearest first) to ``chosen`` until, were they
    all to accept, the decision rule would be met (:func:`sim.kernel.decision.rule_met_row`, the rule
    that then judges the answers: the same sums in the same order)."""
    for r in range(chosen.shape[0]):
        for position in range(order.shape[1]):
            if rule_met_row(chosen[r], members[r], veto, capability[r], rule, by_capability, threshold):
                break
            i = order[r, position]
            if not candidate[r, i]:  # candidates come first; the rest are not members or already in
                break
            chosen[r, i] = True


@register
class Alternating(Protocol):
    """A proposer recognised at random by capability proposes the best point it can pass.

    Each round t:

    1. one participant is recognised with probability :math:`c_i / \\sum_j c_j`
       (one uniform draw per replicate, :func:`recognised`);
    2. it proposes the point best for itself among those that every member of its
       cheapest winning coalition accepts at its current demand :math:`a_i(t)`
       (:func:`cheapest_coalition`, :func:`best_acceptable_point`; ties broken as
       stated there); if there is none, it proposes its own ideal point;
    3. every participant answers (:math:`u_i \\ge a_i(t)`, or logistic); if the decision
       rule is met the proposal is the statement, otherwise the next round, until the deadline.

    Demands fall by each actor's Faratin curve, so coalitions get cheaper as the
    deadline nears. One call plays the round for every open replicate: the draws come
    from each replicate's own generator and every other step is row by row, so a
    replicate plays the same in a batch as alone; the proposals are solved together
    by the compiled :func:`sim.kernel.city_block_lp.best_points`. Its trace (:meth:`trace`)
    marks the proposer, its coalition and its proposal.
    """

    name = "alternating"
    citation = ("Baron, D. P. & Ferejohn, J. A. (1989). Bargaining in legislatures. "
                "American Political Science Review 83(4), 1181-1206")
    summary = "random recognition by capability; the proposer offers its best point that can pass"
    stochastic = True
    batched = True
    decision_rules = decision.COLLECTIVE_RULES

    @classmethod
    def trace(cls, scenario: Scenario, track: TrackInfo, state: NegotiationState) -> dict[str, np.ndarray]:
        """Who proposed what this round, to whom, and whether it passed.

        - ``alternating.proposer``: True on the recognised proposer's row;
        - ``alternating.coalition``: True for the members of its cheapest winning
          coalition (the proposer included), whose demands the proposal was built to meet;
        - ``alternating.fallback``: True on the proposer's row when no point met every
          coalition member's demand, so it proposed its own ideal point;
        - ``alternating.proposal.<dim>``: the proposal, on the proposer's row;
        - ``alternating.passed``: whether the proposal met the decision rule (every row).
        """
        k, shape = track.index, state.capability.shape
        proposer = state.extra.get("alternating.proposer")
        proposer = proposer[:, k] if proposer is not None else np.full(shape[:1], np.nan)
        coalition = state.extra.get("alternating.coalition")
        fallback = state.extra.get("alternating.fallback")
        is_proposer = np.arange(shape[1])[None, :] == np.nan_to_num(proposer, nan=-1)[:, None]
        columns = {
            "alternating.proposer": is_proposer,
            "alternating.coalition": coalition[:, k] > 0 if coalition is not None else np.zeros(shape, bool),
            "alternating.fallback": is_proposer & (fallback[:, k, None] > 0 if fallback is not None else False),
        }
        for d in track.dims:
            columns[f"alternating.proposal.{scenario.dimension_ids[d]}"] = np.where(
                is_proposer, state.draft[:, d, None], np.nan)
        passed = state.agreed_round[:, k] == state.round
        columns["alternating.passed"] = np.broadcast_to(passed[:, None], shape)
        return columns

    @staticmethod
    def play_round(scenario: Scenario, track: TrackInfo, state: NegotiationState, round_: int,
                   rngs: Sequence[np.random.Generator]) -> None:
        k, dims = track.index, track.dims
        live = state.open[:, k]
        members = state.participating[:, k, :]
        for name, shape in (("proposer", members.shape[:1]), ("fallback", members.shape[:1]),
                            ("coalition", members.shape)):
            if f"alternating.{name}" not in state.extra:
                state.extra[f"alternating.{name}"] = np.full((shape[0], state.open.shape[1]) + shape[1:], np.nan)
        proposed = state.extra["alternating.proposer"]
        fell_back = state.extra["alternating.fallback"]
        chosen = state.extra["alternating.coalition"]
        position, salience = state.position[:, :, dims], state.salience[:, :, dims]
        weights = utility.salience_weights(salience)
        width = scenario.width[dims]
        demand = demands(scenario, track, state, round_)
        recognition = draws.uniforms(rngs, (), live)
        rows = np.flatnonzero(live)
        if len(rows):
            proposer = recognised(recognition[rows], members[rows], state.capability[rows])
            own, own_weights = position[rows, proposer], weights[rows, proposer]
            gap = utility.distance(own, position[rows], weights[rows], width)
            coalition = cheapest_coalition(proposer, members[rows], scenario.veto, state.capability[rows], gap,
                                           track.rule_kind, track.rule_by, track.threshold)
            others = coalition.copy()
            others[np.arange(len(rows)), proposer] = False
            point, feasible = city_block_lp.best_points(own, own_weights, position[rows], weights[rows],
                                                        1.0 - demand[rows], others, scenario.lower[dims],
                                                        scenario.upper[dims])
            state.draft[np.ix_(rows, dims)] = np.where(feasible[:, None], point, own)
            proposed[rows, k], fell_back[rows, k], chosen[rows, k] = proposer, ~feasible, coalition
        answer_draft(scenario, track, state, round_, rngs)
