"""The kommune map: every address coloured by its class for one target, clustered per class.

This module assembles the page: base map, hillshade, kommune outline, the info panel and legend.
The layers have modules of their own: the addresses clustered per class
(:mod:`maps.address_layer`), the project areas (:mod:`maps.areas`), the proposed new masts
(:mod:`maps.masts`) and the cost curve of the info panel (:mod:`maps.cost_panel`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import pandas as pd

from layers.numbers_nb import format_int_nb
from maps import page_shell, style
from maps.address_layer import AddressRows, add_address_layer, address_rows
from maps.areas import areas_layer
from maps.changes_layer import ChangesLayer, KommuneChanges, changes_panel_html, shown_targets
from maps.context import context_layers
from maps.cost_panel import CostCurvePanel, cost_curve_html, panel_png
from maps.downloads import kommune_downloads_html
from maps.masts import NewSiteLayer, new_site_legend_html, new_site_rows
from maps.overview import bounds_latlon, to_map_geometries
from maps.piece_cache import NO_PIECES, PieceCache, geometry_digest
from maps.print_view import add_print_view
from maps.style import TargetSpec
from maps.target_switch import (
    cost_target_label,
    scenario_switch_html,
    target_figures_html,
    target_heading_html,
    target_legend_html,
)
from maps.trend_chart import trend_box_html

KOMMUNE_SIMPLIFY_M = 2.0  # boundary outline only; addresses are exact
NORWAY_BOUNDS = [[57.9, 4.5], [71.2, 31.2]]
# Relative links of a kommune map (``maps/kommune/<knr>.html``) unless its inputs give others:
# the overview, the index page and the run folder (``root``, where ``tables/`` lies).
KOMMUNE_MAP_LINKS: Mapping[str, str] = {
    "overview": "../oversikt.html",
    "index": "../../index.html",
    "root": "../../",
}


@dataclass(frozen=True, eq=False)
class KommuneMapInputs:
    """What the map of one kommune is built from (:func:`kommune_map`).

    Parameters
    ----------
    kommunenummer, kommunenavn : str
        The kommune (shown escaped).
    gap_row : mapping or None
        The kommune's row of the gap table (info panel figures).
    boundary : GeoDataFrame
        The kommune's polygon(s) in a metric CRS; may be empty.
    addresses : DataFrame
        The kommune's addresses (columns of the :func:`maps.publish.write_maps` contract).
    targets, map_target :
        All targets (popup lines) and the one that colours the map.
    run_info : mapping
        Strings stamped on the page (escaped here).
    links : mapping or None
        Relative ``overview`` and ``index`` hrefs; None: :data:`KOMMUNE_MAP_LINKS`.
    terrain_png : (Path, bounds) or None
        A hillshade PNG and its ``[[south, west], [north, east]]``: embedded in the page as an
        overlay ("Terreng") under the addresses.
    areas : GeoDataFrame or None
        The kommune's subsidy project areas (:func:`pipeline.planning.areas.project_areas`, metric
        CRS): one overlay ("Prosjektområder (N)", also when N is 0) above the hillshade and
        under the addresses, dashed outlines with a popup per area. None: no overlay.
    cost_curve : CostCurvePanel or None
        The kommune's cost curve (its curve rows, costliest 1 / 5 / 10 %, median) for the info
        panel, drawn as a PNG where the page is built (:func:`maps.cost_panel.panel_png`); its
        ``curve`` None says the kommune has no costed household. None: no cost curve section.
    new_sites : DataFrame or None
        The kommune's proposed fixed-wireless masts (the rows of ``tables/new_sites.csv``:
        ``site_id``, ``lon``, ``lat``, ``antenna_height_m``, ``fixed_cost_nok``,
        ``households_reached``, ``households_taking``): one overlay ("Foreslåtte nye master
        (N)", also when N is 0) with an icon and popup per mast that some household takes
        (``households_taking > 0``), above the address clusters, and a legend line. None: no
        overlay.
    fibre : GeoDataFrame or None
        The existing fibre lines inside the kommune's bounds, simplified, in EPSG:4326
        (:func:`maps.context.clip_fibre`): one overlay "Eksisterende fiber" under the
        addresses. None: no overlay.
    sites : DataFrame or None
        The existing wireless sites inside the kommune's bounds with ``lon``/``lat``
        (:func:`maps.context.clip_sites`): one overlay per technology, hidden at first. None:
        no overlay.
    changes : KommuneChanges or None
        The kommune's changes since the previous run and its trend
        (:class:`maps.changes_layer.KommuneChanges`): an overlay "Endringer siden forrige
        kjøring (N)" of the addresses newly served / newly below the map target, the counts in
        the info panel and a foldable trend chart of the served share per run. None: none.
    """

    kommunenummer: str
    kommunenavn: str
    gap_row: Mapping[Any, Any] | None
    boundary: gpd.GeoDataFrame
    addresses: pd.DataFrame
    targets: Sequence[TargetSpec]
    map_target: TargetSpec
    run_info: Mapping[str, str]
    links: Mapping[str, str] | None = None
    terrain_png: tuple[Path, list[list[float]]] | None = None
    areas: gpd.GeoDataFrame | None = None
    cost_curve: CostCurvePanel | None = None
    new_sites: pd.DataFrame | None = None
    fibre: gpd.GeoDataFrame | None = None
    sites: pd.DataFrame | None = None
    changes: KommuneChanges | None = None
    # the labels of the [scenarios] whose classes the addresses carry (the legend's picker)
    scenarios: tuple[str, ...] = ()


def _changes_html(inputs: KommuneMapInputs) -> str:
    """The info panel's changes since the previous run and the trend chart (none without)."""
    if inputs.changes is None:
        return ""
    target = inputs.map_target
    names = [t.name for t in inputs.targets]
    return changes_panel_html(inputs.changes, target.name, target.label_nb) + trend_box_html(
        inputs.changes.trend, inputs.targets, shown_targets(names, target.name)
    )


def _info_html(inputs: KommuneMapInputs, encoded: AddressRows, pieces: PieceCache) -> str:
    """The info panel: the kommune's figures, what is not shown, its cost curve and links."""
    kommunenavn, map_target = inputs.kommunenavn, inputs.map_target
    links = inputs.links or KOMMUNE_MAP_LINKS
    parts = [
        f"<h3>{style.escape(kommunenavn)} ({style.escape(inputs.kommunenummer)})</h3>",
        target_heading_html(inputs.targets, map_target),
    ]
    if inputs.gap_row is not None:
        cost_label = cost_target_label(inputs.targets, inputs.run_info)
        parts.append(target_figures_html(inputs.gap_row, inputs.targets, map_target, cost_label))
    else:
        parts.append("<div>Ingen tall for kommunen i tabellen.</div>")
    if encoded.unlocated:
        parts.append(
            f"<div>{style.escape(format_int_nb(encoded.unlocated))} adresser uten "
            "koordinater er ikke vist.</div>"
        )
    if encoded.unclassified:
        parts.append(
            f"<div>{style.escape(format_int_nb(encoded.unclassified))} adresser uten "
            "dekningsklasse er ikke vist.</div>"
        )
    if inputs.cost_curve is not None:
        png = panel_png(inputs.cost_curve, pieces)
        parts.append(cost_curve_html(inputs.cost_curve, kommunenavn, png))
    parts.append(_changes_html(inputs))
    parts.append(
        f'<div class="gapmap-links"><a href="{style.escape(links["overview"])}">← Oversiktskart'
        f'</a> · <a href="{style.escape(links["index"])}">Tabell over alle kommuner</a></div>'
    )
    root = links.get("root", KOMMUNE_MAP_LINKS["root"])
    parts.append(kommune_downloads_html(inputs.kommunenummer, kommunenavn, root))
    parts.append(style.run_info_html(dict(inputs.run_info)))
    return "".join(parts)


def _base_map() -> folium.Map:
    """An empty map of Norway with the basemaps (Kartverket first) and the house CSS."""
    fmap = folium.Map(
        tiles=None,
        max_zoom=style.MAX_ZOOM,
        prefer_canvas=True,
        control_scale=True,
        location=[65.0, 13.0],
        zoom_start=5,
    )
    style.add_base_layer(fmap, opacity=0.7)
    return fmap


def _hillshade_layer(
    terrain_png: tuple[Path, list[list[float]]],
) -> folium.raster_layers.ImageOverlay:
    """The hillshade PNG, embedded as a ``data:`` URL, as a translucent overlay."""
    return folium.raster_layers.ImageOverlay(
        image=str(terrain_png[0]),  # read and embedded as a data: URL
        bounds=terrain_png[1],
        name=style.TERRAIN_LAYER_NAME,
        opacity=0.45,
        interactive=False,
        zindex=1,
    )


def _outline_json(boundary: gpd.GeoDataFrame) -> bytes:
    """``{"geojson": …, "bounds": …}`` of the outline in EPSG:4326, simplified by
    :data:`KOMMUNE_SIMPLIFY_M` (:func:`maps.overview.to_map_geometries`), as JSON text;
    ``null`` when there is none."""
    outline = to_map_geometries(boundary, KOMMUNE_SIMPLIFY_M)
    if outline.empty:
        return b"null"
    return json.dumps(
        {"geojson": outline.__geo_interface__, "bounds": bounds_latlon(outline)}
    ).encode()


def _outline(
    boundary: gpd.GeoDataFrame, pieces: PieceCache
) -> tuple[dict[str, Any], list[list[float]]] | None:
    """The kommune's outline (GeoJSON in EPSG:4326) and its ``[[south, west], [north, east]]``;
    None when there is none. Read back from ``pieces`` when this polygon was drawn before (its
    shapes and index, which names the features, are the key)."""
    if not len(boundary):
        return None
    shapes = boundary[["geometry"]]
    parts = (geometry_digest(shapes.geometry), repr(shapes.index.tolist()))
    kept = json.loads(pieces.piece("outline", parts, lambda: _outline_json(shapes)))
    return None if kept is None else (kept["geojson"], kept["bounds"])


def _outline_layer(geojson: dict[str, Any]) -> folium.GeoJson:
    """The kommune border, lightly filled, outside the layer control."""
    return folium.GeoJson(
        geojson,
        name="Kommunegrense",
        style_function=lambda _: {
            "color": style.BOUNDARY_COLOR,
            "weight": 2,
            "fill": True,
            "fillColor": "#ffffff",
            "fillOpacity": 0.15,
        },
        interactive=False,
        control=False,
    )


def _add_address_clusters(fmap: folium.Map, inputs: KommuneMapInputs, encoded: AddressRows) -> None:
    """The address layer (bins showing the class mix, points up close) and its search box."""
    add_address_layer(fmap, encoded, cost_target_label(inputs.targets, inputs.run_info))


def _add_panels(
    fmap: folium.Map, inputs: KommuneMapInputs, encoded: AddressRows, pieces: PieceCache
) -> None:
    """The info panel (top left) and the legend (bottom right, with the masts when shown)."""
    info = _info_html(inputs, encoded, pieces)
    toggle_label = f"{inputs.kommunenavn} ({inputs.kommunenummer})"
    style.HtmlControl(info, "topleft", css_class="gapmap-info", toggle_label=toggle_label).add_to(
        fmap
    )
    legend = target_legend_html(inputs.targets, inputs.map_target, encoded.households_by_target)
    legend += scenario_switch_html(encoded.scenarios)
    if inputs.new_sites is not None:
        legend += new_site_legend_html()
    style.HtmlControl(legend, "bottomright", toggle_label="Tegnforklaring").add_to(fmap)


def kommune_map(inputs: KommuneMapInputs, pieces: PieceCache = NO_PIECES) -> folium.Map:
    """The map of one kommune, bottom to top: background, hillshade, outline, project areas,
    the addresses clustered per class, the proposed masts; then the layer control, the info
    panel (folds away), the legend and the print view (:mod:`maps.print_view`). The encoded
    addresses, the outline, the project areas' GeoJSON and the cost-curve PNG come from
    ``pieces`` when the same inputs were drawn before (:mod:`maps.piece_cache`)."""
    encoded = address_rows(
        inputs.addresses, inputs.targets, inputs.map_target, pieces, inputs.scenarios
    )
    fmap = _base_map()
    if inputs.terrain_png is not None:
        _hillshade_layer(inputs.terrain_png).add_to(fmap)
    outline = _outline(inputs.boundary, pieces)
    if outline is not None:
        _outline_layer(outline[0]).add_to(fmap)
    if inputs.areas is not None:
        areas_layer(inputs.areas, pieces).add_to(fmap)
    for context_layer in context_layers(inputs.fibre, inputs.sites):
        context_layer.add_to(fmap)
    bounds = (outline[1] if outline is not None else _bounds(inputs.addresses)) or NORWAY_BOUNDS
    fmap.fit_bounds(bounds)
    _add_address_clusters(fmap, inputs, encoded)
    if inputs.new_sites is not None:
        NewSiteLayer(new_site_rows(inputs.new_sites)).add_to(fmap)
    if inputs.changes is not None and inputs.changes.previous_started_at:
        ChangesLayer(inputs.changes.rows, inputs.map_target.name).add_to(fmap)
    style.add_layer_control(fmap)
    add_print_view(fmap, bounds)  # its button under the zoom, above the info panel
    _add_panels(fmap, inputs, encoded, pieces)
    page_shell.FitBesidePanel(
        bounds, ".gapmap-info", ".leaflet-bottom.leaflet-right .gapmap-panel"
    ).add_to(fmap)
    return fmap


def _bounds(addresses: pd.DataFrame) -> list[list[float]] | None:
    """The bounds of the located addresses, else None."""
    located = addresses.dropna(subset=["lat", "lon"])
    if located.empty:
        return None
    return [
        [float(located["lat"].min()), float(located["lon"].min())],
        [float(located["lat"].max()), float(located["lon"].max())],
    ]
