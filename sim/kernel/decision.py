"""Decision rules: when the answers on the table make an agreement.

A veto is a veto under every collective rule: a participating veto holder who
rejects stops the text, whatever the majority. Give no one a veto for a pure
majority vote.
"""

from __future__ import annotations

import numpy as np

__all__ = ["COLLECTIVE_RULES", "blockers", "rule_met"]

COLLECTIVE_RULES = ("unanimity", "qualified_majority", "simple_majority")
"""Rules under which members accept or reject a text (the others: ``opt_in``, ``forecast``)."""


def blockers(accepts: np.ndarray, members: np.ndarray, veto: np.ndarray, kind: str = "unanimity") -> np.ndarray:
    """Members who reject and whose rejection alone stops the text: array (R, A) of bool.

    These are the participating veto holders who reject; under unanimity with
    no veto holder among the members, every member who rejects.
    """
    holders = members & veto
    if kind == "unanimity":
        nobody = ~holders.any(axis=-1, keepdims=True)
        holders = np.where(nobody, members, holders)
    return holders & ~accepts


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

    - ``unanimity``: no blocker (see :func:`blockers`).
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
    no_blocker = ~blockers(accepts, members, veto, kind).any(axis=-1) & members.any(axis=-1)
    if kind == "unanimity":
        return no_blocker
    weight = capability if by == "capability" else np.ones_like(capability)
    total = np.where(members, weight, 0.0).sum(axis=-1)
    yes = np.where(members & accepts, weight, 0.0).sum(axis=-1)
    share = np.divide(yes, total, out=np.zeros_like(yes), where=total > 0)
    if kind == "qualified_majority":
        return no_blocker & (share >= threshold - 1e-12)
    if kind == "simple_majority":
        return no_blocker & (share > 0.5)
    raise ValueError(f"not a collective decision rule: {kind!r}")
