"""pipeline/rollout/ground.py: the terrain factor and the sea along links, on a real GeoTIFF.

Two islands at 5 m with sea between (DTM nodata on [280, 830) m east): a link from 1,385 m to
235 m east (1,150 m) has its 24 samples 50 m apart at 1385 − 50 k; k = 12 … 22 (785 … 285 m)
are sea, so by the trapezoid rule 11 of its 23 intervals are sea: 550 m, as the DTM draws it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from pipeline.config import TerrainSettings
from pipeline.rollout.ground import link_terrain, terrain_factor
from tests.fixtures import write_dtm

X0, Y0 = 300_000.0, 7_000_000.0


def two_islands_dtm(path: Path) -> Path:
    """10 m cells from X0 (3 km east, 1 km north of Y0): 5 m, nodata on [280, 830) m east."""
    dem = np.full((100, 300), 5.0)
    dem[:, 28:83] = np.nan
    return write_dtm(path, dem, (X0, Y0 + 1_000), 10.0)


def _link() -> tuple[np.ndarray, np.ndarray]:
    return np.array([[X0 + 1_385.0, Y0 + 505.0]]), np.array([[X0 + 235.0, Y0 + 505.0]])


def test_a_link_between_two_islands_is_eleven_23rds_sea_with_two_landings(tmp_path: Path) -> None:
    xy, far_end = _link()
    dtm = two_islands_dtm(tmp_path / "dtm.tif")
    ground = link_terrain(dtm, None, np.array(["9901"]), xy, far_end, TerrainSettings())
    assert ground.sea_fraction.tolist() == pytest.approx([11 / 23])
    assert ground.sea_fraction[0] * 1_150.0 == pytest.approx(550.0)
    assert ground.landings.tolist() == [2]
    assert ground.factor.tolist() == [1.0]  # both islands flat: the land part is flat


def test_without_a_dtm_the_kommune_polygons_say_where_the_sea_is() -> None:
    xy, far_end = _link()
    west = shapely.box(X0, Y0, X0 + 280, Y0 + 1_000)
    islands = np.array([west, shapely.box(X0 + 830, Y0, X0 + 3_000, Y0 + 1_000)])
    ground = link_terrain(None, islands, np.array(["9901"]), xy, far_end, TerrainSettings())
    assert ground.sea_fraction.tolist() == pytest.approx([11 / 23])
    assert ground.landings.tolist() == [2]
    # no DTM and no polygons: nothing is known to be sea
    flat = link_terrain(None, None, np.array(["9901"]), xy, far_end, TerrainSettings())
    assert flat.sea_fraction.tolist() == [0.0] and flat.factor.tolist() == [1.0]


def test_the_grade_is_taken_over_the_land_length_not_the_sea() -> None:
    # a link of 500 m, 300 m of it sea: 20 m of climb over its 200 m of land is a 10 % grade
    # (not 4 %): 1 + 2 × 0.1 + 0.05 × 10 / 100 = 1.205
    elevation = np.array([[0.0, 10.0, np.nan, np.nan, np.nan, 10.0, 0.0]])
    factor = terrain_factor(elevation, np.array([200.0]), TerrainSettings())
    assert factor.tolist() == pytest.approx([1.205])
