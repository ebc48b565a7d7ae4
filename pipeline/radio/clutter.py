"""Clutter: the buildings and trees on the ground between a site and a household.

Two optional inputs, ``[inputs] dom`` and ``[inputs] forest`` (one or the other):

- a *surface model* (DOM, e.g. Kartverket's from hoydedata.no: terrain + buildings + trees;
  rasters as the DTM's, :mod:`layers.dtm`). The LOS window is then read on the DOM's own grid
  (:func:`read_clutter_window`), the DTM read onto that grid once per window (cell for cell on
  the same grid, else one bilinear warp), and the profile's height at each sample is the
  surface ``max(DOM, DTM)`` (a DOM cell without data is the DTM's height: a DOM that covers
  part of the area leaves bare earth elsewhere). The DTM stays the ground of both ends; the
  CPE rule and the radius around each end that reads bare earth are in
  :mod:`pipeline.radio.los`. Trees in a DOM are opaque obstacles: no foliage loss is added.
- *forest polygons* (:mod:`layers.forest`), without a DOM: rasterized once per window onto
  the DEM window's grid (a cell is forest where its centre is in a polygon), and the profile
  counts the metres of forest it crosses below the canopy (:mod:`pipeline.radio.profile`);
  the link budget takes Weissberger's loss of that depth instead of the fixed
  ``[wireless.link] foliage_depth_m``.

The figures of the rules are :class:`Clutter`'s fields (documented there); the README,
"Clutter: buildings and forest", gives the sources and the limits.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from rasterio.features import rasterize
from rasterio.warp import transform_bounds

from layers.dtm import DtmTiles, dtm_digest
from layers.forest import forest_digest, read_forest
from layers.vocabulary import CRS_EPSG
from pipeline.config_clutter import ClutterSettings
from pipeline.config_inputs import Inputs
from pipeline.radio.dem_window import (
    DemWindow,
    FloatArray,
    ground_m,
    read_dem_window,
    read_onto_grid,
)
from pipeline.radio.profile import Profiles


@dataclass(frozen=True)
class Clutter:
    """The clutter inputs of a run and the rules that judge them (module docstring)."""

    dom: Path | None = None  # surface model rasters (a file or a folder of tiles)
    forest: Path | None = None  # forest polygons (vector file)
    forest_layer: str = ""  # the layer of a file with several ("" = its first)
    forest_crs: str = ""  # the CRS of the forest file's coordinates ("" = the file's own)
    forest_column: str = ""  # the column holding the land-cover class ("" = all is forest)
    forest_values: tuple[str, ...] = ()  # its values that are forest (AR50: "30")
    # the rules (meanings, defaults and limits: pipeline/config_clutter.py)
    clear_radius_m: float = ClutterSettings.clear_radius_m
    on_structure_above_m: float = ClutterSettings.on_structure_above_m
    roof_mount_m: float = ClutterSettings.roof_mount_m
    canopy_height_m: float = ClutterSettings.canopy_height_m

    @property
    def enabled(self) -> bool:
        """Whether any clutter input is given."""
        return self.dom is not None or self.forest is not None


NO_CLUTTER = Clutter()  # bare earth: no DOM, no forest


def clutter_digest(clutter: Clutter, checksums: Mapping[str, Mapping[str, Any]] | None) -> str:
    """SHA-256 of the clutter inputs' contents (DOM tiles as :func:`layers.dtm.dtm_digest`,
    the forest file(s) as :func:`layers.forest.forest_digest`); "" without clutter."""
    if not clutter.enabled:
        return ""
    parts = [
        f"dom {dtm_digest(clutter.dom, checksums) if clutter.dom is not None else '-'}",
        f"forest {forest_digest(clutter.forest) if clutter.forest is not None else '-'}",
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


@dataclass
class ClutterSources:
    """What a worker keeps open: the DOM tiles and the forest polygons (EPSG:25833)."""

    dom: DtmTiles | None = None
    forest: np.ndarray | None = None
    forest_tree: shapely.STRtree | None = None

    @staticmethod
    def open(clutter: Clutter) -> ClutterSources:
        """Open the DOM and read the forest polygons of ``clutter`` (none given: nothing)."""
        dom = None if clutter.dom is None else DtmTiles(clutter.dom, "surface model (DOM)")
        if clutter.forest is None:
            return ClutterSources(dom)
        polygons = read_forest(
            clutter.forest,
            clutter.forest_layer,
            clutter.forest_crs,
            clutter.forest_column,
            clutter.forest_values,
        )
        return ClutterSources(dom, polygons, shapely.STRtree(polygons))

    def cell_area_m2(self) -> float:
        """The smallest cell area of the DOM tiles (inf without a DOM)."""
        if self.dom is None:
            return float("inf")
        return float(min(abs(d.res[0] * d.res[1]) for d in self.dom.datasets))


def read_clutter_window(
    dtm: DtmTiles, sources: ClutterSources, bounds_25833: tuple[float, float, float, float]
) -> DemWindow:
    """The LOS window over ``bounds_25833``: the DTM's (:func:`read_dem_window`), or with a
    DOM the surface on the DOM's grid with the DTM under it (``bare_earth_m``); with forest
    polygons, their mask on the window's grid (``forest``)."""
    if sources.dom is None:
        window = read_dem_window(dtm, bounds_25833)
    else:
        window = surface_window(read_dem_window(sources.dom, bounds_25833), dtm)
    if sources.forest is not None and sources.forest_tree is not None:
        mask = forest_mask(sources.forest, sources.forest_tree, window)
        window = dataclasses.replace(window, forest=mask)
    return window


def surface_window(dom: DemWindow, dtm: DtmTiles) -> DemWindow:
    """The surface ``max(DOM, DTM)`` on the DOM window's grid, the DTM on the same grid as
    its bare earth. Cells the DTM does not cover are unknown, whatever the DOM holds."""
    terrain_m, covered = read_onto_grid(dtm, dom)
    surface_m = np.fmax(dom.elevation_m, terrain_m)
    surface_m[~covered] = np.nan
    on_raster = None if covered.all() else covered
    return DemWindow(surface_m, dom.transform, dom.crs, on_raster, bare_earth_m=terrain_m)


def forest_mask(polygons: np.ndarray, tree: shapely.STRtree, window: DemWindow) -> np.ndarray:
    """Bool per cell of ``window``: True where the cell's centre is in a forest polygon
    (``rasterio.features.rasterize``, one pass over the polygons near the window)."""
    height, width = window.elevation_m.shape
    left, top = window.transform * (0, 0)
    right, bottom = window.transform * (width, height)
    box = transform_bounds(window.crs, f"EPSG:{CRS_EPSG}", left, bottom, right, top, 21)
    near = polygons[tree.query(shapely.box(*box))]
    if len(near) == 0:
        return np.zeros((height, width), dtype=bool)
    if window.crs.to_epsg() != CRS_EPSG:
        to_window = Transformer.from_crs(CRS_EPSG, window.crs, always_xy=True)
        near = shapely.transform(near, lambda xy: np.column_stack(to_window.transform(*xy.T)))
    burnt = rasterize(
        list(near), out_shape=(height, width), transform=window.transform, dtype="uint8"
    )
    mask: np.ndarray = burnt > 0
    return mask


def receiver_height_m(
    window: DemWindow,
    x: FloatArray,
    y: FloatArray,
    terrain_m: FloatArray,
    cpe_height_m: FloatArray,
    clutter: Clutter,
) -> FloatArray:
    """The CPE's height above sea level over a surface window (positions in its CRS): on the
    roof where the surface ``s`` at the address is more than ``on_structure_above_m`` above
    the ground ``g``, in the open else.

    .. math:: z_{rx} = \\begin{cases} s + h_{mount} & s - g > h_{structure} \\\\
        g + h_{cpe} & \\text{otherwise} \\end{cases}
    """
    surface = ground_m(window, x, y)
    on_roof = np.nan_to_num(surface - terrain_m, nan=0.0) > clutter.on_structure_above_m
    height_m: FloatArray = np.where(
        on_roof, surface + clutter.roof_mount_m, terrain_m + cpe_height_m
    )
    return height_m


def forest_depth_m(
    window: DemWindow, forest_samples: np.ndarray, coarse_samples: np.ndarray, profile: Profiles
) -> FloatArray:
    """Metres of forest each path crosses below the canopy: its length times the share of
    its coarse samples (at most a cell apart) in forest, within a coarse spacing of the truth.

    .. math:: d_{forest} = D \\cdot n_{forest} / n_{coarse}

    0 over a surface window (its trees are obstacles already); NaN without a forest mask (the
    link budget's fixed ``foliage_depth_m`` applies).
    """
    n = len(profile.length_m)
    if window.bare_earth_m is not None:
        return np.zeros(n)
    if window.forest is None:
        return np.full(n, np.nan)
    depth: FloatArray = forest_samples / np.maximum(coarse_samples, 1) * profile.length_m
    return depth


def clutter_of_inputs(inputs: Inputs, rules: ClutterSettings | None = None) -> Clutter:
    """A run's clutter: its ``[inputs]`` dom, forest and the forest's options, judged by
    ``rules`` (``[wireless.clutter]``; default: its defaults)."""
    rules = rules or ClutterSettings()
    return Clutter(
        dom=inputs.dom,
        forest=inputs.forest,
        forest_layer=inputs.forest_layer,
        forest_crs=inputs.forest_crs,
        forest_column=inputs.forest_column,
        forest_values=inputs.forest_values,
        clear_radius_m=rules.clear_radius_m,
        on_structure_above_m=rules.on_structure_above_m,
        roof_mount_m=rules.roof_mount_m,
        canopy_height_m=rules.canopy_height_m,
    )
