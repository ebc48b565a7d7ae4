"""The fixture maps (:mod:`tests.maps.map_inputs`) in headless Chromium: assert on what Leaflet
built, offline.

Run: ``scripts/fetch_web_assets.sh`` once, then ``pytest -m browser``. Screenshots land in
``test-artifacts/``.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from maps import style
from maps.overview import build_overview_map
from maps.publish import MapPaths, write_maps
from maps.style import TargetSpec
from tests.browser import (
    OfflineBrowser,
    PageReport,
    map_variable,
    screenshot,
)
from tests.maps.address_pages import READY
from tests.maps.map_inputs import (
    EVIL_SITE_ID,
    TAKEN_MAST_VALUES,
    MapInputs,
    make_new_sites,
    with_new_site_choices,
    write_inputs,
)

pytestmark = pytest.mark.browser


def _assert_clean(report: PageReport) -> None:
    assert report.problems() == []


def _file_of(url: str) -> Path:
    parts = urlsplit(url)
    assert parts.scheme == "file", url
    return Path(url2pathname(parts.path))


def test_overview_draws_each_kommune_and_links_to_its_map(
    browser: OfflineBrowser, inputs: MapInputs, written: MapPaths
) -> None:
    started = time.perf_counter()
    page, report = browser.open(written.overview.as_uri(), wait_for="path.leaflet-interactive")
    name = map_variable(page)
    assert page.locator("path.leaflet-interactive").count() == len(inputs.kommuner)
    caption = page.locator(".gapmap-overview-legend h4").text_content()
    assert caption == "Andel husstander under 100/10 Mbit/s (mål 2025)"
    title = page.locator(".gapmap-panel h3").first.text_content()
    assert title == "Bredbåndsdekning per kommune"
    assert page.evaluate(f"() => window['{name}'].getZoom()") >= 8  # fitted to the two squares

    # Hover shows the figures; a click opens the popup with the link to the kommune map.
    polygon = page.locator("path.leaflet-interactive").first
    polygon.hover()
    page.wait_for_selector(".leaflet-tooltip", timeout=5_000)
    assert "Husstander" in (page.locator(".leaflet-tooltip").text_content() or "")
    screenshot(page, "overview.png")
    polygon.click()
    link = page.locator(".leaflet-popup-content a").first  # then the CSV and Excel links
    link.wait_for(timeout=5_000)
    href = link.get_attribute("href")
    assert href is not None and href.startswith("kommune/") and href.endswith(".html")
    target_url = link.evaluate("a => a.href")
    assert _file_of(target_url).is_file()
    screenshot(page, "overview-popup.png")

    link.click()
    page.wait_for_url(target_url)
    page.wait_for_selector(READY, timeout=15_000)
    map_variable(page)
    _assert_clean(report)
    print(f"overview + navigation: {time.perf_counter() - started:.2f} s")
    page.context.close()


def test_index_page_links_resolve_to_files(browser: OfflineBrowser, written: MapPaths) -> None:
    page, report = browser.open(written.index.as_uri(), wait_for="table")
    # the map links; the download links are checked in test_downloads.py, the kommune briefs
    # (written by publish, not by write_maps) in tests/e2e/test_demo_briefs.py
    hrefs = page.locator("a:not([download]):not([href^='briefs/'])").evaluate_all(
        "els => els.map(a => a.href)"
    )
    assert len(hrefs) == 1 + len(written.kommuner)
    assert all(_file_of(url).is_file() for url in hrefs)
    screenshot(page, "index.png", settle_ms=0)
    _assert_clean(report)
    page.context.close()


def test_kommune_map_has_one_address_layer_and_legend_counts_per_class(
    browser: OfflineBrowser, inputs: MapInputs, written: MapPaths
) -> None:
    started = time.perf_counter()
    page, report = browser.open(written.kommuner["5001"].as_uri(), wait_for=READY)
    map_variable(page)
    labels = page.locator(".leaflet-control-layers-overlays label").all_text_contents()
    assert [label.strip() for label in labels] == ["Adresser"]
    own = inputs.addresses[inputs.addresses["kommunenummer"] == "5001"]
    shown = page.locator(".leaflet-bottom [data-gapmap-target]:not([hidden]) [data-gapmap-class]")
    expected = [
        style.households_nb(int(own.loc[own["class_no2025"] == code, "households"].sum()))
        for code in style.CLASS_ORDER
    ]
    assert shown.all_text_contents() == expected
    links = page.locator(".gapmap-links a").evaluate_all("els => els.map(a => a.href)")
    assert len(links) == 2 and all(_file_of(url).is_file() for url in links)
    screenshot(page, "kommune-5001.png")
    _assert_clean(report)
    print(f"kommune map: {time.perf_counter() - started:.2f} s")
    page.context.close()


def test_info_panel_shows_the_cost_curve_image_and_can_fold_it_away(
    browser: OfflineBrowser, written: MapPaths
) -> None:
    page, report = browser.open(written.kommuner["5001"].as_uri(), wait_for=READY)
    map_variable(page)
    image = page.locator(".gapmap-info .gapmap-curve img")
    assert image.count() == 1
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle(), timeout=5_000
    )
    natural = image.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert natural == [480, 300]
    assert image.is_visible()
    alt = image.get_attribute("alt") or ""
    assert alt.startswith("Kostnadskurve for Prøvekommune:")
    # shown whole inside the window, beside the map rather than over all of it
    box = image.bounding_box()
    assert box is not None and box["width"] >= 250 and box["height"] >= 150
    assert box["x"] >= 0 and box["y"] >= 0
    assert box["x"] + box["width"] <= 1280 and box["y"] + box["height"] <= 800
    panel = page.locator(".gapmap-info").bounding_box()
    assert panel is not None and panel["width"] <= 360 and panel["y"] + panel["height"] <= 800
    rows = page.locator(".gapmap-curve tr").all_inner_texts()
    assert [" ".join(r.split()) for r in rows[1:]] == [
        # 27 households; the costliest cost 157 000, 151 000 and 80 500 kr: whole households,
        # ceil(1 %, 5 %, 10 % × 27) = 1, 2, 3
        "1 % 1 157 000 kr 157 000 kr",
        "5 % 2 308 000 kr 154 000 kr",
        "10 % 3 388 500 kr 129 500 kr",
        "Median per husstand 54 000 kr",
    ]
    screenshot(page, "kommune-5001-curve.png")
    page.locator(".gapmap-curve summary").click()
    assert not image.is_visible()
    page.locator(".gapmap-curve summary").click()
    assert image.is_visible()
    _assert_clean(report)
    page.context.close()


def test_taken_mast_is_a_layer_and_its_icon_opens_its_popup(
    browser: OfflineBrowser, inputs: MapInputs, tmp_path: Path
) -> None:
    paths = write_maps(
        tmp_path,
        inputs.gap_table,
        inputs.kommuner,
        with_new_site_choices(inputs.addresses),
        inputs.targets,
        inputs.map_target,
        inputs.run_info,
        new_sites=make_new_sites(),
    )
    page, report = browser.open(
        paths.kommuner["5001"].as_uri(),
        wait_for=".gapmap-mast",
        init_script="window.__alerts = []; window.alert = m => window.__alerts.push(m);",
    )
    map_variable(page)
    labels = page.locator(".leaflet-control-layers-overlays label").all_text_contents()
    assert [label.strip() for label in labels][-1] == "Foreslåtte nye master (1)"
    assert len(labels) == 2  # the addresses, then the masts
    assert page.locator(".gapmap-mast").count() == 1  # the mast nobody takes is not drawn
    legend = page.locator(".gapmap-legend-mast").text_content() or ""
    assert legend.startswith("Ny mast (forslag)")

    # A household that takes the mast names it in its popup (built when it opens).
    page.wait_for_selector(READY)
    address_popup = page.evaluate(
        """() => {
            const G = window.gapmapAddresses;
            for (let i = 0; i < G.n; i++) {
                if (G.data.site[i] > 0) { return G.popupHtml(i); }
            }
            return null;
        }"""
    )
    assert address_popup is not None
    assert "<td>Løsning</td><td>Fast trådløst, ny mast &lt;script&gt;" in address_popup

    page.locator(".gapmap-mast").click()  # a real click: nothing lies over the icon
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    rows = [" ".join(r.split()) for r in popup.locator("tr").all_inner_texts()]
    assert (popup.locator("b").first.text_content() or "") == "Ny mast (forslag)"
    assert rows == [
        f"Mast {EVIL_SITE_ID}",
        f"Antennehøyde {TAKEN_MAST_VALUES[0]}",
        f"Husstander som bruker den {TAKEN_MAST_VALUES[1]}",
        f"Husstander den når {TAKEN_MAST_VALUES[2]}",
        f"Fast kostnad (mast og tilknytning) {TAKEN_MAST_VALUES[3]}",
        f"Fast kostnad per husstand {TAKEN_MAST_VALUES[4]}",
    ]
    assert popup.locator("script").count() == 0
    assert page.evaluate("() => window.__alerts || []") == []
    screenshot(page, "kommune-5001-mast-popup.png")

    # The overlay can be switched off like the classes.
    page.locator(".leaflet-control-layers-overlays label", has_text="Foreslåtte nye master").click()
    assert page.locator(".gapmap-mast").count() == 0
    _assert_clean(report)
    page.context.close()


def test_local_asset_mode_needs_no_cdn(
    browser: OfflineBrowser, assets_dir: Path, inputs: MapInputs, tmp_path: Path
) -> None:
    paths = write_inputs(
        inputs,
        tmp_path,
        assets="local",
        assets_dir=assets_dir,
    )
    # Stylesheets' own references travel along (Leaflet's layer icon); Folium's unused assets
    # (Font Awesome, Bootstrap, jQuery) are left out.
    assert (tmp_path / "assets/leaflet/dist/images/layers.png").is_file()
    assert not (tmp_path / "assets/@fortawesome").exists()
    assert not (tmp_path / "assets/jquery").exists()
    for page_path in [paths.overview, *paths.kommuner.values()]:
        text = page_path.read_text(encoding="utf-8")
        assert "cdn.jsdelivr.net" not in text and "cdnjs.cloudflare.com" not in text
    strict = OfflineBrowser(browser.browser, assets_dir=None)  # refuses every CDN URL
    for url, selector in [
        (paths.overview.as_uri(), "path.leaflet-interactive"),
        (paths.kommuner["5099"].as_uri(), READY),
    ]:
        page, report = strict.open(url, wait_for=selector)
        map_variable(page)
        _assert_clean(report)
        assert report.assets_served == []
        page.context.close()


@pytest.mark.realdata
def test_national_overview_of_the_357_real_kommuner(
    browser: OfflineBrowser, realdata: Path, tmp_path: Path
) -> None:
    real_kommuner = realdata / "kommuner-robhop" / "Kommuner-M.geojson"
    kommuner = gpd.read_file(real_kommuner).to_crs("EPSG:25833")
    kommuner["fylkesnummer"] = kommuner["kommunenummer"].str[:2]
    households = np.arange(len(kommuner)) * 37 % 5000 + 500
    unserved = households * (np.arange(len(kommuner)) % 9) // 200
    gap_table = pd.DataFrame(
        {
            "level": "kommune",
            "kommunenummer": kommuner["kommunenummer"],
            "kommunenavn": kommuner["kommunenavn"],
            "households": households,
            "served_households_no2025": households - unserved,
            "underserved_households_no2025": 0,
            "unserved_households_no2025": unserved,
            "below_target_share_no2025": unserved / households,
            "cost_nok": unserved * 148_000.0,
        }
    )
    target = TargetSpec("no2025", 100.0, 10.0, "100/10 Mbit/s (mål 2025)")
    fmap = build_overview_map(
        gap_table,
        kommuner,
        target,
        {"run_id": "realdata"},
        kommune_href=lambda knr: f"kommune/{knr}.html",
    )
    path = tmp_path / "oversikt.html"
    fmap.save(str(path))
    assert path.stat().st_size < 4_000_000
    page, report = browser.open(path.as_uri(), wait_for="path.leaflet-interactive")
    map_variable(page)
    assert page.locator("path.leaflet-interactive").count() == 357
    screenshot(page, "overview-national.png")
    _assert_clean(report)
    page.context.close()
