"""A results folder, as written by ``negsim run --out`` or ``negsim sweep``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from sim.errors import InputError
from sim.results.layout import read_runs
from sim.results.output import READABLE_RUN_FORMATS
from sim.scenario import Scenario, scenario_from_dict
from sim.sweeps.manifest import READABLE_FORMATS as READABLE_SWEEP_FORMATS

__all__ = ["Results", "load_results"]


@dataclass
class Results:
    """What a results folder holds.

    Attributes
    ----------
    kind : str
        ``"run"``, ``"monte_carlo"`` or ``"sweep"``.
    parameters : list of str
        The varied parameters' paths (empty unless a sweep); their columns are ``param.<path>``.
    """

    folder: Path
    kind: str
    manifest: dict[str, Any]
    scenario: Scenario
    parameters: list[str]
    sensitivity: dict[str, Any] | None = None
    _cache: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def runs_path(self) -> Path:
        return self.folder / "runs.parquet"

    @property
    def trajectories_path(self) -> Path | None:
        for candidate in (self.folder / "trajectories.parquet", self.folder / "trajectories"):
            if candidate.exists():
                return candidate
        return None

    @property
    def runs(self) -> int:
        return int(self.manifest.get("total_runs", self.manifest.get("runs", 0)))

    @property
    def seed(self) -> int:
        return int(self.manifest["seed"])

    @property
    def protocols(self) -> list[str]:
        return list(dict.fromkeys(track.protocol for track in self.scenario.tracks))

    def table(self, columns: list[str] | None = None) -> pd.DataFrame:
        """The runs table (only ``columns`` if given) as a pandas DataFrame."""
        key = ",".join(columns) if columns else "*"
        if key not in self._cache:
            self._cache[key] = read_runs(self.runs_path, columns=columns).to_pandas()
        return self._cache[key]

    def trajectories(self) -> pd.DataFrame | None:
        path = self.trajectories_path
        return None if path is None else pq.read_table(path).to_pandas()

    def describe(self) -> str:
        """One line saying what was run, for figure titles."""
        what = {"run": "one run", "monte_carlo": f"Monte Carlo of {self.runs:,} runs",
                "sweep": f"sweep of {self.runs:,} runs"}[self.kind]
        if self.kind == "sweep":
            design = self.manifest["design"]
            what += f" ({design['kind']}, {design['points']} points x {self.manifest['replicates']})"
        return f"{self.scenario.name}: {what}, protocol {', '.join(self.protocols)}"


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise InputError(str(path), [f"cannot read: {error}"]) from None


def load_results(folder: str | Path) -> Results:
    """Open a results folder.

    Raises
    ------
    InputError
        If the folder is missing, is not a results folder, comes from an older
        format, or is a sweep that has not finished.
    """
    folder = Path(folder)
    source = str(folder)
    if not folder.is_dir():
        raise InputError(source, ["no such folder" if not folder.exists() else "not a folder"])
    manifest_path = folder / "manifest.json"
    if not manifest_path.exists():
        if (folder / "runs.parquet").exists():
            raise InputError(source, ["results from an older format (no manifest.json); run it again with "
                                      "this version of negsim to plot it"])
        raise InputError(source, ["not a results folder: expected manifest.json and runs.parquet, as written "
                                  "by `negsim run --out` or `negsim sweep`"])
    manifest = _read_json(manifest_path)
    fmt = manifest.get("format")
    if fmt not in (*READABLE_RUN_FORMATS, *READABLE_SWEEP_FORMATS):
        raise InputError(str(manifest_path), [f"results of format {fmt!r}, which this version cannot read "
                                              f"(it reads {', '.join(READABLE_RUN_FORMATS + READABLE_SWEEP_FORMATS)})"])
    if "data" not in manifest.get("scenario", {}):
        raise InputError(str(manifest_path), ["results from an older format (the manifest lacks the scenario); "
                                              "run it again with this version of negsim to plot it"])
    if not (folder / "runs.parquet").exists():
        status = manifest.get("status", "unknown")
        raise InputError(source, [f"the sweep has no runs.parquet yet (status: {status}); finish it with "
                                  "`negsim sweep ... --resume`"])
    scenario = scenario_from_dict(manifest["scenario"]["data"], source=str(manifest_path))
    if fmt in READABLE_SWEEP_FORMATS:
        kind, parameters = "sweep", list(manifest["design"]["parameters"])
    else:
        kind, parameters = manifest.get("kind", "monte_carlo"), []
    sensitivity = _read_json(folder / "sensitivity.json") if (folder / "sensitivity.json").exists() else None
    return Results(folder, kind, manifest, scenario, parameters, sensitivity)
