"""The overview map: a kommune choropleth of the share of households below one target."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import branca.colormap
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import ENV
from jinja2 import Template

from layers.numbers_nb import format_int_nb, format_nok, format_percent_nb
from maps import style
from maps.style import TargetSpec

MAP_CRS = "EPSG:4326"
OVERVIEW_SIMPLIFY_M = 50.0  # tolerance before reprojection; 357 kommuner stay ~1 MB
COORD_DECIMALS = 5  # ~1 m in latitude; enough for any map zoom we offer


def _norwegian_tick_template() -> Template | None:
    """branca's colour-scale template with tick labels in Norwegian decimals ("2,5")."""
    environment = ENV  # the environment branca.colormap loads its templates from
    assert environment.loader is not None
    source, _, _ = environment.loader.get_source(environment, "color_scale.js")
    anchor = ".tickSize(1)"
    if anchor not in source:  # another branca version: keep its template
        return None
    formatter = ".tickFormat(function (d) { return String(+d.toFixed(2)).replace('.', ','); })"
    return environment.from_string(source.replace(anchor, anchor + formatter))


_TICK_TEMPLATE = _norwegian_tick_template()


class ShareColormap(branca.colormap.LinearColormap):
    """A LinearColormap whose legend writes its tick labels with a decimal comma."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if _TICK_TEMPLATE is not None:
            self._template = _TICK_TEMPLATE


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


def _kommune_properties(
    row: Mapping[Any, Any], target: TargetSpec, href: str | None
) -> dict[str, Any]:
    name = style.escape(row.get("kommunenavn"))
    number = style.escape(row.get("kommunenummer"))
    heading = f"<b>{name}</b> ({number})"
    subtitle = f"<div>Mål: {style.escape(target.label_nb)}</div>"
    if pd.isna(row.get("households")):
        tooltip = f"{heading}<div>Ingen data for kommunen</div>"
    else:
        tooltip = f"{heading}{subtitle}{style.figures_table_html(row, target)}"
    popup = f'<div class="gapmap-popup">{tooltip}'
    if href is not None:
        link = f'<a href="{style.escape(href)}">Åpne kartet over {name}</a>'
        popup += f'<div style="margin-top:4px">{link}</div>'
    popup += "</div>"
    return {"kommunenummer": row.get("kommunenummer"), "tooltip_html": tooltip, "popup_html": popup}


def _int_or_zero(value: Any) -> int:
    return 0 if value is None or pd.isna(value) else int(value)


def _fill_color(share: Any, colormap: ShareColormap) -> str:
    if share is None or pd.isna(share):
        return style.NO_DATA_COLOR
    return str(colormap(min(float(share) * 100.0, colormap.vmax)))


def _share_colormap(kommune_rows: pd.DataFrame, target: TargetSpec) -> ShareColormap:
    """The choropleth's scale: from 0 to the smallest nice upper end (in %) that holds the
    largest share below ``target`` (:func:`maps.style.choropleth_max_percent`), six ticks."""
    share_column = f"below_target_share_{target.name}"
    max_percent = style.choropleth_max_percent(float(kommune_rows[share_column].max(skipna=True)))
    colormap = ShareColormap(
        colors=list(style.CHOROPLETH_COLORS),
        vmin=0,
        vmax=max_percent,
        caption=style.choropleth_caption(target),
    )
    colormap.tick_labels = [round(max_percent * k / 5, 6) for k in range(6)]
    return colormap


def _kommune_features(
    shapes: gpd.GeoDataFrame,
    kommune_rows: pd.DataFrame,
    target: TargetSpec,
    colormap: ShareColormap,
    kommune_href: Callable[[str], str | None],
) -> list[dict[str, Any]]:
    """One GeoJSON feature per kommune polygon: its fill colour, tooltip and popup (escaped)."""
    figures = kommune_rows.drop(columns=["kommunenavn"], errors="ignore")
    merged = shapes.merge(figures, on="kommunenummer", how="left")
    share_column = f"below_target_share_{target.name}"
    features = []
    for record in merged.to_dict("records"):
        properties = _kommune_properties(record, target, kommune_href(str(record["kommunenummer"])))
        properties["fill"] = _fill_color(record.get(share_column), colormap)
        features.append(
            {
                "type": "Feature",
                "id": str(record["kommunenummer"]),
                "properties": properties,
                "geometry": shapely.geometry.mapping(record["geometry"]),
            }
        )
    return features


def _choropleth_layer(features: list[dict[str, Any]]) -> folium.GeoJson:
    """The kommune polygons filled by their ``fill``, with a sticky tooltip and a popup."""
    return folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name="Kommuner",
        style_function=lambda feature: {
            "fillColor": feature["properties"]["fill"],
            "color": "#555555",
            "weight": 0.8,
            "fillOpacity": 0.8,
        },
        highlight_function=lambda feature: {"weight": 3, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=["tooltip_html"], labels=False, sticky=True),
        popup=folium.GeoJsonPopup(fields=["popup_html"], labels=False),
        control=False,
    )


def build_overview_map(
    gap_table: pd.DataFrame,
    kommuner: gpd.GeoDataFrame,
    target: TargetSpec,
    run_info: Mapping[str, str],
    kommune_href: Callable[[str], str | None],
    index_href: str = "../index.html",
) -> folium.Map:
    """Build the kommune choropleth of ``below_target_share_{target}``.

    Parameters
    ----------
    gap_table : DataFrame
        The published gap table (kommune, fylke and total rows).
    kommuner : GeoDataFrame
        Kommune polygons in a metric CRS (EPSG:25833).
    target : TargetSpec
        The target the map shows.
    run_info : mapping
        Strings stamped in the title box (escaped here).
    kommune_href : callable
        Relative link to a kommune's map from the overview, or None when it has none.
    index_href : str
        Relative link to the index page.
    """
    kommune_rows = gap_table[gap_table["level"] == "kommune"].drop_duplicates("kommunenummer")
    shapes = to_map_geometries(
        kommuner[["kommunenummer", "kommunenavn", "geometry"]], OVERVIEW_SIMPLIFY_M
    )
    colormap = _share_colormap(kommune_rows, target)
    features = _kommune_features(shapes, kommune_rows, target, colormap, kommune_href)
    fmap = folium.Map(
        tiles=None, max_zoom=style.MAX_ZOOM, control_scale=True, zoom_start=5, location=[65.0, 13.0]
    )
    style.add_base_layer(fmap, opacity=0.6)
    _choropleth_layer(features).add_to(fmap)
    style.add_layer_control(fmap)
    colormap.add_to(fmap)
    style.HtmlControl(_title_html(gap_table, target, run_info, index_href), "topleft").add_to(fmap)
    bounds = bounds_latlon(shapes)
    if bounds is not None:
        fmap.fit_bounds(bounds)
    return fmap


def _title_html(
    gap_table: pd.DataFrame, target: TargetSpec, run_info: Mapping[str, str], index_href: str
) -> str:
    totals = gap_table[gap_table["level"] == "total"]
    lines = [
        "<h3>Bredbåndsdekning per kommune</h3>",
        f"<div>Andel husstander under {style.escape(target.label_nb)}.</div>",
    ]
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
    lines.append(
        "<div>Klikk på en kommune for detaljkartet. "
        f'<a href="{style.escape(index_href)}">Tabell over alle kommuner</a></div>'
    )
    lines.append(style.run_info_html(dict(run_info)))
    return "".join(lines)
