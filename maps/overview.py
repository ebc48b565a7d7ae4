"""The overview map: a kommune choropleth of the share of households below each target.

The share is drawn in a few discrete classes (:class:`ShareClasses`) with a legend that names
each class's range and the target. With several targets a switch in the title panel redraws the
one set of polygons for another target (legend, tooltip and popup follow it). Kommune names
show as labels from the zoom where they fit (:func:`label_min_zoom`); a search box finds a
kommune by name or number, zooms to it and opens its popup, which links the kommune's map and
its tables. The page's script is :mod:`maps.overview_page`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Final

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.numbers_nb import format_int_nb, format_nok, format_number_nb, format_percent_nb
from maps import style
from maps.overview_page import OVERVIEW_CSS, OverviewChoropleth
from maps.style import TargetSpec

MAP_CRS = "EPSG:4326"
OVERVIEW_SIMPLIFY_M = 50.0  # tolerance before reprojection; 357 kommuner stay ~1 MB
COORD_DECIMALS = 5  # ~1 m in latitude; enough for any map zoom we offer
# ColorBrewer YlOrRd, 5 classes (sequential, colour-blind and print friendly).
SHARE_CLASS_COLORS: Final[tuple[str, ...]] = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
# Links of the overview (``maps/oversikt.html``) to the run's tables (written by publish).
KOMMUNE_TABLE_HREF: Final = "../tables/kommuner/{knr}.{ext}"
DOWNLOADS: Final[tuple[tuple[str, str], ...]] = (
    ("Tabell over alle kommuner (Excel)", "../tables/gap_table.xlsx"),
    ("Tabell (CSV, norsk format)", "../tables/gap_table_nb.csv"),
    ("Kartdata (GeoPackage)", "../gapmap.gpkg"),
)
LABEL_CHAR_PX: Final = 6.6  # width of one character of the 11 px bold label font
LABEL_PAD_PX: Final = 8.0
LABEL_HEIGHT_PX: Final = 14.0


def to_map_geometries(kommuner: gpd.GeoDataFrame, tolerance_m: float) -> gpd.GeoDataFrame:
    """Simplify kommune polygons (in their metric CRS) and reproject them to EPSG:4326.

    Invalid polygons are repaired first (``make_valid``, polygonal result). Shared borders stay
    shared when the polygons form a valid coverage (``simplify_coverage``); otherwise each
    polygon is simplified alone (``preserve_topology=True``). Coordinates are
    rounded to :data:`COORD_DECIMALS` decimals to keep the embedded GeoJSON small.
    """
    if kommuner.crs is None:
        msg = "kommuner has no CRS; expected EPSG:25833 (or any metric CRS)"
        raise ValueError(msg)
    usable = kommuner[kommuner.geometry.notna() & ~kommuner.geometry.is_empty].copy()
    if kommuner.crs.is_geographic:
        usable = usable.to_crs("EPSG:25833")
    invalid = ~usable.geometry.is_valid
    if invalid.any():  # e.g. self-touching rings in simplified public data
        repaired = shapely.make_valid(
            np.asarray(usable.geometry.values[invalid.to_numpy()]),
            method="structure",
            keep_collapsed=False,
        )
        usable.loc[invalid, usable.geometry.name] = repaired
    if tolerance_m > 0 and len(usable):
        geoms = usable.geometry.values
        if bool(shapely.coverage_is_valid(np.asarray(geoms))):
            usable = usable.set_geometry(usable.geometry.simplify_coverage(tolerance_m))
        else:
            usable = usable.set_geometry(usable.geometry.simplify(tolerance_m))
    projected = usable.to_crs(MAP_CRS)
    rounded = shapely.transform(
        np.asarray(projected.geometry.values), lambda xy: np.round(xy, COORD_DECIMALS)
    )
    return projected.set_geometry(gpd.GeoSeries(rounded, index=projected.index, crs=MAP_CRS))


def bounds_latlon(frame: gpd.GeoDataFrame) -> list[list[float]] | None:
    """``[[south, west], [north, east]]`` of an EPSG:4326 frame, or None when it is empty."""
    if frame.empty:
        return None
    west, south, east, north = (float(v) for v in frame.total_bounds)
    return [[south, west], [north, east]]


@dataclass(frozen=True)
class ShareClasses:
    """Discrete classes of the share below one target: ``edges_percent`` from 0 to the top
    (:func:`maps.style.choropleth_max_percent`), one colour per class. A class holds its upper
    edge: with edges 0, 10, 20 a share of exactly 10 % is in the first class."""

    target: TargetSpec
    edges_percent: tuple[float, ...]
    colors: tuple[str, ...] = SHARE_CLASS_COLORS

    @classmethod
    def for_shares(cls, shares: pd.Series, target: TargetSpec) -> ShareClasses:
        """Equal classes from 0 to the smallest nice top that holds the largest share."""
        top = style.choropleth_max_percent(float(shares.max(skipna=True)))
        count = len(SHARE_CLASS_COLORS)
        return cls(target, tuple(round(top * k / count, 6) for k in range(count + 1)))

    def class_of(self, shares: pd.Series) -> np.ndarray:
        """The class index of each share (0–1), -1 where missing; above the top: last class."""
        percent = pd.to_numeric(shares, errors="coerce").to_numpy(dtype="float64") * 100.0
        index = np.searchsorted(np.asarray(self.edges_percent[1:-1]), percent, side="left")
        return np.where(np.isnan(percent), -1, index)

    def fill_colors(self, shares: pd.Series) -> list[str]:
        """The fill colour of each share (:data:`maps.style.NO_DATA_COLOR` where missing)."""
        palette = np.asarray([*self.colors, style.NO_DATA_COLOR])
        return [str(c) for c in palette[self.class_of(shares)]]  # -1 picks the last: no data

    def range_labels(self) -> list[str]:
        """``"0–10 %"``, ``"10–20 %"``… in Norwegian decimals."""
        edges = [format_number_nb(e, 2) for e in self.edges_percent]
        return [f"{lo}–{hi} %" for lo, hi in pairwise(edges)]

    def legend_html(self) -> str:
        """The escaped legend: caption naming the target, a swatch and range per class."""
        rows = "".join(
            f'<div><span class="gapmap-class-swatch" style="background:{color}"></span>'
            f"{style.escape(label)}</div>"
            for color, label in zip(self.colors, self.range_labels(), strict=True)
        )
        no_data = (
            f'<div><span class="gapmap-class-swatch" style="background:{style.NO_DATA_COLOR}">'
            "</span>Ingen data</div>"
        )
        caption = style.escape(f"Andel husstander under {self.target.label_nb}")
        return f'<h4 class="gapmap-legend-caption">{caption}</h4>{rows}{no_data}'


def label_min_zoom(shapes: gpd.GeoDataFrame, names: Sequence[str]) -> np.ndarray:
    """The smallest web-map zoom at which each name fits its kommune's bounding box.

    At zoom :math:`z` a box :math:`\\Delta\\lambda` degrees wide spans
    :math:`\\Delta\\lambda / 360 \\cdot 256 \\cdot 2^z` pixels (Web Mercator); its height is
    :math:`\\Delta y / 2\\pi \\cdot 256 \\cdot 2^z` with :math:`y = \\ln\\tan(\\pi/4 + \\varphi/2)`.
    A label of :math:`n` characters needs :data:`LABEL_CHAR_PX` · n + :data:`LABEL_PAD_PX`
    pixels across and :data:`LABEL_HEIGHT_PX` up.
    """
    bounds = shapely.bounds(np.asarray(shapes.geometry.values))
    width_deg = np.maximum(bounds[:, 2] - bounds[:, 0], 1e-9)
    mercator_y = np.log(np.tan(np.pi / 4 + np.radians(bounds[:, [1, 3]]) / 2))
    height = np.maximum(mercator_y[:, 1] - mercator_y[:, 0], 1e-12) / (2 * np.pi)
    label_px = LABEL_CHAR_PX * np.asarray([len(n) for n in names], dtype="float64") + LABEL_PAD_PX
    zoom_x = np.log2(label_px * 360.0 / (256.0 * width_deg))
    zoom_y = np.log2(LABEL_HEIGHT_PX / (256.0 * height))
    zoom: np.ndarray = np.clip(np.ceil(np.maximum(zoom_x, zoom_y)), 0, style.MAX_ZOOM)
    return zoom.astype(int)


def _figures_html(record: Mapping[str, Any], target: TargetSpec) -> str:
    """The escaped figures of one kommune for one target (or that it has no data)."""
    if pd.isna(record.get("households")):
        return "<div>Ingen data for kommunen</div>"
    return style.figures_table_html(record, target)


def kommune_features(
    shapes: gpd.GeoDataFrame,
    kommune_rows: pd.DataFrame,
    classes: Sequence[ShareClasses],
    kommune_href: Callable[[str], str | None],
) -> list[dict[str, Any]]:
    """One GeoJSON feature per kommune polygon with, per target of ``classes``, its fill colour
    and escaped figures; its escaped name, number and map link; its raw name for the search
    (only ever set as text) and its label point and label zoom."""
    figures = kommune_rows.drop(columns=["kommunenavn"], errors="ignore")
    merged = shapes.merge(figures, on="kommunenummer", how="left")
    fills = [c.fill_colors(merged[f"below_target_share_{c.target.name}"]) for c in classes]
    names = [str(n) for n in merged["kommunenavn"].fillna("")]
    min_zoom = label_min_zoom(merged, names)
    points = shapely.point_on_surface(np.asarray(merged.geometry.values))
    features = []
    for i, record in enumerate(merged.to_dict("records")):
        knr = str(record["kommunenummer"])
        href = kommune_href(knr)
        properties = {
            "knr": style.escape(knr),
            "name": style.escape(record.get("kommunenavn")),
            "text": names[i],
            "fill": [fill[i] for fill in fills],
            "figures": [_figures_html(record, c.target) for c in classes],
            "href": None if href is None else style.escape(href),
            "label": [round(points[i].y, COORD_DECIMALS), round(points[i].x, COORD_DECIMALS)],
            "zoom": int(min_zoom[i]),
        }
        geometry = shapely.geometry.mapping(record["geometry"])
        features.append(
            {"type": "Feature", "id": knr, "properties": properties, "geometry": geometry}
        )
    return features


def _int_or_zero(value: Any) -> int:
    return 0 if value is None or pd.isna(value) else int(value)


def _target_summary_html(gap_table: pd.DataFrame, target: TargetSpec) -> str:
    """The title panel's sentence and national total for one target."""
    lines = [f"<div>Andel husstander under {style.escape(target.label_nb)}.</div>"]
    totals = gap_table[gap_table["level"] == "total"]
    if not totals.empty:
        total = totals.iloc[0].to_dict()
        below = sum(
            _int_or_zero(total.get(f"{code}_households_{target.name}"))
            for code in ("underserved", "unserved")
        )
        lines.append(
            f"<div>Totalt: {style.escape(style.households_nb(below))} under målet av "
            f"{style.escape(format_int_nb(total.get('households')))} "
            f"({style.escape(format_percent_nb(total.get(f'below_target_share_{target.name}')))})"
            f"; estimert kostnad {style.escape(format_nok(total.get('cost_nok')))}.</div>"
        )
    return "".join(lines)


def _panel_html(run_info: Mapping[str, str], index_href: str) -> str:
    """The title panel's fixed part under the target summary: help, links, downloads, stamp."""
    downloads = " · ".join(
        f'<a href="{style.escape(href)}">{style.escape(label)}</a>' for label, href in DOWNLOADS
    )
    return (
        "<div>Klikk på en kommune for tall, detaljkart og nedlasting. "
        f'<a href="{style.escape(index_href)}">Tabell over alle kommuner</a></div>'
        f'<div class="gapmap-downloads">Last ned: {downloads}</div>'
        + style.run_info_html(dict(run_info))
    )


def build_overview_map(
    gap_table: pd.DataFrame,
    kommuner: gpd.GeoDataFrame,
    target: TargetSpec,
    run_info: Mapping[str, str],
    kommune_href: Callable[[str], str | None],
    index_href: str = "../index.html",
    targets: Sequence[TargetSpec] = (),
) -> folium.Map:
    """Build the kommune choropleth of ``below_target_share_{t}``.

    Parameters
    ----------
    gap_table : DataFrame
        The published gap table (kommune, fylke and total rows).
    kommuner : GeoDataFrame
        Kommune polygons in a metric CRS (EPSG:25833).
    target : TargetSpec
        The target the map opens with.
    run_info : mapping
        Strings stamped in the title box (escaped here).
    kommune_href : callable
        Relative link to a kommune's map from the overview, or None when it has none.
    index_href : str
        Relative link to the index page.
    targets : sequence of TargetSpec
        All targets to offer in the switch (``target`` among them); empty: ``target`` only.
    """
    shown = [target, *(t for t in targets if t.name != target.name)]
    kommune_rows = gap_table[gap_table["level"] == "kommune"].drop_duplicates("kommunenummer")
    shapes = to_map_geometries(
        kommuner[["kommunenummer", "kommunenavn", "geometry"]], OVERVIEW_SIMPLIFY_M
    )
    classes = [
        ShareClasses.for_shares(kommune_rows[f"below_target_share_{t.name}"], t) for t in shown
    ]
    fmap = folium.Map(
        tiles=None, max_zoom=style.MAX_ZOOM, control_scale=True, zoom_start=5, location=[65.0, 13.0]
    )
    style.add_base_layer(fmap, opacity=0.6)
    bounds = bounds_latlon(shapes)
    if bounds is not None:  # first; the panel's script fits again beside the panel when wide
        fmap.fit_bounds(bounds)
    style.add_to_head(fmap, OVERVIEW_CSS, "gapmap_overview_css")
    OverviewChoropleth(
        kommune_features(shapes, kommune_rows, classes, kommune_href),
        targets=[
            {
                "label": style.escape(c.target.label_nb),
                "summary": _target_summary_html(gap_table, c.target),
                "legend": c.legend_html(),
            }
            for c in classes
        ],
        panel_html=_panel_html(run_info, index_href),
        table_href=KOMMUNE_TABLE_HREF,
    ).add_to(fmap)
    style.add_layer_control(fmap)
    return fmap
