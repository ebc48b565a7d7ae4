"""pipeline/products/gpkg_metadata.py: aliases and default styles written with sqlite3 into a
GeoPackage, in the tables and columns QGIS and GDAL read."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from pipeline.products.gpkg_metadata import write_metadata
from pipeline.products.qgis_styles import LayerStyle, Rule, line

# The columns QGIS's OGR provider gives layer_styles on "Save style to database" (saveStyle in
# qgsogrproviderutils.cpp), in its order.
QGIS_LAYER_STYLES_COLUMNS = [
    "id",
    "f_table_catalog",
    "f_table_schema",
    "f_table_name",
    "f_geometry_column",
    "styleName",
    "styleQML",
    "styleSLD",
    "useAsDefault",
    "description",
    "owner",
    "ui",
    "update_time",
]


def _gpkg(tmp_path: Path) -> Path:
    path = tmp_path / "t.gpkg"
    gpd.GeoDataFrame(
        {"kind": ["trunk"]}, geometry=[shapely.LineString([(0, 0), (1, 1)])], crs=25833
    ).to_file(path, layer="fiber", driver="GPKG", engine="pyogrio")
    return path


STYLE = LayerStyle(
    "LineString", (Rule("Fiber", (line("#6A3D9A"),)),), aliases={"fid": "Objekt-ID", "kind": "Type"}
)


def test_layer_styles_has_qgis_schema_and_one_default_row(tmp_path: Path) -> None:
    path = _gpkg(tmp_path)
    write_metadata(path, [("fiber", ["kind"], STYLE)])
    with sqlite3.connect(path) as connection:
        info = connection.execute("PRAGMA table_info(layer_styles)").fetchall()
        row = connection.execute(
            "SELECT f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName,"
            " useAsDefault, owner, update_time IS NOT NULL, styleSLD LIKE '<?xml%'"
            " FROM layer_styles"
        ).fetchone()
        contents = connection.execute(
            "SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'"
        ).fetchone()
    assert [column[1] for column in info] == QGIS_LAYER_STYLES_COLUMNS
    not_null = {column[1] for column in info if column[3]}
    assert not_null <= {"id"}  # styleSLD (and all but the key) may be NULL, as in QGIS's table
    assert row == ("", "", "fiber", "geom", "fiber", 1, "", 1, 1)
    assert contents == ("attributes",)
    # GDAL sees it as the attribute table QGIS would have made
    assert dict(pyogrio.list_layers(path))["layer_styles"] is None
    assert pyogrio.read_dataframe(path, layer="layer_styles")["useAsDefault"].tolist() == [True]


def test_aliases_are_the_data_columns_titles(tmp_path: Path) -> None:
    path = _gpkg(tmp_path)
    write_metadata(path, [("fiber", ["kind"], STYLE)])
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT table_name, column_name, name, title FROM gpkg_data_columns"
            " ORDER BY column_name"
        ).fetchall()
        extensions = connection.execute(
            "SELECT table_name, extension_name, scope FROM gpkg_extensions"
            " WHERE extension_name = 'gpkg_schema' ORDER BY table_name"
        ).fetchall()
    # GDAL writes and reads a field's alternative name in ``name``; ``title`` holds it too
    assert rows == [("fiber", "fid", "Objekt-ID", "Objekt-ID"), ("fiber", "kind", "Type", "Type")]
    assert extensions == [
        ("gpkg_data_column_constraints", "gpkg_schema", "read-write"),
        ("gpkg_data_columns", "gpkg_schema", "read-write"),
    ]
    assert pyogrio.read_info(path, layer="fiber")["features"] == 1  # the layer still reads


def test_two_fields_of_a_layer_cannot_share_an_alias(tmp_path: Path) -> None:
    path = _gpkg(tmp_path)
    twice = LayerStyle("LineString", STYLE.rules, aliases={"fid": "Type", "kind": "Type"})
    with pytest.raises(ValueError, match=r"fiber: aliases got \['Type', 'Type'\], expected each"):
        write_metadata(path, [("fiber", ["kind"], twice)])
