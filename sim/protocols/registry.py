"""The protocol registry.

Protocol modules are imported on first use, so that the scenario schema can
ask which protocols exist without importing the kernel.
"""

from __future__ import annotations

import importlib

from sim.protocols.base import Protocol

__all__ = ["all_protocols", "default_protocol_for", "default_rule_for", "get", "names", "register"]

_MODULES = (
    "sim.protocols.mediated",
    "sim.protocols.bilateral",
    "sim.protocols.concession",
    "sim.protocols.alternating",
    "sim.protocols.bdm",
    "sim.protocols.smp",
)
_REGISTRY: dict[str, type[Protocol]] = {}


def register(protocol: type[Protocol]) -> type[Protocol]:
    """Class decorator: make a protocol available by its ``name``."""
    if protocol.name in _REGISTRY and _REGISTRY[protocol.name] is not protocol:
        raise ValueError(f"protocol {protocol.name!r} registered twice")
    _REGISTRY[protocol.name] = protocol
    return protocol


def _load() -> None:
    for module in _MODULES:
        importlib.import_module(module)


def get(name: str) -> type[Protocol]:
    """The protocol registered as ``name``."""
    _load()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown protocol {name!r}; known: {', '.join(names())}") from None


def names() -> list[str]:
    """Names of every registered protocol, sorted."""
    _load()
    return sorted(_REGISTRY)


def all_protocols() -> list[type[Protocol]]:
    """Every registered protocol, sorted by name."""
    return [get(name) for name in names()]


def default_protocol_for(rule_kind: str) -> str:
    """The protocol a track uses when its file names none."""
    return {"opt_in": "bilateral", "forecast": "smp"}.get(rule_kind, "mediated")


def default_rule_for(protocol: str) -> str:
    """The decision rule a protocol assumes when the input cannot say (e.g. a CSV file)."""
    return get(protocol).decision_rules[0]
