"""A hand-made publication for the kommune brief tests, with every figure checked by hand.

Two fylker: 99 "Testfylke" with 9901 Vestvik and 9902 (a hostile name), 98 "Nordfylke" with
9801 Nordøy. Targets no2025 (map target) and gigabit2030 (cost target). Written with the
project's own CSV writer (so names are quoted against formulas as in a real publication), a
GeoPackage with the three layers the thumbnail reads, and, optionally, the tables of the
other issue-11 products (``gap_reasons``, ``changes_summary``, ``trend``) as their contract
describes them.

Expected for 9901 (hand-computed):

- share served 100/10: 150/200 = 75,0 %, fylke 440/500 = 88,0 %, all 930/1000 = 93,0 %;
  gigabit: 120/200 = 60,0 %, 390/500 = 78,0 %, 800/1000 = 80,0 %;
- cost 8,0 / 10,4 / 20,0 mill. kr; per household 100 000 / 94 545 / 100 000 kr;
- project areas: 3, 80 households, 75 in areas with need, need 3,5 + 2,1 = 5,6 mill. kr,
  5 600 000 / 75 = 74 667 kr per household;
- changes 100/10: Dekket 140 → 150 (+10), Underdekket 35 → 30 (−5), Udekket 25 → 20 (−5);
- reasons 100/10: 25 (50,0 %), 15 (30,0 %), 6 (12,0 %), 4 (8,0 %) of 50.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from pipeline.products.tables import write_csv

HOSTILE_NAME = '<img src=x onerror="alert(1)">Østby & co'
FORMULA_FYLKE = "=Testfylke"
TARGETS = {
    "no2025": {"down_mbps": 100.0, "up_mbps": 10.0, "label_nb": "100/10 Mbit/s (mål 2025)"},
    "gigabit2030": {"down_mbps": 1000.0, "up_mbps": None, "label_nb": "1 Gbit/s (mål 2030)"},
}


def _gap_row(level: str, fylke: str, knr: str | None, name: str, *figures: float) -> dict[str, Any]:
    (households, s25, u25, n25, s30, u30, n30, below, cost, subsidy) = figures
    fylkesnavn = FORMULA_FYLKE if fylke == "99" else "Nordfylke"
    return {
        "level": level,
        "fylkesnummer": fylke if level != "total" else None,
        "fylkesnavn": fylkesnavn if level != "total" else None,
        "kommunenummer": knr,
        "kommunenavn": name,
        "addresses": households,
        "households": households,
        "served_households_no2025": s25,
        "underserved_households_no2025": u25,
        "unserved_households_no2025": n25,
        "below_target_share_no2025": (u25 + n25) / households,
        "served_households_gigabit2030": s30,
        "underserved_households_gigabit2030": u30,
        "unserved_households_gigabit2030": n30,
        "below_target_share_gigabit2030": (u30 + n30) / households,
        "households_below_cost_target": below,
        "cost_nok": cost,
        "cost_per_household_nok": cost / below,
        "subsidy_need_nok": subsidy,
    }


def gap_table() -> pd.DataFrame:
    return pd.DataFrame(
        [
            _gap_row(
                "kommune", "98", "9801", "Nordøy", 500, 490, 4, 6, 410, 50, 40, 90, 9.6e6, 4.9e6
            ),
            _gap_row(
                "kommune", "99", "9901", "Vestvik", 200, 150, 30, 20, 120, 50, 30, 80, 8e6, 5.6e6
            ),
            _gap_row(
                "kommune", "99", "9902", HOSTILE_NAME, 300, 290, 6, 4, 270, 20, 10, 30, 2.4e6, 1.5e6
            ),
            _gap_row(
                "fylke", "98", None, "Nordfylke", 500, 490, 4, 6, 410, 50, 40, 90, 9.6e6, 4.9e6
            ),
            _gap_row(
                "fylke", "99", None, "Testfylke", 500, 440, 36, 24, 390, 70, 40, 110, 10.4e6, 7.1e6
            ),
            _gap_row("total", "", None, "Alle", 1000, 930, 40, 30, 800, 120, 80, 200, 20e6, 12e6),
        ]
    )


def project_areas() -> gpd.GeoDataFrame:
    """9901: needs 5 000 000 − 50 × 30 000 = 3 500 000, 2 850 000 − 25 × 30 000 = 2 100 000
    and 150 000 − 5 × 30 000 = 0; 9902 one area."""
    frame = pd.DataFrame(
        {
            "area_id": ["9901-0000", "9901-0001", "9901-0002", "9902-0000"],
            "kommunenummer": ["9901", "9901", "9901", "9902"],
            "cluster_id": [0, 1, 2, 0],
            "addresses": [50, 25, 5, 30],
            "households": [50, 25, 5, 30],
            "cost_nok": [5_000_000.0, 2_850_000.0, 150_000.0, 2_400_000.0],
            "technology": ["fiber"] * 4,
            "subsidy_need_nok": [3_500_000.0, 2_100_000.0, 0.0, 1_500_000.0],
        }
    )
    frame["cost_per_household_nok"] = frame["cost_nok"] / frame["households"]
    frame["subsidy_need_per_household_nok"] = frame["subsidy_need_nok"] / frame["households"]
    boxes = [
        shapely.box(1000, 1000, 3000, 3000),
        shapely.box(5000, 5000, 6000, 6000),
        shapely.box(8000, 1000, 8500, 1500),
        shapely.box(12000, 2000, 14000, 4000),
    ]
    return gpd.GeoDataFrame(frame, geometry=boxes, crs=25833)


def cost_curve() -> pd.DataFrame:
    households = [5, 50, 25]
    cost = [150_000.0, 5_000_000.0, 2_850_000.0]
    frame = pd.DataFrame({"kommunenummer": "9901", "households": households, "cost_nok": cost})
    frame["cost_per_household_nok"] = frame["cost_nok"] / frame["households"]
    frame["cumulative_households"] = frame["households"].cumsum()
    frame["cumulative_cost_nok"] = frame["cost_nok"].cumsum()
    return frame


def manifest() -> dict[str, Any]:
    return {
        "run_id": "r-nov",
        "started_at": "2026-12-01T02:00:00+00:00",
        "code_version": "gapmap 0.1.0 (test)",
        "targets": TARGETS,
        "config": {
            "classify": {"map_target": "no2025"},
            "cost": {"target": "gigabit2030", "commercially_viable_nok_per_household": 30000.0},
        },
        "inputs": {
            "addresses": {
                "path": "/data/Basisdata_9900_Test_MatrikkelenAdresse.csv",
                "modified": "2026-11-30T12:00:00+00:00",
            },
            "offers": {"path": "/data/dekning.csv", "modified": "2026-11-15T12:00:00+00:00"},
        },
        "input_metadata": {
            "addresses": {
                "latest_oppdateringsdato": "2026-11-28T10:00:00",
                "datauttaksdato": "2026-11-29T05:00:00",
            },
        },
        "outputs": {},
    }


def map_layers() -> dict[str, gpd.GeoDataFrame]:
    kommuner = gpd.GeoDataFrame(
        {
            "kommunenummer": ["9801", "9901", "9902"],
            "kommunenavn": ["Nordøy", "Vestvik", HOSTILE_NAME],
        },
        geometry=[
            shapely.box(0, 20000, 10000, 30000),
            shapely.box(0, 0, 10000, 10000),
            shapely.box(10000, 0, 20000, 10000),
        ],
        crs=25833,
    )
    xs, ys = [1500.0, 2500.0, 5500.0, 8200.0, 13000.0], [1500.0, 2500.0, 5500.0, 1200.0, 3000.0]
    below = gpd.GeoDataFrame(
        {
            "address_id": [1, 2, 3, 4, 5],
            "kommunenummer": ["9901", "9901", "9901", "9901", "9902"],
            "households": [1, 4, 1, 2, 1],
            "class_no2025": ["unserved", "underserved", "unserved", "underserved", "unserved"],
            "class_gigabit2030": ["unserved"] * 5,
            "x_m": xs,
            "y_m": ys,
        },
        geometry=gpd.points_from_xy(xs, ys),
        crs=25833,
    )
    return {"kommuner": kommuner, "adresser_under_mal": below, "prosjektomrader": project_areas()}


def changes_summary() -> pd.DataFrame:
    rows = []
    for target, figures in {
        "no2025": {"served": (140, 150), "underserved": (35, 30), "unserved": (25, 20)},
        "gigabit2030": {"served": (100, 120), "underserved": (60, 50), "unserved": (40, 30)},
    }.items():
        for code, (before, after) in figures.items():
            rows.append(("kommune", "99", "9901", "Vestvik", target, code, before, after))
    rows.append(("kommune", "99", "9902", HOSTILE_NAME, "no2025", "served", 280, 290))
    rows.append(("fylke", "99", None, "Testfylke", "no2025", "served", 420, 440))
    frame = pd.DataFrame(
        rows,
        columns=[
            "level",
            "fylkesnummer",
            "kommunenummer",
            "kommunenavn",
            "target",
            "class",
            "households_before",
            "households_after",
        ],
    )
    frame["households_change"] = frame["households_after"] - frame["households_before"]
    return frame.assign(previous_run_id="r-okt", previous_started_at="2026-11-01T02:00:00+00:00")


def gap_reasons() -> pd.DataFrame:
    rows = [
        ("9901", "no2025", "copper_only", "Bare kobber (DSL)", 25),
        ("9901", "no2025", "no_offer", "Ingen tilbud registrert", 15),
        ("9901", "no2025", "fwa_blocked", "Trådløst tilbud skygget av terrenget", 6),
        ("9901", "no2025", "fibre_far", "Nærmeste fiber er langt unna", 4),
        ("9901", "gigabit2030", "copper_only", "Bare kobber (DSL)", 70),
        ("9902", "no2025", "no_offer", "<b>Ingen</b> tilbud", 10),
    ]
    frame = pd.DataFrame(
        rows, columns=["kommunenummer", "target", "reason", "reason_nb", "households"]
    )
    return frame.assign(
        level="kommune", fylkesnummer="99", kommunenavn="x", addresses=frame["households"]
    )


def trend() -> pd.DataFrame:
    rows = []
    for run_id, started_at, share_2025, share_2030 in (
        ("r-nov", "2026-12-01T02:00:00+00:00", 0.75, 0.60),
        ("r-sep", "2026-10-01T02:00:00+00:00", 0.65, 0.45),
        ("r-okt", "2026-11-01T02:00:00+00:00", 0.70, 0.50),
    ):
        for target, share in (("no2025", share_2025), ("gigabit2030", share_2030)):
            rows.append(
                (
                    run_id,
                    started_at,
                    "kommune",
                    "99",
                    "9901",
                    "Vestvik",
                    target,
                    200,
                    share * 200,
                    0,
                    0,
                    share,
                )
            )
    return pd.DataFrame(
        rows,
        columns=[
            "run_id",
            "started_at",
            "level",
            "fylkesnummer",
            "kommunenummer",
            "kommunenavn",
            "target",
            "households",
            "served_households",
            "underserved_households",
            "unserved_households",
            "served_share",
        ],
    )


def write_publication(folder: Path, with_optional: bool = True) -> Path:
    """The hand-made publication in ``folder`` (the optional tables only ``with_optional``)."""
    tables = folder / "tables"
    tables.mkdir(parents=True)
    write_csv(gap_table(), tables / "gap_table.csv")
    write_csv(cost_curve(), tables / "cost_curve.csv")
    write_csv(pd.DataFrame(project_areas().drop(columns="geometry")), tables / "project_areas.csv")
    (folder / "manifest.json").write_text(json.dumps(manifest()), encoding="utf-8")
    for layer, frame in map_layers().items():
        frame.to_file(folder / "gapmap.gpkg", layer=layer, driver="GPKG")
    if with_optional:
        write_csv(changes_summary(), tables / "changes_summary.csv")
        write_csv(gap_reasons(), tables / "gap_reasons.csv")
        write_csv(trend(), tables / "trend.csv")
    return folder
