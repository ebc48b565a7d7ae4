"""The proposed new fixed-wireless masts on a kommune map: their overlay, icon, popup and legend.

The masts some household takes travel as compact rows (``[lat, lon, *popup values]``, texts
already HTML-escaped) and are drawn as one mast icon each (an inline SVG), above the address
clusters; an address that takes a mast carries the index of the mast's id (:func:`new_site_codes`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final, cast

import pandas as pd
from folium.map import Layer
from folium.template import Template

from layers.numbers_nb import TEXT_MISSING, format_int_nb, format_nok, format_number_nb, is_missing
from maps.script_data import COORD_DECIMALS, dumps_for_script, escaped_codes, nullable_floats
from maps.style import escape

NEW_SITE_OPTION = "fwa_new_site"  # cost_option of a household that takes a proposed mast

# Okabe-Ito reddish purple (apart from the class colours and the areas' blue) on a lattice
# tower with radio waves at its top: shape alone tells a mast from an address circle, and it
# does not read as a warning triangle. Dark halo strokes keep it readable on any background.
NEW_SITES_LABEL_NB: Final = "Foreslåtte nye master"
NEW_SITE_TITLE_NB: Final = "Ny mast (forslag)"
NEW_SITE_COLOR: Final = "#CC79A7"
NEW_SITE_ICON_PX: Final = 28
_TOWER_PATH: Final = (
    "M12 8 5.5 23M12 8l6.5 15M10.3 12h3.4M8.4 16.5h7.2M6.5 21h11M10.3 12l5.3 4.5M13.7 12l-5.3"
    " 4.5M8.4 16.5l9.1 4.5M15.6 16.5 6.5 21"
)
_WAVES_PATH: Final = "M8 2.5a4.5 4.5 0 0 0 0 6M16 2.5a4.5 4.5 0 0 1 0 6"
NEW_SITE_ICON_SVG: Final = (
    f'<svg xmlns="http://www.w3.org/2000/svg" class="gapmap-mast-icon" width="{NEW_SITE_ICON_PX}"'
    f' height="{NEW_SITE_ICON_PX}" viewBox="0 0 24 24" aria-hidden="true"'
    ' fill="none" stroke-linecap="round" stroke-linejoin="round">'
    f'<path d="{_TOWER_PATH}" stroke="#222" stroke-width="2.6"/>'
    f'<path d="{_TOWER_PATH}" stroke="{NEW_SITE_COLOR}" stroke-width="1.3"/>'
    f'<path d="{_WAVES_PATH}" stroke="#222" stroke-width="1.6"/>'
    f'<circle cx="12" cy="5.5" r="2.2" fill="{NEW_SITE_COLOR}" stroke="#222" stroke-width="1.2"/>'
    "</svg>"
)
# Labels of a mast popup's rows, in the order of :func:`new_site_popup_values`.
NEW_SITE_POPUP_LABELS_NB: Final[tuple[str, ...]] = (
    "Mast",
    "Antennehøyde",
    "Husstander som bruker den",
    "Husstander den når",
    "Fast kostnad (mast og tilknytning)",
    "Fast kostnad per husstand",
)


def _as_float(value: object) -> float:
    """A number as float, NaN when missing."""
    return math.nan if is_missing(value) else float(cast(Any, value))


def new_sites_layer_name(count: int) -> str:
    """Name of the mast overlay in the layer control: ``"Foreslåtte nye master (3)"``."""
    return f"{NEW_SITES_LABEL_NB} ({format_int_nb(count)})"


def new_site_popup_values(mast: Mapping[Any, Any]) -> list[str]:
    """Escaped values of one mast's popup rows (:data:`NEW_SITE_POPUP_LABELS_NB`), from a row
    of ``tables/new_sites.csv`` (:func:`pipeline.rollout.choice.mast_summary`).

    The fixed cost per household is the mast's share each household that takes it pays,
    without its own antenna: :math:`C_{site} / H_{taking}` (dash when nobody takes it).
    """
    fixed_nok = _as_float(mast.get("fixed_cost_nok"))
    taking = _as_float(mast.get("households_taking"))
    per_household = fixed_nok / taking if taking > 0 else None  # NaN > 0 is False
    height = mast.get("antenna_height_m")
    return [
        escape(mast.get("site_id")),
        escape(TEXT_MISSING if is_missing(height) else f"{format_number_nb(height)} m"),
        escape(format_int_nb(taking)),
        escape(format_int_nb(mast.get("households_reached"))),
        escape(format_nok(fixed_nok)),
        escape(format_nok(per_household)),
    ]


def new_site_legend_html() -> str:
    """The legend line of the proposed masts (appended to :func:`maps.style.class_legend_html`)."""
    return (
        f'<div class="gapmap-legend-mast">{NEW_SITE_ICON_SVG}<b>{escape(NEW_SITE_TITLE_NB)}</b>'
        " – fast trådløst for husstandene som bruker den</div>"
    )


def new_site_codes(frame: pd.DataFrame) -> tuple[list[Any], list[str]]:
    """The proposed mast each address takes, as an index (None where it takes none) into the
    escaped mast ids.

    ``new_site_id`` names the mast that reaches an address, also when it chose another
    option; only ``cost_option == "fwa_new_site"`` means it takes it.
    """
    if "new_site_id" not in frame.columns or "cost_option" not in frame.columns:
        return [None] * len(frame), []
    takes = (frame["cost_option"] == NEW_SITE_OPTION).fillna(False).astype(bool)
    return escaped_codes(frame["new_site_id"].where(takes), None)


def new_site_rows(masts: pd.DataFrame) -> list[list[Any]]:
    """The proposed masts some household takes (``households_taking > 0``, located), as
    ``[lat, lon, *popup values]`` rows (:func:`new_site_popup_values`, escaped)."""
    taking = pd.to_numeric(masts["households_taking"], errors="coerce").fillna(0) > 0
    shown = masts[taking & masts["lat"].notna() & masts["lon"].notna()]
    coordinates = zip(
        nullable_floats(shown["lat"], COORD_DECIMALS),
        nullable_floats(shown["lon"], COORD_DECIMALS),
        strict=True,
    )
    return [
        [lat, lon, *new_site_popup_values(mast)]
        for (lat, lon), mast in zip(coordinates, shown.to_dict("records"), strict=True)
    ]


class NewSiteLayer(Layer):
    """The proposed masts as one overlay: a mast icon each (inline SVG), above the address
    clusters, and a popup built from the row when it is opened (labels once per page)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var S = {{ this.config_json }};
            var rows = {{ this.rows_json }};
            var icon = L.divIcon(S.icon);
            var popup = function (layer) {
                var r = layer.gapmapRow;
                var h = '<div class="gapmap-popup gapmap-mast-popup"><b>' + S.title
                    + '</b><table>';
                for (var i = 0; i < S.labels.length; i++) {
                    h += '<tr><td>' + S.labels[i] + '</td><td class="num">' + r[i + 2]
                        + '</td></tr>';
                }
                return h + '</table></div>';
            };
            var group = L.featureGroup();
            for (var i = 0; i < rows.length; i++) {
                var marker = L.marker([rows[i][0], rows[i][1]], {icon: icon, zIndexOffset: 1000});
                marker.gapmapRow = rows[i];
                marker.bindPopup(popup, {maxWidth: 360});
                group.addLayer(marker);
            }
            return group;
        })();
        {% endmacro %}
        """
    )

    def __init__(self, rows: list[list[Any]]) -> None:
        super().__init__(
            name=new_sites_layer_name(len(rows)), overlay=True, control=True, show=True
        )
        self._name = "NewSiteLayer"
        self.rows = rows
        self.rows_json = dumps_for_script(rows)
        size = NEW_SITE_ICON_PX
        self.config_json = dumps_for_script(
            {
                "title": escape(NEW_SITE_TITLE_NB),
                "labels": [escape(label) for label in NEW_SITE_POPUP_LABELS_NB],
                "icon": {
                    "html": NEW_SITE_ICON_SVG,
                    "className": "gapmap-mast",
                    "iconSize": [size, size],
                    "iconAnchor": [size // 2, size - 2],  # the foot of the tower on the site
                    "popupAnchor": [0, -(size - 4)],
                },
            }
        )
