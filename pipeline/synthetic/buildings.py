"""The demo region's building points, in Matrikkelen Bygningspunkt's attribute layout.

Written from the demo's address file (read back with :func:`layers.addresses.read_addresses`,
so every building sits on an address's cadastral unit): per address one main building drawn
from :data:`MAIN_TYPES` (houses, cabins, farmhouses, two-family houses, businesses, a garage
alone); every farm (113) gets a barn (241) and a garage (181) on its unit; one block of flats
(142) with its dwelling count; and a few sheds without cadastral numbers, near an address (the
nearest-address fallback) and far from any (unlinked). A GeoPackage, layer ``bygning``.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.addresses import read_addresses

# bygningstype of each address's main building → share (SSB codes; layers/buildings.py)
MAIN_TYPES = {
    "111": 0.55,  # enebolig
    "161": 0.20,  # fritidsbygning (hytte)
    "113": 0.08,  # våningshus: a farm
    "121": 0.06,  # tomannsbolig
    "311": 0.03,  # kontor- og forretningsbygning
    "511": 0.02,  # hotell
    "641": 0.02,  # skole
    "181": 0.04,  # a garage alone: no premises
}
BLOCK_DWELLINGS = 12  # the block of flats' bruksenheter
FIRST_BUILDING_NUMBER = 180_000_000


def _frame(
    addresses: pd.DataFrame, types: np.ndarray, offset_m: float, with_unit: bool
) -> pd.DataFrame:
    n = len(addresses)
    blank = np.full(n, "", dtype=object)
    return pd.DataFrame(
        {
            "bygningstype": types,
            "bygningsstatus": "TB",
            "kommunenummer": addresses["kommunenummer"].to_numpy(),
            "gardsnummer": addresses["gnr"].astype("string").to_numpy() if with_unit else blank,
            "bruksnummer": addresses["bnr"].astype("string").to_numpy() if with_unit else blank,
            "festenummer": "",
            "seksjonsnummer": "",
            "bruksenheter": "",
            "x": addresses["x_m"].to_numpy() + offset_m,
            "y": addresses["y_m"].to_numpy() + offset_m / 2,
        }
    )


def demo_buildings(addresses: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The building rows (text attributes, ``x``/``y`` in EPSG:25833) for ``addresses``."""
    with_unit = addresses.loc[addresses["gnr"].notna() & addresses["bnr"].notna()]
    types = rng.choice(list(MAIN_TYPES), size=len(with_unit), p=list(MAIN_TYPES.values()))
    block = int(rng.integers(len(with_unit)))
    types[block] = "142"
    main = _frame(with_unit, types, 3.0, True)
    main.loc[main.index[block], "bruksenheter"] = str(BLOCK_DWELLINGS)
    farms = with_unit.loc[types == "113"]
    barns = _frame(farms, np.full(len(farms), "241"), 25.0, True)
    garages = _frame(farms, np.full(len(farms), "181"), -20.0, True)
    near = with_unit.iloc[:: max(1, len(with_unit) // 5)].iloc[:5]
    sheds = _frame(near, np.full(len(near), "181"), 15.0, False)
    far = _frame(near.iloc[:1], np.array(["181"]), 5_000.0, False)
    rows = pd.concat([main, barns, garages, sheds, far], ignore_index=True)
    rows.insert(0, "bygningsnummer", (FIRST_BUILDING_NUMBER + np.arange(len(rows))).astype(str))
    return rows


def write_demo_buildings(address_file: Path, path: Path, seed: int) -> Path:
    """Write the demo's building points for the addresses of ``address_file`` to ``path``."""
    addresses = read_addresses(address_file).accepted
    rows = demo_buildings(addresses, np.random.default_rng([seed, 7]))
    points = shapely.points(rows.pop("x").to_numpy(), rows.pop("y").to_numpy())
    frame = gpd.GeoDataFrame(rows.astype("string"), geometry=points, crs=25833)
    frame.to_file(path, driver="GPKG", layer="bygning")
    return path
