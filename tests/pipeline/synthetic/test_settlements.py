"""pipeline/synthetic/settlements.py: where the demo region's addresses stand: on land (but three
piers), inside the kommuner, five of them in a neighbour's polygon.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from pipeline.synthetic.region import PIER_TEXTS
from tests.fixtures import DtmBand


def test_good_addresses_lie_on_land_except_the_piers(
    demo_dtm: DtmBand, good_rows: pd.DataFrame
) -> None:
    elevation_m = demo_dtm.sample(good_rows["x_m"], good_rows["y_m"])
    pier = good_rows["adresseTekst"].isin(PIER_TEXTS).to_numpy()
    assert pier.sum() == 3
    assert (elevation_m[pier] == demo_dtm.nodata).all()
    assert (elevation_m[~pier] != demo_dtm.nodata).all()
    assert (elevation_m[~pier] > 0).all()


def test_kommuner_cover_every_good_address(
    demo_kommuner: gpd.GeoDataFrame, good_rows: pd.DataFrame
) -> None:
    union = shapely.union_all(demo_kommuner.geometry.to_numpy())
    assert shapely.covers(union, shapely.points(good_rows["x_m"], good_rows["y_m"])).all()
    assert 1000e6 < union.area < 1200e6


def test_five_addresses_disagree_with_their_polygon(
    demo_kommuner: gpd.GeoDataFrame, good_rows: pd.DataFrame
) -> None:
    points = gpd.GeoDataFrame(
        good_rows, geometry=gpd.points_from_xy(good_rows["x_m"], good_rows["y_m"]), crs=25833
    )
    located = points.sjoin(demo_kommuner[["kommunenummer", "geometry"]], predicate="within")
    assert len(located) == len(good_rows)
    disagreeing = located[located["kommunenummer_left"] != located["kommunenummer_right"]]
    assert len(disagreeing) == 5
    stated = demo_kommuner.set_index("kommunenummer").geometry[disagreeing["kommunenummer_left"]]
    assert (stated.distance(disagreeing.geometry, align=False) < 1000).all()
