"""How each layer of the run's GeoPackage is drawn in QGIS, in the map products' colours.

Addresses by class for the map target (Okabe-Ito, :data:`maps.style.CLASS_STYLES`), kommuner
graduated by the share below the map target (YlOrRd, :data:`maps.style.CHOROPLETH_COLORS`, the
overview's scale and ticks) with their names, project areas as dashed outlines with their ids
(:data:`maps.areas.AREA_STYLE`), proposed masts as a mast (:data:`maps.masts.NEW_SITE_COLOR`),
fibre as lines and existing sites by technology. Legends are Norwegian.
"""

from __future__ import annotations

import geopandas as gpd

from layers.numbers_nb import format_number_nb
from layers.vocabulary import WIRELESS_TECHNOLOGIES
from maps.areas import AREA_STYLE
from maps.masts import NEW_SITE_COLOR, NEW_SITES_LABEL_NB
from maps.style import (
    CHOROPLETH_COLORS,
    CLASS_STYLES,
    MARKER_OUTLINE_COLOR,
    TargetSpec,
    choropleth_max_percent,
    technology_label_nb,
)
from pipeline.products.qgis_styles import LayerStyle, Rule, fill, line, marker

CHOROPLETH_BINS = 5  # the overview legend's ticks: 0, 1/5, …, 5/5 of the scale's upper end
FIBRE_COLOR = "#6A3D9A"  # apart from the class, area and mast colours
FILL_ALPHA = "cc"  # kommune fills at 80 % opacity, as on the overview map
# Existing sites: blues and a dark grey, apart from the class colours and the new masts' purple.
SITE_COLORS = {"fwa": "#0072B2", "mobile_4g": "#56B4E9", "mobile_5g": "#333333"}


def address_style(target: TargetSpec) -> LayerStyle:
    """Circles coloured by ``class_<map target>``: one category per class below the target
    (every class but ``served``, whether or not the run has one)."""
    rules = tuple(
        Rule(f"{c.label_nb} ({c.description_nb})", (marker(c.color, MARKER_OUTLINE_COLOR),), c.code)
        for c in CLASS_STYLES
        if c.code != "served"
    )
    return LayerStyle("Point", rules, attribute=f"class_{target.name}")


def kommune_style(kommuner: gpd.GeoDataFrame, target: TargetSpec) -> LayerStyle:
    """Kommuner filled by ``below_target_share_<map target>`` in :data:`CHOROPLETH_BINS` equal
    ranges from 0 to the overview's upper end, each the YlOrRd colour of its middle; names as
    labels. A kommune without a share (no address) falls in no range and is not drawn."""
    column = f"below_target_share_{target.name}"
    max_percent = choropleth_max_percent(float(kommuner[column].max(skipna=True)))
    rules = []
    for k in range(CHOROPLETH_BINS):
        low, high = max_percent * k / CHOROPLETH_BINS, max_percent * (k + 1) / CHOROPLETH_BINS
        color = ramp_color((k + 0.5) / CHOROPLETH_BINS)
        label = f"{format_number_nb(low)}–{format_number_nb(high)} % under {target.speed_label_nb}"
        symbol = (fill(color + FILL_ALPHA, "#555555", width_mm=0.26),)
        rules.append(Rule(label, symbol, lower=low / 100.0, upper=high / 100.0))
    return LayerStyle(
        "Polygon",
        tuple(rules),
        attribute=column,
        label_field="kommunenavn",
        label_size_pt=11,
        label_bold=True,
    )


def area_style() -> LayerStyle:
    """Project areas: dashed outline in the areas' blue, no fill, the area id as label."""
    outline = fill(None, str(AREA_STYLE["color"]), outline_style="dash", width_mm=0.6)
    return LayerStyle(
        "Polygon", (Rule("Prosjektområde", (outline,)),), label_field="area_id", label_size_pt=8
    )


def new_site_style() -> LayerStyle:
    """A proposed mast: the maps' purple triangle with a white mast line on it."""
    mast = (
        marker(NEW_SITE_COLOR, MARKER_OUTLINE_COLOR, "triangle", size_mm=4.2),
        marker("#ffffff", "#ffffff", "line", size_mm=2.0, offset="0,0.5"),
    )
    return LayerStyle("Point", (Rule(NEW_SITES_LABEL_NB, mast),))


def fibre_style() -> LayerStyle:
    return LayerStyle("LineString", (Rule("Eksisterende fiber", (line(FIBRE_COLOR, 0.5),)),))


def site_style() -> LayerStyle:
    """Existing wireless sites as diamonds, one category per technology the list may hold."""
    rules = tuple(
        Rule(
            str(technology_label_nb(code)),
            (marker(SITE_COLORS[code], MARKER_OUTLINE_COLOR, "diamond", size_mm=3.2),),
            code,
        )
        for code in WIRELESS_TECHNOLOGIES
    )
    return LayerStyle("Point", rules, attribute="technology")


def ramp_color(fraction: float) -> str:
    """The YlOrRd ramp (:data:`CHOROPLETH_COLORS`, evenly spaced) at ``fraction`` in [0, 1],
    interpolated as the overview's linear colour map does."""
    if not 0.0 <= fraction <= 1.0:
        msg = f"ramp position got {fraction!r}, expected 0 to 1"
        raise ValueError(msg)
    stops = len(CHOROPLETH_COLORS) - 1
    index = min(int(fraction * stops), stops - 1)
    weight = fraction * stops - index
    low, high = CHOROPLETH_COLORS[index], CHOROPLETH_COLORS[index + 1]
    channels = (
        round(int(low[i : i + 2], 16) * (1 - weight) + int(high[i : i + 2], 16) * weight)
        for i in (1, 3, 5)
    )
    return "#" + "".join(f"{c:02x}" for c in channels)
