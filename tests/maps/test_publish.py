"""Map products built from a small hand-made fixture (no browser): paths, escaping, links, labels.

The fixture (:func:`make_map_inputs`) is also used by ``test_maps_browser.py``.
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from layers import numbers_nb
from layers.errors import InputError
from maps import style
from maps.address_layer import address_rows
from maps.areas import AREA_STYLE, area_popup_html, areas_layer_name
from maps.assets import is_tile_url, resolve_asset
from maps.kommune import build_kommune_map
from maps.masts import (
    NEW_SITE_COLOR,
    NEW_SITE_POPUP_LABELS_NB,
    NewSiteLayer,
    new_site_popup_values,
    new_sites_layer_name,
)
from maps.publish import MapPaths, write_maps
from maps.script_data import dumps_for_script
from maps.style import TargetSpec
from pipeline.aggregate import with_last_shares
from pipeline.planning.cost_curve import cost_curve, cost_curves, last_share_costs

EVIL_TEXT = '<script>alert(1)</script> & "Ola\'s"'
EVIL_ESCAPED = html.escape(EVIL_TEXT, quote=True)
EVIL_KOMMUNENAVN = "Øy & <Holmen>"
TARGETS = (
    TargetSpec("no2025", 100.0, 10.0, "100/10 Mbit/s (mål 2025)"),
    TargetSpec("gigabit2030", 1000.0, None, "1 Gbit/s (mål 2030)"),
)


@dataclass
class MapInputs:
    gap_table: pd.DataFrame
    kommuner: gpd.GeoDataFrame
    addresses: pd.DataFrame
    targets: tuple[TargetSpec, ...]
    map_target: str
    run_info: dict[str, str]
    cost_curves: (
        pd.DataFrame
    )  # pipeline.planning.cost_curve.cost_curve of the addresses, per kommune


def write_inputs(inputs: MapInputs, folder: Path, **options: Any) -> MapPaths:
    """:func:`write_maps` of the fixture's tables into ``folder``."""
    return write_maps(
        folder,
        inputs.gap_table,
        inputs.kommuner,
        inputs.addresses,
        inputs.targets,
        inputs.map_target,
        inputs.run_info,
        **options,
    )


def _classify(down: np.ndarray, up: np.ndarray, target: TargetSpec) -> np.ndarray:
    """served / underserved / unserved against the target with a 30/5 floor (fixture only)."""
    up_ok = np.ones(len(down), bool) if target.up_mbps is None else up >= target.up_mbps
    served = (down >= target.down_mbps) & up_ok
    basic = (down >= 30) & (up >= 5)
    return np.where(served, "served", np.where(basic, "underserved", "unserved"))


def make_map_inputs() -> MapInputs:
    """Two 5 × 5 km kommuner side by side in EPSG:25833 near Trondheim, 15 addresses each.

    Address 3 (kommune 5001, in the village) carries a hostile text; operator and kommune names
    and run_info carry HTML too. Offers cycle through six kinds, including "no offer".
    """
    kommuner = gpd.GeoDataFrame(
        {
            "kommunenummer": ["5001", "5099"],
            "kommunenavn": ["Prøvekommune", EVIL_KOMMUNENAVN],
            "fylkesnummer": ["50", "50"],
        },
        geometry=[
            box(265_000, 7_005_000, 270_000, 7_010_000),
            box(270_000, 7_005_000, 275_000, 7_010_000),
        ],
        crs="EPSG:25833",
    )
    rng = np.random.default_rng(7)
    n_per, n_village = 15, 10  # per kommune: a village within ±150 m (clusters) + scattered farms
    x_parts, y_parts = [], []
    for x_min, village_x in [(265_000, 267_000), (270_000, 272_500)]:
        x_parts += [
            village_x + rng.uniform(-150, 150, n_village),
            rng.uniform(x_min + 500, x_min + 4_500, n_per - n_village),
        ]
        y_parts += [
            7_007_500 + rng.uniform(-150, 150, n_village),
            rng.uniform(7_005_500, 7_009_500, n_per - n_village),
        ]
    x, y = np.concatenate(x_parts), np.concatenate(y_parts)
    lonlat = gpd.GeoSeries(gpd.points_from_xy(x, y), crs="EPSG:25833").to_crs("EPSG:4326")
    offers = [  # (technology, operator, down, up), cycled over the addresses
        ("fiber", "Telenor", 1000.0, 1000.0),
        ("hfc", "Telia & Co", 500.0, 50.0),
        ("xdsl", "Telenor", 40.0, 8.0),
        ("fwa", "Lyse <Fiber>", 150.0, 20.0),
        ("mobile_4g", "Ice", 20.0, 4.0),
        (None, None, np.nan, np.nan),
    ]
    tech, operator, down, up = zip(
        *(offers[i % len(offers)] for i in range(2 * n_per)), strict=True
    )
    down_a = np.array(down, float)
    up_a = np.array(up, float)
    addresses = pd.DataFrame(
        {
            "address_id": np.arange(1, 2 * n_per + 1),
            "kommunenummer": ["5001"] * n_per + ["5099"] * n_per,
            "address_text": [f"Bygdeveien {i}" for i in range(1, 2 * n_per + 1)],
            "households": (np.arange(2 * n_per) % 3 + 1).astype(int),
            "lon": lonlat.x.to_numpy(),
            "lat": lonlat.y.to_numpy(),
            "best_technology": list(tech),
            "best_operator": list(operator),
            "best_down_mbps": down_a,
            "best_up_mbps": up_a,
        }
    )
    addresses.loc[3, "address_text"] = EVIL_TEXT
    for target in TARGETS:
        addresses[f"class_{target.name}"] = _classify(down_a, up_a, target)
    needs_build = addresses["class_gigabit2030"] != "served"
    addresses["cost_nok"] = np.where(needs_build, 148_000.0 + 1_000.0 * addresses.index, np.nan)
    return MapInputs(
        gap_table=with_last_shares(
            gap_table_from(addresses, kommuner),
            cost_curves(addresses.merge(kommuner[["kommunenummer", "fylkesnummer"]])),
        ),
        kommuner=kommuner,
        addresses=addresses,
        targets=TARGETS,
        map_target="no2025",
        run_info={
            "run_id": "2026-11-test",
            "generated_at": "2026-11-30 12:00",
            "code_version": "<b>abc123</b>",
            "data_sources": "Kartverket & Nkom (testdata)",
        },
        cost_curves=cost_curve(addresses),
    )


def gap_table_from(addresses: pd.DataFrame, kommuner: gpd.GeoDataFrame) -> pd.DataFrame:
    """Aggregate the fixture addresses like the pipeline's aggregate stage would."""
    frame = addresses.merge(kommuner[["kommunenummer", "kommunenavn", "fylkesnummer"]])
    sums: dict[str, tuple[str, str]] = {
        "addresses": ("address_id", "count"),
        "households": ("households", "sum"),
    }
    for t in TARGETS:
        for code in style.CLASS_ORDER:
            column = f"{code}_households_{t.name}"
            frame[column] = frame["households"].where(frame[f"class_{t.name}"] == code, 0)
            sums[column] = (column, "sum")
    frame["below_cost"] = frame["households"].where(frame["cost_nok"].notna(), 0)
    sums["cost_nok"] = ("cost_nok", "sum")
    sums["households_below_cost_target"] = ("below_cost", "sum")

    def finish(table: pd.DataFrame) -> pd.DataFrame:
        for t in TARGETS:
            below = (
                table[f"underserved_households_{t.name}"] + table[f"unserved_households_{t.name}"]
            )
            table[f"below_target_share_{t.name}"] = below / table["households"]
        table["cost_per_household_nok"] = table["cost_nok"] / table[
            "households_below_cost_target"
        ].replace(0, np.nan)
        return table

    kommune = frame.groupby(["kommunenummer", "kommunenavn", "fylkesnummer"]).agg(**sums)
    kommune = finish(kommune.reset_index().assign(level="kommune"))
    fylke = finish(frame.groupby("fylkesnummer").agg(**sums).reset_index())
    fylke = fylke.assign(
        level="fylke", kommunenummer=None, kommunenavn="Fylke " + fylke["fylkesnummer"]
    )
    total = finish(frame.assign(g=0).groupby("g").agg(**sums).reset_index(drop=True))
    total = total.assign(level="total", kommunenummer=None, kommunenavn="Totalt", fylkesnummer=None)
    return pd.concat([kommune, fylke, total], ignore_index=True)


@pytest.fixture(scope="module")
def inputs() -> MapInputs:
    return make_map_inputs()


@pytest.fixture(scope="module")
def written(inputs: MapInputs, tmp_path_factory: pytest.TempPathFactory) -> MapPaths:
    out_dir = tmp_path_factory.mktemp("maps-out")
    return write_inputs(
        inputs,
        out_dir,
        cost_curves=inputs.cost_curves,
    )


def _all_html(paths: MapPaths) -> dict[Path, str]:
    files = [paths.index, paths.overview, *paths.kommuner.values()]
    return {path: path.read_text(encoding="utf-8") for path in files}


def test_files_exist_at_contracted_paths(written: MapPaths) -> None:
    out_dir = written.index.parent
    assert written.index == out_dir / "index.html"
    assert written.overview == out_dir / "maps" / "oversikt.html"
    assert written.kommuner == {
        knr: out_dir / "maps" / "kommune" / f"{knr}.html" for knr in ("5001", "5099")
    }
    for path in [written.index, written.overview, *written.kommuner.values()]:
        assert path.is_file() and path.stat().st_size > 0


def test_address_text_never_reaches_html_unescaped(written: MapPaths) -> None:
    pages = _all_html(written)
    for path, text in pages.items():
        assert EVIL_TEXT not in text, path
        assert "<script>alert(1)" not in text, path
        assert "Lyse <Fiber>" not in text, path
    assert EVIL_ESCAPED in pages[written.kommuner["5001"]]


def test_kommune_name_and_run_info_are_escaped(written: MapPaths) -> None:
    pages = _all_html(written)
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
        assert (written.index.parent / f"maps/kommune/{knr}.html") == path
    assert "Fylke 50" in index and "Totalt" in index


def test_index_shows_the_figures_of_each_kommune(inputs: MapInputs, written: MapPaths) -> None:
    index = written.index.read_text(encoding="utf-8")
    row = inputs.gap_table.set_index("kommunenavn").loc["Prøvekommune"].to_dict()
    # 148 000 + 1 000 · index, summed
    assert numbers_nb.format_nok(row["cost_nok"]) == "1 863 000 kr"
    assert numbers_nb.format_nok(row["cost_nok"]) in index
    assert numbers_nb.format_percent_nb(row["below_target_share_no2025"]) in index


def test_layer_names_carry_household_counts(inputs: MapInputs, written: MapPaths) -> None:
    text = written.kommuner["5001"].read_text(encoding="utf-8")
    own = inputs.addresses[inputs.addresses["kommunenummer"] == "5001"]
    for code in style.CLASS_ORDER:
        households = int(own.loc[own["class_no2025"] == code, "households"].sum())
        assert json.dumps(style.class_layer_name(code, households)) in text
    assert style.class_layer_name("served", 1234) == "Dekket (1 234 husstander)"
    assert style.class_layer_name("unserved", 1) == "Udekket (1 husstand)"


def test_overview_links_to_kommune_maps_relatively(written: MapPaths) -> None:
    text = written.overview.read_text(encoding="utf-8")
    for knr in written.kommuner:
        # GeoJSON is embedded with folium's escaped JSON: `=` and quotes survive as \u0022 etc.
        assert f"kommune/{knr}.html" in text
        assert (written.overview.parent / f"kommune/{knr}.html").is_file()
    assert "Andel husstander under 100/10 Mbit/s (%)" in text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1234567, "1 234 567"),
        (0, "0"),
        (999, "999"),
        (1000, "1 000"),
        (2.5, "3"),
        (np.int64(12345), "12 345"),
        (np.nan, "–"),
        (None, "–"),
        (pd.NA, "–"),
    ],
)
def test_format_int_uses_space_thousands_separator(value: object, expected: str) -> None:
    assert numbers_nb.format_int_nb(value) == expected  # type: ignore[arg-type]


def test_other_number_formats_are_norwegian() -> None:
    assert numbers_nb.format_nok(1234567.4) == "1 234 567 kr"
    assert numbers_nb.format_percent_nb(0.1234) == "12,3 %"
    assert numbers_nb.format_percent_nb(1.0) == "100,0 %"
    assert numbers_nb.format_decimal_nb(1234.56, 2) == "1 234,56"
    assert numbers_nb.format_mbps(100.0) == "100"
    assert numbers_nb.format_mbps(12.5) == "12,5"
    assert TARGETS[0].speed_label_nb == "100/10 Mbit/s"
    assert TARGETS[1].speed_label_nb == "1 000 Mbit/s"


def test_address_rows_are_compact_and_split_by_class(inputs: MapInputs) -> None:
    own = inputs.addresses[inputs.addresses["kommunenummer"] == "5001"]
    encoded = address_rows(own, inputs.targets, inputs.targets[0])
    assert sum(len(rows) for rows in encoded.rows_by_class.values()) == len(own)
    evil = next(r for rows in encoded.rows_by_class.values() for r in rows if "alert" in r[2])
    assert evil[2] == EVIL_ESCAPED
    no_offer = next(r for rows in encoded.rows_by_class.values() for r in rows if r[5] is None)
    assert no_offer[3] is None and no_offer[4] is None and no_offer[7] == "22"
    assert "Lyse &lt;Fiber&gt;" in encoded.operators


def test_json_for_script_cannot_close_the_script() -> None:
    text = dumps_for_script(["</script><!--", "a\u2028b"])
    assert "<" not in text and ">" not in text and "\u2028" not in text
    assert json.loads(text) == ["</script><!--", "a\u2028b"]


def test_unknown_map_target_is_refused(inputs: MapInputs, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="map_target 'eu_vhcn' is not one of"):
        write_maps(
            tmp_path,
            inputs.gap_table,
            inputs.kommuner,
            inputs.addresses,
            inputs.targets,
            "eu_vhcn",
            inputs.run_info,
        )


def test_missing_column_is_named(inputs: MapInputs, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"addresses: missing columns \['address_text'\]"):
        write_maps(
            tmp_path,
            inputs.gap_table,
            inputs.kommuner,
            inputs.addresses.drop(columns=["address_text"]),
            inputs.targets,
            inputs.map_target,
            inputs.run_info,
        )


def test_target_spec_rejects_bad_values() -> None:
    with pytest.raises(ValueError, match="down_mbps"):
        TargetSpec("x", 0.0, None, "x")
    with pytest.raises(ValueError, match="not valid"):
        TargetSpec("no 2025", 100.0, 10.0, "x")


def test_cdn_urls_map_to_npm_files(tmp_path: Path) -> None:
    modules = tmp_path / "node_modules"
    for relpath in (
        "leaflet/dist/leaflet.js",
        "d3/d3.min.js",
        "jquery/dist/jquery.min.js",
        "leaflet.awesome-markers/dist/leaflet.awesome-markers.css",
        "@fortawesome/fontawesome-free/css/all.min.css",
    ):
        (modules / relpath).parent.mkdir(parents=True, exist_ok=True)
        (modules / relpath).write_text("/* */")
    cases = {
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": "leaflet/dist/leaflet.js",
        "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js": "d3/d3.min.js",
        "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
        "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/"
        "leaflet.awesome-markers.css": "leaflet.awesome-markers/dist/leaflet.awesome-markers.css",
        "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css": (
            "@fortawesome/fontawesome-free/css/all.min.css"
        ),
    }
    for url, relpath in cases.items():
        asset = resolve_asset(url, tmp_path)
        assert asset is not None and asset.path == modules / relpath, url
    assert resolve_asset("https://cdn.example.org/evil.js", tmp_path) is None
    assert resolve_asset("https://cdn.jsdelivr.net/npm/vega@5/vega.js", tmp_path) is None
    assert is_tile_url("https://tile.openstreetmap.org/5/16/8.png")
    assert not is_tile_url("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/images/layers.png")


def test_browser_helper_skips_locally_and_fails_under_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    try:
        from tests import browser as helper
    except ModuleNotFoundError:
        import browser as helper  # type: ignore[no-redef]
    monkeypatch.setattr(helper, "CHROMIUM_PATH", tmp_path / "no-chromium")
    monkeypatch.setenv("GAPMAP_WEB_ASSETS", str(tmp_path / "no-assets"))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"no Chromium at .*fetch_web_assets"):
        helper.require_browser_environment()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="cannot run under CI"):
        helper.require_browser_environment()


def test_wireless_line_is_escaped_and_says_what_was_found() -> None:
    from maps.address_layer import wireless_texts

    frame = pd.DataFrame(
        {
            "los_site_id": ["<b>M1</b>", "M2", None],
            "los_distance_m": [3240.0, 900.0, np.nan],
            "has_los": [True, False, False],
            "sites_in_range": [1, 2, 0],
            "fwa_doubtful": [False, True, False],
        }
    )
    assert wireless_texts(frame) == [
        "Sikt til mast &lt;b&gt;M1&lt;/b&gt; (3,2 km)",
        "Ingen sikt til mast (nærmeste: M2) – oppgitt FWA-dekning er tvilsom",
        "",
    ]


EVIL_AREA_ID = "<b>9901-0001</b>"


def _two_areas() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "area_id": [EVIL_AREA_ID, "5001-0002"],
            "kommunenummer": ["5001", "5001"],
            "cluster_id": [1, 2],
            "technology": ["fiber", "fwa"],
            "addresses": [3, 2],
            "households": [4, 2],
            "cost_nok": [1_234_567.0, 30_000.0],
            "cost_per_household_nok": [308_641.75, 15_000.0],
            "subsidy_need_nok": [1_154_567.0, 0.0],
            "subsidy_need_per_household_nok": [288_641.75, 0.0],
        },
        geometry=[
            box(266_800, 7_006_800, 267_200, 7_007_200),
            box(268_000, 7_008_000, 268_300, 7_008_300),
        ],
        crs="EPSG:25833",
    )


def test_kommune_map_shows_project_areas_escaped(inputs: MapInputs) -> None:
    knr = "5001"
    target = next(t for t in inputs.targets if t.name == inputs.map_target)
    fmap = build_kommune_map(
        knr,
        "Prøvekommune",
        None,
        inputs.kommuner[inputs.kommuner["kommunenummer"] == knr],
        inputs.addresses[inputs.addresses["kommunenummer"] == knr],
        inputs.targets,
        target,
        inputs.run_info,
        areas=_two_areas(),
    )
    page = fmap.get_root().render()
    assert areas_layer_name(2) == "Prosjektområder (2)"
    names = [
        child.layer_name
        for child in fmap._children.values()
        if getattr(child, "control", False) and hasattr(child, "layer_name")
    ]
    assert names[0] == "Prosjektområder (2)"  # under the address clusters
    assert [n.split(" (")[0] for n in names[1:]] == ["Dekket", "Underdekket", "Udekket"]
    assert EVIL_AREA_ID not in page
    assert "<b>9901" not in page
    # the GeoJSON travels as script JSON (Jinja tojson writes & as \\u0026): escaped once
    in_script = html.escape(EVIL_AREA_ID).replace("&", "\\u0026")
    assert in_script in page
    assert "\\u0026amp;lt;b" not in page  # not escaped twice
    popup = area_popup_html(_two_areas().iloc[0].to_dict())
    assert "1 234 567 kr" in popup and "308 642 kr" in popup and "1 154 567 kr" in popup
    assert "Fiber" in popup and "4</td>" in popup
    assert "Fast trådløst (FWA)" in area_popup_html(_two_areas().iloc[1].to_dict())
    assert 'dashArray": "6 4"' in page


def test_write_maps_gives_every_kommune_its_areas(inputs: MapInputs, tmp_path: Path) -> None:
    paths = write_inputs(
        inputs,
        tmp_path,
        areas=_two_areas(),
    )
    own = paths.kommuner["5001"].read_text(encoding="utf-8")
    other = paths.kommuner["5099"].read_text(encoding="utf-8")
    assert json.dumps(areas_layer_name(2)) in own and "5001-0002" in own
    assert json.dumps(areas_layer_name(0)) in other and "5001-0002" not in other
    with pytest.raises(InputError, match="areas: missing columns"):
        write_inputs(
            inputs,
            tmp_path / "bad",
            areas=_two_areas().drop(columns="subsidy_need_nok"),
        )


# --- the cost curve in the kommune map's info panel --------------------------------------------


def _info_panel_html(page: str) -> str:
    """The info panel's HTML as the browser gets it (the control's JSON string, decoded)."""
    panels = [json.loads(m) for m in re.findall(r'div\.innerHTML = ("(?:[^"\\]|\\.)*");', page)]
    info = [panel for panel in panels if "<h3>" in panel and "Oversiktskart" in panel]
    assert len(info) == 1
    return info[0]


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

    section = _curve_section(_info_panel_html(written.kommuner["5001"].read_text("utf-8")))
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
    #   1 %: 0.27 hh  · 157 000                               =  42 390 kr (157 000 per hh)
    #   5 %: 1.35 hh: 157 000 + 0.35 · 151 000                 = 209 850 kr (155 444 per hh)
    #  10 %: 2.7 hh:  157 000 + 151 000 + 0.7 · 80 500         = 364 350 kr (134 944 per hh)
    # Median (cheapest first, by household): 50 000, 51 000, 52 000, 53 000, 54 000 × 3 hh
    # each reach 15 ≥ 27 / 2 households at #14: 54 000 kr.
    section = _curve_section(_info_panel_html(written.kommuner["5001"].read_text("utf-8")))
    assert _table_rows(section) == [
        ["Dyreste", "Husstander", "Kostnad", "Per husstand"],
        ["1 %", "0,3", "42 390 kr", "157 000 kr"],
        ["5 %", "1,4", "209 850 kr", "155 444 kr"],
        ["10 %", "2,7", "364 350 kr", "134 944 kr"],
        ["Median per husstand", "54 000 kr"],
    ]
    # … and these are the gap table's figures, from pipeline.planning.cost_curve.last_share_costs
    expected = last_share_costs(inputs.cost_curves).set_index("kommunenummer").loc["5001"]
    assert expected["households"] == 27
    assert expected["last_1pct_cost_nok"] == pytest.approx(42_390.0)
    assert expected["last_5pct_cost_nok"] == pytest.approx(209_850.0)
    assert expected["last_10pct_cost_nok"] == pytest.approx(364_350.0)
    assert expected["last_10pct_cost_per_household_nok"] == pytest.approx(364_350.0 / 2.7)


def test_cost_curve_alt_text_is_norwegian_and_escaped(written: MapPaths) -> None:
    own = _curve_section(_info_panel_html(written.kommuner["5001"].read_text("utf-8")))
    other = _curve_section(_info_panel_html(written.kommuner["5099"].read_text("utf-8")))
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
    panel = _info_panel_html(paths.kommuner["5099"].read_text("utf-8"))
    assert "Ingen husstander under kostnadsmålet" in panel
    assert "<img" not in panel
    assert "<img" in _info_panel_html(paths.kommuner["5001"].read_text("utf-8"))


def test_without_a_cost_curve_table_the_panel_has_no_curve() -> None:
    fmap_page = (
        build_kommune_map(
            "5001",
            "Prøvekommune",
            None,
            gpd.GeoDataFrame(geometry=[], crs="EPSG:25833"),
            make_map_inputs().addresses.iloc[0:0],
            TARGETS,
            TARGETS[0],
            {},
        )
        .get_root()
        .render()
    )
    assert "gapmap-curve" not in _info_panel_html(fmap_page)


def test_cost_curve_table_missing_a_column_is_named(inputs: MapInputs, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"cost_curves: missing columns \['cumulative_cost_nok'\]"):
        write_inputs(
            inputs,
            tmp_path,
            cost_curves=inputs.cost_curves.drop(columns="cumulative_cost_nok"),
        )


# --- cost options ------------------------------------------------------------------------------


def test_new_mast_cost_option_has_its_label_and_unknown_options_show_escaped() -> None:
    areas = _two_areas()
    areas["technology"] = ["fwa_new_site", "<i>laser</i>"]
    new_mast, unknown = (area_popup_html(r) for r in areas.to_dict("records"))
    assert '<td>Teknologi</td><td class="num">Fast trådløst, ny mast</td>' in new_mast
    assert "&lt;i&gt;laser&lt;/i&gt;" in unknown and "<i>" not in unknown
    assert style.technology_label_nb("fwa_new_site") == "Fast trådløst, ny mast"
    assert style.technology_label_nb("satellite") == "Satellitt"
    assert style.technology_label_nb("laser") == "laser"
    assert style.technology_label_nb(None) is None
    no_option = area_popup_html({**areas.iloc[0].to_dict(), "technology": None})
    assert '<td>Teknologi</td><td class="num">–</td>' in no_option


def test_unlabelled_technology_in_address_popups_is_escaped(inputs: MapInputs) -> None:
    own = inputs.addresses[inputs.addresses["kommunenummer"] == "5001"].copy()
    own["best_technology"] = ["fwa_new_site", "<b>ny</b>", *own["best_technology"].iloc[2:]]
    encoded = address_rows(own, inputs.targets, inputs.targets[0])
    assert "Fast trådløst, ny mast" in encoded.technologies
    assert "&lt;b&gt;ny&lt;/b&gt;" in encoded.technologies
    assert "<b>ny</b>" not in encoded.technologies


# --- proposed new masts ------------------------------------------------------------------------

EVIL_SITE_ID = '<script>alert("mast")</script> & ny-5001-7'
NEW_SITE_LAYER_NAME = "Foreslåtte nye master"


def make_new_sites() -> pd.DataFrame:
    """Two candidate masts in kommune 5001 (rows of ``tables/new_sites.csv``): one taken by 17
    households (hostile id), one nobody takes; coordinates east of the village."""
    lonlat = gpd.GeoSeries(
        gpd.points_from_xy([268_800.0, 266_000.0], [7_007_000.0, 7_009_000.0]), crs="EPSG:25833"
    ).to_crs("EPSG:4326")
    return pd.DataFrame(
        {
            "site_id": [EVIL_SITE_ID, "ny-5001-8"],
            "kommunenummer": ["5001", "5001"],
            "cluster_id": [7, 8],
            "x_m": [268_800.0, 266_000.0],
            "y_m": [7_007_000.0, 7_009_000.0],
            "antenna_height_m": [32.5, 30.0],
            "fixed_cost_nok": [2_713_447.9, 2_900_000.0],
            "households_reached": [23.0, 9.0],
            "households_taking": [17.0, 0.0],
            "lon": lonlat.x.to_numpy(),
            "lat": lonlat.y.to_numpy(),
        }
    )


# The taken mast's popup, by hand: 32,5 m; 17 of the 23 households it reaches take it;
# 2 713 447,9 kr → "2 713 448 kr"; 2 713 447,9 / 17 = 159 614,58 → "159 615 kr" per household.
TAKEN_MAST_VALUES = ["32,5 m", "17", "23", "2 713 448 kr", "159 615 kr"]


def with_new_site_choices(addresses: pd.DataFrame) -> pd.DataFrame:
    """Address 0 takes the hostile mast; address 1 is reached by it but chose fibre."""
    chosen = addresses.assign(cost_option=None, new_site_id=None)
    chosen.loc[0, ["cost_option", "new_site_id"]] = ["fwa_new_site", EVIL_SITE_ID]
    chosen.loc[1, ["cost_option", "new_site_id"]] = ["fiber", EVIL_SITE_ID]
    return chosen


def _control_layers(fmap: folium.Map) -> list[Any]:
    return [
        child
        for child in fmap._children.values()
        if getattr(child, "control", False) and hasattr(child, "layer_name")
    ]


def _kommune_5001_map(inputs: MapInputs, new_sites: pd.DataFrame | None) -> folium.Map:
    own = inputs.addresses["kommunenummer"] == "5001"
    return build_kommune_map(
        "5001",
        "Prøvekommune",
        None,
        inputs.kommuner[inputs.kommuner["kommunenummer"] == "5001"],
        with_new_site_choices(inputs.addresses)[own],
        inputs.targets,
        inputs.targets[0],
        inputs.run_info,
        new_sites=new_sites,
    )


def _legend_html(page: str) -> str:
    panels = [json.loads(m) for m in re.findall(r'div\.innerHTML = ("(?:[^"\\]|\\.)*");', page)]
    legend = [panel for panel in panels if "Husstander etter dekning" in panel]
    assert len(legend) == 1
    return legend[0]


def test_kommune_map_shows_only_the_taken_mast_escaped(inputs: MapInputs) -> None:
    fmap = _kommune_5001_map(inputs, make_new_sites())
    page = fmap.get_root().render()
    layers = [layer for layer in _control_layers(fmap) if isinstance(layer, NewSiteLayer)]
    assert len(layers) == 1
    assert layers[0].layer_name == f"{NEW_SITE_LAYER_NAME} (1)"
    assert _control_layers(fmap)[-1] is layers[0]  # listed (and drawn) above the classes
    taken = make_new_sites().iloc[0]
    assert layers[0].rows == [
        [
            round(float(taken["lat"]), 5),
            round(float(taken["lon"]), 5),
            html.escape(EVIL_SITE_ID),
            *TAKEN_MAST_VALUES,
        ]
    ]
    assert dumps_for_script(layers[0].rows) in page  # one marker row, as the browser gets it
    assert "ny-5001-8" not in page  # nobody takes it: not shown
    assert EVIL_SITE_ID not in page and "<script>alert(" not in page
    assert "\\u0026amp;lt;script" not in page and "&amp;lt;script" not in page  # escaped once
    used = {*(c.color for c in style.CLASS_STYLES), AREA_STYLE["color"]}
    assert NEW_SITE_COLOR not in used
    legend = _legend_html(page)
    assert "Ny mast (forslag)" in legend and NEW_SITE_COLOR in legend


def test_mast_popup_values_are_formatted_and_escaped() -> None:
    taken, untaken = make_new_sites().to_dict("records")
    assert new_site_popup_values(taken) == [html.escape(EVIL_SITE_ID), *TAKEN_MAST_VALUES]
    assert new_site_popup_values(untaken)[-1] == "–"  # nobody shares it
    assert new_site_popup_values({"site_id": None})[:2] == ["–", "–"]
    assert len(NEW_SITE_POPUP_LABELS_NB) == len(new_site_popup_values(taken))


def test_map_without_new_sites_renders_without_the_mast_layer(inputs: MapInputs) -> None:
    fmap = _kommune_5001_map(inputs, None)
    page = fmap.get_root().render()
    assert not any(isinstance(layer, NewSiteLayer) for layer in _control_layers(fmap))
    assert NEW_SITE_LAYER_NAME not in page and json.dumps(NEW_SITE_LAYER_NAME) not in page
    assert "Ny mast (forslag)" not in _legend_html(page)
    assert [layer.layer_name.split(" (")[0] for layer in _control_layers(fmap)] == [
        "Dekket",
        "Underdekket",
        "Udekket",
    ]


def test_write_maps_gives_every_kommune_its_masts(inputs: MapInputs, tmp_path: Path) -> None:
    paths = write_inputs(
        inputs,
        tmp_path,
        new_sites=make_new_sites(),
    )
    own = paths.kommuner["5001"].read_text(encoding="utf-8")
    other = paths.kommuner["5099"].read_text(encoding="utf-8")
    assert json.dumps(new_sites_layer_name(1)) in own and "159 615 kr" in own
    assert json.dumps(new_sites_layer_name(0)) in other and "159 615 kr" not in other
    with pytest.raises(InputError, match=r"new_sites: missing columns \['lat'\]"):
        write_inputs(
            inputs,
            tmp_path / "bad",
            new_sites=make_new_sites().drop(columns="lat"),
        )


def test_address_popup_row_names_the_mast_only_where_the_household_takes_it(
    inputs: MapInputs,
) -> None:
    own = with_new_site_choices(inputs.addresses)
    encoded = address_rows(own[own["kommunenummer"] == "5001"], TARGETS, TARGETS[0])
    rows = {row[2]: row for rows in encoded.rows_by_class.values() for row in rows}
    assert encoded.new_sites == [html.escape(EVIL_SITE_ID)]  # escaped once, listed once
    assert rows["Bygdeveien 1"][11:] == [0]  # takes the mast: its index in that list
    assert len(rows["Bygdeveien 2"]) == 11  # reached by it, but chose fibre
    assert all(len(row) == 11 for text, row in rows.items() if text != "Bygdeveien 1")
    plain = address_rows(inputs.addresses, TARGETS, TARGETS[0])  # no cost columns at all
    assert {len(row) for rows in plain.rows_by_class.values() for row in rows} == {11}
    assert plain.new_sites == []


def test_a_kommune_map_shows_a_mast_across_the_border_that_its_households_take(
    inputs: MapInputs, tmp_path: Path
) -> None:
    from maps.sources import _masts_per_kommune

    masts = pd.DataFrame({"site_id": ["ny-5001-0", "ny-5001-1"], "kommunenummer": ["5001", "5001"]})
    addresses = pd.DataFrame(
        {
            "kommunenummer": ["5099", "5099", "5001"],
            "cost_option": ["fwa_new_site", "fiber", "fwa_new_site"],
            "new_site_id": ["ny-5001-1", "ny-5001-0", "ny-5001-1"],
        }
    )
    # 5099's household takes mast 1 (standing in 5001); the fibre household's mast is not shown
    assert _masts_per_kommune(masts, addresses) == {"5001": [0, 1], "5099": [1]}
