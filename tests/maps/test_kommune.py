"""maps/kommune.py: a kommune's map, its layers and its info panel."""

from __future__ import annotations

import json

import geopandas as gpd

from maps import style
from maps.kommune import KommuneMapInputs, kommune_map
from maps.publish import MapPaths
from tests.maps.map_inputs import (
    TARGETS,
    MapInputs,
    info_panel_html,
)


def test_legend_and_info_panel_say_which_target_their_figures_are_for(
    inputs: MapInputs, written: MapPaths
) -> None:
    text = written.kommuner["5001"].read_text(encoding="utf-8")
    own = inputs.addresses[inputs.addresses["kommunenummer"] == "5001"]
    for target in TARGETS:
        assert json.dumps(f"Dekning mot {target.label_nb}")[1:-1] in text
        for code in style.CLASS_ORDER:
            households = int(own.loc[own[f"class_{target.name}"] == code, "households"].sum())
            assert json.dumps(style.households_nb(households))[1:-1] in text
    info = info_panel_html(text)
    assert '<div data-gapmap-target="no2025">Bredbåndsdekning mot 100/10 Mbit/s' in info
    assert '<div data-gapmap-target="gigabit2030" hidden>Bredbåndsdekning mot 1 Gbit/s' in info
    assert "Estimert kostnad (til kostnadsmålet)" in info  # the fixture's run_info names none


def test_the_cost_target_in_run_info_labels_the_cost(inputs: MapInputs) -> None:
    own = inputs.addresses[inputs.addresses["kommunenummer"] == "5001"]
    gap_row = inputs.gap_table.set_index("kommunenummer").loc["5001"].to_dict()
    page = (
        kommune_map(
            KommuneMapInputs(
                "5001",
                "Prøvekommune",
                gap_row,
                gpd.GeoDataFrame(geometry=[], crs="EPSG:25833"),
                own,
                TARGETS,
                TARGETS[0],
                {"cost_target": "gigabit2030"},
            )
        )
        .get_root()
        .render()
    )
    assert "Estimert kostnad til 1 Gbit/s (mål 2030)" in info_panel_html(page)
    run_info = info_panel_html(page).split('class="gapmap-runinfo"', 1)[1]
    assert "gigabit2030" not in run_info  # the machine name stays out of the run stamp
    assert '"cost":"Estimert kostnad til 1 Gbit/s (mål 2030)"' in page  # the popups' line


def test_without_a_cost_curve_table_the_panel_has_no_curve(inputs: MapInputs) -> None:
    fmap_page = (
        kommune_map(
            KommuneMapInputs(
                "5001",
                "Prøvekommune",
                None,
                gpd.GeoDataFrame(geometry=[], crs="EPSG:25833"),
                inputs.addresses.iloc[0:0],
                TARGETS,
                TARGETS[0],
                {},
            )
        )
        .get_root()
        .render()
    )
    assert "gapmap-curve" not in info_panel_html(fmap_page)
