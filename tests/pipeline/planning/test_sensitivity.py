"""pipeline/planning/sensitivity.py: how the total cost moves with each key price, on the tiny
region's run."""

from __future__ import annotations

from pathlib import Path

import pytest

from layers.errors import RunError
from pipeline.config import CostSettings, load_config, replace_nested
from pipeline.planning.sensitivity import (
    KEY_PARAMETERS,
    config_key,
    cost_inputs,
    parameter_value,
    sensitivity,
)


def test_the_base_case_reproduces_the_run_and_costs_move_the_right_way(tiny_run) -> None:
    config, result = tiny_run
    table = sensitivity(cost_inputs(config), config.cost, 0.2)
    base = table.loc[table["parameter"] == "(base)", "total_cost_nok"].iloc[0]
    total_row = result.gap_table[result.gap_table["level"] == "total"].iloc[0]
    assert base == pytest.approx(total_row["cost_nok"])
    trench = table[table["parameter"] == "[cost.fibre].trench_nok_per_m"].set_index("change")
    deltas = trench["delta_nok"].sort_index().tolist()
    assert deltas[0] < 0 < deltas[1]
    # a lower price never raises the total, a higher one never lowers it
    moved = table[table["parameter"] != "(base)"]
    assert (moved.loc[moved["change"] < 0, "delta_nok"] <= 1e-6).all()
    assert (moved.loc[moved["change"] > 0, "delta_nok"] >= -1e-6).all()


def test_with_fibre_the_only_option_prices_move_the_total_linearly(tiny_run) -> None:
    config, result = tiny_run
    fibre_only = replace_nested(config.cost, {"new_site.enabled": False, "wireless.cpe_nok": 1e12})
    table = sensitivity(cost_inputs(config), fibre_only, 0.2)
    # the trench part is linear in its price: ±20 % moves the total by the same amount
    trench = table[table["parameter"] == "[cost.fibre].trench_nok_per_m"]
    assert trench["delta_nok"].sum() == pytest.approx(0.0, abs=1e-3)
    assert trench["delta_nok"].abs().min() > 0
    equipment = table[table["parameter"] == "[cost.fibre].ont_nok"]["delta_nok"].abs()
    total_row = result.gap_table[result.gap_table["level"] == "total"].iloc[0]
    households = total_row["households_below_cost_target"]
    assert equipment.tolist() == pytest.approx([0.2 * config.cost.fibre.ont_nok * households] * 2)


def test_without_a_run_it_says_so(tiny_region: Path) -> None:
    config = load_config(tiny_region)
    with pytest.raises(RunError, match="no store yet"):
        cost_inputs(config)


@pytest.mark.parametrize("parameter", KEY_PARAMETERS)
def test_each_key_parameter_is_a_number_of_the_cost_settings_named_by_its_config_key(
    parameter: str,
) -> None:
    settings = CostSettings()
    assert isinstance(parameter_value(settings, parameter), float)
    doubled = replace_nested(settings, {parameter: 2 * parameter_value(settings, parameter)})
    assert parameter_value(doubled, parameter) == 2 * parameter_value(settings, parameter)
    table, _, key = parameter.partition(".")
    assert config_key(parameter) == f"[cost.{table}].{key}"


def test_a_top_level_cost_key_is_named_in_cost() -> None:
    assert config_key("max_replan_rounds") == "[cost].max_replan_rounds"
