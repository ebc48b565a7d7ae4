"""The demo's published output in headless Chromium, clicked through as a planner would:
index page → overview map → a kommune's map."""

from __future__ import annotations

from pathlib import Path

import pytest

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
    link = page.locator(".leaflet-popup-content a")
    link.wait_for(timeout=5_000)
    link.click()
    page.wait_for_selector(READY, timeout=15_000)
    map_variable(page)
    overlays = page.locator(".leaflet-control-layers-overlays label").all_text_contents()
    assert [o.strip().split(" (")[0] for o in overlays] == [
        "Terreng",
        "Prosjektområder",
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
