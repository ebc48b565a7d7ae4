"""Nkom's address-level tables for the demo region: ``nkom/adr.parquet``, ``fbb.parquet`` and
``mob.parquet`` in the real layout (:mod:`layers.nkom_address_data`), drawn from the demo's own
addresses and offers so that both describe the same region.

- ``adr``: every accepted demo address; ``hus`` its households, except that a quarter of the
  addresses without a fixed offer of 100 Mbit/s or more are holiday homes (``hus`` 0,
  ``fritid`` 1: cabins, which Nkom does not count as households); ``pers`` ≈ 2.1 per household
  (SSB: about 2.1 persons per household); ``ertett`` when 15 or more addresses lie within
  300 m (a stand-in for SSB's tettsted: 200 residents, houses under 50 m apart).
- ``fbb``: the fixed offers, ``tek`` by the inverse of Nkom's mapping (``xdsl`` as ``annet``),
  speeds in kbit/s; 15 % of the fibre rows only pass the home (``hc`` false), 20 % of all rows
  are on another operator's infrastructure (``egen`` false).
- ``mob``: the mobile offers, ``4g``/``5g``, download in kbit/s.

The demo config names the files in comments; uncommented, households come from ``adr``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from layers.addresses import read_addresses
from layers.kommuner import fylke_names
from layers.nkom_address_data import KBIT_PER_MBIT, MOBILE_TECHNOLOGY
from layers.offers import read_offers

# the types of Nkom's files (the public data dictionary of the 2022–2024 tables)
ADR_SCHEMA: Final = pa.schema(
    [
        ("adrid", pa.int64()),
        ("fylke", pa.string()),
        ("komnavn", pa.string()),
        ("ertett", pa.bool_()),
        ("hus", pa.int16()),
        ("pers", pa.int16()),
        ("fritid", pa.int16()),
    ]
)
FBB_SCHEMA: Final = pa.schema(
    [
        ("adrid", pa.int64()),
        ("tilb", pa.string()),
        ("tek", pa.string()),
        ("ned", pa.int64()),
        ("opp", pa.int64()),
        ("hc", pa.bool_()),
        ("egen", pa.bool_()),
    ]
)
MOB_SCHEMA: Final = pa.schema(
    [("adrid", pa.int64()), ("tilb", pa.string()), ("tek", pa.string()), ("ned", pa.int32())]
)
NKOM_TEK: Final = {"fiber": "fiber", "hfc": "kabel", "fwa": "ftb", "xdsl": "annet"}
NKOM_TEK_SATELLITE: Final = {"satellite": "satellitt"}
MOBILE_TEK: Final = {value: key for key, value in MOBILE_TECHNOLOGY.items()}
HOLIDAY_SHARE: Final = 0.25  # of the addresses without 100 Mbit/s fixed
PERSONS_PER_HOUSEHOLD: Final = 2.1
TETTSTED_NEIGHBOURS: Final = 15
TETTSTED_RADIUS_M: Final = 300.0
PASSED_SHARE: Final = 0.15
NOT_OWN_SHARE: Final = 0.20


@dataclass(frozen=True)
class NkomTables:
    """The paths of the three tables written."""

    addresses: Path
    fixed: Path
    mobile: Path


def write_parquet(path: Path, frame: pd.DataFrame, schema: pa.Schema) -> Path:
    """Write ``frame``'s columns of ``schema`` with exactly those types."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(frame[schema.names], schema=schema, preserve_index=False)
    pq.write_table(table, path)
    return path


def in_tettsted(x_m: np.ndarray, y_m: np.ndarray) -> np.ndarray:
    """Whether at least :data:`TETTSTED_NEIGHBOURS` other addresses lie within
    :data:`TETTSTED_RADIUS_M` (one STRtree query over all points)."""
    points: np.ndarray = np.asarray(shapely.points(x_m, y_m))
    tree = shapely.STRtree(points)
    left, _ = tree.query(points, predicate="dwithin", distance=TETTSTED_RADIUS_M)
    neighbours = np.bincount(left, minlength=len(points)) - 1  # each point finds itself
    return neighbours >= TETTSTED_NEIGHBOURS


def register_table(
    addresses: pd.DataFrame, offers: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """``adr`` for ``addresses`` (canonical address layer) given their ``offers``."""
    fixed_100 = offers.loc[
        offers["technology"].isin(list(NKOM_TEK)) & (offers["down_mbps"] >= 100.0), "address_id"
    ]
    without = ~addresses["address_id"].isin(fixed_100).to_numpy()
    holiday = without & (rng.random(len(addresses)) < HOLIDAY_SHARE)
    households = np.where(holiday, 0, addresses["households"].to_numpy())
    fylker = addresses["kommunenummer"].str[:2]
    return pd.DataFrame(
        {
            "adrid": addresses["address_id"].to_numpy(),
            "fylke": fylke_names(None, fylker).str.upper().to_numpy(),
            "komnavn": addresses["kommunenavn"].str.upper().to_numpy(),
            "ertett": in_tettsted(addresses["x_m"].to_numpy(), addresses["y_m"].to_numpy()),
            "hus": households,
            "pers": np.round(households * PERSONS_PER_HOUSEHOLD).astype("int64"),
            "fritid": holiday.astype("int64"),
        }
    )


def fixed_table(offers: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """``fbb`` from the fixed and satellite offers (speeds Mbit/s → kbit/s)."""
    tek = {**NKOM_TEK, **NKOM_TEK_SATELLITE}
    fixed = offers.loc[offers["technology"].isin(list(tek))]
    is_fibre = (fixed["technology"] == "fiber").to_numpy()
    return pd.DataFrame(
        {
            "adrid": fixed["address_id"].to_numpy(),
            "tilb": fixed["operator"].to_numpy(),
            "tek": fixed["technology"].map(tek).to_numpy(),
            "ned": np.round(fixed["down_mbps"].to_numpy() * KBIT_PER_MBIT).astype("int64"),
            "opp": np.round(fixed["up_mbps"].to_numpy() * KBIT_PER_MBIT).astype("int64"),
            "hc": ~(is_fibre & (rng.random(len(fixed)) < PASSED_SHARE)),
            "egen": rng.random(len(fixed)) >= NOT_OWN_SHARE,
        }
    )


def mobile_table(offers: pd.DataFrame) -> pd.DataFrame:
    """``mob`` from the mobile offers (download Mbit/s → kbit/s)."""
    mobile = offers.loc[offers["technology"].isin(list(MOBILE_TEK))]
    return pd.DataFrame(
        {
            "adrid": mobile["address_id"].to_numpy(),
            "tilb": mobile["operator"].str.lower().to_numpy(),
            "tek": mobile["technology"].map(MOBILE_TEK).to_numpy(),
            "ned": np.round(mobile["down_mbps"].to_numpy() * KBIT_PER_MBIT).astype("int32"),
        }
    )


def write_nkom_tables(
    folder: Path, addresses_path: Path, offers_path: Path, seed: int = 2025
) -> NkomTables:
    """Write ``adr``/``fbb``/``mob`` Parquet files into ``folder`` from the demo's address
    and offers files (read with the project's readers: the bad demo rows stay out)."""
    rng = np.random.default_rng([seed, 9])
    addresses = read_addresses(addresses_path).accepted
    offers = read_offers(offers_path).accepted
    offers = offers.loc[offers["address_id"].isin(addresses["address_id"])]
    tables = NkomTables(folder / "adr.parquet", folder / "fbb.parquet", folder / "mob.parquet")
    write_parquet(tables.addresses, register_table(addresses, offers, rng), ADR_SCHEMA)
    write_parquet(tables.fixed, fixed_table(offers, rng), FBB_SCHEMA)
    write_parquet(tables.mobile, mobile_table(offers), MOB_SCHEMA)
    return tables
