"""maps/address_layer.py: one address layer, escaped, small and fast at 300,000 addresses,
every class visible at low zoom, points up close (browser tests in headless Chromium)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from maps.address_layer import MAX_POINTS, POINT_ZOOM, address_rows, layer_config
from maps.assets import is_tile_url
from maps.kommune import KommuneMapInputs, kommune_map
from maps.publish import MapPaths
from tests.browser import OfflineBrowser, PageReport, screenshot
from tests.maps.address_pages import READY, class_pixels, layer_state, open_ready, set_view
from tests.maps.map_inputs import EVIL_TEXT, MapInputs, all_html

MAX_PAGE_BYTES = 15_000_000
CLASSES = ("served", "underserved", "unserved")


def _clean(report: PageReport) -> None:
    assert report.problems() == []


def test_no_address_text_reaches_the_page_raw_and_no_plugin_is_loaded(written: MapPaths) -> None:
    for path, text in all_html(written).items():
        assert EVIL_TEXT not in text, path
        assert "<script>alert(1)" not in text, path
    page = written.kommuner["5001"].read_text(encoding="utf-8")
    assert "markercluster" not in page.lower()
    assert "DecompressionStream" in page and "window.gapmapReady" in page


def test_layer_config_names_the_cost_target_and_opens_on_the_map_target(
    inputs: MapInputs,
) -> None:
    encoded = address_rows(inputs.addresses, inputs.targets, inputs.targets[1])
    config = layer_config(encoded, "1 Gbit/s (mål 2030)")
    assert config["mapTarget"] == 1 and config["targetNames"] == ["no2025", "gigabit2030"]
    assert config["text"]["cost"] == "Estimert kostnad til 1 Gbit/s (mål 2030)"
    assert config["count"] == len(inputs.addresses)
    unnamed = layer_config(encoded, None)["text"]["cost"]
    assert unnamed == "Estimert kostnad (til kostnadsmålet)"


@pytest.mark.browser
def test_fixture_map_draws_every_class_and_a_click_opens_the_escaped_popup(
    browser: OfflineBrowser, written: MapPaths
) -> None:
    page, report, seconds = open_ready(
        browser,
        written.kommuner["5001"].as_uri(),
        init_script="window.__alerts = []; window.alert = m => window.__alerts.push(m);",
    )
    print(f"fixture kommune map ready in {seconds:.2f} s")
    assert page.evaluate("() => window.gapmapReady") is True
    state = layer_state(page)  # the village is one ring, each farm alone a point
    assert state["mode"] == "bins" and len(state["bins"]) >= 1
    assert state["points"] + sum(sum(b["n"]) for b in state["bins"]) == 15
    pixels = class_pixels(page)
    assert all(pixels[code] > 20 for code in CLASSES), pixels
    screenshot(page, "addr-5001-points.png")
    # click the hostile address's circle: the popup shows its text as text
    point = page.evaluate(
        """needle => {
            const G = window.gapmapAddresses, map = G.layer._map;
            for (let i = 0; i < G.n; i++) {
                if (G.text(i).includes(needle)) {
                    map.setView(G.latLng(i), 17, {animate: false});
                    const p = map.latLngToContainerPoint(G.latLng(i));
                    const box = map.getContainer().getBoundingClientRect();
                    return [box.left + p.x, box.top + p.y];
                }
            }
            return null;
        }""",
        "alert(1)",
    )
    assert point is not None
    page.wait_for_timeout(100)
    page.mouse.click(point[0], point[1])
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    text = popup.text_content() or ""
    assert EVIL_TEXT in text and "Beste tilbud" in text and "Adresse-ID" in text
    assert "Mot 100/10 Mbit/s (mål 2025)" in text and "Mot 1 Gbit/s (mål 2030)" in text
    assert "Estimert kostnad" in text
    assert popup.locator("script").count() == 0
    assert page.evaluate("() => window.__alerts") == []
    screenshot(page, "addr-5001-popup.png")
    # the overlay can be switched off and on like any other
    toggle = page.locator(".leaflet-control-layers-overlays label", has_text="Adresser")
    toggle.click()
    assert page.locator("canvas.gapmap-addr-canvas").count() == 0
    toggle.click()
    assert page.locator("canvas.gapmap-addr-canvas").count() == 1
    assert sum(class_pixels(page).values()) > 0
    _clean(report)
    page.context.close()


@pytest.mark.browser
def test_without_decompression_the_page_says_so_in_bokmaal(
    browser: OfflineBrowser, written: MapPaths
) -> None:
    page, report = browser.open(
        written.kommuner["5001"].as_uri(),
        wait_for="body[data-gapmap-error]",
        init_script="delete window.DecompressionStream;",
    )
    message = page.locator(".gapmap-addr-error[role=alert]").text_content() or ""
    assert message.startswith("Nettleseren din kan ikke pakke ut adressene")
    assert page.evaluate("() => window.gapmapReady") is None
    screenshot(page, "addr-no-decompression.png")
    assert report.problems() == []
    page.context.close()


@pytest.mark.browser
def test_a_kommune_without_addresses_is_ready_and_empty(
    browser: OfflineBrowser, inputs: MapInputs, tmp_path: Path
) -> None:
    fmap = kommune_map(
        KommuneMapInputs(
            "5001",
            "Prøvekommune",
            None,
            inputs.kommuner[inputs.kommuner["kommunenummer"] == "5001"],
            inputs.addresses.iloc[0:0],
            inputs.targets,
            inputs.targets[0],
            {},
        )
    )
    fmap.save(str(tmp_path / "empty.html"))
    page, report, _ = open_ready(browser, (tmp_path / "empty.html").as_uri())
    assert layer_state(page)["points"] == 0 and layer_state(page)["bins"] == []
    assert report.problems() == []
    page.context.close()


@pytest.mark.browser
def test_addresses_on_one_spot_are_a_ring_up_close(
    browser: OfflineBrowser, inputs: MapInputs, tmp_path: Path
) -> None:
    own = inputs.addresses[inputs.addresses["kommunenummer"] == "5001"].copy()
    own.loc[own.index[2], ["lat", "lon"]] = own.loc[own.index[0], ["lat", "lon"]].to_numpy()
    assert own["class_no2025"].iloc[[0, 2]].tolist() == ["served", "underserved"]
    fmap = kommune_map(
        KommuneMapInputs(
            "5001",
            "Prøvekommune",
            None,
            inputs.kommuner[inputs.kommuner["kommunenummer"] == "5001"],
            own,
            inputs.targets,
            inputs.targets[0],
            {},
        )
    )
    fmap.save(str(tmp_path / "stacked.html"))
    page, report, _ = open_ready(browser, (tmp_path / "stacked.html").as_uri())
    set_view(page, float(own["lat"].iloc[0]), float(own["lon"].iloc[0]), 18)
    state = layer_state(page)
    assert state["mode"] == "points"
    stacks = [b for b in state["bins"] if sum(b["n"]) == 2]
    assert len(stacks) == 1 and stacks[0]["n"][:2] == [1, 1]  # one served, one underserved
    pixels = class_pixels(page)
    assert pixels["served"] > 20 and pixels["underserved"] > 20
    ring = page.evaluate(
        """() => {
            const b = window.gapmapAddresses.state().bins[0];
            const box = window.gapmapAddresses.layer._map.getContainer().getBoundingClientRect();
            return [box.left + b.x, box.top + b.y];
        }"""
    )
    page.mouse.click(ring[0], ring[1])
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    names = popup.locator(".gapmap-popup > b").all_text_contents()
    assert sorted(names) == sorted(own["address_text"].iloc[[0, 2]].tolist())
    screenshot(page, "addr-stacked-ring.png")
    assert report.problems() == []
    page.context.close()


@pytest.mark.browser
def test_300000_addresses_small_fast_bins_show_every_class_points_up_close(
    browser: OfflineBrowser, big_map: tuple[Path, KommuneMapInputs]
) -> None:
    path, inputs = big_map
    size = path.stat().st_size
    print(f"300,000-address kommune map: {size / 1e6:.2f} MB")
    assert size <= MAX_PAGE_BYTES
    # the file alone, every request but its own refused: it draws from itself
    started = time.perf_counter()
    page, report = browser.open_sealed(path.as_uri(), wait_for=READY)
    seconds = time.perf_counter() - started
    assert all(is_tile_url(url) for url in report.blocked_urls), report.blocked_urls
    in_page_s = page.evaluate("() => window.gapmapAddresses.readyMs") / 1000
    print(f"300,000-address kommune map ready in {seconds:.2f} s (in the page: {in_page_s:.2f} s)")
    assert seconds < 10  # the goal is 3 s; generous so a busy machine does not flake
    state = layer_state(page)
    assert state["mode"] == "bins" and len(state["bins"]) > 20
    totals = [sum(b["hh"][c] for b in state["bins"]) for c in range(3)]
    assert all(total > 0 for total in totals), totals
    assert any(all(h > 0 for h in b["hh"]) for b in state["bins"])  # a bin shows the mix
    pixels = class_pixels(page)
    assert all(pixels[code] > 200 for code in CLASSES), pixels
    screenshot(page, "addr-300k-bins.png")

    lat, lon = inputs.addresses[["lat", "lon"]].median().tolist()
    set_view(page, lat, lon, POINT_ZOOM + 1)
    state = layer_state(page)
    assert state["mode"] == "points" and 0 < state["points"] <= MAX_POINTS
    pixels = class_pixels(page)
    assert all(pixels[code] > 20 for code in CLASSES), pixels
    screenshot(page, "addr-300k-points.png")
    _clean(report)
    page.context.close()


@pytest.mark.browser
def test_an_unknown_upload_reads_ukjent_in_the_popup(
    browser: OfflineBrowser, written: MapPaths
) -> None:
    page, report, _ = open_ready(browser, written.kommuner["5001"].as_uri())
    texts = page.evaluate(
        """() => {
            const G = window.gapmapAddresses, D = G.data;
            let i = 0;
            while (i < G.n && !(D.down[i] >= 0 && D.up[i] >= 0)) { i++; }
            const known = G.popupHtml(i);
            D.up[i] = -1;  // as a speed square's class that states no upload is encoded
            return [known, G.popupHtml(i), D.down[i]];
        }"""
    )
    known, unknown, down = texts
    assert "ukjent" not in known and "Mbit/s" in known
    assert "/ukjent Mbit/s" in unknown and "nan" not in unknown.lower()
    assert down >= 0
    _clean(report)
    page.context.close()
