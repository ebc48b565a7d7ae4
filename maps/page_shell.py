"""What every map page has around its layers: basemaps, layer control, phone rules, fallback.

- :func:`add_basemaps`: Kartverket's open cache ("Topografisk norgeskart", shown first, and
  "Gråtone"), OpenStreetMap and "Ingen bakgrunn" as radio base layers;
- :class:`ResponsiveLayerControl`: Folium's layer control, collapsed to its icon on a phone;
- :func:`add_fallback`: a message in bokmål shown when the map cannot run (JavaScript off,
  a mail preview that strips scripts, Leaflet missing); a tiny script right after it hides it
  once Leaflet is there;
- :data:`SHELL_CSS`: the collapsible panel, small legend and controls below 640 px width.

The pages call these through :func:`maps.style.add_base_layer` (both pages) and
:func:`add_layer_control` (after their last layer).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import folium
import xyzservices
from branca.element import Element, Figure, MacroElement
from folium.template import Template

PHONE_MEDIA: Final = "(max-width: 640px)"


@dataclass(frozen=True)
class Basemap:
    """One background of the layer control."""

    name: str
    url: str | None  # None: no tiles ("Ingen bakgrunn")
    attribution: str
    max_zoom: int = 18


KARTVERKET_ATTRIBUTION: Final = '&copy; <a href="https://www.kartverket.no/">Kartverket</a>'
OSM_ATTRIBUTION: Final = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>-bidragsytere'
)
KARTVERKET_WMTS: Final = "https://cache.kartverket.no/v1/wmts/1.0.0/{layer}/default/webmercator"
BASEMAPS: Final[tuple[Basemap, ...]] = (
    Basemap(
        "Topografisk norgeskart",
        KARTVERKET_WMTS.format(layer="topo") + "/{z}/{y}/{x}.png",
        KARTVERKET_ATTRIBUTION,
    ),
    Basemap(
        "Gråtone",
        KARTVERKET_WMTS.format(layer="topograatone") + "/{z}/{y}/{x}.png",
        KARTVERKET_ATTRIBUTION,
    ),
    Basemap("OpenStreetMap", "https://tile.openstreetmap.org/{z}/{x}/{y}.png", OSM_ATTRIBUTION),
    Basemap("Ingen bakgrunn", None, ""),
)


def url_provider(name: str, url: str) -> xyzservices.TileProvider:
    """A tile URL as a tile provider of its own: Folium takes it as it is (the same layer as
    the URL given as text), instead of first searching xyzservices' ~1,000 providers for one
    named like the URL (~20 ms a layer, three layers a page, on the 2-core machine)."""
    return xyzservices.TileProvider(name=name, url=url, attribution="")


def add_basemaps(fmap: folium.Map, opacity: float) -> None:
    """The :data:`BASEMAPS` as base layers; the first one is shown."""
    for number, basemap in enumerate(BASEMAPS):
        if basemap.url is None:
            folium.FeatureGroup(name=basemap.name, overlay=False, show=False).add_to(fmap)
            continue
        folium.TileLayer(
            url_provider(basemap.name, basemap.url),
            attr=basemap.attribution,
            name=basemap.name,
            max_zoom=basemap.max_zoom,
            opacity=opacity,
            overlay=False,
            show=number == 0,
        ).add_to(fmap)


class ResponsiveLayerControl(folium.LayerControl):
    """Folium's layer control, open on a wide screen, collapsed to its icon on a phone."""

    _template = Template(
        """
        {% macro script(this,kwargs) %}
            var {{ this.get_name() }}_layers = {
                base_layers : {
                    {%- for key, val in this.base_layers.items() %}
                    {{ key|tojson }} : {{val}},
                    {%- endfor %}
                },
                overlays :  {
                    {%- for key, val in this.overlays.items() %}
                    {{ key|tojson }} : {{val}},
                    {%- endfor %}
                },
            };
            var {{ this.get_name() }}_options = {{ this.options|tojavascript }};
            {{ this.get_name() }}_options.collapsed =
                window.matchMedia({{ this.phone_media|tojson }}).matches;
            let {{ this.get_name() }} = L.control.layers(
                {{ this.get_name() }}_layers.base_layers,
                {{ this.get_name() }}_layers.overlays,
                {{ this.get_name() }}_options
            ).addTo({{this._parent.get_name()}});
        {% endmacro %}
        """
    )

    def __init__(self, position: str = "topright") -> None:
        super().__init__(position=position, collapsed=False)
        self.phone_media = PHONE_MEDIA


def add_layer_control(fmap: folium.Map) -> None:
    """The layer control (basemaps and overlays); call it after the last layer is added."""
    ResponsiveLayerControl().add_to(fmap)


FALLBACK_HTML: Final = """
<div id="gapmap-fallback" role="alert" style="position:fixed;z-index:10000;top:20%;left:50%;
 transform:translateX(-50%);max-width:34em;width:90%;background:#fff;color:#222;
 border:2px solid #D55E00;border-radius:6px;padding:14px 18px;
 font:15px/1.45 system-ui,sans-serif;box-shadow:0 2px 10px rgba(0,0,0,.3)">
 <b>Kartet kan ikke vises her.</b>
 <noscript><p style="margin:.5em 0">JavaScript er slått av i denne nettleseren. Kartet trenger
 JavaScript: tillat skript for denne filen, eller åpne den i en annen nettleser.</p></noscript>
 <p style="margin:.5em 0">Åpnet du filen i forhåndsvisningen i e-posten? Lagre vedlegget på
 maskinen og åpne det i en moderne nettleser (Edge, Chrome, Firefox eller Safari), med skript
 tillatt. Filen trenger ikke internett; bare bakgrunnskartet hentes fra nettet.</p>
</div>
<script>
  if (window.L && window.L.map) {
    document.getElementById("gapmap-fallback").style.display = "none";
  }
</script>
"""


def add_fallback(fmap: folium.Map) -> None:
    """:data:`FALLBACK_HTML` at the top of the page's body (once per page)."""
    figure = fmap.get_root()
    assert isinstance(figure, Figure)
    figure.html.add_child(Element(FALLBACK_HTML), name="gapmap_fallback", index=0)


SHELL_CSS: Final = f"""
<style>
  .gapmap-toggle {{ float: right; margin: -2px -4px 2px 8px; font: 12px system-ui, sans-serif;
    padding: 2px 7px; border: 1px solid #999; border-radius: 4px; background: #f4f4f4;
    color: #222; cursor: pointer; }}
  .gapmap-toggle:focus-visible {{ outline: 2px solid #0057b8; outline-offset: 1px; }}
  .gapmap-toggle-title {{ display: none; font-weight: bold; }}
  .gapmap-collapsed .gapmap-toggle {{ float: none; margin: 0; border: none; background: none;
    padding: 0; font-size: 13px; }}
  .gapmap-collapsed .gapmap-toggle-title {{ display: inline; }}
  .gapmap-collapsed .gapmap-panel-body {{ display: none; }}
  .gapmap-collapsed.gapmap-info {{ overflow: visible; }}
  .gapmap-downloads {{ margin: 4px 0; }}
  .leaflet-control-layers {{ font: 13px/1.4 system-ui, sans-serif; }}
  .leaflet-control-scale-line + .leaflet-control-scale-line {{ display: none; }}  /* miles */
  @media {PHONE_MEDIA} {{
    .gapmap-panel {{ max-width: calc(100vw - 90px); font-size: 12px; }}
    .gapmap-info {{ max-height: calc(100vh - 290px); }}  /* above the legend */
    .leaflet-bottom.leaflet-right .gapmap-panel {{ max-width: 200px; padding: 3px 6px;
      font-size: 10.5px; line-height: 1.25; }}
    .leaflet-bottom.leaflet-right .gapmap-panel h4 {{ font-size: 11px; margin-bottom: 2px; }}
    .leaflet-bottom.leaflet-right .gapmap-swatch {{ width: 9px; height: 9px; }}
    .leaflet-control-scale {{ display: none; }}
  }}
</style>
"""


# A panel with a ``.gapmap-toggle`` button folds to the button's title and opens again;
# ``aria-expanded`` tells its state; it starts folded on a phone (``phoneMedia``).
FOLD_SCRIPT: Final = """
<script>
function gapmapFoldable(div, phoneMedia) {
  var button = div.querySelector('.gapmap-toggle');
  var setOpen = function (open) {
    div.classList.toggle('gapmap-collapsed', !open);
    button.setAttribute('aria-expanded', open ? 'true' : 'false');
    button.querySelector('.gapmap-toggle-state').textContent = open ? '\u25b4 Skjul' : '\u25be Vis';
  };
  L.DomEvent.on(button, 'click', function () {
    setOpen(div.classList.contains('gapmap-collapsed'));
  });
  setOpen(!window.matchMedia(phoneMedia).matches);
}
</script>
"""


class FitBesidePanel(MacroElement):
    """Fit the map to ``bounds`` again, clear of the panel ``left`` (top left) and, when room
    is left, of the panel ``right`` (bottom right), when the window is wide enough to leave the
    map room beside them; on a phone the first fit stays.

    Add it after the panels, in the same script as the first fit, so no tile of the first
    view is requested and then cancelled.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
            var left = document.querySelector({{ this.left|tojson }});
            var right = document.querySelector({{ this.right|tojson }});
            var width = map.getSize().x;
            if (!left || width < 2 * left.offsetWidth + 200) { return; }
            var padRight = right ? right.offsetWidth + 20 : 0;
            if (width - left.offsetWidth - padRight < 400) { padRight = 0; }
            map.fitBounds({{ this.bounds|tojson }}, {animate: false,
                paddingTopLeft: [left.offsetWidth + 20, 10], paddingBottomRight: [padRight, 10]});
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[list[float]], left: str, right: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca 0.8: unannotated
        self._name = "FitBesidePanel"
        self.bounds = bounds
        self.left = left
        self.right = right
