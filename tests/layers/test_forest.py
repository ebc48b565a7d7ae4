"""layers/forest.py: forest polygons from a land-cover layer, selected by class; clear errors."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from layers.errors import InputError
from layers.forest import forest_digest, read_forest
from tests.fixtures import LOCAL_X0 as X0
from tests.fixtures import LOCAL_Y0 as Y0


def _land_cover(path: Path, crs: int | None = 25833) -> Path:
    """Three AR50-like polygons: forest (artype 30), bog (60), forest again; 100 m squares."""
    gpd.GeoDataFrame(
        {"artype": [30, 60, 30], "objtype": ["Skog", "Myr", "Skog"]},
        geometry=[shapely.box(X0 + 100 * i, Y0, X0 + 100 * i + 100, Y0 + 100) for i in range(3)],
        crs=crs,
    ).to_file(path)
    return path


@pytest.mark.parametrize("suffix", ["gpkg", "geojson", "shp"])
def test_the_forest_class_is_chosen_by_its_value(tmp_path: Path, suffix: str) -> None:
    path = _land_cover(tmp_path / f"ar50.{suffix}")
    forest = read_forest(path, column="artype", values=("30",))
    assert sorted(shapely.bounds(forest)[:, 0] - X0) == [0.0, 200.0]
    n50 = read_forest(path, column="objtype", values=("Skog",))
    assert len(n50) == 2
    assert len(read_forest(path)) == 3  # no column: every polygon is forest


def test_polygons_come_back_in_utm_33(tmp_path: Path) -> None:
    path = tmp_path / "skog.gpkg"
    gpd.GeoDataFrame(geometry=[shapely.box(X0, Y0, X0 + 100, Y0 + 100)], crs=25833).to_crs(
        25832
    ).to_file(path)
    (polygon,) = read_forest(path)
    assert shapely.area(polygon) == pytest.approx(10_000.0, rel=1e-3)
    assert shapely.bounds(polygon)[0] == pytest.approx(X0, abs=1.0)


def test_a_missing_or_unreadable_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nowhere\.gpkg: forest polygons .* not found"):
        read_forest(tmp_path / "nowhere.gpkg")
    garbage = tmp_path / "skog.gpkg"
    garbage.write_bytes(b"not a geopackage")
    with pytest.raises(InputError, match=r"skog\.gpkg: could not be read .* expected forest"):
        read_forest(garbage)


def test_a_file_without_polygons_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "punkter.gpkg"
    gpd.GeoDataFrame(geometry=[shapely.Point(X0, Y0)], crs=25833).to_file(path)
    with pytest.raises(InputError, match=r"punkter\.gpkg: got 1 features and no usable polygon"):
        read_forest(path)


def test_a_wrong_column_or_value_names_what_the_file_holds(tmp_path: Path) -> None:
    path = _land_cover(tmp_path / "ar50.gpkg")
    with pytest.raises(InputError, match=r"no column 'arealtype'.*\['artype', 'objtype'\]"):
        read_forest(path, column="arealtype", values=("30",))
    with pytest.raises(InputError, match=r"no feature has artype in \['31'\].*\['30', '60'\]"):
        read_forest(path, column="artype", values=("31",))


def test_the_digest_follows_every_file_of_a_shapefile(tmp_path: Path) -> None:
    path = _land_cover(tmp_path / "ar50.shp")
    before = forest_digest(path)
    assert forest_digest(path) == before
    dbf = tmp_path / "ar50.dbf"
    dbf.write_bytes(dbf.read_bytes() + b" ")  # only the attributes changed
    assert forest_digest(path) != before
