"""The scenarios' comparison and stored rows (:mod:`pipeline.scenario_tables`), by hand."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.config import config_from_dict
from pipeline.config_scenarios import Scenario
from pipeline.scenario_tables import changed_classes, comparison
from pipeline.scenarios import ScenarioResult, base_result

CONFIG = config_from_dict(
    {"inputs": {"kommuner": "k.geojson", "addresses": "a.csv", "offers": "o.csv"}},
    Path("/data"),
)
NAMES = [t.name for t in CONFIG.targets]


def _results() -> pd.DataFrame:
    """Two kommuner: 9901 with a served and an unserved address, 9902 with one underserved."""
    frame = pd.DataFrame(
        {
            "address_id": [1, 2, 3],
            "kommunenummer": ["9901", "9901", "9902"],
            "fylkesnummer": ["99", "99", "99"],
            "households": [1, 2, 4],
            "cost_nok": [np.nan, 100_000.0, 60_000.0],
            "cluster_id": [-1, 1, 2],
            "eligible": [True, True, True],
        }
    )
    for name in NAMES:
        frame[f"class_{name}"] = ["served", "unserved", "underserved"]
    return frame


IDENTITY = pd.DataFrame(
    {
        "level": ["kommune", "kommune", "fylke", "total"],
        "fylkesnummer": ["99", "99", "99", None],
        "kommunenummer": ["9901", "9902", None, None],
        "kommunenavn": ["A", "B", "Fylke 99", "Totalt"],
    }
)


def _scenario() -> ScenarioResult:
    """The underserved address of 9902 served, the served one of 9901 no longer."""
    base = base_result(CONFIG, _results())
    frame = base.frame.copy()
    for name in NAMES:
        frame[f"class_{name}"] = ["unserved", "unserved", "served"]
    return dataclasses.replace(base, scenario=Scenario("x", "X", copper_off=True), frame=frame)


def test_the_comparison_has_the_run_then_each_scenario_with_its_change() -> None:
    table = comparison(CONFIG, _results(), [_scenario()], IDENTITY)
    assert table["scenario"].tolist() == ["base"] * 4 + ["x"] * 4
    below = table["below_target_households_no2025"].tolist()
    assert below == [2, 4, 6, 6, 3, 0, 3, 3]
    assert table["below_target_change_no2025"].tolist() == [0, 0, 0, 0, 1, -4, -3, -3]
    assert table["cost_nok"].tolist()[:4] == [100_000.0, 60_000.0, 160_000.0, 160_000.0]
    assert table["households_below_cost_target"].tolist()[:4] == [2, 4, 6, 6]


def test_only_the_changed_classes_are_kept() -> None:
    changed = changed_classes(_scenario(), _results())
    mine = changed.loc[changed["target"] == "no2025"]
    assert mine[["address_id", "class"]].values.tolist() == [[1, "unserved"], [3, "served"]]
    assert len(changed) == 2 * len(NAMES)
