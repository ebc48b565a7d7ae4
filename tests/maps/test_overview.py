"""maps/overview.py: the overview's classes, labels, search index, links and downloads."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

from maps.overview import (
    DOWNLOADS,
    KOMMUNE_TABLE_HREF,
    ShareClasses,
    kommune_features,
    label_min_zoom,
    to_map_geometries,
)
from maps.publish import MapPaths
from maps.style import NO_DATA_COLOR
from tests.maps.map_inputs import EVIL_KOMMUNENAVN, TARGETS, MapInputs


def test_overview_links_to_kommune_maps_relatively(written: MapPaths) -> None:
    text = written.overview.read_text(encoding="utf-8")
    for knr in written.kommuner:
        assert f"kommune/{knr}.html" in text
        assert (written.overview.parent / f"kommune/{knr}.html").is_file()
    assert "Andel husstander under 100/10 Mbit/s (mål 2025)" in text


def test_the_overview_links_the_tables_of_each_kommune_and_of_the_run(written: MapPaths) -> None:
    text = written.overview.read_text(encoding="utf-8")
    assert KOMMUNE_TABLE_HREF == "../tables/kommuner/{knr}.{ext}"
    assert '"tableHref":"../tables/kommuner/{knr}.{ext}"' in text
    for href in ("../tables/gap_table.xlsx", "../tables/gap_table_nb.csv", "../gapmap.gpkg"):
        assert f'href=\\"{href}\\"' in text
    assert [href for _, href in DOWNLOADS] == [
        "../tables/gap_table.xlsx",
        "../tables/gap_table_nb.csv",
        "../gapmap.gpkg",
    ]


def test_share_classes_are_equal_steps_to_a_nice_top_holding_their_upper_edge() -> None:
    shares = pd.Series([0.0, 0.1, 0.1000001, 0.37, np.nan])
    classes = ShareClasses.for_shares(shares, TARGETS[0])
    assert classes.edges_percent == (0.0, 10.0, 20.0, 30.0, 40.0, 50.0)
    assert classes.class_of(shares).tolist() == [0, 0, 1, 3, -1]
    assert classes.class_of(pd.Series([0.9])).tolist() == [4]  # above the top: last class
    fills = classes.fill_colors(shares)
    assert fills[0] == classes.colors[0] and fills[-1] == NO_DATA_COLOR
    assert classes.range_labels() == ["0–10 %", "10–20 %", "20–30 %", "30–40 %", "40–50 %"]
    small = ShareClasses.for_shares(pd.Series([0.004]), TARGETS[1])
    assert small.range_labels()[:2] == ["0–0,2 %", "0,2–0,4 %"]
    legend = small.legend_html()
    assert "Andel husstander under 1 Gbit/s (mål 2030)" in legend
    assert legend.count("gapmap-class-swatch") == 6 and "Ingen data" in legend


def test_a_label_shows_from_the_zoom_where_the_name_fits_its_kommune() -> None:
    shapes = gpd.GeoDataFrame(geometry=[box(10, 60, 11, 60.5)] * 2, crs="EPSG:4326")
    # "Oslo": 6.6 px × 4 + 8 = 34.4 px across; 1° spans 256 · 2^z / 360 px -> z >= 5.6;
    # 0.5° of latitude at 60° is 0.0028 of the Mercator world height: 14 px from z 4.3.
    # "Nordre Follo kommune": 140 px -> z >= 7.6.
    assert label_min_zoom(shapes, ["Oslo", "Nordre Follo kommune"]).tolist() == [6, 8]


def test_the_search_index_holds_every_kommune_with_its_raw_name_and_escaped_label(
    inputs: MapInputs,
) -> None:
    shapes = to_map_geometries(inputs.kommuner[["kommunenummer", "kommunenavn", "geometry"]], 50)
    rows = inputs.gap_table[inputs.gap_table["level"] == "kommune"]
    classes = [ShareClasses.for_shares(rows[f"below_target_share_{t.name}"], t) for t in TARGETS]
    without_5099 = rows[rows["kommunenummer"] != "5099"]
    features = kommune_features(shapes, without_5099, classes, lambda knr: f"kommune/{knr}.html")
    assert [f["id"] for f in features] == inputs.kommuner["kommunenummer"].tolist()
    evil = features[1]["properties"]
    assert evil["text"] == EVIL_KOMMUNENAVN  # only ever set as text by the page
    assert evil["name"] == "Øy &amp; &lt;Holmen&gt;"
    assert evil["fill"] == [NO_DATA_COLOR, NO_DATA_COLOR]  # no gap-table row
    assert evil["figures"][0] == "<div>Ingen data for kommunen</div>"
    first = features[0]["properties"]
    assert len(first["fill"]) == len(first["figures"]) == len(TARGETS)
    assert "Husstander" in first["figures"][1]
    lat, lon = first["label"]
    assert 63.0 < lat < 63.3 and 10.2 < lon < 10.5
