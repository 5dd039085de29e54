"""Scenario files: schema, loading and the frozen numeric form."""

from sim.scenario.load import load_scenario, scenario_from_dict
from sim.scenario.scenario import Scenario, TrackInfo

__all__ = ["Scenario", "TrackInfo", "load_scenario", "scenario_from_dict"]
