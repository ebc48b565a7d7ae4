"""pipeline/terrain.py: terrain per address, aligned to the addresses, counted for the manifest."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from layers.errors import InputError
from pipeline.terrain import no_terrain, terrain_counts, terrain_per_address
from tests.fixtures import write_plane_dtm


def test_terrain_per_address_is_aligned_to_the_input_index(tmp_path: Path) -> None:
    path = write_plane_dtm(tmp_path / "dtm.tif")
    addresses = pd.DataFrame(
        {
            "kommunenummer": ["9902", "9901", "9902"],
            "x_m": [100_505.0, 100_015.0, 100_375.0],
            "y_m": [6_999_500.0, 6_999_985.0, 6_999_495.0],
        },
        index=[10, 11, 12],
    )
    result = terrain_per_address(addresses, path)
    assert list(result.index) == [10, 11, 12]
    assert result["elevation_m"].tolist()[0] == 50.0 and math.isnan(
        result["elevation_m"].tolist()[1]
    )
    assert result["elevation_m"].tolist()[2] == 37.0


def test_without_a_dtm_every_address_has_no_terrain_rather_than_0_m() -> None:
    addresses = pd.DataFrame(
        {"kommunenummer": ["9901", "9902"], "x_m": [1.0, 2.0], "y_m": [3.0, 4.0]}, index=[7, 3]
    )
    result = terrain_per_address(addresses, None)
    assert result.index.tolist() == [7, 3]
    assert result["has_terrain"].tolist() == [False, False]
    assert result[["elevation_m", "slope_deg"]].isna().all().all()


def test_terrain_counts_add_up_to_the_addresses(tmp_path: Path) -> None:
    # on land (50 m), on the sea cell, off the raster, on land (37 m): 2 with, 2 without
    addresses = pd.DataFrame(
        {
            "kommunenummer": ["9901", "9901", "9902", "9902"],
            "x_m": [100_505.0, 100_015.0, 99_000.0, 100_375.0],
            "y_m": [6_999_500.0, 6_999_985.0, 6_999_500.0, 6_999_495.0],
        }
    )
    terrain = terrain_per_address(addresses, write_plane_dtm(tmp_path / "dtm.tif"))
    assert terrain_counts(terrain) == {"with_terrain": 2, "without_terrain": 2}
    assert terrain_counts(no_terrain(pd.RangeIndex(3))) == {"with_terrain": 0, "without_terrain": 3}


def test_a_dtm_of_only_nodata_at_the_addresses_is_refused_naming_it(tmp_path: Path) -> None:
    # the plane DTM's top-left 10 × 10 cells (x 100 000-100 100, y 6 999 900-7 000 000) are sea
    path = write_plane_dtm(tmp_path / "dtm.tif")
    on_sea = pd.DataFrame(
        {
            "kommunenummer": ["9901", "9902"],
            "x_m": [100_015.0, 100_095.0],
            "y_m": [6_999_985.0, 6_999_905.0],
        }
    )
    with pytest.raises(InputError) as raised:
        terrain_per_address(on_sea, path)
    assert str(raised.value) == (
        f"{path}: the DTM has no elevation (only nodata) at any of the 2 addresses on it;"
        " expected elevations in metres, or remove dtm from [inputs] to run without terrain"
    )
    # one address on land among them: partial terrain, as before
    one_on_land = pd.concat(
        [
            on_sea,
            pd.DataFrame({"kommunenummer": ["9902"], "x_m": [100_505.0], "y_m": [6_999_500.0]}),
        ],
        ignore_index=True,
    )
    assert terrain_per_address(one_on_land, path)["has_terrain"].tolist() == [False, False, True]
