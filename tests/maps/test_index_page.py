"""maps/index_page.py: the index page's links and figures, escaped."""

from __future__ import annotations

import html
import re

from layers import numbers_nb
from maps.publish import MapPaths
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
