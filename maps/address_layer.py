"""The address layer of a kommune map: every address as a canvas circle marker, clustered per class.

Sized for a kommune of 100,000 addresses: no ``folium.Marker`` per address. The addresses travel
as one compact JSON array per class (``[lat, lon, text, tech, operator, down, up, classes, cost,
households, wireless]`` and, only for a household that takes a proposed mast, the index of the
mast's id; texts already HTML-escaped); a small script turns each row into an
``L.circleMarker`` on the canvas, adds the markers in bulk to a ``L.markerClusterGroup`` (one
per class, each an overlay of the layer control) and builds a popup only when it is opened.

:func:`address_rows` encodes the rows, :class:`AddressPopupSupport` carries the lookup tables
and the popup builder a map's clusters share, and :class:`AddressCluster` is one class's overlay.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.plugins import MarkerCluster
from folium.template import Template

from layers.numbers_nb import TEXT_MISSING, format_decimal_nb
from maps import style
from maps.masts import NEW_SITE_OPTION, new_site_codes
from maps.script_data import COORD_DECIMALS, dumps_for_script, escaped_codes, nullable_floats
from maps.style import TargetSpec

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
    has_los = frame["has_los"].fillna(False).astype(bool)
    in_range = frame["sites_in_range"].fillna(0) > 0
    distance_km = frame.loc[has_los, "los_distance_m"].to_numpy(dtype="float64") / 1000.0
    km_text = np.full(len(frame), "", dtype=object)
    km_text[has_los.to_numpy()] = [format_decimal_nb(value, 1) for value in distance_km.tolist()]
    km = pd.Series(km_text, index=frame.index)
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
        super().__init__()  # type: ignore[no-untyped-call]  # branca 0.8: unannotated
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
                "missing": style.escape(TEXT_MISSING),
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
        super().__init__(  # type: ignore[no-untyped-call]  # folium 0.20: unannotated
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
