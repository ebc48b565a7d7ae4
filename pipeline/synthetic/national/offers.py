"""Coverage offers of the national set, calibrated to Nkom 2024 (step 2 of the builder).

The setting of an address's cell (people per 250 m cell: dense ≥ 100, medium 20–99, sparse
< 20; sparse ≈ 18 % of the population, close to Nkom's "spredtbygd") sets the odds of its fixed
tier: 99.1 % of households ≥ 100 Mbit/s, 96.2 % gigabit, rural gigabit 82.4 % (Nkom 2024);
plus xDSL leftovers, 4G/5G (within range of a site) and satellite rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.synthetic.national.grid import SETTINGS
from pipeline.synthetic.national.sites import nearest_site

# Fixed-broadband tier per address by setting: G gigabit, H 100-999 Mbit/s, B 30-99 (floor),
# L below the 30/5 floor, N no fixed offer. Calibrated (household-weighted) to Nkom 2024.
TIER_PROBABILITY = {
    "dense": {"G": 0.997, "H": 0.002, "B": 0.001, "L": 0.0, "N": 0.0},
    "medium": {"G": 0.990, "H": 0.008, "B": 0.0015, "L": 0.0005, "N": 0.0},
    "sparse": {"G": 0.824, "H": 0.133, "B": 0.026, "L": 0.009, "N": 0.008},
}
SHARES = {  # share of addresses by setting
    "hfc": {"dense": 0.45, "medium": 0.10, "sparse": 0.0},  # HFC beside fibre on gigabit
    "hfc_only": {"dense": 0.08, "medium": 0.02, "sparse": 0.0},  # gigabit by HFC alone
    "second_fibre": {"dense": 0.15, "medium": 0.05, "sparse": 0.0},
    "copper": {"dense": 0.10, "medium": 0.30, "sparse": 0.35},  # xDSL beside gigabit
    "satellite": {"dense": 0.0, "medium": 0.04, "sparse": 0.35},
}
MOBILE_4G_SHARE, MOBILE_5G_SHARE = 0.9, 0.8  # of addresses within range of a site
NATIONAL_FIBRE = "Fibernett Norge"
REGIONAL_FIBRE = (
    "Kystfiber", "Dalnett", "Bygdefiber", "Fjordkraft Fiber", "Nordlysnett", "Vestnett",
    "Innlandsfiber", "Sørnett",
)  # fmt: skip
HFC_OPERATORS = ("Kabelnett", "Bykabel")
XDSL_OPERATOR = "Kobber AS"
SATELLITE_OPERATOR = "Himmelnett"
FIXED_TECHNOLOGIES = ("fiber", "hfc", "xdsl", "fwa")  # what Nkom counts as fixed


@dataclass
class OfferRows:
    """Offer rows collected rule by rule: address row, operator, technology, speeds."""

    parts: list[pd.DataFrame] = field(default_factory=list)

    def add(
        self,
        rows: np.ndarray,
        operator: np.ndarray | str,
        technology: str,
        down_mbps: np.ndarray | int,
        up_mbps: np.ndarray | int,
    ) -> None:
        """Add one offer of ``technology`` for each address row where ``rows`` is True."""
        index = np.flatnonzero(rows)
        operator_row = np.broadcast_to(np.asarray(operator, dtype=object), rows.shape)[index]
        self.parts.append(
            pd.DataFrame(
                {
                    "row": index,
                    "order": len(self.parts),
                    "operator": operator_row,
                    "technology": technology,
                    "down_mbps": np.broadcast_to(down_mbps, rows.shape)[index],
                    "up_mbps": np.broadcast_to(up_mbps, rows.shape)[index],
                }
            )
        )

    def table(self, address_id: np.ndarray) -> pa.Table:
        """All rows, ordered by address then rule, with the address ids."""
        offers = pd.concat(self.parts, ignore_index=True)
        offers = offers.sort_values(["row", "order"], kind="stable", ignore_index=True)
        return pa.table(
            {
                "address_id": address_id[offers["row"].to_numpy()],
                "operator": pa.array(offers["operator"].astype(str).to_numpy(), pa.string()),
                "technology": pa.array(offers["technology"].to_numpy(), pa.string()),
                "down_mbps": offers["down_mbps"].to_numpy().astype("int64"),
                "up_mbps": offers["up_mbps"].to_numpy().astype("int64"),
            }
        )


def draw_tiers(setting: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Fixed-broadband tier per address ("G", "H", "B", "L", "N") by ``TIER_PROBABILITY``."""
    tiers = np.array(list(TIER_PROBABILITY["dense"]))
    draw = rng.random(setting.size)
    tier = np.full(setting.size, "N", dtype="<U1")
    for name in SETTINGS:
        rows = setting == name
        cumulative = np.cumsum(list(TIER_PROBABILITY[name].values()))
        index = np.searchsorted(cumulative, draw[rows], side="right")
        tier[rows] = tiers[np.minimum(index, tiers.size - 1)]
    return tier


def pick(options: list[tuple[int, int]], rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` random (down, up) pairs from ``options``, as an (n, 2) array."""
    return np.array(options)[rng.integers(0, len(options), n)]


def fylke_slot(fylkesnummer: str) -> int:
    """The regional fibre operator of a fylke (a fixed, arbitrary mapping)."""
    return int(fylkesnummer) * 5 % len(REGIONAL_FIBRE)


def offer_table(
    x_m: np.ndarray,
    y_m: np.ndarray,
    address_id: np.ndarray,
    setting: np.ndarray,
    fylke: np.ndarray,
    sites: pd.DataFrame,
    rng: np.random.Generator,
) -> pa.Table:
    """Offers per address: fixed tier by setting, plus copper leftovers, mobile and satellite.

    Gigabit (G) is fibre 1000/1000 or 1000/500 from the national or the fylke's regional
    operator, HFC 1000/100 beside it or alone in towns; 100–999 (H) is FWA 300/50 or 100/20
    where an FWA site is in range in the countryside, else VDSL 100/20 or HFC 500/50; the floor
    tier (B) FWA 50/10 or xDSL 40–60; below the floor (L) xDSL 10–20; N has no fixed offer.
    """
    n = setting.size
    tier = draw_tiers(setting, rng)
    share = {k: pd.Series(setting).map(v).to_numpy() for k, v in SHARES.items()}
    draw = rng.random((n, 6))
    slot = pd.Series(fylke).map(fylke_slot).to_numpy()
    regional = np.array(REGIONAL_FIBRE)[slot]
    national_first = draw[:, 0] < 0.5
    rows = OfferRows()
    gigabit = tier == "G"
    hfc_only = gigabit & (draw[:, 1] < share["hfc_only"])
    fibre = gigabit & ~hfc_only
    speed = pick([(1000, 1000)] * 6 + [(1000, 500)], rng, n)
    rows.add(fibre, np.where(national_first, NATIONAL_FIBRE, regional), "fiber", *speed.T)
    second = fibre & (draw[:, 2] < share["second_fibre"])
    rows.add(second, np.where(national_first, regional, NATIONAL_FIBRE), "fiber", 1000, 1000)
    hfc_operator = np.array(HFC_OPERATORS)[slot % 2]
    rows.add(hfc_only | (gigabit & (draw[:, 1] > 1 - share["hfc"])), hfc_operator, "hfc", 1000, 100)
    fwa_site, fwa_reach = nearest_site(sites, "fwa", x_m, y_m)
    fwa_operator = sites["operator"].to_numpy()[np.maximum(fwa_site, 0)]
    in_fwa = fwa_reach <= 1.0
    high = tier == "H"
    high_fwa = high & (setting == "sparse") & in_fwa & (draw[:, 3] < 0.6)
    rows.add(high_fwa, fwa_operator, "fwa", *pick([(300, 50), (100, 20)], rng, n).T)
    high_hfc = high & ~high_fwa & (setting != "sparse") & (draw[:, 3] < 0.5)
    rows.add(high_hfc, hfc_operator, "hfc", 500, 50)
    rows.add(high & ~high_fwa & ~high_hfc, XDSL_OPERATOR, "xdsl", 100, 20)
    basic_fwa = (tier == "B") & in_fwa & (draw[:, 3] < 0.5)
    rows.add(basic_fwa, fwa_operator, "fwa", 50, 10)
    basic = pick([(40, 5), (50, 10), (60, 10)], rng, n)
    rows.add((tier == "B") & ~basic_fwa, XDSL_OPERATOR, "xdsl", *basic.T)
    rows.add(tier == "L", XDSL_OPERATOR, "xdsl", *pick([(10, 1), (15, 1), (20, 2)], rng, n).T)
    leftover = (gigabit | high_fwa | high_hfc) & (draw[:, 4] < share["copper"])
    rows.add(leftover, XDSL_OPERATOR, "xdsl", *pick([(20, 2), (40, 5), (60, 10)], rng, n).T)
    add_mobile_offers(rows, x_m, y_m, sites, rng)
    rows.add(draw[:, 5] < share["satellite"], SATELLITE_OPERATOR, "satellite", 220, 25)
    return rows.table(address_id)


def add_mobile_offers(
    rows: OfferRows, x_m: np.ndarray, y_m: np.ndarray, sites: pd.DataFrame, rng: np.random.Generator
) -> None:
    """4G and 5G offers from the nearest site of each, when the address is within its range.

    Speed falls with the distance as a share of the site's range.
    """
    operator = sites["operator"].to_numpy()
    draw = rng.random((x_m.size, 2))
    site, reach = nearest_site(sites, "mobile_4g", x_m, y_m)
    band = np.searchsorted([0.3, 0.6, 0.85], np.minimum(reach, 1.0))
    speed_4g = np.array([(150, 40), (80, 20), (40, 10), (15, 4)])[band]
    covered = (reach <= 1.0) & (draw[:, 0] < MOBILE_4G_SHARE)
    rows.add(covered, operator[np.maximum(site, 0)], "mobile_4g", *speed_4g.T)
    site, reach = nearest_site(sites, "mobile_5g", x_m, y_m)
    speed_5g = np.where((reach < 0.5)[:, None], [500, 60], [300, 50])
    covered = (reach <= 1.0) & (draw[:, 1] < MOBILE_5G_SHARE)
    rows.add(covered, operator[np.maximum(site, 0)], "mobile_5g", *speed_5g.T)


def coverage_shares(
    offers: pa.Table, address_id: np.ndarray, households: np.ndarray, rural: np.ndarray
) -> dict[str, float]:
    """Household shares with a fixed offer (Nkom: fibre, HFC, xDSL, FWA) meeting each target."""
    fixed = offers.filter(pc.is_in(offers["technology"], pa.array(list(FIXED_TECHNOLOGIES))))
    row = np.searchsorted(np.sort(address_id), fixed["address_id"].to_numpy())
    owner = np.argsort(address_id)[row]
    down, up = fixed["down_mbps"].to_numpy(), fixed["up_mbps"].to_numpy()

    def share(meets: np.ndarray, where: np.ndarray) -> float:
        served = np.zeros(address_id.size, dtype=bool)
        served[owner[meets]] = True
        return float(households[served & where].sum() / max(households[where].sum(), 1))

    everywhere = np.ones(address_id.size, dtype=bool)
    return {
        "share_100_10": share((down >= 100) & (up >= 10), everywhere),
        "share_gigabit": share(down >= 1000, everywhere),
        "share_gigabit_rural": share(down >= 1000, rural),
        "share_below_30_5": 1.0 - share((down >= 30) & (up >= 5), everywhere),
        "rural_household_share": float(households[rural].sum() / max(households.sum(), 1)),
    }
