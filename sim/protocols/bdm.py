"""Bueno de Mesquita's expected utility model as a protocol, dimension by dimension."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from sim.bdm import OFFER_KINDS, READINGS, BDMReading, bdm_round, weighted_median
from sim.kernel.state import NegotiationState
from sim.protocols.base import Protocol
from sim.protocols.forecasting import close_forecast, extra, salience_problems, unit_salience
from sim.protocols.registry import register
from sim.scenario.scenario import Scenario, TrackInfo

if TYPE_CHECKING:
    from sim.scenario.spec import ScenarioSpec

__all__ = ["ExpectedUtility"]

_FROM_READING = "reading"
BLOCK_ELEMENTS = 1 << 16
"""Replicates x actors^2 in one block of a round (at least one replicate): each (replicates, A, A) array
of it then takes at most 512 kB, or one replicate's A^2 numbers. At 10 actors (the EU example) a
block holds 655 replicates, and 2^16 ran 5% faster than 2^14 (fewer numpy calls a replicate); at 200
actors any block from 2^14 to 2^16 holds one replicate, and 2^18 (six) was slower, 1.2 s instead of
0.8 s a run, its arrays no longer fitting in cache (benchmarks/bench_bdm.py). Memory stays bounded
whatever the number of replicates."""


@register
class ExpectedUtility(Protocol):
    """BDM's expected utility model (Bueno de Mesquita 1994; Scholz, Calbert & Smith 2011), one dimension at a time.

    Each round, on each of the track's dimensions separately, among the
    participants (:func:`sim.bdm.bdm_round`, which states the equations):

    1. votes :math:`v_k(i,j) = c_k s_k [(|x_k - x_j|/\\Delta)^{r_k} - (|x_k - x_i|/\\Delta)^{r_k}]`
       give :math:`P_{ij}`, the chance that i beats j;
    2. expected utilities of challenging,
       :math:`EU_{ij} = s_j[P_{ij}U^s + (1 - P_{ij})U^f] + (1 - s_j)U^s - QU^{sq} - (1-Q)[TU^b + (1-T)U^w]`,
       first with every :math:`r = 1`, give each actor's danger and so its risk exponent
       :math:`r_i = (1 - R_i/3)/(1 + R_i/3)`; the utilities are then recomputed with it;
    3. each target weighs every challenge (confrontation, compromise, capitulation)
       and takes one; all move at once.

    Δ is the dimension's declared range; salience is the actor's salience on the
    dimension, scaled so an actor's saliences on the track sum to at most 1. The
    track *settles* when no position moves by more than ``tolerance`` of the range,
    or runs to its deadline (the cap). The statement is the forecast: the weighted
    median of positions after the round (the weighted mean is recorded too).

    Degenerate inputs (:mod:`sim.bdm`, *Degenerate inputs*): where no participant has
    salience left on a dimension (after a salience event or draw; a file declaring it
    is refused), nobody moves under the default reading and the forecast is the
    capability-weighted median of the positions; with every participant at one
    position, nobody moves and the forecast is that position.

    The option ``reading`` picks where published readings differ (:mod:`sim.bdm`):
    ``"scholz_code"`` (default; reproduces Scholz et al.'s published run) or
    ``"as_printed"``; ``probability``, ``perspective``, ``offer`` and
    ``capitulation`` override one point of it.

    Replicates with the same participants are played together, in blocks of at most
    :data:`BLOCK_ELEMENTS` replicates x participants^2 so that memory stays bounded
    (each replicate's numbers are the same in any block).

    Per round it keeps, per actor and dimension, its risk exponent, its best
    challenge (target and expected utility) and the offer it took
    (``state.extra["bdm.*"]``, (R, A, D)), shown by the trace.
    """

    name = "bdm"
    citation = ("Bueno de Mesquita, B. (1994). Political forecasting: an expected utility method. "
                "In European Community Decision Making, Yale UP; as stated by Scholz, Calbert & Smith (2011), "
                "J. Theoretical Politics 23(4), 510-531")
    summary = "BDM's expected utility model: challenges, compromise, capitulation; weighted-median forecast"
    stochastic = False
    batched = True
    decision_rules = ("forecast",)
    options = {
        "reading": ("scholz_code", "where published readings differ: 'scholz_code' (reproduces Scholz et al.'s "
                                   "published run) | 'as_printed' (the paper's equations and table)"),
        "probability": (_FROM_READING, "P_ij normalised per pair ('pair', as printed) or over all pairs "
                                       "('all_pairs', Scholz et al.'s program); 'reading' = the reading's"),
        "perspective": (_FROM_READING, "whose risk exponent scores both sides of a dyad: the target's ('target', "
                                       "Scholz et al.'s program) or each side its own ('own', as printed)"),
        "offer": (_FROM_READING, "which offer a target takes: 'smallest_move' (as printed) or 'type_order' "
                                 "(confrontation, then compromise, then capitulation: Scholz et al.'s program)"),
        "capitulation": (_FROM_READING, "'yes': a target whose loss exceeds the challenger's gain gives in fully "
                                        "(as printed); 'no': it never does (Scholz et al.'s program)"),
        "status_quo_probability": (1.0, "Q: chance nothing changes absent a challenge"),
        "improvement_probability": (1.0, "T: chance a change helps the challenger"),
        "tolerance": (1e-6, "settled when no position moves more than this share of the range"),
    }
    option_bounds = {"status_quo_probability": (0.0, 1.0), "improvement_probability": (0.0, 1.0),
                     "tolerance": (0.0, 1.0)}
    option_choices = {
        "reading": tuple(READINGS),
        "probability": (_FROM_READING, "pair", "all_pairs"),
        "perspective": (_FROM_READING, "target", "own"),
        "offer": (_FROM_READING, "smallest_move", "type_order"),
        "capitulation": (_FROM_READING, "yes", "no"),
    }

    @classmethod
    def reading(cls, track: TrackInfo) -> BDMReading:
        """The track's reading: the named one, with any single point overridden."""
        base = READINGS[str(cls.option(track, "reading"))]
        changes: dict[str, object] = {}
        for name in ("probability", "perspective", "offer"):
            value = str(cls.option(track, name))
            if value != _FROM_READING:
                changes[name] = value
        capitulation = str(cls.option(track, "capitulation"))
        if capitulation != _FROM_READING:
            changes["capitulation"] = capitulation == "yes"
        changes["status_quo_probability"] = float(cls.option(track, "status_quo_probability"))
        changes["improvement_probability"] = float(cls.option(track, "improvement_probability"))
        return BDMReading(**{**base.__dict__, **changes})

    @classmethod
    def check(cls, spec: ScenarioSpec, index: int) -> list[tuple[str, str]]:
        """Refuses a dimension of the track that no participant gives any salience (:func:`salience_problems`)."""
        return salience_problems(spec, index)

    @classmethod
    def play_round(cls, scenario: Scenario, track: TrackInfo, state: NegotiationState, round_: int,
                   rngs: Sequence[np.random.Generator]) -> None:
        k = track.index
        reading = cls.reading(track)
        tolerance = float(cls.option(track, "tolerance"))
        shape = state.position.shape
        records = {name: extra(state, f"bdm.{name}", shape)
                   for name in ("risk", "best_gain", "best_target", "offer_from", "offer_kind")}
        open_now = np.flatnonzero(state.open[:, k])
        membership = state.participating[open_now, k]
        largest_move = np.zeros(len(open_now))
        # Replicates with the same participants are one batch (all of them, unless join/leave events differ).
        if (membership == membership[:1]).all():
            patterns, group = membership[:1], np.zeros(len(open_now), dtype=int)
        else:
            patterns, group = np.unique(membership, axis=0, return_inverse=True)
        for g, pattern in enumerate(patterns):
            members = np.flatnonzero(pattern)
            in_group = np.flatnonzero(group == g)
            # A round holds a few (replicates, A, A) arrays: replicates go through in blocks, bounding memory.
            block = max(1, BLOCK_ELEMENTS // max(1, len(members)) ** 2)
            for start in range(0, len(in_group), block):
                chosen = in_group[start:start + block]
                largest_move[chosen] = cls._play_block(scenario, track, state, round_, reading, records,
                                                       open_now[chosen], members)
        close_forecast(state, track, open_now, round_, largest_move <= tolerance)

    @staticmethod
    def _play_block(scenario: Scenario, track: TrackInfo, state: NegotiationState, round_: int,
                    reading: BDMReading, records: dict[str, np.ndarray], rows: np.ndarray,
                    members: np.ndarray) -> np.ndarray:
        """One round on every dimension of the track for some replicates with the same members.

        Returns each replicate's largest move, as a share of the dimension's range.
        """
        k, dims = track.index, track.dims
        at = _block_index(rows, members, state.position.shape[1])
        salience = unit_salience(state.salience[rows][:, members][:, :, dims])
        capability = state.capability[at]
        largest_move = np.zeros(len(rows))
        for column, d in enumerate(dims):
            position = np.array(state.position[:, :, d][at])  # a copy: the state is written below
            record = bdm_round(position, capability, salience[:, :, column], scenario.width[d], reading, round_)
            gain = np.where(record.expected_utility > 0, record.expected_utility, -np.inf)
            best = np.argmax(gain, axis=2)
            best_gain = np.take_along_axis(gain, best[:, :, None], axis=2)[:, :, 0]
            for name, values in (("risk", record.risk),
                                 ("best_gain", np.where(np.isfinite(best_gain), best_gain, np.nan)),
                                 ("best_target", np.where(np.isfinite(best_gain), members[best], -1)),
                                 ("offer_from", np.where(record.offer_from >= 0, members[record.offer_from], -1)),
                                 ("offer_kind", record.offer_kind)):
                records[name][:, :, d][at] = values
            state.position[:, :, d][at] = record.new_position
            moved = np.max(np.abs(record.new_position - position), axis=1) / scenario.width[d]
            np.maximum(largest_move, moved, out=largest_move)
            state.draft[rows, d] = weighted_median(record.new_position, record.forecast_weight)
        state.accepts[:, k][at] = True
        return largest_move

    @classmethod
    def trace(cls, scenario: Scenario, track: TrackInfo, state: NegotiationState) -> dict[str, np.ndarray]:
        """Per actor and dimension: risk exponent, best challenge (whom, expected utility), offer taken (from whom, kind)."""
        if "bdm.risk" not in state.extra:
            return {}
        ids = np.array(("",) + scenario.actor_ids, dtype=object)
        kinds = np.array(OFFER_KINDS + ("",), dtype=object)
        columns: dict[str, np.ndarray] = {}
        for d in track.dims:
            dim_id = scenario.dimension_ids[d]
            take = {name: state.extra[f"bdm.{name}"][:, :, d] for name in
                    ("risk", "best_gain", "best_target", "offer_from", "offer_kind")}
            columns[f"bdm.risk.{dim_id}"] = take["risk"].copy()
            columns[f"bdm.challenges.{dim_id}"] = ids[np.nan_to_num(take["best_target"], nan=-1).astype(int) + 1]
            columns[f"bdm.challenge_eu.{dim_id}"] = take["best_gain"].copy()
            columns[f"bdm.offer_from.{dim_id}"] = ids[np.nan_to_num(take["offer_from"], nan=-1).astype(int) + 1]
            kind = np.nan_to_num(take["offer_kind"], nan=-1).astype(int)
            columns[f"bdm.offer.{dim_id}"] = kinds[np.where(kind >= 0, kind, len(OFFER_KINDS))]
        return columns


def _block_index(rows: np.ndarray, members: np.ndarray, actors: int) -> tuple:
    """Index of (replicates ``rows``, actors ``members``) in an (R, A) array: slices where they are runs.

    The same elements as ``np.ix_(rows, members)``; basic slices make the reads views and the
    writes cheaper when the block is a run of replicates and every actor takes part.
    """
    contiguous = rows.size > 0 and rows[-1] - rows[0] + 1 == rows.size and bool(np.all(np.diff(rows) == 1))
    replicate_index = slice(int(rows[0]), int(rows[-1]) + 1) if contiguous else rows
    if members.size == actors:
        return replicate_index, slice(None)
    if contiguous:
        return replicate_index, members
    return np.ix_(rows, members)
