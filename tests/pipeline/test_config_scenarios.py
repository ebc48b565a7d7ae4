"""``[scenarios.<name>]`` (:mod:`pipeline.config_scenarios`): read, checked, named in errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from layers.errors import ConfigError
from pipeline.config import config_from_dict, to_dict
from pipeline.config_scenarios import Scenario

INPUTS = {"kommuner": "k.geojson", "addresses": "a.csv", "offers": "o.csv"}


def _config(scenarios: Any) -> Any:
    return config_from_dict({"inputs": INPUTS, "scenarios": scenarios}, Path("/data"))


def test_every_key_is_read() -> None:
    config = _config(
        {
            "alt": {
                "label_nb": "Alt på en gang",
                "copper_off": True,
                "count_mobile": True,
                "count_satellite": False,
                "planned_delivered": True,
                "funded_delivered": True,
                "delivered_by": "2027-12-31",
                "delivered_down_mbps": 500,
                "delivered_up_mbps": 50,
                "delivered_technology": "hfc",
                "target_speeds": {"no2025": [1000, 100], "gigabit2030": [2000]},
                "budget_nok": 50_000_000,
            },
            "kobber": {"copper_off": True},
        }
    )
    first, second = config.scenarios
    assert first == Scenario(
        "alt",
        "Alt på en gang",
        True,
        True,
        False,
        True,
        True,
        "2027-12-31",
        500.0,
        50.0,
        "hfc",
        (("no2025", 1000.0, 100.0), ("gigabit2030", 2000.0, None)),
        50_000_000.0,
    )
    assert second.label == "kobber" and second.delivered_by_date is None


def test_a_config_without_scenarios_keeps_its_digest() -> None:
    plain = config_from_dict({"inputs": INPUTS}, Path("/data"))
    with_one = _config({"kobber": {"copper_off": True}})
    assert plain.scenarios == ()
    assert plain.digest() != with_one.digest()
    assert "scenarios" not in to_dict(plain)


@pytest.mark.parametrize(
    ("scenarios", "message"),
    [
        ({"Kobber av": {"copper_off": True}}, r"\[scenarios.Kobber av\]: got the name"),
        ({"base": {"copper_off": True}}, r"\[scenarios.base\]: got the name 'base'"),
        ({"x": {"copper": True}}, r"\[scenarios.x\]: unknown key 'copper'"),
        ({"x": {"copper_off": "yes"}}, r"\[scenarios.x\].copper_off: got 'yes', expected true"),
        ({"x": {"label_nb": "bare navn"}}, r"\[scenarios.x\]: changes nothing"),
        ({"x": {"target_speeds": {"no2030": [1000]}}}, r"got target 'no2030', expected one of"),
        ({"x": {"target_speeds": {"no2025": [0, 10]}}}, r"got 0, expected a speed above 0"),
        ({"x": {"target_speeds": {"no2025": 100}}}, r"expected \[down_mbps, up_mbps\]"),
        ({"x": {"delivered_by": "31.12.2027", "planned_delivered": True}}, r"YYYY-MM-DD"),
        ({"x": {"budget_nok": -5}}, r"budget_nok: got -5, expected an amount of kroner"),
        ({"x": {"delivered_technology": "dsl", "planned_delivered": True}}, r"got 'dsl'"),
        ({"x": 5}, r"\[scenarios.x\]: got 5, expected a table of keys"),
    ],
)
def test_a_bad_scenario_names_its_key(scenarios: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _config(scenarios)
