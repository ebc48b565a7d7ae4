"""pipeline/products/gpkg_styles.py: the GeoPackage layers' QGIS styles in the maps' colours."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from maps.masts import NEW_SITE_COLOR
from maps.style import CHOROPLETH_COLORS, CLASS_BY_CODE, TargetSpec
from pipeline.products.gpkg_styles import (
    address_style,
    area_style,
    kommune_style,
    new_site_style,
    ramp_color,
    site_style,
)

TARGET = TargetSpec("no2025", 100, 10, "100/10 Mbit/s (mål 2025)")


def test_the_ramp_runs_through_the_choropleth_colours() -> None:
    assert ramp_color(0.0) == CHOROPLETH_COLORS[0].lower()
    assert ramp_color(1.0) == CHOROPLETH_COLORS[-1].lower()
    assert ramp_color(1 / 6) == CHOROPLETH_COLORS[1].lower()  # 7 colours, 6 steps
    # halfway between #fed976 and #feb24c: (254, 197.5 -> 198, 97)
    assert ramp_color(0.25) == "#fec661"
    with pytest.raises(ValueError, match=r"ramp position got 1.5, expected 0 to 1"):
        ramp_color(1.5)


def test_addresses_get_a_category_per_class_below_target() -> None:
    style = address_style(TARGET)
    assert style.attribute == "class_no2025" and style.geometry == "Point"
    assert [r.value for r in style.rules] == ["underserved", "unserved"]
    for rule in style.rules:
        assert rule.value is not None
        assert rule.symbol[0].props["color"] == CLASS_BY_CODE[rule.value].color
        assert rule.label.startswith(CLASS_BY_CODE[rule.value].label_nb)


@pytest.mark.parametrize(("max_share", "upper_percent"), [(0.004, 1), (0.18, 20), (0.9, 100)])
def test_kommune_ranges_end_at_the_overviews_scale(max_share: float, upper_percent: int) -> None:
    kommuner = gpd.GeoDataFrame(
        {"below_target_share_no2025": [0.0, max_share, None]},
        geometry=[shapely.box(0, 0, 1, 1)] * 3,
    )
    style = kommune_style(kommuner, TARGET)
    assert style.renderer == "graduatedSymbol" and style.label_field == "kommunenavn"
    assert style.rules[0].lower == 0.0
    assert all(a.upper == b.lower for a, b in zip(style.rules, style.rules[1:], strict=False))
    assert style.rules[-1].upper == pytest.approx(upper_percent / 100)
    uppers = [r.upper for r in style.rules]
    assert uppers == sorted(uppers) and len(uppers) == 5
    assert all(r.symbol[0].props["color"].endswith("cc") for r in style.rules)


def test_areas_masts_and_sites() -> None:
    area = area_style().rules[0].symbol[0].props
    assert area["style"] == "no" and area["outline_style"] == "dash"
    assert area["outline_color"] == "#0072B2" and area_style().label_field == "area_id"
    mast = new_site_style().rules[0].symbol
    assert [layer.props["name"] for layer in mast] == ["triangle", "line"]
    assert mast[0].props["color"] == NEW_SITE_COLOR
    assert [r.value for r in site_style().rules] == ["fwa", "mobile_5g", "mobile_4g"]
