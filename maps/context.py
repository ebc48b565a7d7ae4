"""Context on a kommune map: the existing fibre network and the existing wireless sites.

Both are national layers; each kommune map gets the part inside its bounds only. Fibre lines
are clipped to the kommune's bounding box (:func:`clip_fibre`), simplified by
:data:`FIBRE_SIMPLIFY_M` and travel delta-encoded (:func:`fibre_rows`): a first point in
1e-5 degrees, then the step to each next point, so a national network costs a page only what
lies in its kommune. Sites are cut to the same box (:func:`clip_sites`) and drawn as one
overlay per technology, a circle coloured by technology (:data:`SITE_COLORS`) with a popup.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from folium.map import Layer
from folium.template import Template

from layers.numbers_nb import TEXT_MISSING, format_int_nb, format_number_nb, is_missing
from maps.script_data import COORD_DECIMALS, dumps_for_script, nullable_floats
from maps.style import escape, technology_label_nb

METRIC_CRS: Final = "EPSG:25833"
MAP_CRS: Final = "EPSG:4326"
FIBRE_SIMPLIFY_M: Final = 10.0  # invisible at the zooms a kommune map opens at
FIBRE_SCALE: Final = 10**COORD_DECIMALS  # delta-encoded integers of 1e-5 degrees (~1 m)
FIBRE_COLOR: Final = "#5b2c83"  # dark purple: apart from the class colours and the areas' blue
FIBRE_LABEL_NB: Final = "Eksisterende fiber"
FIBRE_SHOWN: Final = True  # where fibre already runs is what a planner reads the gaps against
SITES_SHOWN: Final = False  # many sites crowd the addresses; one click shows a technology
SITES_LABEL_NB: Final = "Eksisterende master"
# Okabe-Ito blue, sky blue and yellow: apart from the class colours and the mast purple.
SITE_COLORS: Final[dict[str, str]] = {
    "fwa": "#0072B2",
    "mobile_4g": "#56B4E9",
    "mobile_5g": "#F0E442",
}
SITE_OTHER_COLOR: Final = "#999999"
SITE_COLUMNS: Final = ("site_id", "operator", "technology", "geometry")
SITE_POPUP_LABELS_NB: Final[tuple[str, ...]] = (
    "Mast",
    "Operatør",
    "Teknologi",
    "Antennehøyde",
    "Rekkevidde",
)


def to_metric(frame: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    """``frame`` in :data:`METRIC_CRS`; refuse a frame without CRS."""
    if frame.crs is None:
        msg = f"{what} has no CRS; expected EPSG:25833 (or any CRS to reproject from)"
        raise ValueError(msg)
    return frame if frame.crs == METRIC_CRS else frame.to_crs(METRIC_CRS)


def kommune_window(boundary: gpd.GeoDataFrame) -> tuple[float, float, float, float] | None:
    """The kommune's bounding box (xmin, ymin, xmax, ymax) in :data:`METRIC_CRS`; None when
    it has no polygon."""
    usable = boundary[boundary.geometry.notna() & ~boundary.geometry.is_empty]
    if usable.empty:
        return None
    xmin, ymin, xmax, ymax = (float(v) for v in to_metric(usable, "boundary").total_bounds)
    return xmin, ymin, xmax, ymax


def clip_fibre(
    fibre: gpd.GeoDataFrame,
    window: tuple[float, float, float, float],
    tolerance_m: float = FIBRE_SIMPLIFY_M,
) -> gpd.GeoDataFrame:
    """The fibre lines inside ``window`` (metric), simplified by ``tolerance_m``, as single
    LineStrings in EPSG:4326. ``fibre`` must be in :data:`METRIC_CRS` (its spatial index is
    built once and reused for every kommune). Points and polygons are left out."""
    hits = fibre.sindex.query(shapely.box(*window), predicate="intersects")
    clipped = shapely.clip_by_rect(np.asarray(fibre.geometry.values[hits]), *window)
    parts = shapely.get_parts(shapely.simplify(clipped, tolerance_m))
    lines = parts[shapely.get_type_id(parts) == 1]  # LineString; clip leaves no rings
    lines = lines[~shapely.is_empty(lines)]
    return gpd.GeoDataFrame(geometry=gpd.GeoSeries(lines, crs=METRIC_CRS).to_crs(MAP_CRS))


def fibre_rows(lines: gpd.GeoDataFrame) -> list[list[int]]:
    """Each EPSG:4326 line as ``[lat0, lon0, dlat1, dlon1, ...]`` in 1e-5 degrees: the first
    point absolute, then the step from the previous point. Consecutive points that round to
    the same position are dropped; a line left with one point is dropped too."""
    xy, line = shapely.get_coordinates(np.asarray(lines.geometry.values), return_index=True)
    if not len(xy):
        return []
    latlon = np.round(xy[:, ::-1] * FIBRE_SCALE).astype(np.int64)
    first = np.r_[True, line[1:] != line[:-1]]
    repeated = ~first & np.r_[False, (latlon[1:] == latlon[:-1]).all(axis=1)]
    latlon, line, first = latlon[~repeated], line[~repeated], first[~repeated]
    steps = latlon - np.r_[[[0, 0]], latlon[:-1]]
    steps[first] = latlon[first]
    starts = np.flatnonzero(first)
    flat = steps.ravel().tolist()
    bounds = [*starts.tolist(), len(line)]
    return [flat[2 * a : 2 * b] for a, b in pairwise(bounds) if b - a > 1]


def clip_sites(sites: gpd.GeoDataFrame, window: tuple[float, float, float, float]) -> pd.DataFrame:
    """The sites (metric) inside ``window`` with their ``lon``/``lat`` (EPSG:4326)."""
    x, y = sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()
    inside = (x >= window[0]) & (x <= window[2]) & (y >= window[1]) & (y <= window[3])
    chosen = sites[inside]
    lonlat = chosen.geometry.to_crs(MAP_CRS)
    return pd.DataFrame(chosen.drop(columns=chosen.geometry.name)).assign(
        lon=lonlat.x.to_numpy(), lat=lonlat.y.to_numpy()
    )


def site_color(technology: object) -> str:
    """The circle colour of a site's technology (:data:`SITE_COLORS`, grey for others)."""
    return SITE_COLORS.get(str(technology), SITE_OTHER_COLOR)


def _metres(value: object) -> str:
    if is_missing(value):
        return TEXT_MISSING
    return f"{format_number_nb(float(str(value)))} m"


def site_popup_values(site: Mapping[Any, Any]) -> list[str]:
    """Escaped values of one site's popup rows (:data:`SITE_POPUP_LABELS_NB`)."""
    operator = site.get("operator")
    return [
        escape(site.get("site_id")),
        escape(TEXT_MISSING if is_missing(operator) else operator),
        escape(technology_label_nb(site.get("technology"))),
        escape(_metres(site.get("antenna_height_m"))),
        escape(_metres(site.get("max_range_m"))),
    ]


def site_rows_by_technology(sites: pd.DataFrame) -> dict[str, list[list[Any]]]:
    """The located sites of each technology (in :data:`SITE_COLORS` order, then others) as
    ``[lat, lon, *popup values]`` rows."""
    located = sites[sites["lat"].notna() & sites["lon"].notna()]
    technologies = located["technology"].astype(str)
    known = [t for t in SITE_COLORS if t in set(technologies)]
    order = known + sorted(set(technologies) - set(known))
    out: dict[str, list[list[Any]]] = {}
    for technology in order:
        chosen = located[technologies == technology]
        lats = nullable_floats(chosen["lat"], COORD_DECIMALS)
        lons = nullable_floats(chosen["lon"], COORD_DECIMALS)
        out[technology] = [
            [lat, lon, *site_popup_values(site)]
            for lat, lon, site in zip(lats, lons, chosen.to_dict("records"), strict=True)
        ]
    return out


def _swatch(color: str, line: bool) -> str:
    shape = "width:14px;height:3px" if line else "width:10px;height:10px;border-radius:50%"
    return (
        f'<span class="gapmap-context-swatch" style="display:inline-block;{shape};'
        f'background:{color};border:1px solid #222;margin-right:4px;vertical-align:middle">'
        "</span>"
    )


def fibre_layer_name(line_count: int) -> str:
    """Layer control name: a line swatch and ``"Eksisterende fiber (12 linjer)"``."""
    lines = "linje" if line_count == 1 else "linjer"
    return f"{_swatch(FIBRE_COLOR, True)}{FIBRE_LABEL_NB} ({format_int_nb(line_count)} {lines})"


def sites_layer_name(technology: str, count: int) -> str:
    """Layer control name: a dot in the technology's colour, ``"Eksisterende master: Mobil 5G
    (3)"`` (escaped)."""
    label = escape(technology_label_nb(technology))
    count_nb = format_int_nb(count)
    return f"{_swatch(site_color(technology), False)}{SITES_LABEL_NB}: {label} ({count_nb})"


class FibreLayer(Layer):
    """The fibre lines of one kommune (:func:`fibre_rows`), decoded and drawn as thin lines,
    not clickable, under the addresses."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var rows = {{ this.rows_json }};
            var group = L.featureGroup();
            for (var i = 0; i < rows.length; i++) {
                var r = rows[i], lat = 0, lon = 0, points = [];
                for (var j = 0; j < r.length; j += 2) {
                    lat += r[j]; lon += r[j + 1];
                    points.push([lat / {{ this.scale }}, lon / {{ this.scale }}]);
                }
                group.addLayer(L.polyline(points, {color: {{ this.color|tojson }}, weight: 2,
                    opacity: 0.85, interactive: false}));
            }
            return group;
        })();
        {% endmacro %}
        """
    )

    def __init__(self, rows: list[list[int]], show: bool = FIBRE_SHOWN) -> None:
        super().__init__(name=fibre_layer_name(len(rows)), overlay=True, control=True, show=show)
        self._name = "FibreLayer"
        self.rows_json = dumps_for_script(rows)
        self.scale = FIBRE_SCALE
        self.color = FIBRE_COLOR


class SiteLayer(Layer):
    """The existing sites of one technology: a circle each in its colour, with a popup built
    from the row when it is opened."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var S = {{ this.config_json }};
            var rows = {{ this.rows_json }};
            var popup = function (layer) {
                var r = layer.gapmapRow;
                var h = '<div class="gapmap-popup gapmap-site-popup"><b>' + S.title
                    + '</b><table>';
                for (var i = 0; i < S.labels.length; i++) {
                    h += '<tr><td>' + S.labels[i] + '</td><td>' + r[i + 2] + '</td></tr>';
                }
                return h + '</table></div>';
            };
            var group = L.featureGroup();
            for (var i = 0; i < rows.length; i++) {
                var marker = L.circleMarker([rows[i][0], rows[i][1]], {radius: 6,
                    color: '#222222', weight: 1.5, fillColor: S.color, fillOpacity: 0.95});
                marker.gapmapRow = rows[i];
                marker.bindPopup(popup, {maxWidth: 320});
                group.addLayer(marker);
            }
            return group;
        })();
        {% endmacro %}
        """
    )

    def __init__(self, technology: str, rows: list[list[Any]], show: bool = SITES_SHOWN) -> None:
        super().__init__(
            name=sites_layer_name(technology, len(rows)), overlay=True, control=True, show=show
        )
        self._name = "SiteLayer"
        self.technology = technology
        self.rows_json = dumps_for_script(rows)
        self.config_json = dumps_for_script(
            {
                "title": escape(f"Eksisterende mast ({technology_label_nb(technology)})"),
                "labels": [escape(label) for label in SITE_POPUP_LABELS_NB],
                "color": site_color(technology),
            }
        )


def context_layers(fibre: gpd.GeoDataFrame | None, sites: pd.DataFrame | None) -> list[Layer]:
    """The kommune map's context overlays: fibre (when given), then one per site technology."""
    layers: list[Layer] = []
    if fibre is not None:
        layers.append(FibreLayer(fibre_rows(fibre)))
    if sites is not None:
        for technology, rows in site_rows_by_technology(sites).items():
            layers.append(SiteLayer(technology, rows))
    return layers


def page_bytes(rows: list[Any]) -> int:
    """UTF-8 bytes ``rows`` add to a page as script JSON (:func:`dumps_for_script`)."""
    return len(dumps_for_script(rows).encode("utf-8"))
