"""maps/sources.py: the published tables the maps are built from, checked, and each kommune's
share of them.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from layers.errors import InputError
from maps.publish import write_maps
from maps.sources import (
    MapSources,
    last_shares,
    validate_sources,
)
from tests.maps.map_inputs import (
    MapInputs,
    write_inputs,
)


def test_unknown_map_target_is_refused(inputs: MapInputs, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="map_target 'eu_vhcn' is not one of"):
        write_maps(
            tmp_path,
            inputs.gap_table,
            inputs.kommuner,
            inputs.addresses,
            inputs.targets,
            "eu_vhcn",
            inputs.run_info,
        )


def test_missing_column_is_named(inputs: MapInputs, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"addresses: missing columns \['address_text'\]"):
        write_maps(
            tmp_path,
            inputs.gap_table,
            inputs.kommuner,
            inputs.addresses.drop(columns=["address_text"]),
            inputs.targets,
            inputs.map_target,
            inputs.run_info,
        )


def test_cost_curve_table_missing_a_column_is_named(inputs: MapInputs, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"cost_curves: missing columns \['cumulative_cost_nok'\]"):
        write_inputs(
            inputs,
            tmp_path,
            cost_curves=inputs.cost_curves.drop(columns="cumulative_cost_nok"),
        )


def test_a_kommune_map_shows_a_mast_across_the_border_that_its_households_take(
    inputs: MapInputs, tmp_path: Path
) -> None:
    from maps.sources import _masts_per_kommune

    masts = pd.DataFrame({"site_id": ["ny-5001-0", "ny-5001-1"], "kommunenummer": ["5001", "5001"]})
    addresses = pd.DataFrame(
        {
            "kommunenummer": ["5099", "5099", "5001"],
            "cost_option": ["fwa_new_site", "fiber", "fwa_new_site"],
            "new_site_id": ["ny-5001-1", "ny-5001-0", "ny-5001-1"],
        }
    )
    # 5099's household takes mast 1 (standing in 5001); the fibre household's mast is not shown
    assert _masts_per_kommune(masts, addresses) == {"5001": [0, 1], "5099": [1]}


def test_the_last_shares_are_read_from_the_gap_table_columns_smallest_first() -> None:
    gap_table = pd.DataFrame(
        columns=[
            "kommunenummer",
            "last_5pct_households",
            "last_5pct_cost_nok",
            "last_1pct_households",
            "last_0_5pct_households",
            "last_10pct_cost_nok",  # no households column: not a share the table states
        ]
    )
    assert last_shares(gap_table) == [(0.005, "0_5pct"), (0.01, "1pct"), (0.05, "5pct")]


def test_kommunenummer_and_targets_are_checked_before_any_page_is_written(
    inputs: MapInputs, tmp_path: Path
) -> None:
    kommune_rows = inputs.gap_table["level"] == "kommune"
    numbers = inputs.gap_table["kommunenummer"].where(~kommune_rows, 5001)
    lost_zero = MapSources(
        inputs.gap_table.assign(kommunenummer=numbers),
        inputs.kommuner,
        inputs.addresses,
        inputs.targets,
        inputs.map_target,
        inputs.run_info,
    )
    with pytest.raises(InputError, match=r"4-digit strings like '0301', got \[5001, 5001\]"):
        validate_sources(lost_zero)
    twice = dataclasses.replace(lost_zero, targets=(inputs.targets[0], inputs.targets[0]))
    with pytest.raises(InputError, match=r"unique names, got \['no2025', 'no2025'\]"):
        validate_sources(twice)
    fine = dataclasses.replace(lost_zero, gap_table=inputs.gap_table)
    assert validate_sources(fine) == inputs.targets[0]
    assert list(tmp_path.iterdir()) == []
