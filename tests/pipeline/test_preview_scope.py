"""pipeline/preview_scope.py and pipeline/preview.py: which rows a kommune preview reads.

Three square kommuner: A (0–2 km), B touching A on the east (2–4 km) and C far to the east
(10–12 km). A's preview reads A and B (a project area may cross their border), never C.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from layers.errors import InputError
from pipeline.config import Config, Inputs
from pipeline.ingest_cache import rows_kept
from pipeline.preview_scope import address_scope, context_kommuner, of_address_ids

KOMMUNER = gpd.GeoDataFrame(
    {"kommunenummer": ["0001", "0002", "0003"]},
    geometry=[
        shapely.box(0, 0, 2000, 2000),
        shapely.box(2000, 0, 4000, 2000),
        shapely.box(10_000, 0, 12_000, 2000),
    ],
    crs=25833,
)


def _config(tolerance_m: float = 100.0, cluster_distance_m: float = 500.0) -> Config:
    config = Config(inputs=Inputs(Path("k.geojson"), Path("a"), Path("o")))
    fibre = dataclasses.replace(config.cost.fibre, cluster_distance_m=cluster_distance_m)
    return dataclasses.replace(
        config,
        locate=dataclasses.replace(config.locate, tolerance_m=tolerance_m),
        cost=dataclasses.replace(config.cost, fibre=fibre),
    )


def test_the_context_is_the_kommune_and_those_within_the_cluster_distance() -> None:
    assert context_kommuner(KOMMUNER, "0001", 500.0) == ["0001", "0002"]
    assert context_kommuner(KOMMUNER, "0003", 500.0) == ["0003"]
    assert context_kommuner(KOMMUNER, "0002", 6000.0) == ["0002", "0001", "0003"]


def test_the_scope_keeps_what_may_lie_in_the_context_and_what_names_it() -> None:
    addresses = pd.DataFrame(
        {
            "x_m": [1000.0, 3000.0, 11_000.0, 11_000.0, 4050.0, 4150.0],
            "y_m": [1000.0, 1000.0, 1000.0, 1000.0, 1000.0, 1000.0],
            "kommunenummer": ["0001", "0002", "0003", "0001", "0003", "0003"],
        }
    )
    keep = rows_kept(addresses, address_scope(_config(tolerance_m=100.0), KOMMUNER, "0001"))
    # in A, in B, in C, in C but the file names A, 50 m past B (snapped in), 150 m past B
    assert keep.tolist() == [True, True, False, True, True, False]


def test_an_unknown_kommune_names_the_file_and_the_known_ones() -> None:
    with pytest.raises(
        InputError,
        match=r"got '0009', expected a kommunenummer of k.geojson \(3 kommuner: 0001, 0002",
    ):
        address_scope(_config(), KOMMUNER, "0009")


def test_rows_of_the_kept_addresses() -> None:
    offers = pd.DataFrame({"address_id": [1, 2, 3, 2, 9]})
    kept = rows_kept(offers, of_address_ids(pd.Series([2, 3])))
    assert kept.tolist() == [False, True, True, True, False]


def test_a_missing_value_is_not_kept_as_in_a_filtered_parquet_read() -> None:
    addresses = pd.DataFrame(
        {"x_m": [1000.0, np.nan], "y_m": [1000.0, 1000.0], "kommunenummer": ["0003", None]}
    )
    scope = address_scope(_config(), KOMMUNER, "0001")
    assert rows_kept(addresses, scope).tolist() == [True, False]
