"""layers/roads.py: the road network reader: reprojected, bad features quarantined, clear errors."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from layers.errors import InputError
from layers.roads import read_roads
from pipeline.rollout.road_graph import road_graph
from tests.fixtures import L_ROAD, road_lines, route_between_m
from tests.fixtures import LOCAL_ORIGIN as ORIGIN
from tests.fixtures import LOCAL_X0 as X0
from tests.fixtures import LOCAL_Y0 as Y0


def _road_file_frame(crs: int) -> gpd.GeoDataFrame:
    """Two roads, a two-part road, a point and an empty geometry, in EPSG:25833 then ``crs``."""
    multi = shapely.MultiLineString(
        [np.array([(0, 0), (0, 100)]) + ORIGIN, np.array([(0, 100), (50, 100)]) + ORIGIN]
    )
    frame = gpd.GeoDataFrame(
        {"id": ["V1", "V2", "V3", "P1", "E1"]},
        geometry=[
            shapely.LineString(np.array([(0, 0), (300, 0)]) + ORIGIN),
            shapely.LineString(np.array([(300, 0), (300, 400), (310, 410)]) + ORIGIN),
            multi,
            shapely.Point(X0 + 5, Y0 + 5),
            shapely.LineString(),
        ],
        crs=25833,
    )
    return frame.to_crs(crs)


@pytest.mark.parametrize(("suffix", "crs"), [("gpkg", 25832), ("geojson", 4326)])
def test_roads_are_reprojected_and_bad_features_quarantined(
    tmp_path: Path, suffix: str, crs: int
) -> None:
    path = tmp_path / f"veger.{suffix}"
    written = _road_file_frame(crs)
    written.to_file(path)
    result = read_roads(path)
    roads = result.accepted
    assert result.rows_read == 5 == len(roads) + len(result.quarantine)
    assert roads["road_id"].tolist() == ["V1", "V2", "V3"]
    assert roads["row_number"].tolist() == [1, 2, 3]
    assert roads.crs.to_epsg() == 25833
    assert roads.geom_type.tolist() == ["LineString", "LineString", "MultiLineString"]
    # independently: the written coordinates through pyproj back to EPSG:25833
    to_25833 = Transformer.from_crs(crs, 25833, always_xy=True)
    written_xy = shapely.get_coordinates(written.geometry.iloc[1])
    expected_xy = np.column_stack(to_25833.transform(written_xy[:, 0], written_xy[:, 1]))
    np.testing.assert_allclose(shapely.get_coordinates(roads.geometry.iloc[1]), expected_xy)
    np.testing.assert_allclose(expected_xy[0], [X0 + 300, Y0], atol=0.01)
    quarantine = result.quarantine.set_index("key")
    assert quarantine.loc["P1", "reason"] == (
        "geometry: got Point, expected a LineString or MultiLineString"
    )
    assert quarantine.loc["E1", "reason"].startswith("geometry: empty")
    assert quarantine["row_number"].tolist() == [4, 5]
    assert (quarantine["layer"] == "roads").all() and (quarantine["file"] == str(path)).all()
    # the two-part road is one row, and both its parts are roads: (0,0) -> (50,100) is 150 m
    road = road_graph(roads)
    assert route_between_m(road, (0, 0), (50, 100)) == pytest.approx(150.0, abs=0.01)
    assert route_between_m(road, (50, 100), (310, 410)) == pytest.approx(
        150.0 + 300.0 + 400.0 + np.hypot(10, 10), abs=0.01
    )


def test_zero_length_roads_are_quarantined(tmp_path: Path) -> None:
    path = tmp_path / "veger.gpkg"
    road_lines([(0, 0), (100, 0)], [(5, 5), (5, 5)]).to_file(path)
    result = read_roads(path)
    assert len(result.accepted) == 1
    assert result.quarantine["reason"].tolist() == [
        "geometry: zero length, expected a line of length > 0"
    ]


def test_a_missing_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "finnes_ikke.gpkg"
    with pytest.raises(InputError, match=r"finnes_ikke\.gpkg: road network file not found"):
        read_roads(path)


@pytest.mark.parametrize("name", ["veger.shp", "veger.csv"])
def test_other_formats_are_refused_naming_the_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name.endswith(".shp"):
        road_lines(L_ROAD).to_file(path)
    else:
        path.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match=rf"{name}: got a \.\w+ file, expected a road network"):
        read_roads(path)


def test_a_file_that_is_not_a_geopackage_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "veger.gpkg"
    path.write_text("not a database\n")
    with pytest.raises(InputError, match=r"veger\.gpkg: could not be read"):
        read_roads(path)


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_a_file_without_crs_needs_the_fallback(tmp_path: Path) -> None:
    path = tmp_path / "veger.gpkg"
    road_lines(L_ROAD).set_crs(None, allow_override=True).to_file(path)
    with pytest.raises(InputError, match=r"veger\.gpkg: no CRS in the file"):
        read_roads(path)
    roads = read_roads(path, crs=25833).accepted
    assert roads.crs.to_epsg() == 25833
    np.testing.assert_allclose(shapely.get_coordinates(roads.geometry)[0], [X0, Y0])


def test_a_geopackage_of_several_layers_needs_the_layer_named(tmp_path: Path) -> None:
    path = tmp_path / "vegnett.gpkg"
    road_lines(L_ROAD).to_file(path, layer="veglenke")
    road_lines([(0, 0), (1, 1)]).to_file(path, layer="fartsgrense")
    with pytest.raises(InputError, match=r"got layers \['veglenke', 'fartsgrense'\]"):
        read_roads(path)
    assert len(read_roads(path, layer="veglenke").accepted) == 1
