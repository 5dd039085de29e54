"""Legislative bargaining with random recognition (Baron & Ferejohn 1989)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.kernel import decision, draws, utility
from sim.kernel.state import NegotiationState
from sim.protocols.base import Protocol
from sim.protocols.collective import answer_draft, demands
from sim.protocols.registry import register
from sim.scenario.scenario import Scenario, TrackInfo

__all__ = ["Alternating", "best_acceptable_point", "cheapest_coalition"]


def best_acceptable_point(proposer_ideal: np.ndarray, proposer_weights: np.ndarray, ideals: np.ndarray,
                          weights: np.ndarray, budgets: np.ndarray, lower: np.ndarray, upper: np.ndarray
                          ) -> np.ndarray | None:
    """The point best for the proposer that gives every coalition member at least its demand.

    With city-block utility the problem is a linear programme (``scipy.optimize.linprog``):

    .. math::
        \\min_{x, e} \\sum_d w_{pd} e_{pd} / W_d \\quad \\text{s.t.} \\quad
        \\sum_d w_{id} e_{id} / W_d \\le 1 - a_i, \\quad
        e_{id} \\ge \\pm (x_d - p_{id}), \\quad \\underline{x} \\le x \\le \\bar{x}

    where :math:`1 - a_i` is member i's budget of distance. Returns None when no
    point satisfies every member.

    On a dimension the proposer gives no salience (:math:`w_{pd} = 0`) its utility
    does not pick a point; among the proposer's best points it then proposes the one
    nearest its own position on those dimensions (a second programme minimising
    :math:`\\sum_{d: w_{pd} = 0} e_{pd} / W_d` with the proposer's distance held at its
    optimum), not whatever vertex the solver returns (a bound of the range). An
    indifferent proposer facing an indifferent coalition so proposes its own position.

    Parameters
    ----------
    ideals, weights : array (M, D)
        Coalition members' positions and normalised salience weights.
    budgets : array (M,)
        Each member's largest acceptable distance, :math:`1 - a_i`.
    """
    from scipy.optimize import linprog  # loaded only when a proposal is made

    members, dims = ideals.shape
    width = upper - lower
    everyone = np.vstack([proposer_ideal[None, :], ideals])
    people = members + 1
    # variables: x (dims), then e[person, d] (people * dims)
    n_vars = dims + people * dims
    cost = np.zeros(n_vars)
    cost[dims:dims + dims] = proposer_weights / width
    rows, bounds_rhs = [], []
    for person in range(people):
        for d in range(dims):
            e_index = dims + person * dims + d
            for sign in (1.0, -1.0):  # sign*(x_d - p) - e <= 0
                row = np.zeros(n_vars)
                row[d] = sign
                row[e_index] = -1.0
                rows.append(row)
                bounds_rhs.append(sign * everyone[person, d])
    for m in range(members):
        row = np.zeros(n_vars)
        start = dims + (m + 1) * dims
        row[start:start + dims] = weights[m] / width
        rows.append(row)
        bounds_rhs.append(budgets[m])
    var_bounds = [(lower[d], upper[d]) for d in range(dims)] + [(0, None)] * (people * dims)
    result = linprog(cost, A_ub=np.array(rows), b_ub=np.array(bounds_rhs), bounds=var_bounds, method="highs")
    if result.status != 0:
        return None
    idle = np.flatnonzero(np.asarray(proposer_weights) <= 0)
    if len(idle):  # the proposer's utility leaves these dimensions free: stay nearest its own position
        tie = np.zeros(n_vars)
        tie[dims + idle] = 1.0 / width[idle]
        best = np.r_[np.array(rows), cost[None, :]]
        limit = np.r_[np.array(bounds_rhs), result.fun + 1e-9]
        second = linprog(tie, A_ub=best, b_ub=limit, bounds=var_bounds, method="highs")
        if second.status == 0:
            return second.x[:dims]
    return result.x[:dims]


def cheapest_coalition(proposer: int, members: np.ndarray, veto: np.ndarray, capability: np.ndarray,
                       distance_to_proposer: np.ndarray, kind: str, by: str, threshold: float) -> np.ndarray:
    """The members the proposer must satisfy: every blocker, then the nearest others until the rule's quota.

    Returns a boolean mask over actors (the proposer included).
    """
    chosen = members & veto if (members & veto).any() or kind != "unanimity" else members.copy()
    chosen = chosen.copy()
    chosen[proposer] = True
    if kind == "unanimity":
        return chosen
    weight = capability if by == "capability" else np.ones_like(capability)
    total = weight[members].sum()
    need = threshold if kind == "qualified_majority" else 0.5
    order = [i for i in np.argsort(distance_to_proposer, kind="stable") if members[i] and not chosen[i]]
    for i in order:
        share = weight[chosen].sum() / total
        if share >= need - 1e-12 and (kind != "simple_majority" or share > 0.5):
            break
        chosen[i] = True
    return chosen


@register
class Alternating(Protocol):
    """A proposer recognised at random by capability proposes the best point it can pass.

    Each round t:

    1. one participant is recognised with probability :math:`c_i / \\sum_j c_j`
       (one uniform draw per replicate);
    2. it proposes the point best for itself among those that every member of its
       cheapest winning coalition accepts at its current demand :math:`a_i(t)`
       (:func:`cheapest_coalition`, :func:`best_acceptable_point`); if there is none,
       it proposes its own ideal point;
    3. every participant answers (:math:`u_i \\ge a_i(t)`, or logistic); if the decision
       rule is met the proposal is the statement, otherwise the next round, until the deadline.

    Demands fall by each actor's Faratin curve, so coalitions get cheaper as the
    deadline nears. Its trace (:meth:`trace`) marks the proposer, its coalition and its proposal.
    """

    name = "alternating"
    citation = ("Baron, D. P. & Ferejohn, J. A. (1989). Bargaining in legislatures. "
                "American Political Science Review 83(4), 1181-1206")
    summary = "random recognition by capability; the proposer offers its best point that can pass"
    stochastic = True
    batched = False
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
        for r in np.flatnonzero(live):
            candidates = np.flatnonzero(members[r])
            odds = state.capability[r, candidates] / state.capability[r, candidates].sum()  # capability > 0
            proposer = int(candidates[min(np.searchsorted(np.cumsum(odds), recognition[r], side="right"),
                                          len(candidates) - 1)])
            gap = utility.distance(position[r, proposer][None, :], position[r][None], weights[r][None], width)[0]
            coalition = cheapest_coalition(proposer, members[r], scenario.veto, state.capability[r], gap,
                                           track.rule_kind, track.rule_by, track.threshold)
            others = np.flatnonzero(coalition & (np.arange(len(coalition)) != proposer))
            point = best_acceptable_point(position[r, proposer], weights[r, proposer], position[r, others],
                                          weights[r, others], 1.0 - demand[r, others],
                                          scenario.lower[dims], scenario.upper[dims])
            state.draft[r, dims] = position[r, proposer] if point is None else point
            proposed[r, k], fell_back[r, k], chosen[r, k] = proposer, point is None, coalition
        answer_draft(scenario, track, state, round_, rngs)
