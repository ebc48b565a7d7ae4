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


def test_layer_names_carry_household_counts(inputs: MapInputs, written: MapPaths) -> None:
    text = written.kommuner["5001"].read_text(encoding="utf-8")
    own = inputs.addresses[inputs.addresses["kommunenummer"] == "5001"]
    for code in style.CLASS_ORDER:
        households = int(own.loc[own["class_no2025"] == code, "households"].sum())
        assert json.dumps(style.class_layer_name(code, households)) in text
    assert style.class_layer_name("served", 1234) == "Dekket (1 234 husstander)"
    assert style.class_layer_name("unserved", 1) == "Udekket (1 husstand)"


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
