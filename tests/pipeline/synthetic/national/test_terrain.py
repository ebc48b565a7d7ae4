"""pipeline/synthetic/national/terrain.py: the set's DTM: EPSG:25833, the cell size asked, tiled
and compressed, nodata on the sea.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import rasterio
import shapely

from pipeline.synthetic.national.sources import NationalSources
from tests.pipeline.synthetic.national.limited_set import (
    build_limited,
)


@pytest.mark.realdata
def test_dtm_is_25833_at_the_cell_size_asked_with_nodata_on_the_sea(
    built: Any, real_kommuner: Any
) -> None:
    with rasterio.open(built.dtm) as dataset:
        assert dataset.crs.to_epsg() == 25833
        assert dataset.res == (100.0, 100.0)
        assert dataset.nodata == -9999.0
        assert dataset.block_shapes == [(512, 512)]
        assert dataset.tags(ns="IMAGE_STRUCTURE")["COMPRESSION"] == "DEFLATE"
        assert dataset.tags(ns="IMAGE_STRUCTURE")["PREDICTOR"] == "3"
        elevation = dataset.read(1)[::2, ::2]  # every other row and column is plenty
        rows, cols = np.indices(elevation.shape) * 2
        x_m, y_m = rasterio.transform.xy(dataset.transform, rows.ravel(), cols.ravel())
    centres = shapely.points(np.asarray(x_m), np.asarray(y_m))
    polygons = real_kommuner.geometry.to_numpy()
    extent = shapely.box(*shapely.total_bounds(centres))
    land = shapely.union_all(polygons[shapely.intersects(polygons, extent)])
    distance_m = shapely.distance(land, centres).reshape(elevation.shape)
    sea = distance_m > 100.0 * np.sqrt(2)  # the whole cell is off every polygon
    on_land = shapely.contains(land, shapely.buffer(centres, 100.0)).reshape(elevation.shape)
    assert sea.any() and on_land.any()
    assert (elevation[sea] == -9999.0).all()
    assert ((elevation[on_land] >= 0.0) & (elevation[on_land] <= 2_500.0)).all()


@pytest.mark.realdata
def test_dtm_cell_size_follows_the_option(
    national_sources: NationalSources, tmp_path_factory: pytest.TempPathFactory
) -> None:
    coarse = build_limited(
        national_sources, tmp_path_factory.mktemp("national") / "coarse", cell_m=250.0
    )
    with rasterio.open(coarse.dtm) as dataset:
        assert dataset.res == (250.0, 250.0)
