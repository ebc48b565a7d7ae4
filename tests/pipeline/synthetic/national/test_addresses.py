"""pipeline/synthetic/national/addresses.py: households per cell follow the SSB grid, per kommune
the expected share of each cell, every address in its kommune or snapped.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
import shapely

from layers.addresses import read_addresses
from pipeline.config import load_config
from pipeline.synthetic.national.addresses import MAX_REDRAWS
from pipeline.synthetic.national.sources import NationalSources
from tests.pipeline.synthetic.national.limited_set import (
    CELL_M,
    LIMIT,
    build_limited,
    grid_cells,
    households_per_cell,
)


@pytest.mark.realdata
def test_cells_inside_one_kommune_hold_people_times_households_per_person(
    built: Any, real_kommuner: Any
) -> None:
    """Cumulative rounding keeps every cell within one household of people × 0.45."""
    addresses = read_addresses(built.addresses).accepted
    grid = grid_cells().set_index(["x_m", "y_m"])
    counted = households_per_cell(addresses)
    assert counted.index.isin(grid.index).all()  # every address lies in an inhabited cell
    boxes = shapely.box(
        *(counted.index.to_frame().to_numpy().T[[0, 1, 0, 1]] + [[0], [0], [CELL_M], [CELL_M]])
    )
    union = shapely.union_all(real_kommuner.loc[list(LIMIT)].geometry.to_numpy())
    inside = shapely.within(boxes, union)
    expected = grid.loc[counted.index, "people"].to_numpy() * 0.45
    assert inside.sum() > 200
    assert np.abs(counted.to_numpy()[inside] - expected[inside]).max() <= 1.0
    assert (counted.to_numpy() <= expected + 1.0).all()


@pytest.mark.realdata
def test_households_per_kommune_match_the_grid_population(
    national_sources: NationalSources, real_kommuner: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """With one household per person, kommune k should hold the people of its cells.

    Expected: a cell's households land uniformly on the kommune polygons inside it (points
    outside every polygon are redrawn up to ``MAX_REDRAWS`` times), so kommune k gets the share
    ``s_ik = (a_ik / a_i) (1 - (1 - a_i)^(R+1))`` of cell i's people (``a`` = area shares of
    the cell), and offshore cells go to the nearest kommune. Tolerance: four binomial standard
    deviations ``sqrt(sum p s (1 - s))`` (×40 for cells with apartment blocks), plus the people
    that may still be outside after all redraws (snapped to whichever kommune is nearest).
    """
    single = build_limited(
        national_sources, tmp_path_factory.mktemp("national") / "single", households_per_person=1.0
    )
    addresses = read_addresses(single.addresses).accepted
    got = addresses.groupby("kommunenummer")["households"].sum()
    expected, tolerance = expected_households(real_kommuner, MAX_REDRAWS + 1)
    for knr in LIMIT:
        assert abs(got[knr] - expected[knr]) <= tolerance[knr], (knr, got[knr], expected[knr])
    grid = grid_cells().set_index(["x_m", "y_m"])
    counted = households_per_cell(addresses)
    people = grid.loc[counted.index, "people"].to_numpy()
    assert (counted.to_numpy() <= people).all()


def expected_households(real_kommuner: Any, draws: int) -> tuple[pd.Series, pd.Series]:
    """Expected households per selected kommune and the tolerance (see the test above)."""
    grid = grid_cells()
    area = shapely.box(*shapely.total_bounds(real_kommuner.loc[list(LIMIT)].geometry.to_numpy()))
    near = grid[
        shapely.intersects_xy(shapely.buffer(area, 20_000.0), grid["x_m"], grid["y_m"])
    ].reset_index(drop=True)
    boxes = shapely.box(near["x_m"], near["y_m"], near["x_m"] + CELL_M, near["y_m"] + CELL_M)
    polygons = real_kommuner.geometry.to_numpy()
    land = shapely.union_all(polygons[shapely.intersects(polygons, shapely.buffer(area, 25e3))])
    land_share = shapely.area(shapely.intersection(boxes, land)) / CELL_M**2
    people = near["people"].to_numpy().astype("float64")
    factor = np.where(people > 200, 40.0, 1.0)
    leftover = (1.0 - land_share) ** draws
    centres = shapely.points(near["x_m"] + CELL_M / 2, near["y_m"] + CELL_M / 2)
    _, nearest = shapely.STRtree(polygons).query_nearest(centres, all_matches=False)
    expected, tolerance = {}, {}
    for knr in LIMIT:
        share_k = shapely.area(shapely.intersection(boxes, real_kommuner.loc[knr, "geometry"]))
        share = np.where(land_share > 0, share_k / CELL_M**2 / np.maximum(land_share, 1e-12), 0.0)
        share *= 1.0 - leftover
        offshore = (land_share == 0) & (real_kommuner.index[nearest] == knr)
        share = np.where(offshore, 1.0, share)
        variance = (people * share * (1.0 - share) * factor).sum()
        expected[knr] = (people * share).sum()
        tolerance[knr] = 4.0 * np.sqrt(variance) + (people * leftover)[share_k > 0].sum() + 1.0
    return pd.Series(expected), pd.Series(tolerance)


@pytest.mark.realdata
def test_every_address_lies_in_its_kommune_or_within_the_snap_tolerance(
    built: Any, real_kommuner: Any
) -> None:
    addresses = read_addresses(built.addresses).accepted
    tolerance_m = load_config(built.config).locate.tolerance_m
    polygons = real_kommuner.loc[addresses["kommunenummer"], "geometry"].to_numpy()
    x_m, y_m = addresses["x_m"].to_numpy(), addresses["y_m"].to_numpy()
    inside = shapely.intersects_xy(polygons, x_m, y_m)
    distance_m = shapely.distance(polygons, shapely.points(x_m, y_m))
    assert inside.mean() > 0.98
    assert (distance_m[~inside] <= tolerance_m).all()
    assert (~inside).sum() == built.rows["addresses_snapped"]
    others = shapely.STRtree(real_kommuner.geometry.to_numpy())
    outside = shapely.points(x_m[~inside], y_m[~inside])
    assert len(others.query(outside, predicate="intersects")[0]) == 0  # in no other kommune
