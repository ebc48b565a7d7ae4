"""The pictures of a kommune brief: the map thumbnail and the cost curve, as PNG bytes and
``data:`` URIs (so the brief is one file).

The thumbnail is drawn with matplotlib's Agg canvas (no display, no global pyplot state): the
kommune's outline, its project areas, and its households below the map target as dots
coloured by class (the maps' colours, :data:`maps.style.CLASS_STYLES`), the dot's area
growing with the address's households (:math:`s = 6 \\sqrt{n}` pt²).
"""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from maps.cost_curve_png import CostCurveImage
from maps.style import BOUNDARY_COLOR, CLASS_BY_CODE, MARKER_OUTLINE_COLOR

if TYPE_CHECKING:
    from matplotlib.axes import Axes

THUMBNAIL_SIZE_IN: Final = (3.4, 3.4)
THUMBNAIL_DPI: Final = 150
AREA_COLOR: Final = "#5a4fcf"  # project areas: outlined, light fill


def data_uri_png(png: bytes) -> str:
    """``data:image/png;base64,…`` of PNG bytes."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _draw_polygons(axes: Axes, geometry: gpd.GeoSeries, **style: object) -> None:
    """Draw every polygon of ``geometry`` (holes as holes) as one path collection on ``axes``.

    One collection without autoscaling: ``add_patch`` per ring recomputes the data limits
    from every vertex and took ~40 ms per ring of a real kommune outline."""
    from matplotlib.collections import PathCollection
    from matplotlib.path import Path as MplPath

    paths = []
    for polygon in shapely.get_parts(np.asarray(geometry.values, dtype=object)):
        if not isinstance(polygon, shapely.Polygon) or polygon.is_empty:
            continue
        oriented = shapely.orient_polygons(polygon)  # exterior one way, holes the other
        rings = (oriented.exterior, *oriented.interiors)
        parts = [MplPath(np.asarray(ring.coords)[:, :2], closed=True) for ring in rings]
        paths.append(MplPath.make_compound_path(*parts))
    if paths:
        axes.add_collection(PathCollection(paths, **style), autolim=False)  # type: ignore[arg-type]


class ThumbnailImage:
    """One thumbnail figure, reused: :meth:`png` draws a kommune on it and removes what it
    drew afterwards, so a worker making 357 briefs builds the figure and its axes (about
    25 ms of the ~65 ms a thumbnail takes on the 2-core machine) once. The same picture, byte
    for byte, as a fresh figure per kommune: the limits are set explicitly each time, and an
    outline without finite bounds (left to autoscaling) gets a fresh figure."""

    def __init__(self) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self._figure = Figure(figsize=THUMBNAIL_SIZE_IN, dpi=THUMBNAIL_DPI)
        FigureCanvasAgg(self._figure)
        self._axes = self._figure.add_axes((0.01, 0.01, 0.98, 0.98))
        self._axes.set_axis_off()

    def png(
        self,
        outline: gpd.GeoSeries,
        addresses: pd.DataFrame,
        class_column: str,
        areas: gpd.GeoSeries | None = None,
    ) -> bytes:
        """:func:`thumbnail_png` on this figure."""
        if not np.isfinite(np.asarray(outline.total_bounds, dtype="float64")).all():
            return ThumbnailImage().png(outline, addresses, class_column, areas)
        axes = self._axes
        try:
            _draw_thumbnail(axes, outline, addresses, class_column, areas)
            _fit_to(axes, outline)
            buffer = io.BytesIO()
            self._figure.savefig(buffer, format="png")
        finally:
            for artist in [*axes.collections]:
                artist.remove()
        return buffer.getvalue()


def _draw_thumbnail(
    axes: Axes,
    outline: gpd.GeoSeries,
    addresses: pd.DataFrame,
    class_column: str,
    areas: gpd.GeoSeries | None,
) -> None:
    """The outline, the project areas and the addresses below the target, unserved last."""
    _draw_polygons(axes, outline, facecolor="#f4f4f0", edgecolor=BOUNDARY_COLOR, linewidth=1.0)
    if areas is not None and len(areas):
        style = {"facecolor": AREA_COLOR + "22", "edgecolor": AREA_COLOR, "linewidth": 0.6}
        _draw_polygons(axes, areas, **style)
    for code in ("underserved", "unserved"):
        chosen = addresses[addresses[class_column] == code]
        if len(chosen):
            sizes = 6.0 * np.sqrt(chosen["households"].to_numpy(dtype="float64").clip(1, None))
            axes.scatter(
                chosen["x_m"].to_numpy(dtype="float64"),
                chosen["y_m"].to_numpy(dtype="float64"),
                s=sizes,
                c=CLASS_BY_CODE[code].color,
                edgecolors=MARKER_OUTLINE_COLOR,
                linewidths=0.2,
                zorder=3,
            )


def thumbnail_png(
    outline: gpd.GeoSeries,
    addresses: pd.DataFrame,
    class_column: str,
    areas: gpd.GeoSeries | None = None,
    image: ThumbnailImage | None = None,
) -> bytes:
    """A square PNG of the kommune: ``outline`` (its polygons), ``areas`` (project areas) and
    ``addresses`` below the map target (``x_m``, ``y_m`` in the outline's CRS, ``households``,
    and ``class_column`` holding ``underserved`` or ``unserved``), unserved drawn last; on
    ``image`` (:class:`ThumbnailImage`; pass one to reuse it over many kommuner)."""
    if image is not None:
        return image.png(outline, addresses, class_column, areas)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=THUMBNAIL_SIZE_IN, dpi=THUMBNAIL_DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.01, 0.01, 0.98, 0.98))
    axes.set_axis_off()
    _draw_thumbnail(axes, outline, addresses, class_column, areas)
    _fit_to(axes, outline)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _fit_to(axes: Axes, outline: gpd.GeoSeries) -> None:
    """Square limits around the outline's bounds with a 3 % margin, equal aspect."""
    min_x, min_y, max_x, max_y = (float(v) for v in outline.total_bounds)
    if not np.isfinite([min_x, min_y, max_x, max_y]).all():
        return
    half_m = max(max_x - min_x, max_y - min_y, 1.0) * 0.515
    center_x, center_y = (min_x + max_x) / 2, (min_y + max_y) / 2
    axes.set_xlim(center_x - half_m, center_x + half_m)
    axes.set_ylim(center_y - half_m, center_y + half_m)
    axes.set_aspect("equal")


def cost_curve_png(
    curve: pd.DataFrame, title: str, image: CostCurveImage | None = None
) -> bytes | None:
    """The kommune's cost curve (:class:`maps.cost_curve_png.CostCurveImage`; pass one to reuse
    it over many kommuner), or None when the kommune has no costed household."""
    if curve.empty:
        return None
    return (image or CostCurveImage()).png(curve, title)
