"""``gapmap scenario run``'s choice of scenarios (:mod:`pipeline.scenario_rerun`); that a rerun
on the stored inputs gives the run's own figures is tests/e2e/test_run_scenarios.py's."""

from __future__ import annotations

from pathlib import Path

import pytest

from layers.errors import ConfigError, RunError
from pipeline.config import config_from_dict
from pipeline.scenario_rerun import chosen_scenarios, rerun_scenarios

INPUTS = {"kommuner": "k.geojson", "addresses": "a.csv", "offers": "o.csv"}
SCENARIOS = {"kobber": {"copper_off": True}, "mobil": {"count_mobile": True}}


def test_the_names_choose_the_scenarios_in_the_configs_order() -> None:
    config = config_from_dict({"inputs": INPUTS, "scenarios": SCENARIOS}, Path("/data"))
    assert [s.name for s in chosen_scenarios(config, []).scenarios] == ["kobber", "mobil"]
    assert [s.name for s in chosen_scenarios(config, ["mobil"]).scenarios] == ["mobil"]
    with pytest.raises(ConfigError, match=r"--name: got \['mobile'\], expected scenarios"):
        chosen_scenarios(config, ["mobile"])


def test_a_config_without_scenarios_is_refused() -> None:
    config = config_from_dict({"inputs": INPUTS}, Path("/data"))
    with pytest.raises(ConfigError, match=r"no \[scenarios.<name>\] tables"):
        chosen_scenarios(config, [])


def test_no_store_no_rerun(tmp_path: Path) -> None:
    raw = {"inputs": INPUTS, "scenarios": SCENARIOS, "run": {"output_dir": str(tmp_path)}}
    with pytest.raises(RunError, match="no store yet"):
        rerun_scenarios(config_from_dict(raw, Path("/data")))
