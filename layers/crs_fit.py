"""Do a vector layer's coordinates fit the CRS it declares? One check for every vector reader
(kommuner, fibre, roads, areas, Nkom's squares), called by :func:`layers.vector.with_crs`.

A CRS that does not match the numbers moves every feature silently: kommune polygons in degrees
read as metres lie a few hundred metres from UTM's false origin, and every address ends outside
every kommune. Three mistakes are refused with an :class:`~layers.errors.InputError` that names
the file, the CRS declared, the bounds got and what was expected:

* **metres read as degrees**: a geographic CRS, but bounds beyond ±180° / ±90° (a GeoJSON in
  UTM without a ``crs`` member is read as WGS84);
* **degrees read as metres**: a projected CRS, but every coordinate within ±180 / ±90 (a
  GeoJSON in longitude/latitude whose ``crs`` member says EPSG:25833): a layer of a few hundred
  metres at the projection's false origin, never in Norway;
* **somewhere else**: the layer's bounds, in its declared CRS and turned into
  longitude/latitude, do not meet Norway's box at all (mainland, Svalbard or Jan Mayen, the
  boxes of :mod:`layers.coordinates`); with the axes exchanged the message says so.

The bounds are those of the finite coordinates; a layer without any is left to the geometry
checks. One ``transform_bounds`` per file, never per feature.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer

from layers.coordinates import JAN_MAYEN_LONLAT, MAINLAND_LONLAT, SVALBARD_LONLAT, Box, box_in
from layers.errors import InputError

NORWAY_LONLAT = (MAINLAND_LONLAT, SVALBARD_LONLAT, JAN_MAYEN_LONLAT)
NORWAY_TEXT = "longitude 4 to 31.5, latitude 57.8 to 71.5, or Svalbard or Jan Mayen"


def finite_bounds(geometry: np.ndarray) -> Box | None:
    """(west, south, east, north) over the features' finite bounds, or None when there are none.

    .. math:: w = \\min_i x_{\\min,i}, \\; s = \\min_i y_{\\min,i}, \\;
        e = \\max_i x_{\\max,i}, \\; n = \\max_i y_{\\max,i}
    """
    bounds = shapely.bounds(np.asarray(geometry, dtype=object))
    bounds = bounds[np.isfinite(bounds).all(axis=1)]
    if len(bounds) == 0:
        return None
    return (
        float(bounds[:, 0].min()),
        float(bounds[:, 1].min()),
        float(bounds[:, 2].max()),
        float(bounds[:, 3].max()),
    )


def lonlat_bounds(bounds: Box, crs: CRS) -> Box | None:
    """``bounds`` in ``crs`` as longitude/latitude bounds (densified edges), or None where they
    do not transform to finite numbers."""
    try:
        transformer = Transformer.from_crs(crs, 4258, always_xy=True)
        result = transformer.transform_bounds(*bounds, densify_pts=21)
    except Exception:  # pyproj.ProjError and friends: the bounds are off the projection
        return None
    return tuple(result) if np.isfinite(result).all() else None  # type: ignore[return-value]


def meets_norway(lonlat: Box | None) -> bool:
    """Whether longitude/latitude bounds meet a box of Norway (mainland, Svalbard, Jan Mayen)."""
    if lonlat is None:
        return False
    west, south, east, north = lonlat
    return any(
        west <= box[2] and east >= box[0] and south <= box[3] and north >= box[1]
        for box in NORWAY_LONLAT
    )


def bounds_text(bounds: Box, geographic: bool) -> str:
    """Bounds for a message: degrees with four decimals, metres whole with separators."""
    spec = ".4f" if geographic else ",.0f"
    return "(" + ", ".join(format(value, spec) for value in bounds) + ")"


def _norway_in(crs: CRS) -> str:
    """Norway's mainland box in ``crs``, for a message (empty when ``crs`` has no EPSG code)."""
    epsg = crs.to_epsg()
    if epsg is None:
        return ""
    x_min, y_min, x_max, y_max = box_in(epsg)
    return f": east {x_min:,.0f} to {x_max:,.0f}, north {y_min:,.0f} to {y_max:,.0f}"


def refuse_coordinates_that_misfit_the_crs(
    frame: gpd.GeoDataFrame,
    path: Path,
    crs_key: str = "[inputs].<layer>_crs",
    declared_by: str = "the file",
) -> None:
    """Raise :class:`InputError` when the layer's coordinates cannot be in its CRS, or lie
    nowhere near Norway in it (see the module's docstring); else return."""
    bounds = finite_bounds(frame.geometry.to_numpy()) if frame.crs is not None else None
    if bounds is None:
        return
    crs, (west, south, east, north) = CRS.from_user_input(frame.crs), bounds
    name = crs.to_string()
    within_degrees = west >= -180 and east <= 180 and south >= -90 and north <= 90
    if crs.is_geographic and not within_degrees:
        msg = (
            f"{path}: coordinates up to ({max(abs(west), abs(east)):,.0f},"
            f" {max(abs(south), abs(north)):,.0f}) cannot be degrees, but {declared_by} says"
            f' {name} (longitude/latitude; a GeoJSON without a "crs" member is WGS84); expected'
            " longitude/latitude, or a file that names its CRS (GeoPackage, .prj, or a GeoJSON"
            ' "crs" such as urn:ogc:def:crs:EPSG::25833), or its CRS named in the config:'
            f' {crs_key} = "EPSG:25833"'
        )
        raise InputError(msg)
    if not crs.is_geographic and within_degrees:
        msg = (
            f"{path}: coordinates look like degrees (longitude/latitude) although {declared_by}"
            f" says {name} (got bounds {bounds_text(bounds, True)}, expected metres in"
            f" Norway{_norway_in(crs)}); expected the CRS the coordinates are in (a GeoJSON in"
            ' longitude/latitude has no "crs" member), or name it in the config:'
            f' {crs_key} = "EPSG:4326"'
        )
        raise InputError(msg)
    lonlat = lonlat_bounds(bounds, crs)
    if meets_norway(lonlat):
        return
    where = "do not transform to longitude/latitude"
    if lonlat is not None:
        where = f"are {bounds_text(lonlat, True)} in longitude/latitude"
    swapped = meets_norway(lonlat_bounds((south, west, north, east), crs))
    hint = "; with x and y exchanged they would: the axes look swapped" if swapped else ""
    msg = (
        f"{path}: no feature lies in Norway: the bounds {bounds_text(bounds, crs.is_geographic)}"
        f" in {name}, as {declared_by} says, {where}; expected features in Norway ({NORWAY_TEXT})"
        f"{hint}; is {name} the CRS the coordinates are in? Name the right one in the config:"
        f' {crs_key} = "EPSG:…"'
    )
    raise InputError(msg)
