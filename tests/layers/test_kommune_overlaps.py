"""layers/kommune_overlaps.py: kommune polygons that overlap beyond the tolerance are an error
naming both kommuner, the overlap's area and the file; neighbours' slivers are not."""

from __future__ import annotations

import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from layers.errors import InputError
from layers.kommune_overlaps import overlapping_pairs, refuse_overlaps
from layers.kommuner import read_kommuner


def _kommuner(geometries: list[shapely.Geometry]) -> gpd.GeoDataFrame:
    n = len(geometries)
    return gpd.GeoDataFrame(
        {
            "kommunenummer": [f"99{i:02d}" for i in range(1, n + 1)],
            "kommunenavn": [f"K{i}" for i in range(1, n + 1)],
        },
        geometry=geometries,
        crs=25833,
    )


def test_a_nested_kommune_is_refused_naming_both_and_the_area() -> None:
    outer, inner = shapely.box(0, 0, 10_000, 10_000), shapely.box(1_000, 1_000, 3_000, 3_000)
    with pytest.raises(InputError) as raised:
        refuse_overlaps(_kommuner([outer, inner]), Path("k.geojson"), 0.001)
    assert str(raised.value) == (
        "k.geojson: kommune 9901 K1 and kommune 9902 K2 overlap by 4,000,000 m² (100.0% of the"
        " smaller one); expected kommune polygons that do not overlap (an address there would"
        " count in one kommune only), at most 0.10% of the smaller one: fix the file, or raise"
        " [locate].max_kommune_overlap_share"
    )


def test_neighbours_sharing_an_edge_or_a_sliver_pass() -> None:
    left, right = shapely.box(0, 0, 10_000, 10_000), shapely.box(10_000, 0, 20_000, 10_000)
    sliver = shapely.box(9_995, 0, 20_000, 10_000)  # 50,000 m², 0.05 % of the smaller one
    refuse_overlaps(_kommuner([left, right]), Path("k.geojson"), 0.001)
    refuse_overlaps(_kommuner([left, sliver]), Path("k.geojson"), 0.001)
    first, *_ = overlapping_pairs(np.array([left, sliver], dtype=object), 0.0001)
    assert first.tolist() == [0]  # a stricter share catches it


def test_the_largest_overlap_is_named_and_the_others_counted() -> None:
    boxes = [shapely.box(0, 0, 1_000, 1_000), shapely.box(500, 0, 1_500, 1_000)]
    boxes += [shapely.box(5_000, 0, 6_000, 1_000), shapely.box(5_900, 0, 7_000, 1_000)]
    with pytest.raises(
        InputError,
        match=r"kommune 9901 K1 and kommune 9902 K2 overlap by 500,000"
        r" m² \(50\.0% of the smaller one\); 1 more overlapping pairs",
    ):
        refuse_overlaps(_kommuner(boxes), Path("k.geojson"), 0.001)


@pytest.mark.realdata
def test_the_real_357_kommuner_pass_in_well_under_a_second(realdata: Path) -> None:
    path = realdata / "kommuner-robhop" / "Kommuner-S.geojson"
    kommuner = read_kommuner(path).accepted
    assert len(kommuner) == 357
    started = time.perf_counter()
    first, *_ = overlapping_pairs(np.asarray(kommuner.geometry.to_numpy()), 0.0)
    refuse_overlaps(kommuner, path, 0.001)
    assert time.perf_counter() - started < 5.0
    assert len(first) >= 2  # the simplified boundaries do overlap by slivers
