"""The address layer of a kommune map: one canvas layer, bins that show the class mix at low
zoom, points at high zoom, every class always visible; recoloured by the chosen target.

The addresses travel as one gzip'd, base64 blob of typed columns (:mod:`maps.address_data`);
the page's script decodes it with the browser's ``DecompressionStream('gzip')`` (Chromium,
Firefox ≥ 113, Safari ≥ 16.4; another browser gets a message in bokmål). Leaflet core only:

- **bins**: the addresses in view are counted in a 64 px screen grid (fixed in world pixels,
  recomputed per zoom); each bin is a ring whose slices are the households per class for the
  chosen target (a class with any household gets at least a visible slice) around the bin's
  household count. A click on a bin zooms in on it.
  An address alone in its cell is drawn as a point already.
- **points**: from zoom :data:`POINT_ZOOM` on every address in view is a circle on one canvas,
  unserved drawn last; addresses on the same few pixels (:data:`STACK_PX`, one entrance with
  several addresses) are a small ring instead. A click opens a point's popup (built on
  demand), or on such a ring one popup with its addresses. At most :data:`MAX_POINTS` are
  drawn; more in view stay bins.

Why a screen grid in the page rather than the SSB 250 m grid or hexagons from Python: a
symbol must stay readable at every zoom from the whole kommune (zoom 9–11, where a 250 m
cell is 2–8 px and Oslo would draw 10,000 rings) to the street; a fixed ground grid needs
several precomputed levels and their bytes in the page, and its counts per class per target
again. Binning the decoded columns in the page costs one pass over the addresses in view
per redraw (tens of ms at 300,000), adds no byte and follows the chosen target for free.

Ready when decoded and first drawn: ``window.gapmapReady === true`` and
``document.body.dataset.gapmapReady === "true"``; ``window.gapmapAddresses`` is the layer's API
(``setTarget``, ``openAddress``, ``search``, ``state``) that :mod:`maps.search` and
:mod:`maps.target_switch` use.
"""

from __future__ import annotations

from typing import Any

import folium
from folium.map import Layer
from folium.template import Template

from maps import style
from maps.address_data import AddressRows, address_rows, wireless_texts
from maps.address_script import ADDRESS_LAYER_JS
from maps.script_data import dumps_for_script
from maps.search import AddressSearch

__all__ = ["AddressLayer", "AddressRows", "add_address_layer", "address_rows", "wireless_texts"]

POINT_ZOOM = 16  # from here on points (unless more than MAX_POINTS are in view)
MAX_POINTS = 60_000
CELL_PX = 64
STACK_PX = 4  # up close, addresses within this many pixels of each other are one small ring
STACK_LISTED = 20  # a click on such a ring lists this many of its addresses
LAYER_NAME = "Adresser"
TEXT_NO_DECOMPRESSION = (
    "Nettleseren din kan ikke pakke ut adressene i dette kartet. Åpne kartet i en nyere "
    "utgave av Chrome, Edge, Firefox (113 eller nyere) eller Safari (16.4 eller nyere)."
)
TEXT_DECODE_FAILED = "Adressene i kartet kunne ikke leses."

ADDRESS_LAYER_CSS = """
<style>
  .gapmap-addr-error { position: absolute; z-index: 1000; top: 50%; left: 50%;
    transform: translate(-50%, -50%); max-width: 420px; font-weight: bold; }
  .gapmap-legend-target { border: none; margin: 0 0 4px 0; padding: 0; }
  .gapmap-legend-target legend { font: bold 13px/1.35 system-ui, sans-serif; padding: 0; }
  .gapmap-panel [data-gapmap-target] h4 { margin-top: 4px; }
  .gapmap-legend-target label { display: block; cursor: pointer; }
  .gapmap-legend-note { font-size: 11px; color: #444; max-width: 300px; margin-top: 3px; }
  .gapmap-popup tr.gapmap-current td { font-weight: bold; }
  .gapmap-search input { width: 230px; font: 13px system-ui, sans-serif; padding: 3px 5px; }
  .gapmap-search ul { list-style: none; margin: 4px 0 0 0; padding: 0; max-height: 260px;
    overflow-y: auto; }
  .gapmap-search li { padding: 2px 4px; cursor: pointer; border-radius: 3px; }
  .gapmap-search li[aria-selected="true"], .gapmap-search li:hover { background: #d8e6f3; }
  .gapmap-search .gapmap-search-status { font-size: 11px; color: #555; }
</style>
"""


class AddressLayer(Layer):
    """The kommune's addresses (bins and points) as one overlay of the layer control."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var map = {{ this._parent.get_name() }};
            var C = {{ this.config_json }};
            var payload = {{ this.payload|tojson }};
            {{ this.engine }}
        })();
        {% endmacro %}
        """
    )

    def __init__(self, encoded: AddressRows, cost_label_nb: str | None) -> None:
        super().__init__(name=LAYER_NAME, overlay=True, control=True, show=True)
        self._name = "AddressLayer"
        self.payload = encoded.payload_b64
        self.engine = ADDRESS_LAYER_JS
        self.config_json = dumps_for_script(layer_config(encoded, cost_label_nb))


def layer_config(encoded: AddressRows, cost_label_nb: str | None) -> dict[str, Any]:
    """What the layer's script needs beside the blob: layout, labels, colours and settings."""
    targets = encoded.targets
    cost_label = (
        f"Estimert kostnad til {cost_label_nb}"
        if cost_label_nb
        else "Estimert kostnad (til kostnadsmålet)"
    )
    return {
        "columns": encoded.columns,
        "count": encoded.count,
        "targets": [style.escape(t.label_nb) for t in targets],
        "targetNames": [t.name for t in targets],
        "scenarios": [style.escape(label) for label in encoded.scenarios],
        "mapTarget": next(i for i, t in enumerate(targets) if t.name == encoded.map_target.name),
        "classes": [
            {"label": style.escape(c.label_nb), "color": c.color} for c in style.CLASS_STYLES
        ],
        "outline": style.MARKER_OUTLINE_COLOR,
        "pointZoom": POINT_ZOOM,
        "maxPoints": MAX_POINTS,
        "cellPx": CELL_PX,
        "stackPx": STACK_PX,
        "maxListed": STACK_LISTED,
        "text": {
            "noOffer": style.escape(style.TEXT_NO_OFFER),
            "noCost": style.escape(style.TEXT_NO_COST),
            "cost": style.escape(cost_label),
            "missing": style.escape("–"),
            "newSite": style.escape(style.TECHNOLOGY_LABELS_NB["fwa_new_site"]),
            "noDecompression": style.escape(TEXT_NO_DECOMPRESSION),
            "decodeFailed": style.escape(TEXT_DECODE_FAILED),
        },
    }


def add_address_layer(fmap: folium.Map, encoded: AddressRows, cost_label_nb: str | None) -> None:
    """The address layer, its search box and their stylesheet on ``fmap``."""
    style.add_to_head(fmap, ADDRESS_LAYER_CSS, "gapmap_address_css")
    AddressLayer(encoded, cost_label_nb).add_to(fmap)
    AddressSearch().add_to(fmap)
