"""maps/cost_panel.py: the cost curve in the kommune map's info panel."""

from __future__ import annotations

import base64
import html
import io
import re
from pathlib import Path

import pytest

from maps.publish import MapPaths
from pipeline.planning.cost_curve import last_share_costs
from tests.maps.map_inputs import (
    EVIL_KOMMUNENAVN,
    MapInputs,
    info_panel_html,
    write_inputs,
)


def _curve_section(panel: str) -> str:
    match = re.search(r'<details class="gapmap-curve".*?</details>', panel, re.S)
    assert match, "no cost curve section in the info panel"
    return match.group(0)


def _table_rows(section: str) -> list[list[str]]:
    return [
        [html.unescape(cell) for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", section)
    ]


def test_kommune_map_embeds_its_cost_curve_as_a_png(written: MapPaths) -> None:
    from PIL import Image

    section = _curve_section(info_panel_html(written.kommuner["5001"].read_text("utf-8")))
    data = re.search(r'<img class="gapmap-curve-img" src="data:image/png;base64,([^"]+)"', section)
    assert data, section[:300]
    png = base64.b64decode(data.group(1), validate=True)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (480, 300)
    assert 'width="480" height="300"' in section


def test_info_panel_states_what_the_costliest_households_cost(
    inputs: MapInputs, written: MapPaths
) -> None:
    # Kommune 5001 (addresses 0–14): costed where the offer is not gigabit (index % 6 != 0),
    # cost 148 000 + 1 000 · index over (index % 3 + 1) households: 27 households in all.
    # Costliest per household: #9 157 000 (1 hh), #3 151 000 (1 hh), #13 80 500 (2 hh), …
    # whole households, the share rounded up:
    #   1 %: 0.27 → 1 hh: 157 000                             = 157 000 kr (157 000 per hh)
    #   5 %: 1.35 → 2 hh: 157 000 + 151 000                   = 308 000 kr (154 000 per hh)
    #  10 %: 2.7 → 3 hh:  157 000 + 151 000 + 80 500           = 388 500 kr (129 500 per hh)
    # Median (cheapest first, by household): 50 000, 51 000, 52 000, 53 000, 54 000 × 3 hh
    # each reach 15 ≥ 27 / 2 households at #14: 54 000 kr.
    section = _curve_section(info_panel_html(written.kommuner["5001"].read_text("utf-8")))
    assert _table_rows(section) == [
        ["Dyreste", "Husstander", "Kostnad", "Per husstand"],
        ["1 %", "1", "157 000 kr", "157 000 kr"],
        ["5 %", "2", "308 000 kr", "154 000 kr"],
        ["10 %", "3", "388 500 kr", "129 500 kr"],
        ["Median per husstand", "54 000 kr"],
    ]
    # … and these are the gap table's figures, from pipeline.planning.cost_curve.last_share_costs
    expected = last_share_costs(inputs.cost_curves).set_index("kommunenummer").loc["5001"]
    assert expected["households"] == 27
    assert expected["last_1pct_cost_nok"] == pytest.approx(157_000.0)
    assert expected["last_5pct_cost_nok"] == pytest.approx(308_000.0)
    assert expected["last_10pct_cost_nok"] == pytest.approx(388_500.0)
    assert expected["last_10pct_cost_per_household_nok"] == pytest.approx(388_500.0 / 3)
    assert expected[["last_1pct_households", "last_5pct_households"]].tolist() == [1, 2]


def test_cost_curve_alt_text_is_norwegian_and_escaped(written: MapPaths) -> None:
    own = _curve_section(info_panel_html(written.kommuner["5001"].read_text("utf-8")))
    other = _curve_section(info_panel_html(written.kommuner["5099"].read_text("utf-8")))
    alt = re.search(r' alt="([^"]*)"', own)
    assert alt and html.unescape(alt.group(1)).startswith(
        "Kostnadskurve for Prøvekommune: kumulativ kostnad i millioner kroner mot kumulativt"
    )
    assert "27 husstander under kostnadsmålet, til sammen" in html.unescape(alt.group(1))
    assert f"Kostnadskurve for {html.escape(EVIL_KOMMUNENAVN)}:" in other
    assert EVIL_KOMMUNENAVN not in other


def test_kommune_without_costed_households_says_so(inputs: MapInputs, tmp_path: Path) -> None:
    paths = write_inputs(
        inputs,
        tmp_path,
        cost_curves=inputs.cost_curves[inputs.cost_curves["kommunenummer"] == "5001"],
    )
    panel = info_panel_html(paths.kommuner["5099"].read_text("utf-8"))
    assert "Ingen husstander under kostnadsmålet" in panel
    assert "<img" not in panel
    assert "<img" in info_panel_html(paths.kommuner["5001"].read_text("utf-8"))
