"""The overview page's script: the kommune polygons, the target switch, the classed legend, the
kommune labels and the search (:class:`OverviewChoropleth`), and its stylesheet.

The data travel once as JSON (:func:`maps.script_data.dumps_for_script`): the polygons with,
per target, a fill colour and escaped figures (built by :func:`maps.overview.kommune_features`),
and per target its escaped label, summary and legend. Only escaped texts reach ``innerHTML``; the
raw kommune names of the search are only ever set as text (``option.value``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from branca.element import MacroElement
from jinja2 import Template

from maps import page_shell
from maps.script_data import dumps_for_script

OVERVIEW_CSS: Final = """
<style>
  .gapmap-kommune-label { background: none; border: none; }
  .gapmap-kommune-label span { position: absolute; transform: translate(-50%, -50%);
    white-space: nowrap; font: bold 11px/1 system-ui, sans-serif; color: #1a1a1a;
    text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; pointer-events: none; }
  .gapmap-class-swatch { display: inline-block; width: 18px; height: 12px;
    border: 1px solid #555; margin-right: 6px; vertical-align: -1px; }
  .gapmap-overview-legend div { white-space: nowrap; }
  .gapmap-target-switch { border: 1px solid #ccc; border-radius: 4px; margin: 4px 0;
    padding: 2px 6px; }
  .gapmap-target-switch legend { font: bold 13px/1.35 system-ui, sans-serif; width: auto;
    float: none; margin: 0; padding: 0 3px; }
  .gapmap-target-switch label { display: block; cursor: pointer; margin: 0; }
  .gapmap-target-switch input { margin: 0 4px 0 0; vertical-align: -1px; }
  .gapmap-search { margin: 4px 0 6px 0; }
  .gapmap-search label { font-weight: bold; margin-right: 4px; }
  .gapmap-search input { width: 100%; box-sizing: border-box; font: inherit;
    padding: 2px 4px; }
  .gapmap-search-message { color: #a00000; font-size: 12px; }
  .gapmap-downloads, .gapmap-popup-links { margin-top: 4px; }
</style>
"""


class OverviewChoropleth(MacroElement):
    """The overview's polygons, title panel (target switch, search, downloads), legend and
    labels, as one script.

    Parameters
    ----------
    features : list of GeoJSON features
        From :func:`maps.overview.kommune_features` (escaped texts, per-target lists).
    targets : sequence of mapping
        Per target, in the order of the features' lists: escaped ``label``, ``summary`` (the
        panel's sentence and total) and ``legend`` HTML. The first is shown at first.
    panel_html : str
        The escaped fixed part of the title panel (help, links, downloads, run stamp).
    table_href : str
        The kommune table link with ``{knr}`` and ``{ext}`` (``csv``/``xlsx``) to fill in.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var map = {{ this._parent.get_name() }};
            var D = {{ this.data_json }};
            var current = 0, byKnr = {}, features = D.geojson.features;
            var heading = function (p) { return '<b>' + p.name + '</b> (' + p.knr + ')'; };
            var tip = function (p) {
                return heading(p) + '<div>Mål: ' + D.targets[current].label + '</div>'
                    + p.figures[current];
            };
            var popup = function (p) {
                var h = '<div class="gapmap-popup">' + tip(p) + '<div class="gapmap-popup-links">';
                if (p.href) {
                    h += '<a href="' + p.href + '">Åpne kartet over ' + p.name + '</a><br>';
                }
                var t = D.tableHref.replace('{knr}', p.knr);
                h += 'Tall for kommunen: <a href="' + t.replace('{ext}', 'csv') + '">CSV</a>'
                    + ' · <a href="' + t.replace('{ext}', 'xlsx') + '">Excel</a>';
                return h + '</div></div>';
            };
            var styleOf = function (f) {
                return {fillColor: f.properties.fill[current], color: '#555555', weight: 0.8,
                    fillOpacity: 0.8};
            };
            var layer = L.geoJSON(D.geojson, {style: styleOf, onEachFeature: function (f, l) {
                byKnr[f.id] = l;
                l.bindTooltip(function () {
                    return '<div class="gapmap-popup">' + tip(f.properties) + '</div>';
                }, {sticky: true});
                l.bindPopup(function () { return popup(f.properties); }, {maxWidth: 340});
                l.on('mouseover', function () { l.setStyle({weight: 3, color: '#000000'}); });
                l.on('mouseout', function () { layer.resetStyle(l); });
                l.on('popupopen', function () { l.closeTooltip(); });  // one box, not two
            }}).addTo(map);

            var legend = L.control({position: 'bottomright'});
            legend.onAdd = function () {
                var div = L.DomUtil.create('div', 'gapmap-panel gapmap-overview-legend');
                div.innerHTML = D.targets[current].legend;
                return div;
            };
            legend.addTo(map);

            var panel = L.control({position: 'topleft'});
            panel.onAdd = function () {
                var div = L.DomUtil.create('div', 'gapmap-panel gapmap-overview-panel');
                var h = '<h3>Bredbåndsdekning per kommune</h3>';
                h += '<div class="gapmap-search">'
                    + '<label for="gapmap-search-input">Finn kommune</label>'
                    + '<input id="gapmap-search-input" type="search" list="gapmap-kommune-list"'
                    + ' placeholder="Navn eller kommunenummer" autocomplete="off">'
                    + '<datalist id="gapmap-kommune-list"></datalist>'
                    + '<div class="gapmap-search-message" role="status"></div></div>';
                if (D.targets.length > 1) {
                    h += '<fieldset class="gapmap-target-switch"><legend>Mål</legend>';
                    for (var i = 0; i < D.targets.length; i++) {
                        h += '<label><input type="radio" name="gapmap-target" value="' + i + '"'
                            + (i === current ? ' checked' : '') + '> ' + D.targets[i].label
                            + '</label>';
                    }
                    h += '</fieldset>';
                }
                div.innerHTML = '<button type="button" class="gapmap-toggle"'
                    + ' aria-expanded="true" aria-controls="gapmap-overview-body">'
                    + '<span class="gapmap-toggle-title">Bredbåndsdekning per kommune</span> '
                    + '<span class="gapmap-toggle-state"></span></button>'
                    + '<div class="gapmap-panel-body" id="gapmap-overview-body">' + h
                    + '<div class="gapmap-target-summary">' + D.targets[current].summary
                    + '</div>' + D.panel + '</div>';
                gapmapFoldable(div, D.phoneMedia);
                var list = div.querySelector('datalist');
                features.forEach(function (f) {
                    var option = document.createElement('option');
                    option.value = f.properties.text + ' (' + f.id + ')';
                    list.appendChild(option);
                });
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            panel.addTo(map);
            var panelDiv = panel.getContainer();
            // A popup opens clear of the panel (when the window is wide enough to leave room).
            var padding = null;
            if (map.getSize().x > 2 * panelDiv.offsetWidth) {
                padding = L.point(panelDiv.offsetWidth + 20, 20);
                layer.eachLayer(function (l) {
                    l.getPopup().options.autoPanPaddingTopLeft = padding;
                });
                // the kommuner drawn beside the panel, not under it
                map.fitBounds(layer.getBounds(), {animate: false, paddingTopLeft: padding});
            }

            panelDiv.querySelectorAll('input[name="gapmap-target"]').forEach(function (radio) {
                radio.addEventListener('change', function () {
                    current = +radio.value;
                    map.closePopup();
                    layer.setStyle(styleOf);
                    legend.getContainer().innerHTML = D.targets[current].legend;
                    panelDiv.querySelector('.gapmap-target-summary').innerHTML =
                        D.targets[current].summary;
                });
            });

            var find = function (query) {
                var q = query.trim(), m = q.match(/\\((\\d{4})\\)$/) || q.match(/^(\\d{3,4})$/);
                if (m) { return byKnr[m[1].length === 3 ? '0' + m[1] : m[1]] || null; }
                var lower = q.toLocaleLowerCase('nb'), prefix = null;
                for (var i = 0; i < features.length && q; i++) {
                    var name = features[i].properties.text.toLocaleLowerCase('nb');
                    if (name === lower) { return byKnr[features[i].id]; }
                    if (!prefix && name.indexOf(lower) === 0) { prefix = byKnr[features[i].id]; }
                }
                return prefix;
            };
            var input = panelDiv.querySelector('#gapmap-search-input');
            var message = panelDiv.querySelector('.gapmap-search-message');
            var search = function () {
                if (!input.value.trim()) { message.textContent = ''; return; }
                var found = find(input.value);
                if (!found) {
                    message.textContent = 'Fant ingen kommune for «' + input.value.trim() + '»';
                    return;
                }
                message.textContent = '';
                map.closePopup();
                map.fitBounds(found.getBounds(), {animate: false, maxZoom: 11,
                    paddingTopLeft: padding || [0, 0]});
                found.openPopup(L.latLng(found.feature.properties.label));
            };
            input.addEventListener('change', search);
            input.addEventListener('keydown', function (e) {
                if (e.key === 'Enter') { search(); }
            });

            var labels = L.layerGroup().addTo(map);
            var markers = features.map(function (f) {
                return L.marker(f.properties.label, {interactive: false, keyboard: false,
                    icon: L.divIcon({className: 'gapmap-kommune-label', iconSize: null,
                        html: '<span>' + f.properties.name + '</span>'})});
            });
            var showLabels = function () {
                var zoom = map.getZoom();
                markers.forEach(function (marker, i) {
                    var wanted = zoom >= features[i].properties.zoom;
                    if (wanted && !labels.hasLayer(marker)) { labels.addLayer(marker); }
                    if (!wanted && labels.hasLayer(marker)) { labels.removeLayer(marker); }
                });
            };
            map.on('zoomend', showLabels);
            showLabels();
            return {layer: layer, byKnr: byKnr, labels: labels, search: search};
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        features: list[dict[str, Any]],
        targets: Sequence[Mapping[str, str]],
        panel_html: str,
        table_href: str,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca 0.8: unannotated
        self._name = "OverviewChoropleth"
        self.features = features
        self.data_json = dumps_for_script(
            {
                "geojson": {"type": "FeatureCollection", "features": features},
                "targets": [dict(t) for t in targets],
                "panel": panel_html,
                "tableHref": table_href,
                "phoneMedia": page_shell.PHONE_MEDIA,
            }
        )
