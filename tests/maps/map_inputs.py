"""The hand-made map inputs the map tests share (no browser): two 5 × 5 km kommuner near
Trondheim with 15 addresses each, hostile texts, candidate masts and project areas.

The ``inputs`` and ``written`` fixtures of ``conftest.py`` build them once per session; the
browser tests (``test_maps_browser.py``) open the same pages.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

from maps import style
from maps.publish import MapPaths, write_maps
from maps.style import TargetSpec
from pipeline.aggregate import with_last_shares
from pipeline.planning.cost_curve import cost_curve, cost_curves

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


def all_html(paths: MapPaths) -> dict[Path, str]:
    files = [paths.index, paths.overview, *paths.kommuner.values()]
    return {path: path.read_text(encoding="utf-8") for path in files}


EVIL_AREA_ID = "<b>9901-0001</b>"


def two_areas() -> gpd.GeoDataFrame:
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


def info_panel_html(page: str) -> str:
    """The info panel's HTML as the browser gets it (the control's JSON string, decoded)."""
    panels = [json.loads(m) for m in re.findall(r'div\.innerHTML = ("(?:[^"\\]|\\.)*");', page)]
    info = [panel for panel in panels if "<h3>" in panel and "Oversiktskart" in panel]
    assert len(info) == 1
    return str(info[0])


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
