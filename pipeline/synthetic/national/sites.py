"""Wireless sites of the national set: 4G, 5G and FWA in populated cells (step 3).

National counts (scaled by the share of people built): 2,400 4G sites drawn with weight
√people over all cells, 1,200 5G sites with weight people over dense and medium cells, 900 FWA
sites with weight people over sparse cells; a site stands at a uniform point of its cell, its
frequency and range set by the cell's setting.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from layers.sites import COLUMNS as SITE_COLUMNS
from pipeline.synthetic.national.grid import draw_in_cells

# technology: (national count, operators, antenna m, MHz by setting, range m by setting,
#              site down/up Mbit/s)
SitePlan = tuple[
    int, tuple[str, ...], tuple[float, float], dict[str, int], dict[str, int], tuple[int, int]
]
SITE_PLAN: dict[str, SitePlan] = {
    "mobile_4g": (
        2_400,
        ("Nordlys Mobil", "Fjellradio", "Mobilen"),
        (30.0, 50.0),
        {"dense": 1800, "medium": 1800, "sparse": 800},
        {"dense": 3_000, "medium": 8_000, "sparse": 15_000},
        (150, 40),
    ),
    "mobile_5g": (
        1_200,
        ("Nordlys Mobil", "Fjellradio"),
        (20.0, 35.0),
        {"dense": 3500, "medium": 3500, "sparse": 700},
        {"dense": 1_500, "medium": 3_000, "sparse": 6_000},
        (500, 60),
    ),
    "fwa": (
        900,
        ("Fjellradio", "Bygdeluft"),
        (25.0, 40.0),
        {"dense": 3600, "medium": 3600, "sparse": 3600},
        {"dense": 5_000, "medium": 8_000, "sparse": 10_000},
        (300, 50),
    ),
}
SITE_CODE = {"mobile_4g": "4G", "mobile_5g": "5G", "fwa": "FWA"}


def site_table(
    grid: pd.DataFrame, setting: np.ndarray, scale: float, rng: np.random.Generator
) -> pd.DataFrame:
    """4G, 5G and FWA sites in populated cells (``SITE_PLAN``; counts × ``scale``), in the
    columns of :mod:`layers.sites`."""
    people = grid["people"].to_numpy().astype("float64")
    weights = {
        "mobile_4g": np.sqrt(people),
        "mobile_5g": np.where(setting != "sparse", people, 0.0),
        "fwa": np.where(setting == "sparse", people, 0.0),
    }
    parts = []
    for technology, (count, operators, height_m, mhz, range_m, speed) in SITE_PLAN.items():
        weight = weights[technology] if weights[technology].sum() > 0 else people
        n = min(max(3, round(count * scale)), int((weight > 0).sum()))
        cell = np.sort(rng.choice(len(grid), n, replace=False, p=weight / weight.sum()))
        x_m, y_m = draw_in_cells(grid, cell, rng)
        operator = np.array(operators)[rng.integers(0, len(operators), n)]
        site_setting = pd.Series(setting[cell])
        columns = {
            "site_id": [f"{SITE_CODE[technology]}-{i:05d}" for i in range(1, n + 1)],
            "operator": operator,
            "technology": technology,
            "east_m": x_m,
            "north_m": y_m,
            "epsg": 25833,
            "antenna_height_m": np.round(rng.uniform(*height_m, n) * 2) / 2,
            "frequency_mhz": site_setting.map(mhz).to_numpy(),
            "max_range_m": site_setting.map(range_m).to_numpy(),
            "down_mbps": speed[0],
            "up_mbps": speed[1],
        }
        parts.append(pd.DataFrame({name: columns[name] for name in SITE_COLUMNS}))
    return pd.concat(parts, ignore_index=True)


def nearest_site(
    sites: pd.DataFrame, technology: str, x_m: np.ndarray, y_m: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Row in ``sites`` of the nearest site of ``technology`` and distance / its range.

    Returns ``(-1, inf)`` where there is no site of that technology.
    """
    chosen = sites.index[sites["technology"] == technology].to_numpy()
    if chosen.size == 0:
        return np.full(x_m.size, -1), np.full(x_m.size, np.inf)
    xy = sites.loc[chosen, ["east_m", "north_m"]].to_numpy()
    distance_m, nearest = cKDTree(xy).query(np.column_stack([x_m, y_m]), k=1)
    range_m = sites.loc[chosen, "max_range_m"].to_numpy()[nearest]
    return chosen[nearest], distance_m / range_m
