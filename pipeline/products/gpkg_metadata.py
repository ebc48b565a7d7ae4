"""Field aliases and default QGIS styles, written with sqlite3 into a GeoPackage after its
layers (pyogrio cannot write either).

- Aliases: the GeoPackage schema extension's ``gpkg_data_columns``, ``name`` = the alias, as
  GDAL writes and reads a field's alternative name there (checked with GDAL 3.12: it fills
  ``name``, leaves ``title`` empty and reads ``name`` back; QGIS on GDAL ≥ 3.7 shows it as the
  alias). ``title`` gets the alias too, for readers of the spec's "formal title". ``name`` is
  unique per table (the spec's constraint), so two fields of a layer cannot share an alias.
- Styles: the ``layer_styles`` table with the schema QGIS itself creates on "Save style to
  database" (``QgsOgrProviderUtils``'s saveStyle, through OGR: ``id`` as FID, the same columns
  and widths; ``styleSLD`` may be NULL), one row per layer with ``useAsDefault = 1``, so QGIS
  applies it when the layer is opened. Registered in ``gpkg_contents`` as an attributes table,
  as OGR registers it for QGIS.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path

from pipeline.products.qgis_styles import LayerStyle, qml, sld

STYLE_DESCRIPTION_NB = "gapmap: standardstil (fra kjøringen)"
GPKG_NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
SCHEMA_EXTENSION = "http://www.geopackage.org/spec120/#extension_schema"

CREATE_DATA_COLUMNS = """
CREATE TABLE IF NOT EXISTS gpkg_data_columns (
  table_name TEXT NOT NULL,
  column_name TEXT NOT NULL,
  name TEXT,
  title TEXT,
  description TEXT,
  mime_type TEXT,
  constraint_name TEXT,
  CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name),
  CONSTRAINT gdc_tn UNIQUE (table_name, name)
)"""
CREATE_DATA_COLUMN_CONSTRAINTS = """
CREATE TABLE IF NOT EXISTS gpkg_data_column_constraints (
  constraint_name TEXT NOT NULL,
  constraint_type TEXT NOT NULL,
  value TEXT,
  min NUMERIC,
  min_is_inclusive BOOLEAN,
  max NUMERIC,
  max_is_inclusive BOOLEAN,
  description TEXT,
  CONSTRAINT gdcc_ntv UNIQUE (constraint_name, constraint_type, value)
)"""
CREATE_EXTENSIONS = """
CREATE TABLE IF NOT EXISTS gpkg_extensions (
  table_name TEXT,
  column_name TEXT,
  extension_name TEXT NOT NULL,
  definition TEXT NOT NULL,
  scope TEXT NOT NULL,
  CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name)
)"""
CREATE_LAYER_STYLES = f"""
CREATE TABLE IF NOT EXISTS layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  f_table_catalog TEXT(256),
  f_table_schema TEXT(256),
  f_table_name TEXT(256),
  f_geometry_column TEXT(256),
  styleName TEXT(30),
  styleQML TEXT,
  styleSLD TEXT,
  useAsDefault BOOLEAN,
  description TEXT,
  owner TEXT(30),
  ui TEXT(30),
  update_time DATETIME DEFAULT ({GPKG_NOW})
)"""

LayerEntry = tuple[str, Sequence[str], LayerStyle]  # layer name, its fields, its style


def write_metadata(path: Path, layers: Sequence[LayerEntry]) -> None:
    """Write each layer's aliases into ``gpkg_data_columns`` and its QML and SLD into
    ``layer_styles`` as the default style, in one transaction."""
    connection = sqlite3.connect(path)
    try:
        with connection:
            _write_aliases(connection, [(name, style.aliases) for name, _, style in layers])
            _write_styles(connection, layers)
    finally:
        connection.close()


def _write_aliases(
    connection: sqlite3.Connection, aliases: Sequence[tuple[str, Mapping[str, str]]]
) -> None:
    for layer, titles in aliases:
        if len(set(titles.values())) < len(titles):
            msg = f"{layer}: aliases got {sorted(titles.values())}, expected each once"
            raise ValueError(msg)
    for statement in (CREATE_DATA_COLUMNS, CREATE_DATA_COLUMN_CONSTRAINTS, CREATE_EXTENSIONS):
        connection.execute(statement)
    connection.executemany(
        "INSERT OR IGNORE INTO gpkg_extensions VALUES (?, NULL, 'gpkg_schema', ?, 'read-write')",
        [
            (table, SCHEMA_EXTENSION)
            for table in ("gpkg_data_columns", "gpkg_data_column_constraints")
        ],
    )
    connection.executemany(
        "INSERT OR REPLACE INTO gpkg_data_columns (table_name, column_name, name, title)"
        " VALUES (?, ?, ?, ?)",
        [
            (layer, column, title, title)
            for layer, titles in aliases
            for column, title in titles.items()
        ],
    )


def _write_styles(connection: sqlite3.Connection, layers: Sequence[LayerEntry]) -> None:
    connection.execute(CREATE_LAYER_STYLES)
    geometry_columns = dict(
        connection.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall()
    )
    rows = [
        (
            name,
            geometry_columns[name],
            name[:30],
            qml(style, fields),
            sld(name, style),
            STYLE_DESCRIPTION_NB,
        )
        for name, fields, style in layers
    ]
    connection.executemany(
        "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name,"
        " f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, owner)"
        " VALUES ('', '', ?, ?, ?, ?, ?, 1, ?, '')",
        rows,
    )
    connection.execute(
        "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, last_change)"
        f" VALUES ('layer_styles', 'attributes', 'layer_styles', {GPKG_NOW})"
    )
    if connection.execute(
        "SELECT 1 FROM sqlite_master WHERE name = 'gpkg_ogr_contents'"
    ).fetchone():
        connection.execute(
            "INSERT OR REPLACE INTO gpkg_ogr_contents (table_name, feature_count)"
            " VALUES ('layer_styles', ?)",
            (len(rows),),
        )
