"""A generated kommune of 300,000 addresses (about Oslo's 290,000) for the scale tests of the
address layer: numpy inside a 20 × 15 km polygon, dense centres and scattered farms, realistic
address texts ("Storgata 12B"), several operators and technologies, three targets.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Polygon

from maps import style
from maps.kommune import KommuneMapInputs
from maps.style import TargetSpec

BIG_TARGETS = (
    TargetSpec("no2020", 50.0, 10.0, "50/10 Mbit/s (mål 2020)"),
    TargetSpec("no2025", 100.0, 10.0, "100/10 Mbit/s (mål 2025)"),
    TargetSpec("gigabit2030", 1000.0, None, "1 Gbit/s (mål 2030)"),
)
COST_TARGET = "gigabit2030"
_PREFIXES = (
    "Stor",
    "Kirke",
    "Skole",
    "Bjørke",
    "Møller",
    "Åsen",
    "Ærfugl",
    "Sjø",
    "Prest",
    "Gran",
    "Lille",
    "Øvre",
    "Nedre",
    "Fjord",
    "Bak",
    "Løvås",
    "Tårn",
    "Hav",
    "Myr",
    "Eng",
)
_SUFFIXES = (
    "gata",
    "veien",
    "vegen",
    "bakken",
    "stien",
    "løkka",
    "lia",
    "haugen",
    "svingen",
    "tunet",
)
_OFFERS = (  # technology, operator, down, up
    ("fiber", "Telenor", 1000.0, 1000.0),
    ("fiber", "Altibox", 500.0, 500.0),
    ("hfc", "Telia", 1000.0, 100.0),
    ("xdsl", "Telenor", 40.0, 8.0),
    ("xdsl", "Telenor", 12.0, 1.0),
    ("fwa", "Lyse <Fiber>", 150.0, 20.0),
    ("mobile_4g", "Ice", 60.0, 12.0),
    ("mobile_5g", "Telia", 300.0, 40.0),
    (None, None, np.nan, np.nan),
)
_OFFER_WEIGHTS = np.array([30, 15, 15, 10, 6, 8, 6, 6, 4], float)
_POLYGON = Polygon(
    [(590_000, 6_635_000), (610_000, 6_636_000), (609_000, 6_650_000), (592_000, 6_648_000)]
)


def _classify(down: np.ndarray, up: np.ndarray, target: TargetSpec) -> np.ndarray:
    up_ok = np.ones(len(down), bool) if target.up_mbps is None else up >= target.up_mbps
    served = (down >= target.down_mbps) & up_ok
    basic = (down >= 30) & (up >= 5)
    return np.where(served, "served", np.where(basic, "underserved", "unserved"))


def _points(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points inside the polygon: 80 % around 12 centres, the rest uniform."""
    minx, miny, maxx, maxy = _POLYGON.bounds
    centres = rng.uniform([minx + 2000, miny + 2000], [maxx - 2000, maxy - 2000], (12, 2))
    xs, ys, have = [], [], 0
    while have < n:
        m = 2 * n
        dense = rng.random(m) < 0.8
        pick = centres[rng.integers(0, 12, m)]
        x = np.where(dense, pick[:, 0] + rng.normal(0, 900, m), rng.uniform(minx, maxx, m))
        y = np.where(dense, pick[:, 1] + rng.normal(0, 900, m), rng.uniform(miny, maxy, m))
        inside = gpd.GeoSeries(gpd.points_from_xy(x, y)).within(_POLYGON).to_numpy()
        xs.append(x[inside])
        ys.append(y[inside])
        have += int(inside.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def big_addresses(n: int = 300_000, seed: int = 11) -> pd.DataFrame:
    """The generated kommune's address table (columns of the write_maps contract)."""
    rng = np.random.default_rng(seed)
    x, y = _points(rng, n)
    lonlat = gpd.GeoSeries(gpd.points_from_xy(x, y), crs="EPSG:25833").to_crs("EPSG:4326")
    streets = np.array([p + s for p in _PREFIXES for s in _SUFFIXES], dtype=object)
    letters = np.array(["", "", "", "", "A", "B", "C"], dtype=object)
    number = rng.integers(1, 160, n).astype(str).astype(object)
    text = streets[rng.integers(0, len(streets), n)] + " " + number
    text = text + letters[rng.integers(0, len(letters), n)]
    offer = rng.choice(len(_OFFERS), n, p=_OFFER_WEIGHTS / _OFFER_WEIGHTS.sum())
    tech, operator, down, up = (np.array(col, dtype=object) for col in zip(*_OFFERS, strict=True))
    frame = pd.DataFrame(
        {
            "address_id": 300_000_000 + np.arange(n),
            "kommunenummer": "0301",
            "address_text": text,
            "households": np.where(rng.random(n) < 0.15, rng.integers(2, 40, n), 1),
            "lon": lonlat.x.to_numpy(),
            "lat": lonlat.y.to_numpy(),
            "best_technology": tech[offer],
            "best_operator": operator[offer],
            "best_down_mbps": down[offer].astype(float),
            "best_up_mbps": up[offer].astype(float),
        }
    )
    for target in BIG_TARGETS:
        frame[f"class_{target.name}"] = _classify(
            frame["best_down_mbps"].fillna(0).to_numpy(),
            frame["best_up_mbps"].fillna(0).to_numpy(),
            target,
        )
    costed = frame[f"class_{COST_TARGET}"] != "served"
    frame["cost_nok"] = np.where(costed, np.round(rng.uniform(20_000, 400_000, n)), np.nan)
    return frame


def gap_row_of(addresses: pd.DataFrame) -> dict[str, object]:
    """The kommune's gap-table row, summed from its addresses."""
    households = int(addresses["households"].sum())
    row: dict[str, object] = {
        "kommunenummer": "0301",
        "kommunenavn": "Storby",
        "households": households,
        "cost_nok": float(addresses["cost_nok"].sum()),
        "households_below_cost_target": int(
            addresses.loc[addresses["cost_nok"].notna(), "households"].sum()
        ),
    }
    for target in BIG_TARGETS:
        below = 0
        for code in style.CLASS_ORDER:
            mask = addresses[f"class_{target.name}"] == code
            value = int(addresses.loc[mask, "households"].sum())
            row[f"{code}_households_{target.name}"] = value
            below += value if code != "served" else 0
        row[f"below_target_share_{target.name}"] = below / households
    return row


def big_kommune_inputs(n: int = 300_000) -> KommuneMapInputs:
    """The map inputs of the generated kommune (map target 2025, costs for 1 Gbit/s)."""
    addresses = big_addresses(n)
    return KommuneMapInputs(
        "0301",
        "Storby",
        gap_row_of(addresses),
        gpd.GeoDataFrame(geometry=[_POLYGON], crs="EPSG:25833"),
        addresses,
        BIG_TARGETS,
        BIG_TARGETS[1],
        {"run_id": "stor-test", "cost_target": COST_TARGET},
    )
