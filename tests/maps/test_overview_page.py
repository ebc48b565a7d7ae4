"""maps/overview_page.py, the overview's script, in headless Chromium: the search finds a
kommune by name and by number and opens its popup (with its downloads), the labels show, the
legend lists discrete classes and the target switch redraws it. Screenshots in
``test-artifacts/``."""

from __future__ import annotations

import pytest

from maps.publish import MapPaths
from tests.browser import OfflineBrowser, map_variable, screenshot
from tests.maps.map_inputs import MapInputs

pytestmark = pytest.mark.browser


def _search(page: object, text: str) -> None:
    page.fill("#gapmap-search-input", text)  # type: ignore[attr-defined]
    page.press("#gapmap-search-input", "Enter")  # type: ignore[attr-defined]


def test_the_search_finds_a_kommune_by_name_and_by_number_and_opens_its_popup(
    browser: OfflineBrowser, inputs: MapInputs, written: MapPaths
) -> None:
    page, report = browser.open(written.overview.as_uri(), wait_for="path.leaflet-interactive")
    name = map_variable(page)
    options = page.eval_on_selector_all("#gapmap-kommune-list option", "os => os.map(o => o.value)")
    assert options == ["Prøvekommune (5001)", "Øy & <Holmen> (5099)"]  # raw text, not markup
    _search(page, "øy &")  # a prefix of the name, any case
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    text = popup.text_content() or ""
    assert text.startswith("Øy & <Holmen> (5099)")
    hrefs = popup.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert hrefs == [
        "kommune/5099.html",
        "../tables/kommuner/5099.csv",
        "../tables/kommuner/5099.xlsx",
    ]
    assert page.evaluate(f"() => window['{name}'].getZoom()") >= 10
    screenshot(page, "overview-search-name.png")
    _search(page, "5001")
    page.wait_for_function(
        "() => (document.querySelector('.leaflet-popup-content') || {}).textContent"
        "?.startsWith('Prøvekommune (5001)')",
        timeout=5_000,
    )
    _search(page, "Finnes ikke")
    assert page.locator(".gapmap-search-message").text_content() == (
        "Fant ingen kommune for «Finnes ikke»"
    )
    screenshot(page, "overview-search-number.png")
    assert report.problems() == []
    page.context.close()


def test_labels_legend_classes_and_the_target_switch(
    browser: OfflineBrowser, written: MapPaths
) -> None:
    page, report = browser.open(written.overview.as_uri(), wait_for="path.leaflet-interactive")
    name = map_variable(page)
    page.evaluate(f"() => window['{name}'].setZoom(4)")
    page.wait_for_timeout(300)
    assert page.locator(".gapmap-kommune-label").count() == 0  # 5 km squares: no room at z 4
    page.evaluate(f"() => window['{name}'].setZoom(11)")
    page.wait_for_timeout(300)
    labels = page.locator(".gapmap-kommune-label").all_text_contents()
    assert sorted(labels) == ["Prøvekommune", "Øy & <Holmen>"]
    legend = page.locator(".gapmap-overview-legend")
    caption = legend.locator("h4").text_content()
    assert caption == "Andel husstander under 100/10 Mbit/s (mål 2025)"
    rows = legend.locator("div").all_text_contents()
    assert len(rows) == 6 and rows[-1] == "Ingen data"
    assert all(row.endswith(" %") for row in rows[:5]) and rows[0].startswith("0–")
    assert page.locator(".gapmap-overview-legend svg, .legend svg").count() == 0  # no ramp
    screenshot(page, "overview-labels-legend.png")
    fills_before = page.eval_on_selector_all(
        "path.leaflet-interactive", "ps => ps.map(p => p.getAttribute('fill'))"
    )
    page.locator("input[name='gapmap-target'][value='1']").check()
    caption = legend.locator("h4").text_content()
    assert caption == "Andel husstander under 1 Gbit/s (mål 2030)"
    fills_after = page.eval_on_selector_all(
        "path.leaflet-interactive", "ps => ps.map(p => p.getAttribute('fill'))"
    )
    assert len(fills_after) == len(fills_before) == 2
    page.locator("path.leaflet-interactive").first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    assert "Mål: 1 Gbit/s (mål 2030)" in (popup.text_content() or "")
    screenshot(page, "overview-target-switch.png")
    assert report.problems() == []
    page.context.close()
