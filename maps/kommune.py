"""The kommune map: every address coloured by its class for one target, clustered per class.

Sized for a kommune of 100,000 addresses: no ``folium.Marker`` per address. The addresses travel
as one compact JSON array per class (``[lat, lon, text, tech, operator, down, up, classes, cost,
households, wireless]`` and, only for a household that takes a proposed mast, the index of the
mast's id; texts already HTML-escaped); a small script turns each row into an
``L.circleMarker`` on the canvas, adds the markers in bulk to a ``L.markerClusterGroup`` (one
per class, each an overlay of the layer control) and builds a popup only when it is opened.

The other layers have modules of their own: the project areas (:mod:`maps.areas`), the proposed
new masts (:mod:`maps.masts`) and the cost curve of the info panel (:mod:`maps.cost_panel`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.plugins import MarkerCluster
from folium.template import Template

from maps import style
from maps.areas import areas_layer
from maps.cost_panel import CostCurvePanel, cost_curve_html
from maps.masts import (
    NEW_SITE_OPTION,
    NewSiteLayer,
    new_site_codes,
    new_site_legend_html,
    new_site_rows,
)
from maps.overview import bounds_latlon, to_map_geometries
from maps.script_data import COORD_DECIMALS, dumps_for_script, escaped_codes, nullable_floats
from maps.style import TargetSpec

KOMMUNE_SIMPLIFY_M = 2.0  # boundary outline only; addresses are exact
NORWAY_BOUNDS = [[57.9, 4.5], [71.2, 31.2]]

# Index of each field in an address row (the JavaScript below reads the same positions);
# "new_site" is only there for a household that takes a proposed mast.
ROW_FIELDS = (
    "lat",
    "lon",
    "text",
    "tech",
    "operator",
    "down",
    "up",
    "classes",
    "cost",
    "hh",
    "wireless",
    "new_site",
)
_CLASS_DIGIT = {code: str(i) for i, code in enumerate(style.CLASS_ORDER)}


@dataclass
class AddressRows:
    """The kommune's addresses as compact rows, split by class for the map target."""

    rows_by_class: dict[str, list[list[Any]]]
    households_by_class: dict[str, int]
    technologies: list[str]  # escaped labels, indexed by the row's tech field
    operators: list[str]  # escaped names, indexed by the row's operator field
    unlocated: int  # addresses without coordinates (not on the map)
    unclassified: int = 0  # addresses whose class for the map target is unknown (not shown)
    new_sites: list[str] = field(default_factory=list)  # escaped ids, by the new_site field


def _escaped(values: pd.Series) -> pd.Series:
    """HTML-escape a text column without a Python loop per row."""
    text = values.fillna("").astype("str")
    for raw, entity in (
        ("&", "&amp;"),
        ("<", "&lt;"),
        (">", "&gt;"),
        ('"', "&quot;"),
        ("'", "&#x27;"),
    ):
        text = text.str.replace(raw, entity, regex=False)
    return text


def wireless_texts(frame: pd.DataFrame) -> list[str]:
    """The popup's wireless line per address (escaped; empty when the run had no LOS check)."""
    if "has_los" not in frame.columns:
        return [""] * len(frame)
    site = _escaped(frame["los_site_id"])
    km = (frame["los_distance_m"] / 1000).round(1).astype("str").str.replace(".", ",")
    has_los = frame["has_los"].fillna(False).astype(bool)
    in_range = frame["sites_in_range"].fillna(0) > 0
    text = pd.Series("", index=frame.index, dtype="object")
    text = text.mask(in_range & ~has_los, "Ingen sikt til mast (nærmeste: " + site + ")")
    text = text.mask(has_los, "Sikt til mast " + site + " (" + km + " km)")
    if "fwa_doubtful" in frame.columns:
        doubtful = frame["fwa_doubtful"].fillna(False).astype(bool)
        text = text.mask(doubtful, text + " – oppgitt FWA-dekning er tvilsom")
    return text.tolist()


def address_rows(
    addresses: pd.DataFrame, targets: Sequence[TargetSpec], map_target: TargetSpec
) -> AddressRows:
    """Encode one kommune's addresses as rows per class of ``map_target`` (vectorised)."""
    located = addresses["lat"].notna() & addresses["lon"].notna()
    frame = addresses[located]
    households = pd.to_numeric(frame["households"], errors="coerce").fillna(0).astype("int64")
    tech, technologies = escaped_codes(frame["best_technology"], style.TECHNOLOGY_LABELS_NB)
    operator, operators = escaped_codes(frame["best_operator"], None)
    classes = pd.Series("", index=frame.index, dtype="object")
    for target in targets:
        digits = frame[f"class_{target.name}"].map(_CLASS_DIGIT).fillna("-")
        classes = classes + digits.astype("object")
    texts = [style.escape(v) for v in frame["address_text"].tolist()]
    columns = [
        nullable_floats(frame["lat"], COORD_DECIMALS),
        nullable_floats(frame["lon"], COORD_DECIMALS),
        texts,
        tech,
        operator,
        nullable_floats(frame["best_down_mbps"], 1),
        nullable_floats(frame["best_up_mbps"], 1),
        classes.tolist(),
        nullable_floats(frame["cost_nok"], 0),
        households.tolist(),
        wireless_texts(frame),
    ]
    rows = [list(row) for row in zip(*columns, strict=True)]
    new_site, new_sites = new_site_codes(frame)
    for row, site in zip(rows, new_site, strict=True):
        if site is not None:  # the few that take a new mast; the rest stay one field shorter
            row.append(site)
    map_class = frame[f"class_{map_target.name}"].to_numpy(dtype=object)
    rows_by_class: dict[str, list[list[Any]]] = {}
    households_by_class: dict[str, int] = {}
    hh = households.to_numpy()
    for code in style.CLASS_ORDER:
        mask = map_class == code
        rows_by_class[code] = [row for row, keep in zip(rows, mask, strict=True) if keep]
        households_by_class[code] = int(hh[mask].sum())
    unclassified = int((~np.isin(map_class, style.CLASS_ORDER)).sum())
    return AddressRows(
        rows_by_class,
        households_by_class,
        technologies,
        operators,
        int((~located).sum()),
        unclassified,
        new_sites,
    )


class AddressPopupSupport(MacroElement):
    """Lookup tables and the popup builder shared by the class clusters of one map."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var S = {{ this.config_json }};
            function fmtInt(x) {
                return String(Math.round(x)).replace(/\\B(?=(\\d{3})+(?!\\d))/g, ' ');
            }
            function fmtMbps(x) {
                return Number.isInteger(x) ? fmtInt(x) : x.toFixed(1).replace('.', ',');
            }
            S.popup = function (layer) {
                var r = layer.gapmapRow;
                var h = '<div class="gapmap-popup"><b>' + r[2] + '</b><br>'
                    + fmtInt(r[9]) + (r[9] === 1 ? ' husstand' : ' husstander') + '<table>';
                var offer;
                if (r[5] === null) {
                    offer = S.text.noOffer;
                } else {
                    var parts = [];
                    if (r[3] !== null) { parts.push(S.tech[r[3]]); }
                    if (r[4] !== null) { parts.push(S.operators[r[4]]); }
                    var speed = fmtMbps(r[5]) + (r[6] === null ? '' : '/' + fmtMbps(r[6]));
                    parts.push(speed + ' Mbit/s');
                    offer = parts.join(', ');
                }
                h += '<tr><td>Beste tilbud</td><td>' + offer + '</td></tr>';
                for (var i = 0; i < S.targets.length; i++) {
                    var c = S.classes[r[7].charAt(i)];
                    var cell = c ? '<span class="gapmap-swatch" style="background:' + c.color
                        + '"></span>' + c.label : S.text.missing;
                    h += '<tr><td>' + S.targets[i] + '</td><td>' + cell + '</td></tr>';
                }
                var cost = r[8] === null ? S.text.noCost : fmtInt(r[8]) + ' kr';
                h += '<tr><td>Estimert kostnad</td><td>' + cost + '</td></tr>';
                if (r[10]) { h += '<tr><td>Trådløst</td><td>' + r[10] + '</td></tr>'; }
                if (r.length > 11) {
                    h += '<tr><td>Løsning</td><td>' + S.text.newSite + ' ' + S.newSites[r[11]]
                        + '</td></tr>';
                }
                return h + '</table></div>';
            };
            S.icon = function (code) {
                return function (cluster) {
                    var n = cluster.getChildCount();
                    var size = n < 10 ? 28 : n < 100 ? 32 : n < 1000 ? 38 : n < 10000 ? 44 : 52;
                    return L.divIcon({
                        html: '<span>' + fmtInt(n) + '</span>',
                        className: 'marker-cluster gapmap-cluster gapmap-cluster-' + code,
                        iconSize: L.point(size, size)
                    });
                };
            };
            return S;
        })();
        {% endmacro %}
        """
    )

    def __init__(self, targets: Sequence[TargetSpec], encoded: AddressRows) -> None:
        super().__init__()
        self._name = "AddressPopupSupport"
        config = {
            "tech": encoded.technologies,
            "operators": encoded.operators,
            "newSites": encoded.new_sites,
            "targets": [style.escape(t.label_nb) for t in targets],
            "classes": {
                _CLASS_DIGIT[c.code]: {"label": style.escape(c.label_nb), "color": c.color}
                for c in style.CLASS_STYLES
            },
            "text": {
                "noOffer": style.escape(style.TEXT_NO_OFFER),
                "noCost": style.escape(style.TEXT_NO_COST),
                "missing": style.escape(style.TEXT_MISSING),
                "newSite": style.escape(style.TECHNOLOGY_LABELS_NB[NEW_SITE_OPTION]),
            },
        }
        self.config_json = dumps_for_script(config)


class AddressCluster(MarkerCluster):
    """One class of addresses as canvas circle markers in a marker cluster group."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var support = {{ this.support.get_name() }};
            var rows = {{ this.rows_json }};
            var markerStyle = {{ this.marker_style|tojson }};
            var cluster = L.markerClusterGroup({{ this.options|tojavascript }});
            cluster.options.iconCreateFunction = support.icon({{ this.class_code|tojson }});
            var markers = new Array(rows.length);
            for (var i = 0; i < rows.length; i++) {
                var marker = L.circleMarker([rows[i][0], rows[i][1]], markerStyle);
                marker.gapmapRow = rows[i];
                marker.bindPopup(support.popup, {maxWidth: 360});
                markers[i] = marker;
            }
            cluster.addLayers(markers);
            return cluster;
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        rows: list[list[Any]],
        class_code: str,
        support: AddressPopupSupport,
        name: str,
    ) -> None:
        super().__init__(
            name=name,
            overlay=True,
            control=True,
            show=True,
            chunked_loading=False,  # 1.1.0 breaks when the map zooms while chunks load
            show_coverage_on_hover=False,
            max_cluster_radius=60,
        )
        self._name = "AddressCluster"
        self.rows_json = dumps_for_script(rows)
        self.class_code = class_code
        self.support = support
        class_style = style.CLASS_BY_CODE[class_code]
        self.marker_style = {
            "radius": 6,
            "color": style.MARKER_OUTLINE_COLOR,
            "weight": 1,
            "fillColor": class_style.color,
            "fillOpacity": 0.9,
        }


def _info_html(
    kommunenummer: str,
    kommunenavn: str,
    gap_row: Mapping[Any, Any] | None,
    targets: Sequence[TargetSpec],
    map_target: TargetSpec,
    encoded: AddressRows,
    run_info: Mapping[str, str],
    links: Mapping[str, str],
    cost_curve: CostCurvePanel | None = None,
) -> str:
    parts = [
        f"<h3>{style.escape(kommunenavn)} ({style.escape(kommunenummer)})</h3>",
        f"<div>Bredbåndsdekning mot {style.escape(map_target.label_nb)}</div>",
    ]
    if gap_row is not None:
        others = [t for t in targets if t.name != map_target.name]
        parts.append(style.figures_table_html(gap_row, map_target, others))
    else:
        parts.append("<div>Ingen tall for kommunen i tabellen.</div>")
    if encoded.unlocated:
        parts.append(
            f"<div>{style.escape(style.format_int_nb(encoded.unlocated))} adresser uten "
            "koordinater er ikke vist.</div>"
        )
    if encoded.unclassified:
        parts.append(
            f"<div>{style.escape(style.format_int_nb(encoded.unclassified))} adresser uten "
            "dekningsklasse er ikke vist.</div>"
        )
    if cost_curve is not None:
        parts.append(cost_curve_html(cost_curve, kommunenavn))
    parts.append(
        f'<div><a href="{style.escape(links["overview"])}">← Oversiktskart</a> · '
        f'<a href="{style.escape(links["index"])}">Tabell over alle kommuner</a></div>'
    )
    parts.append(style.run_info_html(dict(run_info)))
    return "".join(parts)


def build_kommune_map(
    kommunenummer: str,
    kommunenavn: str,
    gap_row: Mapping[Any, Any] | None,
    boundary: gpd.GeoDataFrame,
    addresses: pd.DataFrame,
    targets: Sequence[TargetSpec],
    map_target: TargetSpec,
    run_info: Mapping[str, str],
    links: Mapping[str, str] | None = None,
    terrain_png: tuple[Path, list[list[float]]] | None = None,
    areas: gpd.GeoDataFrame | None = None,
    cost_curve: CostCurvePanel | None = None,
    new_sites: pd.DataFrame | None = None,
) -> folium.Map:
    """Build the map of one kommune.

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
    links : mapping
        Relative ``overview`` and ``index`` hrefs.
    terrain_png : (Path, bounds) or None
        A hillshade PNG and its ``[[south, west], [north, east]]``: embedded in the page as an
        overlay ("Terreng") under the addresses.
    areas : GeoDataFrame or None
        The kommune's subsidy project areas (:func:`pipeline.planning.project_areas`, metric
        CRS): one overlay ("Prosjektområder (N)", also when N is 0) above the hillshade and
        under the addresses, dashed outlines with a popup per area. None: no overlay.
    cost_curve : CostCurvePanel or None
        The kommune's cost curve (PNG, costliest 1 / 5 / 10 %, median) for the info panel
        (:func:`maps.cost_panel.cost_curve_html`); its ``png`` None says the kommune has no
        costed household. None: no cost curve section.
    new_sites : DataFrame or None
        The kommune's proposed fixed-wireless masts (the rows of ``tables/new_sites.csv``:
        ``site_id``, ``lon``, ``lat``, ``antenna_height_m``, ``fixed_cost_nok``,
        ``households_reached``, ``households_taking``): one overlay ("Foreslåtte nye master
        (N)", also when N is 0) with an icon and popup per mast that some household takes
        (``households_taking > 0``), above the address clusters, and a legend line. None: no
        overlay.
    """
    links = links or {"overview": "../oversikt.html", "index": "../../index.html"}
    encoded = address_rows(addresses, targets, map_target)

    fmap = folium.Map(
        tiles=None,
        max_zoom=style.MAX_ZOOM,
        prefer_canvas=True,
        control_scale=True,
        location=[65.0, 13.0],
        zoom_start=5,
    )
    style.add_base_layer(fmap, opacity=0.7)
    style.add_to_head(fmap, style.CLUSTER_CSS, "gapmap_cluster_css")
    if terrain_png is not None:
        folium.raster_layers.ImageOverlay(
            image=str(terrain_png[0]),  # read and embedded as a data: URL
            bounds=terrain_png[1],
            name=style.TERRAIN_LAYER_NAME,
            opacity=0.45,
            interactive=False,
            zindex=1,
        ).add_to(fmap)

    outline = (
        to_map_geometries(boundary[["geometry"]], KOMMUNE_SIMPLIFY_M) if len(boundary) else None
    )
    if outline is not None and not outline.empty:
        folium.GeoJson(
            outline.__geo_interface__,
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
        ).add_to(fmap)

    if areas is not None:
        areas_layer(areas).add_to(fmap)

    # Fit before the clusters are added: a zoom while MarkerCluster 1.1 is still clustering
    # breaks it ("Cannot read properties of undefined (reading 'lat')").
    fmap.fit_bounds(_bounds(outline, addresses) or NORWAY_BOUNDS)

    support = AddressPopupSupport(targets, encoded)
    support.add_to(fmap)
    for code in style.CLASS_ORDER:
        AddressCluster(
            encoded.rows_by_class[code],
            code,
            support,
            style.class_layer_name(code, encoded.households_by_class[code]),
        ).add_to(fmap)
    if new_sites is not None:
        NewSiteLayer(new_site_rows(new_sites)).add_to(fmap)
    folium.LayerControl(position="topright", collapsed=False).add_to(fmap)

    style.HtmlControl(
        _info_html(
            kommunenummer,
            kommunenavn,
            gap_row,
            targets,
            map_target,
            encoded,
            run_info,
            links,
            cost_curve,
        ),
        "topleft",
        css_class="gapmap-info",
    ).add_to(fmap)
    legend = style.class_legend_html(map_target)
    if new_sites is not None:
        legend += new_site_legend_html()
    style.HtmlControl(legend, "bottomright").add_to(fmap)
    return fmap


def _bounds(outline: gpd.GeoDataFrame | None, addresses: pd.DataFrame) -> list[list[float]] | None:
    if outline is not None and not outline.empty:
        return bounds_latlon(outline)
    located = addresses.dropna(subset=["lat", "lon"])
    if located.empty:
        return None
    return [
        [float(located["lat"].min()), float(located["lon"].min())],
        [float(located["lat"].max()), float(located["lon"].max())],
    ]
