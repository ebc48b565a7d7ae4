"""maps/index_page.py: the index page's links and figures, escaped."""

from __future__ import annotations

import html
import re

import pandas as pd

from layers import numbers_nb
from maps.changes_layer import ChangeSources
from maps.index_page import changes_section
from maps.publish import MapPaths
from maps.style import TargetSpec
from tests.maps.map_inputs import (
    EVIL_KOMMUNENAVN,
    MapInputs,
    all_html,
)


def test_kommune_name_and_run_info_are_escaped(written: MapPaths) -> None:
    pages = all_html(written)
    for path, text in pages.items():
        assert EVIL_KOMMUNENAVN not in text, path
        assert "<b>abc123</b>" not in text, path
    index = pages[written.index]
    assert html.escape(EVIL_KOMMUNENAVN) in index
    assert "&lt;b&gt;abc123&lt;/b&gt;" in index
    assert "Kartverket &amp; Nkom (testdata)" in index


def test_index_links_to_every_kommune_map_and_the_overview(written: MapPaths) -> None:
    index = written.index.read_text(encoding="utf-8")
    hrefs = set(re.findall(r'href="([^"]+)"', index))
    assert "maps/oversikt.html" in hrefs
    for knr, path in written.kommuner.items():
        assert f"maps/kommune/{knr}.html" in hrefs
        assert {f"briefs/{knr}.html", f"briefs/{knr}.pdf"} <= hrefs  # the kommune brief
        assert (written.index.parent / f"maps/kommune/{knr}.html") == path
    assert "Fylke 50" in index and "Totalt" in index


def test_index_shows_the_figures_of_each_kommune(inputs: MapInputs, written: MapPaths) -> None:
    index = written.index.read_text(encoding="utf-8")
    row = inputs.gap_table.set_index("kommunenavn").loc["Prøvekommune"].to_dict()
    # 148 000 + 1 000 · index, summed
    assert numbers_nb.format_nok(row["cost_nok"]) == "1 863 000 kr"
    assert numbers_nb.format_nok(row["cost_nok"]) in index
    assert numbers_nb.format_percent_nb(row["below_target_share_no2025"]) in index


def test_changes_section_counts_households_per_kommune_escaped() -> None:
    gap_table = pd.DataFrame(
        {
            "level": ["kommune", "kommune", "total"],
            "kommunenummer": ["9901", "9902", None],
            "kommunenavn": ["Vestvik", "Østby & <b>", "Totalt"],
        }
    )
    rows = pd.DataFrame(
        {
            "kommunenummer": ["9901", "9901", "9902", "9902"],
            "address_text": ["a", "b", "c", "d"],
            "target": ["no2025", "no2025", "no2025", "gigabit2030"],
            "change": ["newly_served", "newly_below_target", "newly_served", "newly_served"],
            "class_before": ["unserved", "served", "unserved", "unserved"],
            "class_after": ["served", "unserved", "served", "served"],
            "households_before": [1, 2, 3, 1],
            "households_after": [1, 2, 3, 1],
            "cause_nb": ["x"] * 4,
            "lon": [10.0] * 4,
            "lat": [60.0] * 4,
        }
    )
    trend = pd.DataFrame(columns=["run_id", "started_at", "level", "kommunenummer"])
    target = TargetSpec("no2025", 100, 10, "100/10 Mbit/s")
    sources = ChangeSources(rows, trend, "r1", "2026-11-01T03:00:00+00:00")
    section = changes_section(gap_table, sources, target, lambda knr: f"maps/kommune/{knr}.html")
    assert '<a href="maps/kommune/9901.html">Vestvik</a></td><td>9901</td>' in section
    assert '<td>9901</td><td class="num">1</td><td class="num">2</td>' in section
    assert 'Østby &amp; &lt;b&gt;</a></td><td>9902</td><td class="num">3</td>' in section
    assert '<tr class=total><td>Totalt</td><td></td><td class="num">4</td>' in section
    assert "siden forrige kjøring 1. november 2026 kl. 04.00" in section
    first = ChangeSources(rows.iloc[0:0], trend, None, None)
    assert "Ingen tidligere kjøring." in changes_section(gap_table, first, target, lambda _: None)
    assert changes_section(gap_table, None, target, lambda _: None) == ""


def test_index_footer_says_the_run_time_in_norwegian_and_hides_machine_names(
    written: MapPaths,
) -> None:
    footer = written.index.read_text(encoding="utf-8").split("<footer>", 1)[1]
    # 2026-11-30 12:00 UTC is 13.00 in Oslo (CET)
    assert "<dd>30. november 2026 kl. 13.00</dd>" in footer
    assert "2026-11-30 12:00" not in footer
    assert "cost_target" not in footer
