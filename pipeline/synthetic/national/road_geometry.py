"""The geometry the national road network is made of: the land mask, polylines as one array,
cell nodes, Delaunay edges and meandering lines (:mod:`pipeline.synthetic.national.roads`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
import shapely
from rasterio.transform import Affine
from rasterio.windows import Window
from scipy.spatial import Delaunay, QhullError, cKDTree

CELL_M = 250.0  # SSB grid cell
VERTEX_SPACING_M = 50.0
GDAL_CACHE_MB = 64
STRIP_ROWS = 512


@dataclass(frozen=True)
class LandMask:
    """Where the DTM has data (land), on its grid."""

    transform: Affine
    land: np.ndarray  # bool, (rows, columns)

    def on_land(self, xy_m: np.ndarray) -> np.ndarray:
        """True for each point on a DTM cell with data; False on nodata and off the raster."""
        column = np.floor((xy_m[:, 0] - self.transform.c) / self.transform.a).astype(np.int64)
        row = np.floor((xy_m[:, 1] - self.transform.f) / self.transform.e).astype(np.int64)
        rows, columns = self.land.shape
        inside = (row >= 0) & (row < rows) & (column >= 0) & (column < columns)
        result = np.zeros(len(xy_m), dtype=bool)
        result[inside] = self.land[row[inside], column[inside]]
        return result


def read_land_mask(dtm_path: Path) -> LandMask:
    """The DTM's data mask, read in strips of 512 rows (the whole band as float would be
    ~0.7 GB at 100 m over Norway; the mask is a quarter of that)."""
    with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB), rasterio.open(dtm_path) as dataset:
        land = np.empty((dataset.height, dataset.width), dtype=bool)
        for row in range(0, dataset.height, STRIP_ROWS):  # a loop over strips
            height = min(STRIP_ROWS, dataset.height - row)
            strip = dataset.read(1, window=Window(0, row, dataset.width, height))
            land[row : row + height] = strip != dataset.nodata
        return LandMask(dataset.transform, land)


@dataclass(frozen=True)
class Polylines:
    """Polylines as one coordinate array: vertex ``i`` belongs to line ``owner[i]`` (0..n-1)."""

    xy_m: np.ndarray  # (vertices, 2), EPSG:25833
    owner: np.ndarray  # sorted

    @property
    def n_lines(self) -> int:
        """The number of lines."""
        return int(self.owner[-1]) + 1 if len(self.owner) else 0

    def geometries(self) -> np.ndarray:
        """The lines as shapely LineStrings."""
        if self.n_lines == 0:
            return np.empty(0, dtype=object)
        return np.asarray(shapely.linestrings(self.xy_m, indices=self.owner))

    def sea_m(self, land: LandMask) -> np.ndarray:
        """Length at sea of each line: its vertices on nodata × its mean vertex spacing."""
        vertices = np.bincount(self.owner, minlength=self.n_lines)
        at_sea = np.bincount(
            self.owner, (~land.on_land(self.xy_m)).astype(float), minlength=self.n_lines
        )
        step_m = np.hypot(*np.diff(self.xy_m, axis=0).T)
        same = self.owner[1:] == self.owner[:-1]
        length_m = np.bincount(self.owner[1:][same], step_m[same], minlength=self.n_lines)
        return np.asarray(at_sea * length_m / np.maximum(vertices - 1, 1))

    def subset(self, keep: np.ndarray) -> Polylines:
        """The lines where ``keep`` (bool per line), renumbered in order."""
        new_id = np.cumsum(keep) - 1
        vertex_kept = keep[self.owner]
        return Polylines(self.xy_m[vertex_kept], new_id[self.owner[vertex_kept]])


def no_lines() -> Polylines:
    """An empty set of polylines."""
    return Polylines(np.empty((0, 2)), np.empty(0, np.int64))


def concatenated(parts: list[Polylines]) -> Polylines:
    """The lines of ``parts`` one after the other."""
    if not parts:
        return no_lines()
    offsets = np.cumsum([0] + [p.n_lines for p in parts])
    return Polylines(
        np.vstack([p.xy_m for p in parts]),
        np.concatenate([p.owner + offset for p, offset in zip(parts, offsets, strict=False)]),
    )


def cell_nodes(x_m: np.ndarray, y_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The node of each populated 250 m cell (the mean of its addresses, to the centimetre) and
    its number of addresses, ordered by cell (column, then row)."""
    column = np.floor(x_m / CELL_M).astype(np.int64) + 100_000
    row = np.floor(y_m / CELL_M).astype(np.int64)
    _, cell, count = np.unique(column * 1_000_000 + row, return_inverse=True, return_counts=True)
    node_xy_m = np.column_stack([np.bincount(cell, x_m) / count, np.bincount(cell, y_m) / count])
    return np.round(node_xy_m, 2), count


def delaunay_edges(xy_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The edges ``(a, b)``, ``a < b``, of the Delaunay triangulation of the points, sorted.

    Fewer than four points, or points all on one line, get the edges to their (up to) eight
    nearest neighbours instead.
    """
    n = len(xy_m)
    if n < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    simplices = None
    if n >= 4:
        try:
            simplices = Delaunay(xy_m - xy_m.mean(axis=0)).simplices
        except QhullError:  # all points on one line
            simplices = None
    if simplices is not None:
        a, b = simplices[:, [0, 1, 2]].ravel(), simplices[:, [1, 2, 0]].ravel()
    else:
        _, neighbour = cKDTree(xy_m).query(xy_m, k=min(n, 9))
        a, b = np.repeat(np.arange(n), neighbour.shape[1]), neighbour.ravel()
    low, high = np.minimum(a, b).astype(np.int64), np.maximum(a, b).astype(np.int64)
    key = np.unique(low[low != high] * n + high[low != high])
    return key // n, key % n


def meander_lines(
    start_xy_m: np.ndarray, end_xy_m: np.ndarray, amplitude_m: np.ndarray
) -> Polylines:
    """Lines from each start to its end, bowed by one half sine across the chord.

    .. math:: p(t) = s + t (e - s) + a \\sin(\\pi t) \\, \\hat n, \\quad
        t = 0, 1/k, \\ldots, 1, \\quad k = \\lceil |e - s| / 50\\,\\mathrm{m} \\rceil

    with :math:`\\hat n` the unit normal of the chord; the ends are exactly ``start`` and
    ``end``, the inner vertices rounded to the centimetre.
    """
    chord_xy_m = end_xy_m - start_xy_m
    length_m = np.hypot(*chord_xy_m.T)
    segments = np.maximum(1, np.ceil(length_m / VERTEX_SPACING_M)).astype(np.int64)
    owner = np.repeat(np.arange(len(length_m)), segments + 1)
    first = np.cumsum(segments + 1) - (segments + 1)
    t = (np.arange(len(owner)) - first[owner]) / segments[owner]
    normal = (
        np.column_stack([-chord_xy_m[:, 1], chord_xy_m[:, 0]]) / np.maximum(length_m, 1e-9)[:, None]
    )
    bow_m = amplitude_m[owner] * np.sin(np.pi * t)
    xy_m = start_xy_m[owner] + t[:, None] * chord_xy_m[owner] + bow_m[:, None] * normal[owner]
    xy_m = np.round(xy_m, 2)
    xy_m[first] = start_xy_m
    xy_m[first + segments] = end_xy_m
    return Polylines(xy_m, owner)
