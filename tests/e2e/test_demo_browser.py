"""The demo's published output in headless Chromium, clicked through as a planner would:
index page → overview map → a kommune's map."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import pandas as pd
import pytest

from maps.assets import is_tile_url
from pipeline.config import load_config
from pipeline.run import RunResult
from tests.browser import (
    OfflineBrowser,
    map_variable,
    screenshot,
)
from tests.maps.address_pages import READY, layer_state

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def published(demo_run: tuple[RunResult, Path]) -> Path:
    """The demo run's ``current`` folder, as a planner opens it."""
    _, config_path = demo_run
    return load_config(config_path).run.output_dir / "current"


def test_index_to_overview_to_kommune_map(browser: OfflineBrowser, published: Path) -> None:
    page, report = browser.open((published / "index.html").as_uri(), wait_for="table")
    kommune_links = page.locator("a[href*='kommune/']").count()
    assert kommune_links == 5
    screenshot(page, "demo-index.png", settle_ms=0)
    page.locator("a[href$='oversikt.html']").first.click()
    page.wait_for_selector("path.leaflet-interactive", timeout=15_000)
    map_variable(page)
    assert page.locator("path.leaflet-interactive").count() == 5
    screenshot(page, "demo-overview.png")

    page.locator("path.leaflet-interactive").nth(3).click(force=True)
    link = page.locator(".leaflet-popup-content a").first  # then the kommune's CSV and Excel
    link.wait_for(timeout=5_000)
    link.click()
    page.wait_for_selector(READY, timeout=15_000)
    map_variable(page)
    overlays = page.locator(".leaflet-control-layers-overlays label").all_text_contents()
    assert [o.strip().split(" (")[0] for o in overlays] == [
        "Terreng",
        "Prosjektområder",
        "Eksisterende fiber",
        "Eksisterende master: Mobil 4G",
        "Adresser",
        "Foreslåtte nye master",
    ]
    # the hillshade is an image overlay inside the map
    assert page.locator("img.leaflet-image-layer").count() == 1
    state = layer_state(page)  # rings (and lone addresses) drawn, every class in the legend
    assert state["bins"] or state["points"]
    screenshot(page, "demo-kommune.png", settle_ms=800)
    assert report.problems() == []
    page.context.close()


@pytest.mark.parametrize("knr", ["9901", "9903", "9904"])
def test_every_kommune_map_renders_clean(
    browser: OfflineBrowser, published: Path, knr: str
) -> None:
    page, report = browser.open(
        (published / "maps" / "kommune" / f"{knr}.html").as_uri(), wait_for=READY
    )
    map_variable(page)
    text = page.content()
    assert "<Brygge>" not in text  # the demo's hostile address text is escaped in the data
    screenshot(page, f"demo-kommune-{knr}.png", settle_ms=800)
    assert report.problems() == []
    page.context.close()


def test_download_links_point_into_the_run_folder(browser: OfflineBrowser, published: Path) -> None:
    """Every download link of the index page and a kommune map resolves to the run folder's
    tables and GeoPackage; once the per-kommune tables are written, every one is a file."""
    pages = [published / "index.html", published / "maps" / "kommune" / "9901.html"]
    targets: set[Path] = set()
    for path in pages:
        page, report = browser.open(path.as_uri(), wait_for="a[download]")
        for url in page.locator("a[download]").evaluate_all("els => els.map(a => a.href)"):
            assert url.startswith("file://"), url
            targets.add(Path(url2pathname(urlsplit(url).path)))
        assert report.problems() == []
        page.context.close()
    relative = {t.relative_to(published).as_posix() for t in targets}
    assert {"gapmap.gpkg", "tables/gap_table.xlsx", "tables/gap_table_nb.csv"} <= relative
    assert {"tables/kommuner/9901.csv", "tables/kommuner/9901.xlsx"} <= relative
    assert (published / "gapmap.gpkg").is_file() and (published / "tables/gap_table.xlsx").is_file()
    if (published / "tables" / "kommuner").is_dir():  # the per-kommune tables have landed
        assert sorted(t for t in targets if not t.is_file()) == []


def test_a_demo_kommune_map_mailed_alone_draws_and_finds_an_address(
    browser: OfflineBrowser, published: Path, tmp_path: Path
) -> None:
    """9902.html copied alone, every request but its own refused: the addresses draw, and
    typing an address from the kommune's own download finds it and opens its popup."""
    alone = tmp_path / "9902.html"
    shutil.copy(published / "maps" / "kommune" / "9902.html", alone)
    rows = pd.read_csv(
        published / "tables" / "kommuner" / "9902.csv", sep=";", encoding="utf-8-sig", dtype=str
    )
    wanted = str(rows.iloc[len(rows) // 2, rows.columns.get_loc("Adresse")])
    page, report = browser.open_sealed(alone.as_uri(), wait_for=READY)
    map_variable(page)
    state = layer_state(page)
    assert state["points"] + len(state["bins"]) > 0
    assert report.blocked_urls and all(is_tile_url(url) for url in report.blocked_urls)
    box = page.locator("#gapmap-search-input")
    box.click()
    box.press_sequentially(wanted, delay=5)
    page.locator("#gapmap-search-list li").first.filter(has_text=wanted).wait_for(timeout=5_000)
    box.press("Enter")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    assert wanted in popup.inner_text()
    screenshot(page, "demo-kommune-9902-alone-search.png", settle_ms=300)
    assert report.problems() == []
    page.context.close()
