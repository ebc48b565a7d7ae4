"""Road network: the centrelines fibre routes follow (NVDB Vegnett, Elveg, OSM roads, ...).

A GeoPackage (``.gpkg``) or GeoJSON (``.geojson``, ``.json``) of LineStrings and
MultiLineStrings with a CRS. The canonical table has one row per accepted feature:

==============  ===========================================================================
``road_id``     from a ``road_id`` / ``id`` / ``veglenkesekvensid`` / ``osm_id`` column, else
                the feature number
``row_number``  the 1-based feature number in the file, for provenance
``geometry``    a 2D LineString or MultiLineString in EPSG:25833
==============  ===========================================================================

A MultiLineString stays one row, so rows read = accepted + quarantined holds per feature;
:func:`pipeline.rollout.road_graph.road_graph` explodes its parts. Features that are
empty, not lines, with NaN coordinates, invalid beyond repair
(:func:`layers.geometry_checks.check_geometries`), of zero length or with coordinates that do
not project go to quarantine.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from layers.errors import InputError
from layers.geometry_checks import check_geometries
from layers.quarantine import LayerResult
from layers.vector import VectorFile, ids_or_feature_numbers, quarantine_features, read_features
from layers.vocabulary import CRS_EPSG

LAYER = "roads"
SUFFIXES = (".gpkg", ".geojson", ".json")
ID_COLUMNS = ("road_id", "id", "veglenkesekvensid", "osm_id")
LINE_TYPES = (shapely.GeometryType.LINESTRING, shapely.GeometryType.MULTILINESTRING)
EXPECTED_LINE = "a LineString or MultiLineString"
EXPECTED_FILE = "a road network as GeoPackage (.gpkg) or GeoJSON (.geojson, .json)"


def read_roads(
    path: Path | str, *, crs: int | str | None = None, layer: str | None = None
) -> LayerResult:
    """Read road centrelines into the canonical table (EPSG:25833).

    Parameters
    ----------
    path
        A GeoPackage or GeoJSON of (Multi)LineStrings.
    crs
        The CRS (EPSG code or any pyproj string) the config names for the file
        (``[inputs].roads_crs``), overriding the file's own; without it a file that declares
        none is an :class:`InputError`.
    layer
        The layer of a GeoPackage holding several; a one-layer file needs none.

    Returns
    -------
    LayerResult
        Layer ``roads``; quarantine reasons name the geometry got and a line expected.
    """
    path = Path(path)
    read = _read_file(path, crs, layer)
    raw = read.frame
    checked = check_geometries(raw.geometry, "line", read.geometry_errors)
    projected = shapely.force_2d(checked.geometry)
    zero_length = pd.Series(checked.reasons.isna() & (shapely.length(projected) == 0))
    road_id = ids_or_feature_numbers(raw, ID_COLUMNS)
    ok, feature_number, quarantine = quarantine_features(
        LAYER,
        path,
        road_id,
        [
            checked.reasons,
            zero_length.map({True: "geometry: zero length, expected a line of length > 0"}),
        ],
    )
    accepted = gpd.GeoDataFrame(
        {"road_id": road_id[ok].to_numpy(), "row_number": feature_number[ok]},
        geometry=projected[ok],
        crs=CRS_EPSG,
    )
    metadata = {"geometries_repaired": checked.repaired} if checked.repaired else {}
    return LayerResult(LAYER, accepted, quarantine, rows_read=len(raw), metadata=metadata)


def _read_file(path: Path, crs: int | str | None, layer: str | None) -> VectorFile:
    """Every feature of the file, with a CRS; :class:`InputError` naming the file otherwise."""
    if not path.exists():
        msg = f"{path}: road network file not found; expected {EXPECTED_FILE}"
        raise InputError(msg)
    if path.suffix.lower() not in SUFFIXES:
        msg = f"{path}: got a {path.suffix or 'suffix-less'} file, expected {EXPECTED_FILE}"
        raise InputError(msg)
    try:
        layers = pyogrio.list_layers(path)[:, 0].tolist()
    except Exception as exc:  # pyogrio raises its own DataSourceError / DataLayerError
        msg = f"{path}: could not be read ({exc}); expected {EXPECTED_FILE}"
        raise InputError(msg) from exc
    if layer is None and len(layers) > 1:
        msg = f"{path}: got layers {layers}; expected one layer, or the layer named"
        raise InputError(msg)
    crs_text = "" if crs is None else str(crs)
    return read_features(path, EXPECTED_FILE, crs_text, "[inputs].roads_crs", layer)
