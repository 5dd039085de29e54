"""The points where published readings of BDM's model differ (:mod:`sim.bdm`, *Readings*), as options."""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["AS_PRINTED", "READINGS", "SCHOLZ_CODE", "BDMReading", "with_options"]


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


def with_options(reading: BDMReading, **changes: object) -> BDMReading:
    """A copy of ``reading`` with some options changed (validated)."""
    return replace(reading, **changes)
