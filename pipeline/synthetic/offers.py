"""Wireless sites of the gapmap demo region (fictional) and the offers drawn for its addresses.

Offers (``dekning.csv``): towns fibre 1000/1000 and/or HFC 1000/100, xDSL only beyond 1.9 spreads
from the centre; villages xDSL 20–60/1–10; farms xDSL 5–25/0.5–2, a Luftlinje FWA 50/10 claim
within a mast's range, or no fixed offer; Bakdalen, the valley behind the ridge, only Luftlinje
FWA 50/10 from ``LL-STORLIA-FWA`` (the ridge blocks it); the island nothing at all, though the
mast ``MN-KYST-4G`` (6.0, 7.0) faces it across the water. mobile_4g reaches most town and village
addresses and half the farms, mobile_5g some town addresses near a 5G site, satellite 200/20 12 %
of the mainland; many farms have no row at all.

:mod:`pipeline.synthetic.region` writes the tables as ``master.csv`` and ``dekning.csv``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from layers.sites import COLUMNS as SITE_COLUMNS
from pipeline.synthetic.terrain import on_land, to_m

SITES = (  # site_id, operator, technology, (x_km, y_km), antenna m, MHz, range m, down, up
    ("LL-STORLIA-FWA", "Luftlinje", "fwa", (25.5, 15.3), 30, 3600, 10000, 50, 10),
    ("LL-FJORDVIK-FWA", "Luftlinje", "fwa", (8.4, 17.6), 35, 3600, 8000, 50, 10),
    ("LL-NORDHEIM-FWA", "Luftlinje", "fwa", (12.6, 25.9), 30, 3600, 8000, 50, 10),
    ("LL-DALSBYGD-FWA", "Luftlinje", "fwa", (24.4, 5.3), 30, 3600, 8000, 50, 10),
    ("MN-FJORDVIK-4G", "Mobilnett", "mobile_4g", (7.9, 17.3), 40, 800, 15000, 60, 15),
    ("MN-KYST-4G", "Mobilnett", "mobile_4g", (6.0, 7.0), 40, 800, 8000, 60, 15),
    ("MN-DALSBYGD-4G", "Mobilnett", "mobile_4g", (23.6, 5.0), 35, 800, 12000, 60, 15),
    ("MN-NORDHEIM-5G", "Mobilnett", "mobile_5g", (12.0, 25.4), 30, 3500, 3000, 300, 50),
    ("MN-STORLIA-5G", "Mobilnett", "mobile_5g", (25.1, 15.6), 30, 3500, 3000, 300, 50),
)
OPERATORS = {
    "fiber": "Fjordnett",
    "hfc": "Kabel-Norge",
    "xdsl": "Kobber AS",
    "fwa": "Luftlinje",
    "mobile_5g": "Mobilnett",
    "mobile_4g": "Mobilnett",
    "satellite": "Satnett",
}


def site_table(elevation_m: np.ndarray) -> pd.DataFrame:
    """The wireless sites of ``SITES`` in EPSG:25833; raise if one stands in the sea."""
    sites = pd.DataFrame(
        [(*site[:3], *to_m(*np.array(site[3])), 25833, *site[4:]) for site in SITES],
        columns=list(SITE_COLUMNS),
    )
    land = on_land(elevation_m, sites["east_m"].to_numpy(), sites["north_m"].to_numpy())
    if not land.all():
        msg = f"demo sites {sites['site_id'][~land].tolist()} stand in the sea; expected land"
        raise RuntimeError(msg)
    return sites


def offer_table(
    addresses: pd.DataFrame, sites: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """Offers per address and technology, by the rules in the module docstring."""
    n = len(addresses)
    kind = addresses["kind"].to_numpy()
    town, village, farm = kind == "town", kind == "village", kind == "farm"
    edge = town & (addresses["r_sigma"].to_numpy() > 1.9)
    draw = rng.random((n, 5))
    fiber = town & ~edge & (draw[:, 0] < 0.8)
    hfc = town & ~edge & (draw[:, 1] < 0.5)
    xdsl = (town & ~fiber & ~hfc) | (village & (draw[:, 0] < 0.9)) | (farm & (draw[:, 0] < 0.35))
    fwa_claim = (
        farm & (draw[:, 0] >= 0.35) & (draw[:, 0] < 0.6) & _in_range(addresses, sites, "fwa")
    )
    near_5g = town & _in_range(addresses, sites, "mobile_5g")
    rules = [
        ("fiber", fiber, 1000, 1000),
        ("hfc", hfc, 1000, 100),
        (
            "xdsl",
            xdsl,
            np.where(farm, rng.integers(5, 26, n), rng.integers(20, 61, n)),
            np.where(farm, rng.uniform(0.5, 2.0, n).round(1), rng.integers(1, 11, n)),
        ),
        ("fwa", (kind == "valley") | fwa_claim, 50, 10),
        (
            "mobile_5g",
            near_5g & (draw[:, 3] < 0.6),
            rng.integers(100, 401, n),
            rng.integers(20, 61, n),
        ),
        (
            "mobile_4g",
            ((town | village) & (draw[:, 2] < 0.85)) | (farm & (draw[:, 2] < 0.5)),
            rng.integers(30, 81, n),
            rng.integers(5, 21, n),
        ),
        ("satellite", (town | village | farm) & (draw[:, 4] < 0.12), 200, 20),
    ]
    return _offer_rows(addresses["address_id"].to_numpy(), rules)


def _offer_rows(address_id: np.ndarray, rules: list[tuple[Any, ...]]) -> pd.DataFrame:
    """One row per address and rule that applies, ordered by address then technology."""
    parts = []
    for order, (technology, applies, down_mbps, up_mbps) in enumerate(rules):
        rows = np.flatnonzero(applies)
        speeds = {
            "down_mbps": np.broadcast_to(down_mbps, applies.shape)[rows].astype(float),
            "up_mbps": np.broadcast_to(up_mbps, applies.shape)[rows].astype(float),
        }
        parts.append(
            pd.DataFrame({"row": rows, "order": order, "technology": technology, **speeds})
        )
    offers = pd.concat(parts).sort_values(["row", "order"], kind="stable", ignore_index=True)
    offers.insert(0, "address_id", address_id[offers["row"]])
    offers.insert(1, "operator", offers["technology"].map(OPERATORS))
    return offers.drop(columns=["row", "order"])


def _in_range(addresses: pd.DataFrame, sites: pd.DataFrame, technology: str) -> np.ndarray:
    """True where an address lies within ``max_range_m`` of a site of ``technology``."""
    chosen = sites[sites["technology"] == technology]
    distance_m = np.hypot(
        addresses["x_m"].to_numpy()[:, None] - chosen["east_m"].to_numpy()[None, :],
        addresses["y_m"].to_numpy()[:, None] - chosen["north_m"].to_numpy()[None, :],
    )
    return np.asarray((distance_m <= chosen["max_range_m"].to_numpy()[None, :]).any(axis=1))
