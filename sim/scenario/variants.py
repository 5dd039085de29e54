"""Scenarios derived from others: the same situation under another protocol."""

from __future__ import annotations

from sim.protocols import registry
from sim.scenario.load import scenario_from_dict
from sim.scenario.scenario import Scenario

__all__ = ["with_protocol"]


def with_protocol(scenario: Scenario, protocol: str) -> tuple[Scenario, list[str]]:
    """The scenario with every track it fits negotiated under ``protocol``.

    A collective track (unanimity, majority) switched to a forecasting protocol
    (``bdm``, ``smp``) takes the ``forecast`` rule, and a forecast track switched to
    a collective protocol takes unanimity: vetoes and reservation utilities only
    matter under collective rules. Tracks the protocol cannot negotiate (an opt-in
    track under anything but ``bilateral``) keep their own; each such case is
    described in the returned notes.

    Raises
    ------
    KeyError
        If no protocol has that name.
    """
    chosen = registry.get(protocol)
    data = scenario.spec.model_dump(mode="json", by_alias=True)
    notes = []
    for track in data["tracks"]:
        kind = track["decision_rule"]["kind"]
        if kind in chosen.decision_rules:
            pass
        elif kind != "opt_in" and "opt_in" not in chosen.decision_rules:
            new_kind = chosen.decision_rules[0]
            track["decision_rule"] = {"kind": new_kind}
            notes.append(f"track '{track['id']}': decision rule '{kind}' replaced by '{new_kind}' for {protocol}")
        else:
            kept = track["protocol"] or registry.default_protocol_for(kind)
            notes.append(f"track '{track['id']}': {protocol} does not negotiate '{kind}' tracks; "
                         f"it keeps protocol '{kept}'")
            continue
        if track.get("protocol") != protocol:
            track["options"] = {}
        track["protocol"] = protocol
    return scenario_from_dict(data, source=f"{scenario.name} under {protocol}"), notes
