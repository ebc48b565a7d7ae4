"""maps/brief.py: the brief page, every text escaped, the optional parts saying when absent."""

from __future__ import annotations

import re

from maps.brief import (
    TEXT_NO_CURVE,
    TEXT_NO_PREVIOUS,
    TEXT_NO_REASONS,
    TEXT_NO_TREND,
    BriefContent,
    render_brief_html,
    table_html,
)

EVIL = '<script>alert("x")</script>'


def _content(**changes: object) -> BriefContent:
    base: dict[str, object] = {
        "kommunenummer": "5001",
        "kommunenavn": f"Øy {EVIL}",
        "fylke": "Fylke & co (50)",
        "run_label": "Tall fra kjøringen 1. desember 2026 kl. 03.00",
        "map_target_label": "100/10 Mbit/s (mål 2025)",
        "figure_columns": ["Kommunen", "Fylket", "Alle 2 kommuner"],
        "figures": [["Husstander", "1 200", "3 400", "5 600"], [EVIL, "1", "2", "3"]],
    }
    return BriefContent(**{**base, **changes})  # type: ignore[arg-type]


def test_every_text_is_escaped_and_nothing_runs() -> None:
    html = render_brief_html(
        _content(
            reasons=[[EVIL, "3", "100,0 %"]],
            changes=[["m", EVIL, "1", "2", "+1"]],
            previous_run=EVIL,
            sources=[[EVIL, "a<b>.csv", "fil datert 1. mai 2026"]],
            stamp=[("Kjøring", EVIL)],
            thumbnail_uri='data:image/png;base64,AAA" onload="alert(1)',
        )
    )
    assert "<script" not in html and 'onload="alert' not in html
    assert (
        html.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") == 9
    )  # title, h1, alt, 6 cells
    assert "<title>Bredbånd i Øy &lt;script&gt;" in html
    assert "Fylke &amp; co (50)" in html and "a&lt;b&gt;.csv" in html


def test_the_page_is_one_a4_sheet_with_its_sections() -> None:
    html = render_brief_html(_content(cost_curve_uri="data:image/png;base64,iVBOR"))
    assert "@page { size: A4; margin: 10mm 11mm; }" in html
    for title in (
        "Nøkkeltall",
        "Kostnadskurve",
        "Endring siden forrige kjøring",
        "Kilder og datagrunnlag",
        "Støtteberettigede husstander og støttebehov",
    ):
        assert f"<h2>{title}</h2>" in html, title
    assert '<img class="curve" src="data:image/png;base64,iVBOR"' in html
    # nothing is fetched: no http(s) URL, no external stylesheet or script
    assert not re.search(r"(src|href)=\"https?:", html) and "<link" not in html


def test_absent_tables_are_said_in_bokmal() -> None:
    html = render_brief_html(_content())
    for text in (TEXT_NO_PREVIOUS, TEXT_NO_REASONS, TEXT_NO_TREND, TEXT_NO_CURVE):
        assert text in html
    assert "Ingen prosjektområder i denne kjøringen." in html


def test_table_cells_from_the_numeric_column_on_are_right_aligned() -> None:
    table = table_html(["Mål", "Klasse", "Før"], [["a", "b", "1"]], numeric_from=2, css="nowrap")
    assert table.startswith('<table class="nowrap">')
    assert '<td>a</td><td>b</td><td class="num">1</td>' in table
    assert "<th>Mål</th><th>Klasse</th><th class=num>Før</th>" in table


def test_a_table_without_a_header_has_no_head_row() -> None:
    assert table_html([], [["Støttebehov", "1,5 mill. kr"]]) == (
        '<table><tbody><tr><td>Støttebehov</td><td class="num">1,5 mill. kr</td></tr></tbody>'
        "</table>"
    )
