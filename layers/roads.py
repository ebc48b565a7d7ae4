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
empty, not lines, of zero length or with coordinates that do not project go to quarantine.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from layers.errors import InputError
from layers.quarantine import LayerResult, first_reason
from layers.vector import ids_or_feature_numbers, quarantine_features, refuse_metres_as_degrees
from layers.vocabulary import CRS_EPSG

LAYER = "roads"
SUFFIXES = (".gpkg", ".geojson", ".json")
ID_COLUMNS = ("road_id", "id", "veglenkesekvensid", "osm_id")
LINE_TYPES = (shapely.GeometryType.LINESTRING, shapely.GeometryType.MULTILINESTRING)
EXPECTED_LINE = "a LineString or MultiLineString"
EXPECTED_FILE = "a road network as GeoPackage (.gpkg) or GeoJSON (.geojson, .json)"


def read_roads(
    path: Path | str, *, crs_fallback: int | str | None = None, layer: str | None = None
) -> LayerResult:
    """Read road centrelines into the canonical table (EPSG:25833).

    Parameters
    ----------
    path
        A GeoPackage or GeoJSON of (Multi)LineStrings.
    crs_fallback
        The CRS (EPSG code or any pyproj string) of a file that declares none; without it such
        a file is an :class:`InputError`.
    layer
        The layer of a GeoPackage holding several; a one-layer file needs none.

    Returns
    -------
    LayerResult
        Layer ``roads``; quarantine reasons name the geometry got and a line expected.
    """
    path = Path(path)
    raw = _read_file(path, crs_fallback, layer)
    projected = shapely.force_2d(raw.geometry.to_crs(CRS_EPSG).to_numpy())
    road_id = ids_or_feature_numbers(raw, ID_COLUMNS)
    ok, feature_number, quarantine = quarantine_features(
        LAYER, path, road_id, [_geometry_reason(raw.geometry, projected)]
    )
    accepted = gpd.GeoDataFrame(
        {"road_id": road_id[ok].to_numpy(), "row_number": feature_number[ok]},
        geometry=projected[ok],
        crs=CRS_EPSG,
    )
    return LayerResult(LAYER, accepted, quarantine, rows_read=len(raw))


def _read_file(path: Path, crs_fallback: int | str | None, layer: str | None) -> gpd.GeoDataFrame:
    """Every feature of the file, with a CRS; :class:`InputError` naming the file otherwise."""
    if not path.exists():
        msg = f"{path}: road network file not found; expected {EXPECTED_FILE}"
        raise InputError(msg)
    if path.suffix.lower() not in SUFFIXES:
        msg = f"{path}: got a {path.suffix or 'suffix-less'} file, expected {EXPECTED_FILE}"
        raise InputError(msg)
    try:
        layers = pyogrio.list_layers(path)[:, 0].tolist()
        if layer is None and len(layers) > 1:
            msg = f"{path}: got layers {layers}; expected one layer, or the layer named"
            raise InputError(msg)
        frame = gpd.read_file(path, layer=layer)
    except InputError:
        raise
    except Exception as exc:  # pyogrio raises its own DataSourceError / DataLayerError
        msg = f"{path}: could not be read ({exc}); expected {EXPECTED_FILE}"
        raise InputError(msg) from exc
    if frame.crs is None and crs_fallback is None:
        msg = f"{path}: no CRS in the file; expected {EXPECTED_FILE} with a CRS"
        raise InputError(msg)
    refuse_metres_as_degrees(frame, path)
    return frame if frame.crs is not None else frame.set_crs(crs_fallback)


def _geometry_reason(geometry: gpd.GeoSeries, projected: np.ndarray) -> pd.Series:
    """Per feature, why it cannot be a road (NA when it can); the first failing check wins."""
    missing = shapely.is_missing(projected) | shapely.is_empty(projected)
    is_line = np.isin(shapely.get_type_id(projected), LINE_TYPES)
    coordinates, owner = shapely.get_coordinates(projected, return_index=True)
    bad_coordinate = ~np.isfinite(coordinates).all(axis=1)
    not_finite = np.bincount(owner, bad_coordinate, minlength=len(projected)) > 0
    zero_length = shapely.length(projected) == 0
    type_name = geometry.geom_type.fillna("<none>")
    return first_reason(
        [
            (_flags(missing, geometry), f"geometry: empty, expected {EXPECTED_LINE}"),
            (
                _flags(~is_line, geometry),
                "geometry: got " + type_name + f", expected {EXPECTED_LINE}",
            ),
            (_flags(not_finite, geometry), "geometry: coordinates not finite in EPSG:25833"),
            (_flags(zero_length, geometry), "geometry: zero length, expected a line of length > 0"),
        ],
        geometry.index,
    )


def _flags(values: np.ndarray, geometry: gpd.GeoSeries) -> pd.Series:
    return pd.Series(values, index=geometry.index)
