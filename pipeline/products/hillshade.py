"""A hillshade of the DTM under a kommune map, so terrain shows without web tiles.

The DTM (one raster or a folder of tiles, any projected CRS) is warped once per kommune into
Web Mercator (EPSG:3857, the map's own projection) at a resolution that keeps the image under
``max_px`` on its longer side, shaded, and written as a transparent PNG: sea and other nodata
cells stay transparent.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import rasterio
from pyproj import Transformer
from rasterio.errors import NotGeoreferencedWarning
from rasterio.transform import from_bounds

from layers.dtm import dtm_paths, open_dtm, warp_band

WEB_MERCATOR = "EPSG:3857"


def hillshade(
    elevation_m: np.ndarray, cell_m: float, azimuth_deg: float = 315.0, altitude_deg: float = 45.0
) -> np.ndarray:
    """Illumination 0–1 of each cell by a sun at (azimuth, altitude); NaN where elevation is.

    .. math::

        I = \\cos z \\cos s + \\sin z \\sin s \\cos(a - \\phi)

    with zenith :math:`z = 90° - altitude`, slope :math:`s = \\arctan|\\nabla h|`, sun azimuth
    :math:`a` (clockwise from north) and aspect :math:`\\phi` from central differences
    (``numpy.gradient``, rows running south).
    """
    dz_drow, dz_dcol = np.gradient(elevation_m, cell_m)
    dz_dx, dz_dy = dz_dcol, -dz_drow  # x east, y north
    slope = np.arctan(np.hypot(dz_dx, dz_dy))
    aspect = np.arctan2(-dz_dx, -dz_dy)  # direction the slope faces, clockwise from north
    zenith = math.radians(90.0 - altitude_deg)
    azimuth = math.radians(azimuth_deg)
    shade = math.cos(zenith) * np.cos(slope) + math.sin(zenith) * np.sin(slope) * np.cos(
        azimuth - aspect
    )
    clipped: np.ndarray = np.clip(shade, 0.0, 1.0)
    return clipped


Bounds = tuple[float, float, float, float]


def _grid(bounds_25833: Bounds, max_px: int) -> tuple[Bounds, int, int]:
    to_mercator = Transformer.from_crs(25833, 3857, always_xy=True)
    left, bottom, right, top = to_mercator.transform_bounds(*bounds_25833)
    size_m = max(right - left, top - bottom)
    cell = size_m / max_px
    width = max(math.ceil((right - left) / cell), 2)
    height = max(math.ceil((top - bottom) / cell), 2)
    return (left, bottom, right, top), width, height


def _finest_cell_m(dtm: Path) -> float:
    cells = []
    for path in dtm_paths(dtm):
        with open_dtm(path) as dataset:
            cells.append(float(min(abs(dataset.res[0]), abs(dataset.res[1]))))
    return min(cells)


def warp_dtm(
    dtm: Path, bounds_25833: tuple[float, float, float, float], max_px: int = 1024
) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """The DTM over ``bounds_25833`` in Web Mercator (NaN for nodata) and its 3857 bounds."""
    # no finer than the DTM itself: a small kommune on a 100 m DTM needs few pixels
    size_m = max(bounds_25833[2] - bounds_25833[0], bounds_25833[3] - bounds_25833[1])
    max_px = max(min(max_px, math.ceil(size_m / _finest_cell_m(dtm))), 16)
    (left, bottom, right, top), width, height = _grid(bounds_25833, max_px)
    transform = from_bounds(left, bottom, right, top, width, height)
    merged = np.full((height, width), np.nan, dtype="float32")
    for path in dtm_paths(dtm):
        with open_dtm(path) as dataset:
            part = warp_band(dataset, (height, width), transform, WEB_MERCATOR)
        merged = np.where(np.isnan(merged), part, merged)
    return merged, (left, bottom, right, top)


def write_hillshade_png(
    dtm: Path, bounds_25833: tuple[float, float, float, float], out_png: Path, max_px: int = 1024
) -> list[list[float]] | None:
    """Write the hillshade PNG; return its ``[[south, west], [north, east]]`` for Leaflet.

    None when the DTM has no data over the bounds.
    """
    elevation, (left, bottom, right, top) = warp_dtm(dtm, bounds_25833, max_px)
    if np.isnan(elevation).all():
        return None
    height, width = elevation.shape
    lat_centre = math.radians(
        Transformer.from_crs(3857, 4326, always_xy=True).transform(
            (left + right) / 2, (bottom + top) / 2
        )[1]
    )
    ground_cell_m = (right - left) / width * math.cos(lat_centre)
    filled = np.where(np.isnan(elevation), np.nanmin(elevation), elevation)
    shade = hillshade(filled, ground_cell_m)
    grey = (shade * 255).astype("uint8")
    alpha = np.where(np.isnan(elevation), 0, 255).astype("uint8")
    rgba = np.stack([grey, grey, grey, alpha])
    out_png.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(
            out_png, "w", driver="PNG", width=width, height=height, count=4, dtype="uint8"
        ) as png:
            png.write(rgba)
    to_lonlat = Transformer.from_crs(3857, 4326, always_xy=True)
    west, south = to_lonlat.transform(left, bottom)
    east, north = to_lonlat.transform(right, top)
    return [[south, west], [north, east]]
