"""maps/page_shell.py: basemaps, the layer control, the fallback message, both pages; in
headless Chromium (``browser`` tests): one kommune map file alone and sealed off the network,
the message with JavaScript off or without Leaflet, the basemaps, the phone layout.

Screenshots land in ``test-artifacts/``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import folium
import pytest

from maps.assets import is_tile_url
from maps.page_shell import BASEMAPS, KARTVERKET_ATTRIBUTION, url_provider
from maps.publish import MapPaths, stable_element_ids
from tests.browser import OfflineBrowser, map_variable, screenshot
from tests.maps.address_pages import READY
from tests.maps.map_inputs import MapInputs, write_inputs


def test_kartverket_comes_first_then_greyscale_osm_and_none() -> None:
    assert [b.name for b in BASEMAPS] == [
        "Topografisk norgeskart",
        "Gråtone",
        "OpenStreetMap",
        "Ingen bakgrunn",
    ]
    topo, grey, osm, none = BASEMAPS
    assert topo.url == (
        "https://cache.kartverket.no/v1/wmts/1.0.0/topo/default/webmercator/{z}/{y}/{x}.png"
    )
    assert grey.url is not None and "/topograatone/default/webmercator/{z}/{y}/{x}" in grey.url
    assert osm.url == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert none.url is None
    assert "Kartverket" in topo.attribution == grey.attribution == KARTVERKET_ATTRIBUTION


def test_both_pages_have_the_basemaps_the_control_and_the_message(written: MapPaths) -> None:
    for path in [written.overview, *written.kommuner.values()]:
        text = path.read_text(encoding="utf-8")
        for basemap in BASEMAPS:  # layer names travel as JSON strings (tojson)
            assert json.dumps(basemap.name) in text, (path, basemap.name)
        assert "cache.kartverket.no/v1/wmts/1.0.0/topo/" in text
        assert "L.control.layers(" in text and "window.matchMedia" in text
        assert text.count('id="gapmap-fallback"') == 1
        assert "<noscript>" in text and "Kartet kan ikke vises her." in text
        # the message comes before the map, the check right after the message
        assert text.index('id="gapmap-fallback"') < text.index('class="folium-map"')


PHONE = {"width": 390, "height": 844}
KOMMUNE_LAYERS_JS = """name => {
    const map = window[name];
    let polygons = 0, markers = 0;
    map.eachLayer(layer => {
        if (layer instanceof L.Polygon) { polygons += 1; }
        if (layer instanceof L.CircleMarker) { markers += 1; }
    });
    const state = window.gapmapAddresses.state();
    const clusters = state.points + state.bins.length;  // addresses drawn as points or bins
    return {polygons, markers, clusters};
}"""


def _alone(page: Path, folder: Path) -> Path:
    """The page copied alone into an empty folder."""
    folder.mkdir()
    return Path(shutil.copy(page, folder / page.name))


@pytest.mark.browser
def test_one_kommune_map_file_alone_draws_with_every_request_blocked(
    browser: OfflineBrowser, written: MapPaths, tmp_path: Path
) -> None:
    alone = _alone(written.kommuner["5001"], tmp_path / "mailed")
    page, report = browser.open_sealed(alone.as_uri(), wait_for=READY)
    name = map_variable(page)
    drawn = page.evaluate(KOMMUNE_LAYERS_JS, name)
    assert drawn["polygons"] >= 1  # the kommune outline
    assert drawn["clusters"] + drawn["markers"] > 0  # the addresses
    assert not page.locator("#gapmap-fallback").is_visible()
    # Nothing but basemap tiles was asked for, and those from Kartverket's cache.
    assert report.blocked_urls, "the basemap should have asked for tiles"
    assert all(is_tile_url(url) for url in report.blocked_urls), report.blocked_urls
    assert {url.split("/")[2] for url in report.blocked_urls} == {"cache.kartverket.no"}
    assert report.problems() == []
    screenshot(page, "kommune-5001-alone-offline.png")
    page.context.close()


@pytest.mark.browser
def test_message_in_bokmal_when_javascript_is_off_or_leaflet_is_missing(
    browser: OfflineBrowser, inputs: MapInputs, written: MapPaths, tmp_path: Path
) -> None:
    page, _ = browser.open(
        written.kommuner["5001"].as_uri(), wait_for="#gapmap-fallback", java_script=False
    )
    message = page.locator("#gapmap-fallback")
    assert message.is_visible()
    text = message.inner_text()
    assert "Kartet kan ikke vises her" in text and "JavaScript er slått av" in text
    assert "moderne nettleser" in text
    screenshot(page, "kommune-5001-no-javascript.png", settle_ms=0)
    page.context.close()

    # A page that loads Leaflet from a CDN, opened offline: scripts run, Leaflet is missing.
    cdn_paths = write_inputs(inputs, tmp_path / "cdn", assets="cdn")
    page, report = browser.open_sealed(
        cdn_paths.kommuner["5001"].as_uri(), wait_for="#gapmap-fallback"
    )
    message = page.locator("#gapmap-fallback")
    assert message.is_visible()
    assert "forhåndsvisningen i e-posten" in message.inner_text()
    assert "JavaScript er slått av" not in message.inner_text()  # <noscript> stays silent
    assert any("leaflet" in url for url in report.blocked_urls)
    page.context.close()


@pytest.mark.browser
def test_kartverket_is_the_default_basemap_and_the_others_can_be_chosen(
    browser: OfflineBrowser, written: MapPaths
) -> None:
    for path in (written.kommuner["5001"], written.overview):
        page, report = browser.open(path.as_uri(), wait_for=".leaflet-tile-loaded")
        map_variable(page)
        assert set(report.tile_hosts) == {"cache.kartverket.no"}, path
        attribution = page.locator(".leaflet-control-attribution").inner_text()
        assert "© Kartverket" in attribution and "OpenStreetMap" not in attribution
        labels = page.locator(".leaflet-control-layers-base label").all_inner_texts()
        assert [label.strip() for label in labels] == [
            "Topografisk norgeskart",
            "Gråtone",
            "OpenStreetMap",
            "Ingen bakgrunn",
        ]
        checked = page.locator(".leaflet-control-layers-base input:checked + span")
        assert checked.inner_text().strip() == "Topografisk norgeskart"

        page.locator(".leaflet-control-layers-base label", has_text="OpenStreetMap").click()
        # loaded, not only attached: the tile's request has then been served (and recorded)
        page.wait_for_selector("img.leaflet-tile-loaded[src*='openstreetmap']", state="attached")
        assert "tile.openstreetmap.org" in report.tile_hosts
        attribution = page.locator(".leaflet-control-attribution").inner_text()
        assert "OpenStreetMap" in attribution and "Kartverket" not in attribution

        page.locator(".leaflet-control-layers-base label", has_text="Gråtone").click()
        page.wait_for_selector("img.leaflet-tile[src*='topograatone']", state="attached")
        page.locator(".leaflet-control-layers-base label", has_text="Ingen bakgrunn").click()
        page.wait_for_function("() => !document.querySelector('.leaflet-tile-pane img')")
        assert report.problems() == []
        page.context.close()


def _covered_share(page: object, viewport: dict[str, int]) -> float:
    """Share of the window covered by the map's controls (sum of their boxes, clipped)."""
    boxes = page.locator(".leaflet-control").evaluate_all(  # type: ignore[attr-defined]
        "els => els.map(e => e.getBoundingClientRect())"
        ".map(r => [r.left, r.top, r.right, r.bottom])"
    )
    width, height = viewport["width"], viewport["height"]
    area = 0.0
    for left, top, right, bottom in boxes:
        w = max(0.0, min(right, width) - max(left, 0.0))
        h = max(0.0, min(bottom, height) - max(top, 0.0))
        area += w * h
    return area / (width * height)


@pytest.mark.browser
def test_on_a_phone_the_panels_are_folded_and_the_map_stays_visible(
    browser: OfflineBrowser, written: MapPaths
) -> None:
    page, report = browser.open(written.kommuner["5001"].as_uri(), wait_for=READY, viewport=PHONE)
    map_variable(page)
    toggle = page.locator(".gapmap-info .gapmap-toggle")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert "Prøvekommune (5001)" in toggle.inner_text() and "Vis" in toggle.inner_text()
    assert not page.locator(".gapmap-info .gapmap-panel-body").is_visible()
    assert page.locator(".leaflet-control-layers-expanded").count() == 0
    legend = page.locator(".leaflet-bottom.leaflet-right .gapmap-panel").bounding_box()
    assert legend is not None and legend["width"] <= 220 and legend["height"] <= 140
    covered = _covered_share(page, PHONE)
    assert covered < 0.15, covered
    path = screenshot(page, "kommune-5001-phone.png")
    assert path.stat().st_size > 5_000

    # The keyboard opens and folds the panel; the button tells its state.
    toggle.focus()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.locator(".gapmap-info .gapmap-figures, .gapmap-info table").first.is_visible()
    screenshot(page, "kommune-5001-phone-open.png")
    page.keyboard.press("Space")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert report.problems() == []
    page.context.close()


@pytest.mark.browser
def test_on_a_wide_screen_the_panel_is_open_and_folds_away(
    browser: OfflineBrowser, written: MapPaths
) -> None:
    page, report = browser.open(written.kommuner["5001"].as_uri(), wait_for=READY)
    toggle = page.locator(".gapmap-info .gapmap-toggle")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.locator(".leaflet-control-layers-expanded").count() == 1
    open_box = page.locator(".gapmap-info").bounding_box()
    toggle.click()
    folded_box = page.locator(".gapmap-info").bounding_box()
    assert open_box is not None and folded_box is not None
    assert folded_box["height"] < 40 < open_box["height"]
    screenshot(page, "kommune-5001-folded.png")
    assert report.problems() == []
    page.context.close()


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.mark.browser
def test_on_a_phone_the_overview_scale_leaves_the_title_and_the_map_free(
    browser: OfflineBrowser, written: MapPaths
) -> None:
    page, report = browser.open(
        written.overview.as_uri(), wait_for="path.leaflet-interactive", viewport=PHONE
    )
    map_variable(page)
    title = page.locator(".gapmap-overview-panel").bounding_box()
    legend = page.locator(".gapmap-overview-legend").bounding_box()
    assert title is not None and legend is not None
    assert not _overlap(title, legend)
    assert legend["y"] > PHONE["height"] * 0.8  # at the bottom
    assert legend["x"] >= 0 and legend["x"] + legend["width"] <= PHONE["width"]
    assert page.locator(".leaflet-control-layers-expanded").count() == 0
    assert page.locator(".gapmap-overview-panel.gapmap-collapsed").count() == 1  # folded
    assert _covered_share(page, PHONE) < 0.2
    screenshot(page, "overview-phone.png")
    assert report.problems() == []
    page.context.close()


def test_a_basemap_given_as_its_own_provider_is_the_layer_of_its_url() -> None:
    """The basemaps skip xyzservices' name search: each renders as the URL given as text."""

    def page(tiles_of: Any) -> str:
        fmap = folium.Map(tiles=None)
        for basemap in BASEMAPS:
            if basemap.url is not None:
                folium.TileLayer(
                    tiles_of(basemap), attr=basemap.attribution, name=basemap.name, max_zoom=18
                ).add_to(fmap)
        return stable_element_ids(fmap.get_root().render())

    assert page(lambda b: url_provider(b.name, b.url)) == page(lambda b: b.url)
