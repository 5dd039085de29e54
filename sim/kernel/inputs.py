"""A run's inputs, per replicate: the declared values, or draws from the declared uncertainty.

Both engines start from :func:`draw_inputs` (a Monte Carlo replicate) or
:func:`declared_inputs` (a run of the declared inputs), so
``NegotiationModel(case, seed=S, replicate=r)`` and ``run_ensemble(case, S, [..., r, ...])``
start replicate r from the same numbers.

Each uncertain number (:mod:`sim.scenario.uncertainties`) is drawn, in replicate r, as

.. math:: x = F^{-1}(\\Phi(z)), \\qquad z = \\ell f + \\sqrt{1 - \\ell^2}\\, \\varepsilon

with F its marginal (:class:`sim.kernel.uncertainty.Marginals`), ε a standard normal
from the number's own sub-stream and f one from its factor's (:mod:`sim.seeding`);
without a factor, :math:`z = \\varepsilon`. Two numbers on one factor correlate (in z)
by the product of their loadings.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.kernel.uncertainty import Marginals
from sim.scenario.scenario import Scenario
from sim.scenario.uncertainties import UncertainInput
from sim.seeding import stable_hash, stream_uniforms

__all__ = ["DrawPlan", "Inputs", "copula_uniforms", "draw_plan", "declared_inputs", "draw_inputs", "event_input", "input_cells"]


@dataclass
class Inputs:
    """Every number a run reads that a scenario may declare uncertain, per replicate.

    Shapes: R replicates, A actors, D dimensions, K tracks, B wording bands (the most any
    dimension has; missing bands' edges are +inf), E events.

    Attributes
    ----------
    position, salience : array (R, A, D)
    capability, tactic, flexibility : array (R, A)
    reservation_utility : array (R, K, A)
    broker_step : array (R,)
    status_quo : array (R, D)
        NaN where the scenario declares none.
    band_from : array (R, D, B)
        Where each wording band starts.
    event_strength : array (R, E)
        A bilateral event's strength (NaN for other kinds).
    event_round : array (R, E) of int
        The round before which an event fires (0 for an event that fires on a condition).
    event_amount : array (R, E)
        A shift event's ``to`` (or, if it has none, its ``by``); NaN for other kinds.
    """

    position: np.ndarray
    salience: np.ndarray
    capability: np.ndarray
    tactic: np.ndarray
    flexibility: np.ndarray
    reservation_utility: np.ndarray
    broker_step: np.ndarray
    status_quo: np.ndarray
    band_from: np.ndarray
    event_strength: np.ndarray
    event_round: np.ndarray
    event_amount: np.ndarray

    @property
    def replicates(self) -> int:
        return self.capability.shape[0]


def _band_from(scenario: Scenario) -> np.ndarray:
    bands = max(len(d.wording) for d in scenario.dimensions)
    table = np.full((len(scenario.dimensions), bands), np.inf)
    for d, dimension in enumerate(scenario.dimensions):
        table[d, :len(dimension.wording)] = [band.from_ for band in dimension.wording]
    return table


def declared_inputs(scenario: Scenario, replicates: int = 1, shared: Sequence[str] = ()) -> Inputs:
    """The scenario's declared inputs, repeated for ``replicates`` replicates; the fields named in
    ``shared`` (``position``, ``salience``) once, as one row every replicate reads
    (:func:`sim.kernel.state.shared_inputs`)."""
    def repeat(array, name: str = "") -> np.ndarray:
        array = np.asarray(array)
        return np.broadcast_to(array, (min(1, replicates) if name in shared else replicates,) + array.shape).copy()

    events = scenario.events
    return Inputs(
        position=repeat(scenario.position, "position"), salience=repeat(scenario.salience, "salience"),
        capability=repeat(scenario.capability), tactic=repeat(scenario.tactic),
        flexibility=repeat(scenario.flexibility), reservation_utility=repeat(scenario.reservation_utility),
        broker_step=repeat(float(scenario.spec.broker.step)), status_quo=repeat(scenario.status_quo),
        band_from=repeat(_band_from(scenario)),
        event_strength=repeat(np.array([getattr(e, "strength", np.nan) for e in events], dtype=float)),
        event_round=repeat(np.array([e.round or 0 for e in events], dtype=int)),
        event_amount=repeat(np.array([_amount(e) for e in events], dtype=float)),
    )


def _amount(event) -> float:
    value = getattr(event, "to", None)
    value = getattr(event, "by", None) if value is None else value
    return np.nan if value is None else float(value)


def input_cells(scenario: Scenario, item: UncertainInput) -> list[tuple[str, tuple[int, ...]]]:
    """Where an uncertain number goes: (field of :class:`Inputs`, index after the replicate axis) pairs."""
    keys, q = item.keys, item.quantity
    if q in ("capability", "tactic", "flexibility"):
        return [(q, (scenario.actor_index[keys[0]],))]
    if q in ("position", "salience"):
        return [(q, (scenario.actor_index[keys[0]], scenario.dimension_index[keys[1]]))]
    if q == "reservation_utility":
        actor = scenario.actor_index[keys[0]]
        tracks = [scenario.track_index[keys[1]]] if keys[1] else range(len(scenario.tracks))
        return [(q, (k, actor)) for k in tracks]
    if q == "broker_step":
        return [(q, ())]
    if q == "status_quo":
        return [(q, (scenario.dimension_index[keys[0]],))]
    if q == "band":
        return [("band_from", (scenario.dimension_index[keys[0]], int(keys[1])))]
    return [(q, (int(keys[0]),))]  # event_strength, event_round, event_amount


class Copula:
    """How N uncertain numbers' probabilities are drawn: each from its own sub-stream, through its
    factor's Gaussian copula where it has one (:func:`copula_uniforms`), worked out once.

    ``names`` are the sub-streams (the items' paths, then ``factor:<id>`` for each factor);
    ``factored``, ``factor_column`` and ``loading`` the items on a factor, their factor's stream
    and their loadings.
    """

    def __init__(self, items: Sequence[UncertainInput]):
        factors = sorted({item.factor for item in items if item.factor is not None})
        self.items = len(items)
        self.names = [item.path for item in items] + [f"factor:{f}" for f in factors]
        self.hashes = np.array([stable_hash(name) for name in self.names], dtype=np.uint64)
        self.factored = np.array([j for j, item in enumerate(items) if item.factor is not None], dtype=np.intp)
        self.factor_column = np.array([factors.index(items[j].factor) for j in self.factored], dtype=np.intp)
        self.loading = np.array([items[j].loading for j in self.factored], dtype=float)

    def uniforms(self, root_seed: int, replicates: Sequence[int]) -> np.ndarray:
        """The probability each item is drawn at, per replicate: array (R, N)."""
        from scipy.special import ndtr, ndtri

        drawn = stream_uniforms(root_seed, replicates, self.names, hashes=self.hashes)
        u = drawn[:, :self.items].copy()
        if len(self.factored):
            shared = ndtri(drawn[:, self.items:])[:, self.factor_column]
            z = self.loading * shared + np.sqrt(1.0 - self.loading ** 2) * ndtri(u[:, self.factored])
            u[:, self.factored] = np.clip(ndtr(z), 2.0 ** -54, 1.0 - 2.0 ** -53)  # strictly inside (0, 1)
        return u


def copula_uniforms(items: Sequence[UncertainInput], root_seed: int, replicates: Sequence[int]) -> np.ndarray:
    """The probability each item is drawn at, per replicate: :math:`u = \\Phi(z)`, array (R, N).

    :math:`z = \\ell f + \\sqrt{1 - \\ell^2}\\,\\varepsilon`, with ε from the item's own
    sub-stream and f from its factor's (``factor:<id>``), both keyed by the root seed,
    the replicate and the name alone (:func:`sim.seeding.stream_uniforms`). An item on
    no factor takes its sub-stream's uniform itself (:math:`\\Phi(\\varepsilon)`).
    """
    return Copula(items).uniforms(root_seed, replicates)


class DrawPlan:
    """What drawing a scenario's uncertain inputs needs, worked out once from its items: their
    :class:`Copula`, their inverse CDFs (:class:`sim.kernel.uncertainty.Marginals`) and ``cells``,
    per field of :class:`Inputs`, the flat cells after the replicate axis and the item (column)
    each takes (:func:`input_cells`; where two items name one cell, the later one's).
    """

    def __init__(self, scenario: Scenario):
        items = scenario.uncertain_inputs
        self.items = len(items)
        self.copula = Copula(items)
        self.marginals = Marginals(items)
        shapes = {name: array.shape[1:] for name, array in vars(declared_inputs(scenario, 1)).items()}
        cells: dict[str, dict[int, int]] = {}
        for j, item in enumerate(items):
            for name, index in input_cells(scenario, item):
                cells.setdefault(name, {})[int(np.ravel_multi_index(index, shapes[name])) if index else 0] = j
        self.cells = {name: (np.array(list(taken), dtype=np.intp), np.array(list(taken.values()), dtype=np.intp))
                      for name, taken in cells.items()}


@functools.lru_cache(maxsize=16)
def draw_plan(scenario: Scenario) -> DrawPlan:
    """The scenario's :class:`DrawPlan`, made once per scenario (a scenario is immutable; the few most
    recent are kept, so the passes of a Monte Carlo and the runs of the Mesa path share one)."""
    return DrawPlan(scenario)


DRAW_BLOCK = 1 << 16
"""Uncertain numbers drawn at a time (replicates x uncertain inputs): scipy's inverse CDFs make a few
dozen temporaries as large as their input, so a pass of 500-actor replicates with every position
uncertain is drawn in blocks. Every number is a function of its own probability, so blocks change
no value."""


def draw_inputs(scenario: Scenario, root_seed: int, replicates: Sequence[int], shared: Sequence[str] = ()) -> Inputs:
    """The inputs of Monte Carlo replicates ``replicates`` (indices), drawn from the declared uncertainty.

    A pure function of the scenario, the root seed and the replicate indices: a
    replicate's inputs do not depend on which others are drawn with it, nor on the
    design point of a sweep (common random numbers across points). The fields in ``shared``,
    which no uncertain input may name, are held once (:func:`declared_inputs`).
    """
    replicates = list(replicates)
    inputs = declared_inputs(scenario, len(replicates), shared)
    if not scenario.uncertain_inputs or not replicates:
        return inputs
    plan = draw_plan(scenario)
    if set(shared) & set(plan.cells):
        raise ValueError(f"uncertain inputs name {sorted(set(shared) & set(plan.cells))}: they cannot be shared")
    block = max(1, DRAW_BLOCK // plan.items)  # the inverse CDFs' temporaries stay small
    for start in range(0, len(replicates), block):
        rows = slice(start, start + block)
        values = plan.marginals.quantiles(plan.copula.uniforms(root_seed, replicates[rows]))
        for name, (flat, columns) in plan.cells.items():
            target = getattr(inputs, name)
            cells = target.reshape(target.shape[0], -1)  # a view: the fields are C-ordered
            cells[rows, flat] = values[:, columns].astype(target.dtype)
    return inputs


def event_input(scenario: Scenario, state, event, rows, name: str):
    """An event's ``strength`` or ``amount`` (a shift's ``to`` or ``by``) in replicates ``rows``.

    Read from the state (``event_strength``, ``event_amount``: per replicate, drawn where
    uncertain) for the scenario's own events; an event that is not the scenario's
    (built by hand) takes its declared value.
    """
    index = scenario.event_index(event)
    if index is None:
        return _amount(event) if name == "amount" else float(event.strength)
    return getattr(state, f"event_{name}")[rows, index]
