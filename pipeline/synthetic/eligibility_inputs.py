"""The demo region's inputs for the support scheme's rules (:mod:`pipeline.eligibility`).

Written after the addresses, offers and fibre lines, and chosen among the addresses the scheme
could otherwise fund (households, no fixed offer of :data:`DEMO_SCHEME_DOWN_MBPS`, no fibre or
HFC offer, not beside the fibre lines), so that each rule takes households of its own:

- ``planlagt.geojson``: two planned builds, one dated within the three-year horizon (its
  households are ``planned``), one dated beyond it (they stay eligible);
- ``tilskudd.geojson``: an area granted support in 2024 (``funded``);
- ``5g_forpliktelse.csv``: Nkom's 5G obligation list in its address-list layout
  (``adresseid;adressetekst;kommunenummer;nord;øst;klasse``), four rows by id and two by
  coordinates only (linked to the nearest address), ``obligation_5g``.

``has_network`` and ``upgradable`` come from the demo's own offers and fibre lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from layers.addresses import read_addresses
from layers.network import read_network
from layers.offers import read_offers
from pipeline.synthetic.writers import lonlat_geometry, write_feature_collection

DEMO_SCHEME_DOWN_MBPS = 30.0  # the demo config's [eligibility].scheme_down_mbps
DEMO_FIBRE_PASSES_M = 30.0  # the demo config's [eligibility].fibre_passes_within_m
AREA_HALF_SIDE_M = 300.0
# kommune → (file, properties) of the area around its first candidate address
AREAS = {
    "9901": ("planned", {"navn": "Fiber Nordbygd", "utbygger": "Demofiber AS",
                         "build_date": "2027-06-30"}),
    "9903": ("planned", {"navn": "Fiber Vestli (senere)", "utbygger": "Demofiber AS",
                         "build_date": "2033-06-30"}),
    "9902": ("funded", {"navn": "Støtteprosjekt Sørdal", "year": 2024}),
}  # fmt: skip
OBLIGATION_KOMMUNER = ("9904", "9905")
OBLIGATION_ROWS_PER_KOMMUNE = 3


@dataclass(frozen=True)
class EligibilityFiles:
    """The files written, for the demo config's ``[inputs]``."""

    planned_areas: Path
    funded_areas: Path
    obligation_5g: Path


def candidate_addresses(addresses: Path, offers: Path, fibre: Path) -> pd.DataFrame:
    """The addresses no rule but the demo's areas and list would take, by ``address_id``."""
    located = read_addresses(addresses).accepted
    offer_rows = read_offers(offers).accepted
    fixed = offer_rows.loc[offer_rows["technology"].isin(["fiber", "hfc", "xdsl", "fwa"])]
    fast = fixed.loc[fixed["down_mbps"] >= DEMO_SCHEME_DOWN_MBPS, "address_id"]
    upgradable = offer_rows.loc[offer_rows["technology"].isin(["fiber", "hfc"]), "address_id"]
    lines = read_network(fibre).accepted.geometry.to_numpy()
    points = np.asarray(shapely.points(located["x_m"].to_numpy(), located["y_m"].to_numpy()))
    _, near = shapely.STRtree(points).query(lines, "dwithin", distance=DEMO_FIBRE_PASSES_M)
    keep = (
        (located["households"] > 0)
        & ~located["address_id"].isin(fast)
        & ~located["address_id"].isin(upgradable)
        & ~located.index.isin(located.index[near])
    )
    return located.loc[keep].sort_values("address_id").reset_index(drop=True)


def _square(x_m: float, y_m: float) -> shapely.Geometry:
    half = AREA_HALF_SIDE_M
    return shapely.box(x_m - half, y_m - half, x_m + half, y_m + half)


def _write_areas(candidates: pd.DataFrame, root: Path) -> tuple[Path, Path, list[shapely.Geometry]]:
    features: dict[str, list[dict[str, object]]] = {"planned": [], "funded": []}
    squares = []
    for knr, (status, properties) in AREAS.items():  # three areas
        first = candidates.loc[candidates["kommunenummer"] == knr].iloc[0]
        square = _square(float(first["x_m"]), float(first["y_m"]))
        squares.append(square)
        features[status].append(
            {"type": "Feature", "properties": properties, "geometry": lonlat_geometry(square)}
        )
    planned, funded = root / "planlagt.geojson", root / "tilskudd.geojson"
    write_feature_collection(planned, features["planned"])
    write_feature_collection(funded, features["funded"])
    return planned, funded, squares


def _write_obligation_list(candidates: pd.DataFrame, path: Path) -> None:
    """Nkom's address-list layout; the last row of each kommune gives only its point, 5 m off
    the address (a building point beside it)."""
    parts = [
        candidates.loc[candidates["kommunenummer"] == knr].head(OBLIGATION_ROWS_PER_KOMMUNE)
        for knr in OBLIGATION_KOMMUNER
    ]
    listed = pd.concat(parts, ignore_index=True)
    by_point = np.zeros(len(listed), dtype=bool)
    by_point[OBLIGATION_ROWS_PER_KOMMUNE - 1 :: OBLIGATION_ROWS_PER_KOMMUNE] = True
    table = pd.DataFrame(
        {
            "adresseid": listed["address_id"].astype("Int64").mask(by_point),
            "adressetekst": listed["address_text"],
            "kommunenummer": listed["kommunenummer"],
            "nord": listed["y_m"].round(1),
            "øst": (listed["x_m"] + 5.0 * by_point).round(1),
            "klasse": np.arange(len(listed)) % 3 + 1,
        }
    )
    table.to_csv(path, sep=";", index=False, encoding="utf-8")


def write_eligibility_inputs(
    root: Path, addresses: Path, offers: Path, fibre: Path
) -> EligibilityFiles:
    """Write the planned and funded areas and the 5G obligation list into ``root``."""
    candidates = candidate_addresses(addresses, offers, fibre)
    planned, funded, squares = _write_areas(candidates, root)
    outside = ~shapely.intersects(
        shapely.union_all(squares),
        np.asarray(shapely.points(candidates["x_m"].to_numpy(), candidates["y_m"].to_numpy())),
    )
    obligation = root / "5g_forpliktelse.csv"
    _write_obligation_list(candidates.loc[outside], obligation)
    return EligibilityFiles(planned, funded, obligation)
