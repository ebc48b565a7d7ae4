"""pipeline/locate.py: the kommune of each address from the polygons; snapping, disagreement with
the file, and a slow reference."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from layers.errors import InputError
from pipeline.config import Config, Inputs
from pipeline.locate import check_kommune_numbers, locate_addresses, polygon_index_of_points


def _addresses(points: list[tuple[float, float]], knr: list[str]) -> gpd.GeoDataFrame:
    x = np.array([p[0] for p in points], dtype=float)
    y = np.array([p[1] for p in points], dtype=float)
    return gpd.GeoDataFrame(
        {
            "address_id": np.arange(len(points)),
            "kommunenummer": knr,
            "address_text": "a",
            "households": 1,
            "x_m": x,
            "y_m": y,
            "row_number": np.arange(len(points)) + 2,
        },
        geometry=gpd.points_from_xy(x, y),
        crs=25833,
    )


def test_polygon_wins_and_disagreement_is_counted(two_kommuner: gpd.GeoDataFrame) -> None:
    addresses = _addresses([(5000, 5000), (15000, 5000), (12000, 1000)], ["9901", "9902", "9901"])
    located = locate_addresses(addresses, two_kommuner, 0.0, "f.csv")
    assert located.addresses["kommunenummer"].tolist() == ["9901", "9902", "9902"]
    assert located.addresses["kommunenavn"].tolist() == ["Vestvik", "Østby", "Østby"]
    assert located.counts["disagree_with_file"] == 1


def test_outside_points_snap_within_tolerance_else_keep_file_or_quarantine(
    two_kommuner: gpd.GeoDataFrame,
) -> None:
    addresses = _addresses([(20050, 5000), (25000, 5000), (-5000, 5000)], ["9901", "9902", "4204"])
    located = locate_addresses(addresses, two_kommuner, 100.0, "f.csv")
    by_id = located.addresses.set_index("address_id")
    assert by_id.loc[0, "kommunenummer"] == "9902" and by_id.loc[0, "located_by"] == "tolerance"
    assert by_id.loc[1, "kommunenummer"] == "9902" and by_id.loc[1, "located_by"] == "file"
    assert located.quarantine["key"].tolist() == ["2"]
    assert "4204 is not in the kommune layer" in located.quarantine["reason"].iloc[0]
    assert located.quarantine["row_number"].tolist() == [4]


def test_point_on_shared_border_gets_exactly_one_kommune(two_kommuner: gpd.GeoDataFrame) -> None:
    index = polygon_index_of_points(
        two_kommuner.geometry.to_numpy(), np.array([10000.0]), np.array([5000.0])
    )
    assert index.tolist() == [0]


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-2000, 22000), st.floats(-2000, 12000)), min_size=1, max_size=60)
)
def test_matches_a_slow_reference(points: list[tuple[float, float]]) -> None:
    polygons = np.array([shapely.box(0, 0, 10_000, 10_000), shapely.box(10_000, 0, 20_000, 10_000)])
    x = np.array([p[0] for p in points])
    y = np.array([p[1] for p in points])
    fast = polygon_index_of_points(polygons, x, y)
    slow = []
    for px, py in points:
        hits = [i for i, poly in enumerate(polygons) if poly.intersects(shapely.Point(px, py))]
        slow.append(hits[0] if hits else -1)
    assert fast.tolist() == slow


def test_rows_in_equal_located_plus_quarantined(two_kommuner: gpd.GeoDataFrame) -> None:
    rng = np.random.default_rng(7)
    pts = list(zip(rng.uniform(-5000, 25000, 200), rng.uniform(-5000, 15000, 200), strict=True))
    knr = pd.Series(rng.choice(["9901", "9902", "0000"], 200)).tolist()
    located = locate_addresses(_addresses(pts, knr), two_kommuner, 500.0, "f.csv")
    assert len(located.addresses) + len(located.quarantine) == 200
    counts = located.counts
    assert (
        counts["in_polygon"]
        + counts["snapped_within_tolerance"]
        + counts["outside_kept_file_kommune"]
        + counts["quarantined_outside"]
    ) == 200


def test_addresses_naming_kommuner_the_layer_lacks_stop_the_run(tmp_path: Path) -> None:
    """A boundary file of other kommuner (renumbered, another region): one line naming the
    kommune file and the numbers it lacks; a layer that holds them all passes."""
    config = Config(inputs=Inputs(tmp_path / "kommuner.geojson", Path("a"), Path("o")))
    kommuner = gpd.GeoDataFrame(
        {"kommunenummer": ["5501"]}, geometry=[shapely.box(0, 0, 10, 10)], crs="EPSG:25833"
    )
    addresses = pd.DataFrame({"kommunenummer": ["9901"] * 30 + ["5501"] * 10})
    with pytest.raises(
        InputError,
        match=(
            r"kommuner \(.*kommuner.geojson\): 30 of 40 addresses \(75%\) name a kommune the"
            r" layer lacks \(9901…\)"
        ),
    ):
        check_kommune_numbers(config, addresses, kommuner)
    check_kommune_numbers(config, addresses.assign(kommunenummer="5501"), kommuner)
    few = pd.DataFrame({"kommunenummer": ["9901"] * 5})  # below min_rows_for_share: not judged
    check_kommune_numbers(config, few, kommuner)
