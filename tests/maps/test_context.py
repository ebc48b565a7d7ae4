"""maps/context.py: fibre clipped to a kommune's bounds, simplified and delta-encoded; sites per
technology; what they add to a page, on the demo network and a generated national one. In
headless Chromium (``browser``): the overlays are listed in the layer control and draw their
features, and the proposed mast icon is an SVG (screenshots in ``test-artifacts/``)."""

from __future__ import annotations

import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point, box

from layers.network import read_network
from layers.sites import read_sites
from maps.context import (
    FIBRE_SCALE,
    SITE_COLORS,
    FibreLayer,
    SiteLayer,
    clip_fibre,
    clip_sites,
    fibre_rows,
    kommune_window,
    page_bytes,
    site_color,
    site_rows_by_technology,
    sites_layer_name,
)
from maps.publish import MapPaths
from pipeline.synthetic.region import DemoRegion
from tests.browser import OfflineBrowser, map_variable, screenshot
from tests.maps.map_inputs import MapInputs, make_new_sites, with_new_site_choices, write_inputs

WINDOW = (265_000.0, 7_005_000.0, 270_000.0, 7_010_000.0)  # 5 × 5 km near Trondheim


def _decode(row: list[int]) -> np.ndarray:
    """The (lat, lon) points of one :func:`fibre_rows` row, as the page's script decodes them."""
    points: np.ndarray = np.cumsum(np.asarray(row, dtype=np.int64).reshape(-1, 2), axis=0)
    decoded: np.ndarray = points / FIBRE_SCALE
    return decoded


def _fibre(lines: list[object]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"kind": ["fibre"] * len(lines)}, geometry=lines, crs="EPSG:25833")


def test_clipping_keeps_only_what_lies_in_the_kommune_bounds() -> None:
    fibre = _fibre(
        [
            LineString([(260_000, 7_007_500), (280_000, 7_007_500)]),  # crosses: 5 km kept
            LineString([(266_000, 7_006_000), (267_000, 7_006_000)]),  # inside: 1 km
            LineString([(300_000, 7_007_500), (310_000, 7_007_500)]),  # far away
            Point(266_500, 7_006_500),  # a point: not a line
        ]
    )
    clipped = clip_fibre(fibre, WINDOW)
    assert len(clipped) == 2
    metric = clipped.to_crs("EPSG:25833")
    lengths_m = sorted(metric.length.round(0).tolist())
    assert lengths_m == pytest.approx([1_000.0, 5_000.0], abs=2.0)
    xmin, ymin, xmax, ymax = metric.total_bounds
    assert xmin >= WINDOW[0] - 1 and xmax <= WINDOW[2] + 1  # rounding to 1e-5 degrees: < 1 m
    assert ymin >= WINDOW[1] - 1 and ymax <= WINDOW[3] + 1


def test_simplification_drops_wiggles_below_the_tolerance_only() -> None:
    x = np.arange(266_000.0, 269_000.0, 5.0)
    wiggle = np.where(np.arange(x.size) % 2 == 0, 0.0, 3.0)  # 3 m zigzag every 5 m
    straight = LineString(np.c_[x, 7_006_000.0 + wiggle])
    bend = LineString([(266_000, 7_008_000), (267_500, 7_009_000), (269_000, 7_008_000)])
    clipped = clip_fibre(_fibre([straight, bend]), WINDOW)
    counts = shapely.get_num_coordinates(np.asarray(clipped.geometry.values))
    assert counts.tolist() == [2, 3]  # 600 points of zigzag -> 2; the 1 km bend kept


def test_fibre_rows_are_delta_encoded_in_1e5_degrees() -> None:
    lines = gpd.GeoDataFrame(
        geometry=[
            LineString([(10.0, 63.0), (10.00001, 63.00002), (10.00001, 63.00002)]),
            LineString([(10.5, 63.5), (10.500001, 63.500001)]),  # one point once rounded
            LineString([(11.0, 64.0), (11.0, 64.1)]),
        ],
        crs="EPSG:4326",
    )
    rows = fibre_rows(lines)
    assert rows == [[6_300_000, 1_000_000, 2, 1], [6_400_000, 1_100_000, 10_000, 0]]
    assert _decode(rows[1]).tolist() == [[64.0, 11.0], [64.1, 11.0]]
    assert fibre_rows(lines.iloc[0:0]) == []


def test_a_kommune_without_polygon_has_no_window() -> None:
    empty = gpd.GeoDataFrame(geometry=[], crs="EPSG:25833")
    assert kommune_window(empty) is None
    one = gpd.GeoDataFrame(geometry=[box(*WINDOW)], crs="EPSG:25833")
    assert kommune_window(one) == WINDOW


def _sites() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "site_id": ["S1", "S2", "S3", "<b>S4</b>", "S5"],
            "operator": ["Telenor", "Telia", "Ice", "Lokal & Co", "Telia"],
            "technology": ["mobile_5g", "fwa", "mobile_4g", "fwa", "mobile_5g"],
            "antenna_height_m": [30.0, 24.5, np.nan, 12.0, 30.0],
            "max_range_m": [3000.0, 8000.0, 10000.0, 5000.0, 3000.0],
        },
        geometry=[
            Point(266_000, 7_006_000),
            Point(267_000, 7_007_000),
            Point(268_000, 7_008_000),
            Point(269_000, 7_009_000),
            Point(290_000, 7_009_000),  # outside the window
        ],
        crs="EPSG:25833",
    )


def test_sites_are_cut_to_the_window_and_grouped_by_technology_in_their_colours() -> None:
    sites = clip_sites(_sites(), WINDOW)
    assert sites["site_id"].tolist() == ["S1", "S2", "S3", "<b>S4</b>"]
    assert sites["lat"].between(63.1, 63.2).all() and sites["lon"].between(10.3, 10.5).all()
    rows = site_rows_by_technology(sites)
    assert list(rows) == ["fwa", "mobile_4g", "mobile_5g"]  # the order of SITE_COLORS
    assert [r[2] for r in rows["fwa"]] == ["S2", "&lt;b&gt;S4&lt;/b&gt;"]
    assert rows["fwa"][0][3:] == ["Telia", "Fast trådløst (FWA)", "24,5 m", "8 000 m"]
    assert rows["mobile_4g"][0][5] == "–"  # no antenna height
    assert [site_color(t) for t in rows] == [SITE_COLORS[t] for t in rows]
    assert site_color("satellite") == "#999999"
    layer = SiteLayer("mobile_5g", rows["mobile_5g"])
    assert SITE_COLORS["mobile_5g"] in layer.config_json
    assert "Mobil 5G (1)" in sites_layer_name("mobile_5g", 1)


def test_demo_fibre_and_sites_cost_each_kommune_page_a_few_kilobytes(
    demo_region: DemoRegion,
) -> None:
    fibre = read_network(demo_region.fibre).accepted
    sites = read_sites(demo_region.sites).accepted
    kommuner = gpd.read_file(demo_region.kommuner).to_crs("EPSG:25833")
    added = {}
    for knr, geometry in zip(kommuner["kommunenummer"], kommuner.geometry, strict=True):
        window = kommune_window(gpd.GeoDataFrame(geometry=[geometry], crs=kommuner.crs))
        assert window is not None
        rows = fibre_rows(clip_fibre(fibre, window))
        site_rows = site_rows_by_technology(clip_sites(sites, window))
        added[knr] = page_bytes(rows) + sum(page_bytes(r) for r in site_rows.values())
    print(f"demo: bytes added per kommune page {added}")
    assert sum(1 for b in added.values() if b > 100) >= 4  # most kommuner have fibre or sites
    assert max(added.values()) < 20_000


def _national_fibre(
    rng: np.random.Generator,
) -> tuple[gpd.GeoDataFrame, list[tuple[float, float, float, float]]]:
    """100,000 km of fibre over 357 kommuner of 1,000 km² (a 19 × 19 grid of 31.6 km squares,
    Norway's area): 50,000 curving lines of 2 km, 41 points 50 m apart, half of them in the
    10 % of kommuner that are towns (a town holds ~10 × the fibre of the rest)."""
    side_m, line_count, points = 31_623.0, 50_000, 41
    cells = [(i % 19, i // 19) for i in range(357)]
    towns = rng.choice(357, size=36, replace=False)
    cell = np.where(
        rng.random(line_count) < 0.5,
        rng.choice(towns, line_count),
        rng.integers(0, 357, line_count),
    )
    origin = np.asarray(cells, dtype="float64")[cell] * side_m + [0.0, 6_600_000.0]
    start = origin + rng.random((line_count, 2)) * side_m
    heading = rng.uniform(0, 2 * np.pi, line_count)[:, None] + np.cumsum(
        rng.normal(0, 0.2, (line_count, points)), axis=1
    )
    steps = 50.0 * np.stack([np.cos(heading), np.sin(heading)], axis=2)
    xy = start[:, None, :] + np.cumsum(steps, axis=1)
    lines = shapely.linestrings(xy.reshape(-1, 2), indices=np.repeat(np.arange(line_count), points))
    windows = [
        (x * side_m, 6_600_000.0 + y * side_m, (x + 1) * side_m, 6_600_000.0 + (y + 1) * side_m)
        for x, y in cells
    ]
    return _fibre(list(np.asarray(lines))), windows


def test_a_national_fibre_network_adds_kilobytes_per_page_not_megabytes() -> None:
    fibre, windows = _national_fibre(np.random.default_rng(10))
    started = time.perf_counter()
    page_sizes = [page_bytes(fibre_rows(clip_fibre(fibre, w))) for w in windows]
    elapsed_s = time.perf_counter() - started
    whole = page_bytes(fibre_rows(clip_fibre(fibre, (0.0, 0.0, 1e7, 1e7), 0.0)))
    sizes = pd.Series(page_sizes)
    print(
        f"national fibre (100,000 km, 2.05 M points, {whole / 1e6:.1f} MB unclipped): per page "
        f"median {sizes.median() / 1e3:.0f} kB, max {sizes.max() / 1e3:.0f} kB, "
        f"all 357 in {elapsed_s:.1f} s"
    )
    assert sizes.sum() < whole * 1.2  # each line reaches about one page, not 357
    assert sizes.median() < 60_000 and sizes.max() < 500_000
    assert elapsed_s < 60.0


def test_the_fibre_layer_carries_its_lines_for_the_page() -> None:
    layer = FibreLayer([[6_300_000, 1_000_000, 2, 1]])
    assert layer.rows_json == "[[6300000,1000000,2,1]]"
    assert "Eksisterende fiber (1 linje)" in layer.layer_name


def context_fibre() -> gpd.GeoDataFrame:
    """Two fibre lines through kommune 5001 (one on into 5099) and one far outside both."""
    return gpd.GeoDataFrame(
        {"kind": ["fibre"] * 3},
        geometry=[
            LineString([(265_500, 7_007_500), (269_500, 7_007_600), (274_000, 7_008_000)]),
            LineString([(267_000, 7_005_500), (267_100, 7_009_500)]),
            LineString([(300_000, 7_007_500), (310_000, 7_007_500)]),
        ],
        crs="EPSG:25833",
    )


def context_sites() -> gpd.GeoDataFrame:
    """Three sites in kommune 5001 (FWA, 4G, 5G) and a 5G site in 5099."""
    return gpd.GeoDataFrame(
        {
            "site_id": ["F1", "M4", "M5", "M5b"],
            "operator": ["Lokal", "Telia", "Telenor", "Telenor"],
            "technology": ["fwa", "mobile_4g", "mobile_5g", "mobile_5g"],
            "antenna_height_m": [20.0, 30.0, 25.0, 25.0],
            "max_range_m": [6000.0, 10000.0, 3000.0, 3000.0],
        },
        geometry=[
            Point(266_000, 7_006_000),
            Point(268_000, 7_009_000),
            Point(269_000, 7_006_500),
            Point(272_000, 7_006_500),
        ],
        crs="EPSG:25833",
    )


@pytest.fixture(scope="module")
def context_written(inputs: MapInputs, tmp_path_factory: pytest.TempPathFactory) -> MapPaths:
    return write_inputs(
        MapInputs(**{**inputs.__dict__, "addresses": with_new_site_choices(inputs.addresses)}),
        tmp_path_factory.mktemp("context-maps"),
        new_sites=make_new_sites(),
        fibre=context_fibre(),
        sites=context_sites().to_crs("EPSG:4326"),  # any CRS: reprojected once
    )


_LAYER_FEATURES = """(name) => {
    // The overlays of the layer control by label; each input knows its layer's Leaflet id and
    // the layers are page globals (folium's `var`).
    const map = window[name];
    const byId = {};
    for (const value of Object.values(window)) {
        if (value instanceof L.Layer) byId[L.stamp(value)] = value;
    }
    const out = {};
    for (const label of document.querySelectorAll('.leaflet-control-layers-overlays label')) {
        const layer = byId[label.querySelector('input').layerId];
        if (!layer || !layer.getLayers) continue;
        const layers = layer.getLayers();
        out[label.textContent.trim()] = {
            shown: map.hasLayer(layer),
            features: layers.length,
            drawn: layers.filter(l => map.hasLayer(l) && (l._parts ? l._parts.length > 0
                : l._point !== undefined)).length,
        };
    }
    return out;
}"""


@pytest.mark.browser
def test_fibre_and_site_overlays_are_listed_and_draw_their_features(
    browser: OfflineBrowser, context_written: MapPaths
) -> None:
    page, report = browser.open(context_written.kommuner["5001"].as_uri(), wait_for=".gapmap-mast")
    name = map_variable(page)
    labels = [
        label.strip()
        for label in page.locator(".leaflet-control-layers-overlays label").all_text_contents()
    ]
    assert labels[:4] == [
        "Eksisterende fiber (2 linjer)",  # the line far away is not on this page
        "Eksisterende master: Fast trådløst (FWA) (1)",
        "Eksisterende master: Mobil 4G (1)",
        "Eksisterende master: Mobil 5G (1)",
    ]
    before = page.evaluate(_LAYER_FEATURES, name)
    assert before["Eksisterende fiber (2 linjer)"] == {"shown": True, "features": 2, "drawn": 2}
    assert before["Eksisterende master: Mobil 5G (1)"]["shown"] is False  # off at first
    for label in labels[1:4]:
        page.locator(".leaflet-control-layers-overlays label", has_text=label).locator(
            "input"
        ).check()
    after = page.evaluate(_LAYER_FEATURES, name)
    for label in labels[1:4]:
        assert after[label] == {"shown": True, "features": 1, "drawn": 1}
    screenshot(page, "kommune-context.png")
    assert report.problems() == []
    page.context.close()


@pytest.mark.browser
def test_the_proposed_mast_icon_is_an_inline_svg_tower(
    browser: OfflineBrowser, context_written: MapPaths
) -> None:
    page, report = browser.open(context_written.kommuner["5001"].as_uri(), wait_for=".gapmap-mast")
    icon = page.locator(".gapmap-mast svg.gapmap-mast-icon")
    assert icon.count() == 1
    box = icon.bounding_box()
    assert box is not None and box["width"] == 28 and box["height"] == 28
    assert icon.locator("path").count() == 3 and icon.locator("circle").count() == 1
    assert page.locator(".gapmap-legend-mast svg").count() == 1
    map_name = map_variable(page)
    page.evaluate(f"() => window['{map_name}'].setZoom(15)")
    page.wait_for_timeout(400)
    icon.screenshot(path=str(Path(screenshot(page, "kommune-mast.png")).with_name("mast-icon.png")))
    assert report.problems() == []
    page.context.close()
