"""maps/target_switch.py: the legend's target switch and the figures per target."""

from __future__ import annotations

from pathlib import Path

import pytest

from maps.kommune import KommuneMapInputs
from maps.style import TargetSpec
from maps.target_switch import (
    cost_target_label,
    scenario_switch_html,
    target_figures_html,
    target_heading_html,
    target_legend_html,
)
from tests.browser import OfflineBrowser, screenshot
from tests.maps.address_pages import class_pixels, open_ready
from tests.maps.map_inputs import TARGETS

EVIL = TargetSpec("evil", 10.0, None, "<b>10</b> Mbit/s")
COUNTS = {
    "no2025": {"served": 1234, "underserved": 1, "unserved": 20},
    "gigabit2030": {"served": 5, "underserved": 30, "unserved": 1220},
}


def test_cost_target_label_comes_from_run_info() -> None:
    assert cost_target_label(TARGETS, {"cost_target": "gigabit2030"}) == "1 Gbit/s (mål 2030)"
    assert cost_target_label(TARGETS, {"cost_target": "other"}) == "other"
    assert cost_target_label(TARGETS, {}) is None


def test_legend_has_a_radio_per_target_and_one_visible_block_per_target() -> None:
    html = target_legend_html(TARGETS, TARGETS[1], COUNTS)
    assert html.count('type="radio"') == 2
    assert 'value="gigabit2030" checked' in html and 'value="no2025">' in html
    assert '<div data-gapmap-target="no2025" hidden><h4>Dekning mot 100/10 Mbit/s' in html
    assert '<div data-gapmap-target="gigabit2030"><h4>Dekning mot 1 Gbit/s (mål 2030)' in html
    assert '<b>Dekket</b>: <span data-gapmap-class="served">1 234 husstander</span>' in html
    assert '<b>Underdekket</b>: <span data-gapmap-class="underserved">1 husstand</span>' in html
    assert f"Underdekket: bredbånd, men under {TARGETS[1].speed_label_nb}." in html
    assert 'type="radio"' not in target_legend_html(TARGETS[:1], TARGETS[0], COUNTS)


def test_labels_and_figures_are_escaped_and_name_their_target() -> None:
    row = {
        "households": 10,
        "served_households_evil": 4,
        "underserved_households_evil": 1,
        "unserved_households_evil": 5,
        "below_target_share_evil": 0.6,
        "below_target_share_no2025": 0.25,
        "cost_nok": 148_000.4,
    }
    legend = target_legend_html([EVIL, TARGETS[0]], EVIL, {})
    assert "<b>10</b>" not in legend and "&lt;b&gt;10&lt;/b&gt; Mbit/s" in legend
    heading = target_heading_html([EVIL], EVIL)
    assert (
        heading
        == '<div data-gapmap-target="evil">Bredbåndsdekning mot &lt;b&gt;10&lt;/b&gt; Mbit/s</div>'
    )
    figures = target_figures_html(row, [EVIL, TARGETS[0]], EVIL, "1 Gbit/s (mål 2030)")
    first = figures.split('data-gapmap-target="no2025"')[0]
    assert '<td class="num">60,0 %</td>' in first and "Andel under 10 Mbit/s" in first
    assert "Estimert kostnad til 1 Gbit/s (mål 2030)" in first and "148 000 kr" in first
    assert 'Under 100/10 Mbit/s (mål 2025)</td><td class="num">25,0 %' in first
    assert 'data-gapmap-target="no2025" hidden' in figures
    assert "(til kostnadsmålet)" in target_figures_html(row, [EVIL], EVIL, None)


@pytest.mark.browser
def test_switching_target_recolours_and_changes_legend_and_panel(
    browser: OfflineBrowser, big_map: tuple[Path, KommuneMapInputs]
) -> None:
    path, inputs = big_map
    page, report, _ = open_ready(browser, path.as_uri())
    legend = page.locator(".gapmap-panel [data-gapmap-target]:not([hidden]) h4")
    assert legend.all_text_contents() == ["Dekning mot 100/10 Mbit/s (mål 2025)"]
    served = page.locator(
        ".leaflet-bottom [data-gapmap-target]:not([hidden]) [data-gapmap-class='served']"
    )
    row = inputs.gap_row or {}
    expected = f"{row['served_households_no2025']:,} husstander".replace(",", " ")
    assert served.text_content() == expected
    before = class_pixels(page)
    page.get_by_label("1 Gbit/s (mål 2030)").check()
    assert page.evaluate("() => document.body.dataset.gapmapCurrentTarget") == "gigabit2030"
    assert page.locator(".leaflet-container").is_visible()
    assert legend.all_text_contents() == ["Dekning mot 1 Gbit/s (mål 2030)"]
    info = page.locator(".gapmap-info [data-gapmap-target]:not([hidden])").first.text_content()
    assert info == "Bredbåndsdekning mot 1 Gbit/s (mål 2030)"
    expected = f"{row['served_households_gigabit2030']:,} husstander".replace(",", " ")
    assert served.text_content() == expected
    after = class_pixels(page)
    assert after["served"] < before["served"] and after["underserved"] > before["underserved"]
    screenshot(page, "addr-300k-target-2030.png")
    assert report.problems() == []
    page.context.close()


def test_the_scenario_picker_offers_the_runs_data_first_and_escapes_the_labels() -> None:
    assert scenario_switch_html(()) == ""
    html = scenario_switch_html(("Kobber <av>", "Mobil & satellitt"))
    assert html.count('name="gapmap-scenario"') == 3
    assert 'value="-1" checked> Dagens data' in html
    assert 'value="0"> Kobber &lt;av&gt;' in html and "Mobil &amp; satellitt" in html
    assert "<av>" not in html
