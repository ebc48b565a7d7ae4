"""pipeline/synthetic/terrain.py: the demo region's landscape: the DTM's profile, kommuner that
do not overlap, the ridge between the mast and Bakdalen.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio

from pipeline.synthetic.region import DemoRegion
from tests.fixtures import DtmBand


def test_dtm_profile(demo_region: DemoRegion, demo_dtm: DtmBand) -> None:
    with rasterio.open(demo_region.dtm) as source:
        assert source.crs.to_epsg() == 25833
        assert source.res == (20.0, 20.0)
        assert source.dtypes == ("float32",)
        assert source.nodata == -9999.0
        assert source.block_shapes == [(256, 256)]
        assert source.compression == rasterio.enums.Compression.deflate
        assert tuple(source.bounds) == (260_000.0, 7_000_000.0, 300_000.0, 7_030_000.0)
    band = demo_dtm.band
    land = band[band != demo_dtm.nodata]
    assert 1200 < land.max() < 1700
    assert land.min() > 0
    assert (band[:, 0] == demo_dtm.nodata).all()  # the open sea along the west edge
    assert 0.05 < (band == demo_dtm.nodata).mean() < 0.3


def test_kommuner_do_not_overlap(demo_kommuner: gpd.GeoDataFrame) -> None:
    assert demo_kommuner.geometry.is_valid.all()
    for first, second in itertools.combinations(demo_kommuner.geometry, 2):
        assert first.intersection(second).area < 1.0


def test_ridge_blocks_the_line_from_the_mast_to_the_valley(
    demo_dtm: DtmBand, good_rows: pd.DataFrame, site_rows: pd.DataFrame
) -> None:
    mast = site_rows.set_index("site_id").loc["LL-STORLIA-FWA"]
    valley = good_rows[good_rows["grunnkretsnavn"] == "Bakdalen"]
    t = np.linspace(0.0, 1.0, 600)[None, :]
    x_m = mast["east_m"] + t * (valley["x_m"].to_numpy()[:, None] - mast["east_m"])
    y_m = mast["north_m"] + t * (valley["y_m"].to_numpy()[:, None] - mast["north_m"])
    profile_m = demo_dtm.sample(x_m, y_m)
    mast_top_m = profile_m[:, :1] + mast["antenna_height_m"]
    receiver_m = profile_m[:, -1:] + 2.0
    sight_line_m = mast_top_m + t * (receiver_m - mast_top_m)
    assert (profile_m[:, 1:-1] - sight_line_m[:, 1:-1]).max(axis=1).min() > 300
    ridge_m = profile_m.max(axis=1)
    assert (ridge_m - np.maximum(profile_m[:, 0], profile_m[:, -1]) >= 400).all()
    distance_m = np.hypot(valley["x_m"] - mast["east_m"], valley["y_m"] - mast["north_m"])
    assert (distance_m <= mast["max_range_m"]).all()
