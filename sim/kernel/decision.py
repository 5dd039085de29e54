"""Decision rules: when the answers on the table make an agreement.

A veto is a veto under every collective rule: a participating veto holder who
rejects stops the text, whatever the majority. Give no one a veto for a pure
majority vote.

Each rule is defined once, for one replicate's row of answers
(:func:`rule_met_row`, :func:`is_blocker`), compiled, and called by the compiled
rounds (:mod:`sim.protocols.collective`) and by the array functions here alike.
"""

from __future__ import annotations

import numba
import numpy as np

from sim.kernel.utility import shaped

__all__ = ["COLLECTIVE_RULES", "RULE_CODES", "blockers", "is_blocker", "rule_met", "rule_met_row"]

COLLECTIVE_RULES = ("unanimity", "qualified_majority", "simple_majority")
"""Rules under which members accept or reject a text (the others: ``opt_in``, ``forecast``)."""
RULE_CODES = {kind: code for code, kind in enumerate(COLLECTIVE_RULES)}
"""Each collective rule's number in the compiled functions."""
UNANIMITY, QUALIFIED_MAJORITY, SIMPLE_MAJORITY = range(3)


@numba.njit(cache=True, nogil=True)
def _holders_take_part(members, veto) -> bool:  # pragma: no cover - compiled
    for i in range(members.shape[0]):
        if members[i] and veto[i]:
            return True
    return False


@numba.njit(cache=True, nogil=True)
def is_blocker(member, accepted, veto, rule, holders) -> bool:  # pragma: no cover - compiled
    """Whether an actor's rejection alone stops the text: a participating veto holder who rejects;
    under unanimity with no veto holder among the members (``holders`` False), any member who
    rejects. Scalars only: compiled loops call it for every actor."""
    if not member or accepted:
        return False
    return veto or (rule == UNANIMITY and not holders)


@numba.njit(cache=True, nogil=True)
def rule_met_row(accepts, members, veto, capability, rule, by_capability, threshold) -> bool:  # pragma: no cover
    """Whether a collective rule is met by one replicate's answers (see :func:`rule_met`)."""
    holders = _holders_take_part(members, veto)
    anyone = False
    total = 0.0
    yes = 0.0
    for i in range(members.shape[0]):
        if not members[i]:
            continue
        anyone = True
        if is_blocker(True, accepts[i], veto[i], rule, holders):
            return False
        weight = capability[i] if by_capability else 1.0
        total += weight
        if accepts[i]:
            yes += weight
    if not anyone:
        return False
    if rule == UNANIMITY:
        return True
    share = yes / total if total > 0.0 else 0.0
    if rule == QUALIFIED_MAJORITY:
        return share >= threshold - 1e-12
    return share > 0.5


@numba.njit(cache=True, nogil=True)
def _rule_met_rows(accepts, members, veto, capability, rule, by_capability, threshold, out):  # pragma: no cover
    for r in range(out.shape[0]):
        out[r] = rule_met_row(accepts[r], members[r], veto, capability[r], rule, by_capability, threshold)


@numba.njit(cache=True, nogil=True)
def _blocker_rows(accepts, members, veto, rule, out):  # pragma: no cover - compiled
    for r in range(out.shape[0]):
        holders = _holders_take_part(members[r], veto)
        for i in range(out.shape[1]):
            out[r, i] = is_blocker(members[r, i], accepts[r, i], veto[i], rule, holders)


def _rows(array: np.ndarray, shape: tuple[int, int], dtype) -> np.ndarray:
    return np.ascontiguousarray(shaped(np.asarray(array, dtype=dtype), shape))


def _code(kind: str) -> int:
    try:
        return RULE_CODES[kind]
    except KeyError:
        raise ValueError(f"not a collective decision rule: {kind!r}") from None


def blockers(accepts: np.ndarray, members: np.ndarray, veto: np.ndarray, kind: str = "unanimity") -> np.ndarray:
    """Members who reject and whose rejection alone stops the text: array (R, A) of bool.

    These are the participating veto holders who reject; under unanimity with
    no veto holder among the members, every member who rejects (:func:`is_blocker`).
    """
    shape = np.broadcast_shapes(np.shape(accepts), np.shape(members))
    flat = (-1, shape[-1])
    out = np.empty(int(np.prod(shape[:-1], dtype=np.int64)) * shape[-1], dtype=np.bool_).reshape(flat)
    rule = RULE_CODES.get(kind, -1)
    _blocker_rows(_rows(accepts, shape, np.bool_).reshape(flat), _rows(members, shape, np.bool_).reshape(flat),
                  np.ascontiguousarray(veto, dtype=np.bool_), rule, out)
    return out.reshape(shape)


def rule_met(
    accepts: np.ndarray,
    members: np.ndarray,
    veto: np.ndarray,
    capability: np.ndarray,
    kind: str,
    by: str = "count",
    threshold: float = 0.5,
) -> np.ndarray:
    """Whether a collective decision rule is met, per replicate.

    - ``unanimity``: no blocker (see :func:`blockers`), and some member.
    - ``qualified_majority``: no blocker, and the accepting share of members is
      at least ``threshold``, counted by heads or by capability:
      :math:`\\sum_{i \\in Y} c_i / \\sum_{i \\in M} c_i \\ge q`.
    - ``simple_majority``: no blocker, and the accepting share exceeds one half.

    Parameters
    ----------
    accepts, members : array (R, A) of bool
    veto : array (A,) of bool
    capability : array (R, A)
    """
    rule = _code(kind)
    shape = np.broadcast_shapes(np.shape(accepts), np.shape(members), np.shape(capability))
    out = np.empty(shape[0], dtype=np.bool_)
    _rule_met_rows(_rows(accepts, shape, np.bool_), _rows(members, shape, np.bool_),
                   np.ascontiguousarray(veto, dtype=np.bool_), _rows(capability, shape, float), rule,
                   by == "capability", float(threshold), out)
    return out
