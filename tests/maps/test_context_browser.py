"""The kommune map's context layers in headless Chromium: the fibre and site overlays are listed
in the layer control and draw their features; the proposed mast icon is an SVG. Screenshots in
``test-artifacts/``."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point

from maps.publish import MapPaths
from tests.browser import OfflineBrowser, map_variable, screenshot
from tests.maps.map_inputs import MapInputs, make_new_sites, with_new_site_choices, write_inputs

pytestmark = pytest.mark.browser


def context_fibre() -> gpd.GeoDataFrame:
    """Two fibre lines through kommune 5001 (one on into 5099) and one far outside both."""
    return gpd.GeoDataFrame(
        {"kind": ["fibre"] * 3},
        geometry=[
            LineString([(265_500, 7_007_500), (269_500, 7_007_600), (274_000, 7_008_000)]),
            LineString([(267_000, 7_005_500), (267_100, 7_009_500)]),
            LineString([(300_000, 7_007_500), (310_000, 7_007_500)]),
        ],
        crs="EPSG:25833",
    )


def context_sites() -> gpd.GeoDataFrame:
    """Three sites in kommune 5001 (FWA, 4G, 5G) and a 5G site in 5099."""
    return gpd.GeoDataFrame(
        {
            "site_id": ["F1", "M4", "M5", "M5b"],
            "operator": ["Lokal", "Telia", "Telenor", "Telenor"],
            "technology": ["fwa", "mobile_4g", "mobile_5g", "mobile_5g"],
            "antenna_height_m": [20.0, 30.0, 25.0, 25.0],
            "max_range_m": [6000.0, 10000.0, 3000.0, 3000.0],
        },
        geometry=[
            Point(266_000, 7_006_000),
            Point(268_000, 7_009_000),
            Point(269_000, 7_006_500),
            Point(272_000, 7_006_500),
        ],
        crs="EPSG:25833",
    )


@pytest.fixture(scope="module")
def context_written(inputs: MapInputs, tmp_path_factory: pytest.TempPathFactory) -> MapPaths:
    return write_inputs(
        MapInputs(**{**inputs.__dict__, "addresses": with_new_site_choices(inputs.addresses)}),
        tmp_path_factory.mktemp("context-maps"),
        new_sites=make_new_sites(),
        fibre=context_fibre(),
        sites=context_sites().to_crs("EPSG:4326"),  # any CRS: reprojected once
    )


_LAYER_FEATURES = """(name) => {
    // The overlays of the layer control by label; each input knows its layer's Leaflet id and
    // the layers are page globals (folium's `var`).
    const map = window[name];
    const byId = {};
    for (const value of Object.values(window)) {
        if (value instanceof L.Layer) byId[L.stamp(value)] = value;
    }
    const out = {};
    for (const label of document.querySelectorAll('.leaflet-control-layers-overlays label')) {
        const layer = byId[label.querySelector('input').layerId];
        if (!layer || !layer.getLayers) continue;
        const layers = layer.getLayers();
        out[label.textContent.trim()] = {
            shown: map.hasLayer(layer),
            features: layers.length,
            drawn: layers.filter(l => map.hasLayer(l) && (l._parts ? l._parts.length > 0
                : l._point !== undefined)).length,
        };
    }
    return out;
}"""


def test_fibre_and_site_overlays_are_listed_and_draw_their_features(
    browser: OfflineBrowser, context_written: MapPaths
) -> None:
    page, report = browser.open(context_written.kommuner["5001"].as_uri(), wait_for=".gapmap-mast")
    name = map_variable(page)
    labels = [
        label.strip()
        for label in page.locator(".leaflet-control-layers-overlays label").all_text_contents()
    ]
    assert labels[:4] == [
        "Eksisterende fiber (2 linjer)",  # the line far away is not on this page
        "Eksisterende master: Fast trådløst (FWA) (1)",
        "Eksisterende master: Mobil 4G (1)",
        "Eksisterende master: Mobil 5G (1)",
    ]
    before = page.evaluate(_LAYER_FEATURES, name)
    assert before["Eksisterende fiber (2 linjer)"] == {"shown": True, "features": 2, "drawn": 2}
    assert before["Eksisterende master: Mobil 5G (1)"]["shown"] is False  # off at first
    for label in labels[1:4]:
        page.locator(".leaflet-control-layers-overlays label", has_text=label).locator(
            "input"
        ).check()
    after = page.evaluate(_LAYER_FEATURES, name)
    for label in labels[1:4]:
        assert after[label] == {"shown": True, "features": 1, "drawn": 1}
    screenshot(page, "kommune-context.png")
    assert report.problems() == []
    page.context.close()


def test_the_proposed_mast_icon_is_an_inline_svg_tower(
    browser: OfflineBrowser, context_written: MapPaths
) -> None:
    page, report = browser.open(context_written.kommuner["5001"].as_uri(), wait_for=".gapmap-mast")
    icon = page.locator(".gapmap-mast svg.gapmap-mast-icon")
    assert icon.count() == 1
    box = icon.bounding_box()
    assert box is not None and box["width"] == 28 and box["height"] == 28
    assert icon.locator("path").count() == 3 and icon.locator("circle").count() == 1
    assert page.locator(".gapmap-legend-mast svg").count() == 1
    map_name = map_variable(page)
    page.evaluate(f"() => window['{map_name}'].setZoom(15)")
    page.wait_for_timeout(400)
    icon.screenshot(path=str(Path(screenshot(page, "kommune-mast.png")).with_name("mast-icon.png")))
    assert report.problems() == []
    page.context.close()
