"""Labels, class names, colours and the stylesheet the map products share.

Everything a reader sees on a map or the index page is Norwegian bokmål. What several products
use is defined here, so the products stay consistent; a layer with a module of its own
(:mod:`maps.areas`, :mod:`maps.masts`, :mod:`maps.cost_panel`) keeps its own labels there. Every
number is formatted by :mod:`layers.numbers_nb` (the one home of Norwegian number formats),
which the map modules import directly. The helpers that return HTML escape whatever they are
given.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import folium
from branca.element import Element, Figure, MacroElement
from folium.template import Template

from layers.numbers_nb import (
    TEXT_MISSING,
    format_int_nb,
    format_mbps,
    format_nok,
    format_percent_nb,
    format_timestamp_nb,
    is_missing,
)
from maps import page_shell
from maps.render import TextElement

# --------------------------------------------------------------------------------------------
# Targets and classes
# --------------------------------------------------------------------------------------------

_TARGET_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class TargetSpec:
    """A named speed target, as the maps need it.

    Parameters
    ----------
    name : str
        Config name of the target (``no2025``); the gap table has ``*_{name}`` columns and the
        address table ``class_{name}``.
    down_mbps, up_mbps : float, float or None
        Download and upload speed of the target in Mbit/s; ``up_mbps`` is None when the target
        has no upload requirement.
    label_nb : str
        Norwegian label for legends and tables, e.g. ``"100/10 Mbit/s (mål 2025)"``.
    """

    name: str
    down_mbps: float
    up_mbps: float | None
    label_nb: str

    def __post_init__(self) -> None:
        if not _TARGET_NAME.match(self.name):
            msg = f"TargetSpec.name {self.name!r} is not valid; expected letters, digits and _"
            raise ValueError(msg)
        if not self.down_mbps > 0:
            msg = f"TargetSpec {self.name}: down_mbps {self.down_mbps!r} must be > 0"
            raise ValueError(msg)
        if self.up_mbps is not None and not self.up_mbps > 0:
            msg = f"TargetSpec {self.name}: up_mbps {self.up_mbps!r} must be > 0 or None"
            raise ValueError(msg)

    @property
    def speed_label_nb(self) -> str:
        """The speeds alone: ``"100/10 Mbit/s"`` or ``"1000 Mbit/s"`` (no upload target)."""
        if self.up_mbps is None:
            return f"{format_mbps(self.down_mbps)} Mbit/s"
        return f"{format_mbps(self.down_mbps)}/{format_mbps(self.up_mbps)} Mbit/s"


@dataclass(frozen=True)
class ClassStyle:
    """How one coverage class is named and drawn."""

    code: str
    label_nb: str
    color: str
    description_nb: str
    text_color: str  # readable on ``color`` (cluster counts)


# Okabe-Ito palette (colour-blind safe): bluish green, orange (amber), vermillion.
CLASS_STYLES: Final[tuple[ClassStyle, ...]] = (
    ClassStyle("served", "Dekket", "#009E73", "har tilbud som oppfyller målet", "#ffffff"),
    ClassStyle("underserved", "Underdekket", "#E69F00", "har bredbånd, men under målet", "#111111"),
    ClassStyle("unserved", "Udekket", "#D55E00", "under grunnivået eller uten tilbud", "#ffffff"),
)
CLASS_ORDER: Final[tuple[str, ...]] = tuple(c.code for c in CLASS_STYLES)
CLASS_BY_CODE: Final[dict[str, ClassStyle]] = {c.code: c for c in CLASS_STYLES}

MARKER_OUTLINE_COLOR: Final = "#222222"
BOUNDARY_COLOR: Final = "#333333"
# ColorBrewer YlOrRd (sequential, colour-blind and print friendly) for shares below target.
CHOROPLETH_COLORS: Final[tuple[str, ...]] = (
    "#ffffb2",
    "#fed976",
    "#feb24c",
    "#fd8d3c",
    "#fc4e2a",
    "#e31a1c",
    "#b10026",
)
NO_DATA_COLOR: Final = "#bdbdbd"
# Upper ends (in %) the choropleth scale may take; the smallest that holds the data is used.
CHOROPLETH_MAX_PERCENT: Final[tuple[int, ...]] = (1, 2, 5, 10, 20, 25, 50, 100)

TECHNOLOGY_LABELS_NB: Final[dict[str, str]] = {
    "fiber": "Fiber",
    "hfc": "Kabel-TV (HFC)",
    "xdsl": "DSL",
    "fwa": "Fast trådløst (FWA)",
    "fwa_new_site": "Fast trådløst, ny mast",  # cost option: a new mast shared by its households
    "mobile_5g": "Mobil 5G",
    "mobile_4g": "Mobil 4G",
    "satellite": "Satellitt",
}

RUN_INFO_LABELS_NB: Final[dict[str, str]] = {
    "run_id": "Kjøring",
    "generated_at": "Generert",
    "code_version": "Programversjon",
    "data_sources": "Datakilder",
    "households_basis": "Husstander",  # pipeline/premises.py: "husstander = adresser" or whence
    "scope": "Omfang",  # a kommune preview (pipeline/preview.py): what it leaves out
}

TEXT_NO_OFFER: Final = "Ingen registrert tilbud"
TEXT_NO_COST: Final = "Ingen (oppfyller kostnadsmålet)"

MAX_ZOOM: Final = 18  # MarkerCluster needs a finite max zoom (folium tiles=None has none)
MAP_BACKGROUND: Final = "#e9eef2"  # keeps polygons readable when tiles do not load

# --------------------------------------------------------------------------------------------
# Labels with numbers (formatted by layers.numbers_nb)
# --------------------------------------------------------------------------------------------


def households_nb(count: int) -> str:
    """``"1 husstand"`` / ``"1 234 husstander"``."""
    return f"{format_int_nb(count)} {'husstand' if count == 1 else 'husstander'}"


def class_layer_name(class_code: str, households: int) -> str:
    """Name of a class overlay in the layer control: ``"Dekket (1 234 husstander)"``."""
    return f"{CLASS_BY_CODE[class_code].label_nb} ({households_nb(households)})"


def technology_label_nb(code: object) -> str | None:
    """Bokmål label of a technology or cost option code; an unknown code is returned as it is
    (escape it before it reaches HTML), a missing one as None."""
    if is_missing(code):
        return None
    return TECHNOLOGY_LABELS_NB.get(str(code), str(code))


def choropleth_caption(target: TargetSpec) -> str:
    """Caption of the overview legend: ``"Andel husstander under 100/10 Mbit/s (%)"``."""
    return f"Andel husstander under {target.speed_label_nb} (%)"


def choropleth_max_percent(max_share: float) -> int:
    """Upper end of the choropleth scale in %: the smallest nice value holding ``max_share``."""
    percent = 0.0 if is_missing(max_share) else max_share * 100.0
    for candidate in CHOROPLETH_MAX_PERCENT:
        if percent <= candidate:
            return candidate
    return CHOROPLETH_MAX_PERCENT[-1]


# --------------------------------------------------------------------------------------------
# HTML pieces shared by the maps
# --------------------------------------------------------------------------------------------


def escape(value: object) -> str:
    """HTML-escape any value (quotes too); a missing value becomes the dash."""
    if is_missing(value):
        return TEXT_MISSING
    return html.escape(str(value), quote=True)


def run_info_html(run_info: dict[str, str] | None) -> str:
    """One small line per run_info entry, escaped, with Norwegian labels for known keys; the
    cost target's machine name is left out (the figures name the target by its label)."""
    if not run_info:
        return ""
    parts = [
        f"{escape(RUN_INFO_LABELS_NB.get(key, key))}: "
        f"{escape(format_timestamp_nb(value) if key == 'generated_at' else value)}"
        for key, value in run_info.items()
        if key != "cost_target"
    ]
    return '<div class="gapmap-runinfo">' + "<br>".join(parts) + "</div>"


def class_legend_html(target: TargetSpec) -> str:
    """Legend of the three class colours for the kommune maps."""
    rows = "".join(
        f'<div><span class="gapmap-swatch" style="background:{c.color}"></span>'
        f"<b>{escape(c.label_nb)}</b> – {escape(c.description_nb)}</div>"
        for c in CLASS_STYLES
    )
    return f"<h4>Husstander etter dekning, {escape(target.label_nb)}</h4>{rows}"


def _figure_rows(row: Mapping[Any, Any], target: TargetSpec) -> list[tuple[str, str, str]]:
    """(label, value, swatch colour) rows of one kommune's figures for the map target."""
    t = target.name
    rows = [("Husstander", format_int_nb(row.get("households")), "")]
    for class_style in CLASS_STYLES:
        value = row.get(f"{class_style.code}_households_{t}")
        rows.append((class_style.label_nb, format_int_nb(value), class_style.color))
    rows.append(("Andel under målet", format_percent_nb(row.get(f"below_target_share_{t}")), ""))
    rows.append(("Estimert kostnad", format_nok(row.get("cost_nok")), ""))
    return rows


def figures_table_html(
    row: Mapping[Any, Any], target: TargetSpec, other_targets: Sequence[TargetSpec] = ()
) -> str:
    """An escaped HTML table of one gap-table row's figures for the map target.

    ``other_targets`` add one line each with their share of households below target.
    """
    cells = []
    figures = _figure_rows(row, target) + [
        (f"Under {t.label_nb}", format_percent_nb(row.get(f"below_target_share_{t.name}")), "")
        for t in other_targets
    ]
    for label, value, color in figures:
        swatch = f'<span class="gapmap-swatch" style="background:{color}"></span>' if color else ""
        cells.append(
            f'<tr><td>{swatch}{escape(label)}</td><td class="num">{escape(value)}</td></tr>'
        )
    return f"<table>{''.join(cells)}</table>"


# One stylesheet for every map page, the rules of the cost curve and the masts included.
MAP_CSS: Final = f"""
<style>
  .leaflet-container {{ background: {MAP_BACKGROUND}; }}
  path.leaflet-interactive:focus {{ outline: none; }}
  .gapmap-panel {{ background: rgba(255,255,255,0.93); padding: 6px 10px; border-radius: 5px;
    box-shadow: 0 1px 5px rgba(0,0,0,0.35); font: 13px/1.35 system-ui, sans-serif;
    max-width: 340px; color: #222; }}
  .gapmap-panel h3 {{ margin: 0 0 4px 0; font-size: 16px; }}
  .gapmap-panel h4 {{ margin: 0 0 4px 0; font-size: 13px; }}
  .gapmap-panel table {{ border-collapse: collapse; }}
  .gapmap-panel td {{ padding: 0 6px 0 0; }}
  .gapmap-panel td.num, .gapmap-popup td.num {{ text-align: right; white-space: nowrap; }}
  .gapmap-info {{ max-height: calc(100vh - 200px); overflow-y: auto; }}  /* zoom, print, scale */
  .gapmap-curve {{ margin: 6px 0 4px 0; }}
  .gapmap-curve summary {{ cursor: pointer; font-weight: bold; }}
  .gapmap-curve img {{ display: block; width: 100%; max-width: 480px; height: auto;
    margin: 3px 0; }}
  .gapmap-curve th {{ font-weight: normal; color: #555; text-align: right; padding: 0 0 0 6px; }}
  .gapmap-curve th:first-child {{ text-align: left; padding: 0; }}
  .gapmap-curve td.num {{ padding: 0 0 0 6px; }}
  .gapmap-curve-median td {{ border-top: 1px solid #ccc; }}
  .gapmap-runinfo {{ margin-top: 4px; font-size: 11px; color: #555; overflow-wrap: anywhere; }}
  .gapmap-swatch {{ display: inline-block; width: 12px; height: 12px; border-radius: 6px;
    border: 1px solid {MARKER_OUTLINE_COLOR}; margin-right: 5px; vertical-align: -1px; }}
  .gapmap-popup {{ font: 13px/1.35 system-ui, sans-serif; }}
  .gapmap-popup table {{ border-collapse: collapse; margin-top: 3px; }}
  .gapmap-popup td {{ padding: 0 6px 0 0; vertical-align: top; }}
  .gapmap-mast {{ background: none; border: none; }}
  .gapmap-mast svg {{ display: block; }}
  .gapmap-mast-popup td:first-child {{ white-space: nowrap; }}
  .gapmap-mast-popup tr:first-child td.num {{ white-space: normal; overflow-wrap: anywhere; }}
  .gapmap-legend-mast svg {{ width: 14px; height: 14px; margin-right: 4px;
    vertical-align: -2px; }}
  .legend.leaflet-control {{ background: rgba(255,255,255,0.93); border-radius: 5px;
    box-shadow: 0 1px 5px rgba(0,0,0,0.35); }}
</style>
"""


def add_to_head(fmap: folium.Map, html_text: str, name: str) -> None:
    """Add trusted (already escaped) HTML to the ``<head>`` of the map's page, as text: it is
    not compiled as a template (a ``{{`` in a kommune's name stays two braces)."""
    figure = fmap.get_root()
    assert isinstance(figure, Figure)
    figure.header.add_child(TextElement(html_text), name=name)


class HtmlControl(MacroElement):
    """A Leaflet control holding a piece of HTML (title box, legend, info panel).

    The HTML must already be escaped; it travels as a JSON string so it cannot end the script.
    With ``toggle_label`` the panel gets a button that folds it to that label and opens it
    again (``aria-expanded`` tells its state); it starts folded on a phone
    (:data:`maps.page_shell.PHONE_MEDIA`).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
            {{ this.get_name() }}.onAdd = function (map) {
                var div = L.DomUtil.create('div', {{ this.css_class|tojson }});
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                {%- if this.toggle_label %}
                gapmapFoldable(div, {{ this.phone_media|tojson }});
                {%- endif %}
                return div;
            };
            {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        html_text: str,
        position: str = "topleft",
        css_class: str = "",
        toggle_label: str | None = None,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca 0.8: unannotated
        self._name = "HtmlControl"
        self.html = html_text
        self.position = position
        self.css_class = f"gapmap-panel {css_class}".strip()
        self.toggle_label = toggle_label
        self.phone_media = page_shell.PHONE_MEDIA
        if toggle_label is not None:
            body_id = f"{self.get_name()}_body"
            self.html = (
                f'<button type="button" class="gapmap-toggle" aria-expanded="true" '
                f'aria-controls="{body_id}"><span class="gapmap-toggle-title">'
                f'{escape(toggle_label)}</span> <span class="gapmap-toggle-state">'
                f'\u25b4 Skjul</span></button><div class="gapmap-panel-body" id="{body_id}">'
                f"{html_text}</div>"
            )

    def render(self, **kwargs: Any) -> Any:
        """Also put :data:`maps.page_shell.FOLD_SCRIPT` in the page's head (once) when the
        panel folds."""
        figure = self.get_root()
        if self.toggle_label is not None and isinstance(figure, Figure):
            figure.header.add_child(Element(page_shell.FOLD_SCRIPT), name="gapmap_fold_js")
        return super().render(**kwargs)  # type: ignore[no-untyped-call]  # branca: unannotated


# The hillshade overlay of a kommune map (when the run has a DTM).
TERRAIN_LAYER_NAME = "Terreng (relieff)"


def add_base_layer(fmap: folium.Map, opacity: float) -> None:
    """The basemaps (:data:`maps.page_shell.BASEMAPS`, radio buttons of the layer control),
    the house CSS and the message shown when the map cannot run. Add the layer control
    (:func:`maps.page_shell.add_layer_control`) after the last layer."""
    page_shell.add_basemaps(fmap, opacity)
    add_to_head(fmap, MAP_CSS, "gapmap_css")
    add_to_head(fmap, page_shell.SHELL_CSS, "gapmap_shell_css")
    add_to_head(fmap, page_shell.FOLD_SCRIPT, "gapmap_fold_js")  # the overview's panel folds
    page_shell.add_fallback(fmap)


def add_layer_control(fmap: folium.Map) -> None:
    """The layer control with the basemaps' radio buttons and the overlays (open on a wide
    screen, folded on a phone); add it after the map's last layer."""
    page_shell.add_layer_control(fmap)
