"""Packages: tracks the broker negotiates as one text, where nothing is agreed until everything is agreed.

Each round of a package P (its tracks' protocol is the mediated single text):

1. from round 2 on, the broker revises the package's draft (every member
   track's dimensions at once): toward last round's objectors, as
   :func:`sim.protocols.mediated.revise_draft` does; or, with ``linkage``, toward
   the package point that leaves the worst-off member best placed against its
   demand (:func:`linkage_target`), trading one dimension against another;
2. every member i judges the whole package: with :math:`w_{id} = s_{id} / \\sum_e s_{ie}`
   over the dimensions of the member tracks it takes part in,
   :math:`u_i(x) = 1 - \\sum_d w_{id} |x_d - p_{id}| / W_d = \\sum_k \\sigma_{ik} u_{ik}(x)`,
   where :math:`\\sigma_{ik}` is the share of its salience on track k: a gain on
   one track makes up for a loss on another. Its demand is the same mixture of
   its track demands, :math:`a_i(t) = \\sum_k \\sigma_{ik} a_{ik}(t)`, each with
   Faratin's concession toward the package deadline (the earliest member deadline);
3. it accepts the package when :math:`u_i \\ge a_i` (or by the logistic rule),
   and that answer counts on every member track it takes part in;
4. the package is agreed when every member track's decision rule accepts it;
   otherwise another round, until the package deadline, when every member track
   fails together.

Issue linkage and logrolling: Tollison, R. D. & Willett, T. D. (1979), "An economic
theory of mutually advantageous issue linkages in international negotiations",
*International Organization* 33(4), 425-449; Sebenius, J. K. (1983), "Negotiation
arithmetic: adding and subtracting issues and parties", *International
Organization* 37(2), 281-316. The linkage target is Raiffa's (1982, *The Art and
Science of Negotiation*) mediator looking for a jointly acceptable package: a
linear programme, since city-block utilities are piecewise linear.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.kernel import acceptance, concession, decision, draws, utility
from sim.kernel.state import NegotiationState
from sim.protocols.mediated import revise_draft
from sim.scenario.scenario import PackageInfo, Scenario

__all__ = ["linkage_target", "package_demand", "package_utility", "play_package"]


def _taking_part(scenario: Scenario, package: PackageInfo, state: NegotiationState) -> np.ndarray:
    """array (R, A, D_P): whether each actor takes part in the track that owns each package dimension."""
    return np.concatenate([np.repeat(state.participating[:, k, :, None], len(scenario.tracks[k].dims), axis=2)
                           for k in package.tracks], axis=2)


def package_utility(scenario: Scenario, package: PackageInfo, state: NegotiationState,
                    draft: np.ndarray | None = None) -> np.ndarray:
    """Each actor's utility of the package draft over the dimensions it negotiates: array (R, A)."""
    dims = package.dims
    salience = state.salience[:, :, dims] * _taking_part(scenario, package, state)
    points = state.draft[:, dims] if draft is None else draft
    return utility.utility(points, state.position[:, :, dims], utility.salience_weights(salience), scenario.width[dims])


def package_demand(scenario: Scenario, package: PackageInfo, state: NegotiationState, round_: int) -> np.ndarray:
    """:math:`a_i(t) = \\sum_k \\sigma_{ik} a_{ik}(t)`, salience shares of its track demands: array (R, A)."""
    shares, demands = [], []
    for k in package.tracks:
        track = scenario.tracks[k]
        taking_part = state.participating[:, k, :]
        shares.append(np.where(taking_part, state.salience[:, :, track.dims].sum(axis=2), 0.0))
        demands.append(concession.demand(round_, package.deadline, state.tactic, state.reservation_utility[:, k]))
    shares_array = np.stack(shares)
    total = shares_array.sum(axis=0)
    weighted = (shares_array * np.stack(demands)).sum(axis=0)
    plain = np.mean(demands, axis=0)  # an actor with no salience on the package: the plain mean
    return np.divide(weighted, total, out=plain.copy(), where=total > 0)


def linkage_target(position: np.ndarray, weights: np.ndarray, demand: np.ndarray, lower: np.ndarray,
                   upper: np.ndarray) -> np.ndarray | None:
    """The package point that maximises the smallest slack :math:`u_i(x) - a_i` over the members.

    .. math::
        \\max_{x, e, z} z \\quad \\text{s.t.} \\quad
        \\sum_d w_{id} e_{id} / W_d + z \\le 1 - a_i, \\quad e_{id} \\ge \\pm(x_d - p_{id}),
        \\quad \\underline{x} \\le x \\le \\bar{x}

    (``scipy.optimize.linprog``). A member who cares little about a dimension
    costs little there, so the solution concedes each dimension to those who
    weigh it most: a logroll.

    Parameters
    ----------
    position, weights : array (M, D)
        Members' ideal points and salience weights.
    demand : array (M,)

    Returns
    -------
    array (D,), or None if the programme fails.
    """
    from scipy.optimize import linprog

    members, dims = position.shape
    width = upper - lower
    n = dims + members * dims + 1  # x, e (member-major), z
    rows, rhs = [], []
    for i in range(members):
        row = np.zeros(n)
        row[dims + i * dims: dims + (i + 1) * dims] = weights[i] / width
        row[-1] = 1.0
        rows.append(row)
        rhs.append(1.0 - demand[i])
        for d in range(dims):
            for sign in (1.0, -1.0):  # sign (x_d - p_id) - e_id <= 0
                row = np.zeros(n)
                row[d], row[dims + i * dims + d] = sign, -1.0
                rows.append(row)
                rhs.append(sign * position[i, d])
    cost = np.zeros(n)
    cost[-1] = -1.0
    bounds = list(zip(lower, upper)) + [(0.0, None)] * (members * dims) + [(None, None)]
    result = linprog(cost, A_ub=np.array(rows), b_ub=np.array(rhs), bounds=bounds, method="highs")
    return result.x[:dims] if result.status == 0 else None


def play_package(scenario: Scenario, package: PackageInfo, state: NegotiationState, round_: int,
                 rngs: Sequence[np.random.Generator]) -> None:
    """Play round ``round_`` of a package in every replicate where it is still open (module docstring)."""
    tracks = [scenario.tracks[k] for k in package.tracks]
    first, dims = package.tracks[0], package.dims
    live = state.open[:, first]
    members = state.participating[:, list(package.tracks), :].any(axis=1)
    taking_part = _taking_part(scenario, package, state)
    if round_ > 1:
        step = state.broker_step[:, None]
        draft = state.draft[:, dims]
        if package.linkage:
            revised = draft.copy()
            weights = utility.salience_weights(state.salience[:, :, dims] * taking_part)
            demand = package_demand(scenario, package, state, round_)
            for r in np.flatnonzero(live):
                who = np.flatnonzero(members[r])
                target = linkage_target(state.position[r][np.ix_(who, dims)], weights[r, who], demand[r, who],
                                        scenario.lower[dims], scenario.upper[dims])
                if target is not None:
                    revised[r] = draft[r] + step[r] * (target - draft[r])
        else:
            objectors = members & ~state.accepts[:, first, :]
            revised = revise_draft(draft, state.position[:, :, dims], state.salience[:, :, dims] * taking_part,
                                   state.capability, objectors, state.demand[:, first, :] - state.utility[:, first, :],
                                   step)
        state.draft[:, dims] = np.where(live[:, None], revised, draft)
    value = package_utility(scenario, package, state)
    demand = package_demand(scenario, package, state, round_)
    rule = scenario.spec.acceptance
    noise = draws.uniforms(rngs, (value.shape[1],), live) if rule.rule == "logistic" else None
    answers = acceptance.accepts(value, demand, rule.rule, rule.temperature, noise) & members
    met = live.copy()
    for track in tracks:
        k = track.index
        part = state.participating[:, k, :]
        rows = live[:, None] & part
        state.utility[:, k, :] = np.where(rows, value, state.utility[:, k, :])
        state.demand[:, k, :] = np.where(rows, demand, state.demand[:, k, :])
        state.accepts[:, k, :] = np.where(live[:, None], answers & part, state.accepts[:, k, :])
        met &= decision.rule_met(answers & part, part, scenario.veto, state.capability, track.rule_kind,
                                 track.rule_by, track.threshold)
    for track in tracks:
        k = track.index
        state.agreed_round[:, k] = np.where(met, round_, state.agreed_round[:, k])
        state.open[:, k] = live & ~met & (round_ < package.deadline)
