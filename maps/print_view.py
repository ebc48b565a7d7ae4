"""The A4 print view of a kommune map: a "Skriv ut" button and a print stylesheet.

Printing (the button, or the browser's own print command, which fires ``beforeprint``) lays the
page out as one A4 portrait sheet: the info panel's title and figures and the legend, copied
above the map, then the map at a fixed size fitted to the kommune, without the zoom buttons,
the layer control and the panels. After printing the page is as it was.
"""

from __future__ import annotations

from typing import Final

import folium
from branca.element import MacroElement
from folium.template import Template

# The map's size on paper: A4 (210 mm) less 12 mm margins each side; the height leaves room for
# the title, the figures and the legend above it.
PRINT_MAP_WIDTH_MM: Final = 185
PRINT_MAP_HEIGHT_MM: Final = 165

PRINT_CSS: Final = f"""
<style>
  .gapmap-print-button {{ font: bold 13px system-ui, sans-serif; padding: 4px 9px;
    background: #fff; border: 2px solid rgba(0,0,0,0.2); border-radius: 4px; cursor: pointer;
    background-clip: padding-box; }}
  .gapmap-print-button:focus-visible {{ outline: 2px solid #0057b8; }}
  .gapmap-print-sheet {{ display: none; }}
  html.gapmap-printing, html.gapmap-printing body {{ height: auto; overflow: visible; }}
  html.gapmap-printing .gapmap-print-sheet {{ display: grid;
    grid-template-columns: minmax(85mm, 1fr) auto; gap: 2mm 8mm;
    width: {PRINT_MAP_WIDTH_MM}mm; font: 10pt/1.35 system-ui, sans-serif;
    color: #000; margin-bottom: 3mm; }}
  html.gapmap-printing .folium-map {{ position: relative !important;
    width: {PRINT_MAP_WIDTH_MM}mm !important; height: {PRINT_MAP_HEIGHT_MM}mm !important;
    top: auto !important; left: auto !important; box-sizing: border-box;
    border: 0.3mm solid #666; }}
  html.gapmap-printing .folium-map .leaflet-control-container .leaflet-control {{
    display: none; }}
  html.gapmap-printing .folium-map .leaflet-control-container .leaflet-control-attribution,
  html.gapmap-printing .folium-map .leaflet-control-container .leaflet-control-scale {{
    display: block; }}
  .gapmap-print-sheet h3 {{ font-size: 14pt; margin: 0 0 1mm 0; }}
  .gapmap-print-sheet h4 {{ font-size: 10pt; margin: 0 0 1mm 0; }}
  .gapmap-print-sheet table {{ border-collapse: collapse; }}
  .gapmap-print-sheet td {{ padding: 0 3mm 0 0; }}
  .gapmap-print-sheet td.num {{ text-align: right; white-space: nowrap; }}
  .gapmap-print-sheet .gapmap-curve, .gapmap-print-sheet .gapmap-links,
  .gapmap-print-sheet .gapmap-downloads, .gapmap-print-sheet button,
  .gapmap-print-sheet fieldset {{ display: none; }}
  .gapmap-print-sheet .gapmap-runinfo {{ font-size: 7.5pt; }}
  @page {{ size: A4 portrait; margin: 12mm; }}
  @media print {{
    #gapmap-fallback {{ display: none !important; }}
    * {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
  }}
</style>
"""


class PrintView(MacroElement):
    """The "Skriv ut" button (top left, under the zoom) and the print preparation script.

    ``window.gapmapPrint.prepare()`` lays the page out for print (also on ``beforeprint``),
    ``window.gapmapPrint.restore()`` undoes it (also on ``afterprint``).
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}{{ this.css }}{% endmacro %}
        {% macro script(this, kwargs) %}
        (function (map) {
            var bounds = {{ this.bounds|tojson }};
            var saved = null;
            function copy(selector, sheet) {
                var source = document.querySelector(selector);
                if (!source) { return; }
                var part = document.createElement('div');
                part.innerHTML = source.innerHTML;
                sheet.appendChild(part);
            }
            function prepare() {
                var root = document.documentElement;
                if (root.classList.contains('gapmap-printing')) { return; }
                saved = {center: map.getCenter(), zoom: map.getZoom()};
                var sheet = document.createElement('div');
                sheet.className = 'gapmap-print-sheet';
                copy('.gapmap-info .gapmap-panel-body', sheet);
                copy('.leaflet-bottom.leaflet-right .gapmap-panel-body', sheet);
                document.body.insertBefore(sheet, map.getContainer());
                root.classList.add('gapmap-printing');
                map.invalidateSize({animate: false});
                if (bounds) { map.fitBounds(bounds, {animate: false}); }
            }
            function restore() {
                var root = document.documentElement;
                if (!root.classList.contains('gapmap-printing')) { return; }
                root.classList.remove('gapmap-printing');
                document.querySelectorAll('.gapmap-print-sheet').forEach(function (el) {
                    el.remove();
                });
                map.invalidateSize({animate: false});
                if (saved) { map.setView(saved.center, saved.zoom, {animate: false}); }
            }
            window.addEventListener('beforeprint', prepare);
            window.addEventListener('afterprint', restore);
            window.gapmapPrint = {prepare: prepare, restore: restore};
            var control = L.control({position: 'topleft'});
            control.onAdd = function () {
                var button = L.DomUtil.create('button', 'leaflet-control gapmap-print-button');
                button.type = 'button';
                button.textContent = 'Skriv ut';
                button.title = 'Skriv ut kartet på ett A4-ark';
                L.DomEvent.disableClickPropagation(button);
                L.DomEvent.on(button, 'click', function () { prepare(); window.print(); });
                return button;
            };
            control.addTo(map);
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[list[float]] | None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca 0.8: unannotated
        self._name = "PrintView"
        self.bounds = bounds
        self.css = PRINT_CSS


def add_print_view(fmap: folium.Map, bounds: list[list[float]] | None) -> None:
    """The print button and stylesheet; printing fits the map to ``bounds`` (south-west,
    north-east in lat/lon; None: the view as it is)."""
    PrintView(bounds).add_to(fmap)
