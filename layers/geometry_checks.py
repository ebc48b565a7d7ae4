"""Per-feature geometry checks shared by the vector readers (kommuner, fibre, areas, roads,
Nkom's squares): every feature's geometry is accepted, repaired or given a quarantine reason.

A feature is quarantined when its geometry could not be built from the file (a LineString of
one point, a ring of two: GEOS refuses them, see :func:`layers.vector.read_features`), is null or
empty, has a NaN or infinite coordinate,
is not of the layer's type family (polygons, lines, lines or points), does not project to
EPSG:25833, or is invalid and ``shapely.make_valid`` cannot repair it faithfully: the repair
leaves nothing of the family, or changes the area (polygons) or length (lines) by more than
:data:`REPAIR_TOLERANCE` of it and more than :data:`REPAIR_FLOOR` (m² or m). A bow-tie polygon
is such a case: its signed rings cancel, and the two triangles ``make_valid`` makes are an area
nobody drew. A ring that touches itself, a spike or a doubled vertex is repaired.

Everything is vectorised with shapely's array functions; only the few geometry collections
``make_valid`` returns are taken apart one by one.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.quarantine import first_reason
from layers.vocabulary import CRS_EPSG

_T = shapely.GeometryType
FAMILIES: dict[str, tuple[int, ...]] = {
    "polygon": (_T.POLYGON, _T.MULTIPOLYGON),
    "line": (_T.LINESTRING, _T.MULTILINESTRING),
    "line_or_point": (_T.LINESTRING, _T.MULTILINESTRING, _T.POINT, _T.MULTIPOINT),
}
EXPECTED = {
    "polygon": "a Polygon or MultiPolygon",
    "line": "a LineString or MultiLineString",
    "line_or_point": "a line or a point",
}
# a repair may change the area (polygons) or length (lines) by at most this share of it ...
REPAIR_TOLERANCE = 0.01
# ... or by at most this many m² (polygons) or m (lines): a slit of a few cm is no change
REPAIR_FLOOR = 1.0


@dataclass(frozen=True)
class CheckedGeometry:
    """The outcome of :func:`check_geometries`, aligned to the features."""

    geometry: np.ndarray  # EPSG:25833, repaired where invalid; None where there is a reason
    reasons: pd.Series  # NA where usable, else the quarantine reason
    repaired: int  # how many invalid geometries make_valid repaired


def check_geometries(
    geometry: gpd.GeoSeries, family: str, build_errors: pd.Series | None = None
) -> CheckedGeometry:
    """Check, project to EPSG:25833 and repair the geometries of a layer's features.

    Parameters
    ----------
    geometry
        The features' geometries with their CRS.
    family
        ``"polygon"``, ``"line"`` or ``"line_or_point"``: what the layer holds.
    build_errors
        Per feature, NA or why its geometry could not be built from the file
        (:attr:`layers.vector.VectorFile.geometry_errors`): the first reason of such a feature.
    """
    index = geometry.index
    if build_errors is None:
        build_errors = pd.Series(pd.NA, index=index, dtype="object")
    source = np.asarray(geometry.to_numpy(), dtype=object)
    missing = shapely.is_missing(source) | shapely.is_empty(source)
    not_finite = _not_finite(source)
    type_name = geometry.geom_type.fillna("<none>")
    wrong_type = ~missing & ~np.isin(shapely.get_type_id(source), FAMILIES[family])
    usable = ~(missing | not_finite | wrong_type)
    projected = np.full(len(source), None, dtype=object)
    if usable.any():
        to_25833 = gpd.GeoSeries(source[usable], crs=geometry.crs).to_crs(CRS_EPSG)
        projected[usable] = to_25833.to_numpy()
    not_projected = usable & _not_finite(projected)
    invalid = usable & ~not_projected & ~shapely.is_valid(projected)
    repair_reason = pd.Series(pd.NA, index=index, dtype="object")
    if invalid.any():
        repaired, why = _repair(projected[invalid], family)
        projected[invalid] = repaired
        repair_reason.iloc[np.flatnonzero(invalid)] = why
    reasons = first_reason(
        [
            (build_errors.notna(), build_errors),
            (_flags(missing, index), f"geometry: empty, expected {EXPECTED[family]}"),
            (
                _flags(not_finite & ~missing, index),
                "geometry: a coordinate is NaN or infinite, expected finite numbers",
            ),
            (
                _flags(wrong_type, index),
                "geometry: got " + type_name + f", expected {EXPECTED[family]}",
            ),
            (_flags(not_projected, index), "geometry: coordinates not finite in EPSG:25833"),
            (repair_reason.notna(), repair_reason),
        ],
        index,
    )
    projected[reasons.notna().to_numpy()] = None
    return CheckedGeometry(projected, reasons, int(invalid.sum() - repair_reason.notna().sum()))


def _flags(values: np.ndarray, index: pd.Index) -> pd.Series:
    return pd.Series(values, index=index)


def _not_finite(geometry: np.ndarray) -> np.ndarray:
    """True for each geometry with a NaN or infinite x or y coordinate."""
    present = ~shapely.is_missing(geometry)
    coordinates, owner = shapely.get_coordinates(geometry[present], return_index=True)
    bad = ~np.isfinite(coordinates).all(axis=1)
    flagged = np.zeros(len(geometry), dtype=bool)
    flagged[np.flatnonzero(present)] = np.bincount(owner, bad, minlength=int(present.sum())) > 0
    return flagged


def _repair(invalid: np.ndarray, family: str) -> tuple[np.ndarray, np.ndarray]:
    """``make_valid`` of invalid geometries, and per geometry NA or why the repair is refused."""
    why_invalid = shapely.is_valid_reason(invalid)
    repaired = _keep_family(shapely.make_valid(invalid), FAMILIES[family])
    measure, unit, what = (
        (shapely.area, "m²", "area") if family == "polygon" else (shapely.length, "m", "length")
    )
    before, after = measure(invalid), measure(repaired)
    change = np.abs(after - before)
    collapsed = shapely.is_empty(repaired)
    too_much = ~collapsed & (change > np.maximum(REPAIR_FLOOR, REPAIR_TOLERANCE * before))
    reasons = np.full(len(invalid), pd.NA, dtype=object)
    for i in np.flatnonzero(collapsed | too_much):  # only the refused repairs get a text
        if family == "line" and before[i] == 0:
            reasons[i] = "geometry: zero length, expected a line of length > 0"
            continue
        outcome = (
            f"nothing of {EXPECTED[family]} is left"
            if collapsed[i]
            else f"it changes the {what} from {before[i]:,.0f} to {after[i]:,.0f} {unit}"
            f" (more than {REPAIR_TOLERANCE:.0%})"
        )
        reasons[i] = (
            f"geometry: invalid ({why_invalid[i]}) and make_valid cannot repair it: {outcome};"
            " expected a valid geometry"
        )
    return repaired, reasons


def _keep_family(geometry: np.ndarray, types: tuple[int, ...]) -> np.ndarray:
    """The parts of each geometry that are of ``types``; an empty collection where none are.

    ``make_valid`` returns a geometry of the input's family for almost every input; only the
    few geometry collections it makes (a polygon with a dangling spike) are taken apart.
    """
    result = np.array(geometry, dtype=object)
    type_id = shapely.get_type_id(result)
    for i in np.flatnonzero(~np.isin(type_id, types)):
        parts = shapely.get_parts(result[i]) if result[i] is not None else np.array([])
        keep = parts[np.isin(shapely.get_type_id(parts), types)]
        result[i] = shapely.union_all(keep) if len(keep) else shapely.GeometryCollection()
    return result
