"""Settlements of the gapmap demo region (fictional) and the addresses placed in them.

Settlements: towns and villages are gaussian clusters of addresses, flattened into the terrain;
farms of 1–3 addresses lie along valley and shore lines; Bakdalen and the island have their own
farms. Three pier addresses stand 30 m out over the sea. Every other address lies on land.

The landscape they are placed on (sea, valleys, DTM, kommune boundaries) is
:mod:`pipeline.synthetic.terrain`'s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from pipeline.synthetic.terrain import (
    BAKDALEN,
    DALSBYGDA,
    ISLAND_CENTRE_KM,
    NODATA,
    NORDHEIMSDALEN,
    Line,
    coast_x_km,
    on_land,
    sample_elevation_m,
    shore,
    to_m,
)

N_DISAGREEING = 5
STREET_BRYGGE, STREET_SKIPPER, STREET_KAIA, STREET_DAMPSKIPSKAIA = 900, 901, 902, 903


@dataclass(frozen=True)
class Settlement:
    """A town or village (gaussian cluster) or a line of farms along ``line``."""

    name: str
    kind: str  # "town" | "village" | "farm" | "valley" | "island"
    n: int
    spread_km: float
    postnummer: str
    poststed: str
    centre_km: tuple[float, float] = (0.0, 0.0)
    line: Line | None = None
    along_km: tuple[float, float] = (0.0, 0.0)
    road: str = ""


_COAST_Y_KM = np.arange(18.6, 23.81, 0.2)
NORTH_COAST = Line(
    "Kysten",
    tuple(zip(_COAST_Y_KM.tolist(), (coast_x_km(_COAST_Y_KM) + 0.9).tolist(), strict=True)),
    north_south=True,
)
TOWNS = (
    Settlement("Fjordvik sentrum", "town", 1450, 0.65, "7190", "FJORDVIK", (7.6, 16.8)),
    Settlement("Nordheim", "town", 850, 0.55, "7170", "NORDHEIM", (12.0, 25.4)),
    Settlement("Storlia", "town", 420, 0.42, "7180", "STORLIA", (25.2, 15.5)),
    Settlement("Dalsbygd", "town", 380, 0.45, "7160", "DALSBYGD", (24.0, 4.9)),
    Settlement("Sørvik", "village", 140, 0.3, "7150", "SØRVIK", (6.6, 3.5)),
    Settlement("Vågen", "village", 120, 0.28, "7152", "VÅGEN", (5.3, 10.0)),
    Settlement("Lian", "village", 110, 0.3, "7192", "FJORDVIK", (15.0, 15.9)),
    Settlement("Elvheim", "village", 130, 0.3, "7162", "DALSBYGD", (16.0, 4.25)),
    Settlement("Nordre Bø", "village", 110, 0.3, "7172", "NORDHEIM", (21.0, 26.7)),
)
FARMS = (
    Settlement("Dalsbygda", "farm", 330, 0.3, "7164", "DALSBYGD", line=DALSBYGDA,
               along_km=(8.0, 34.0), road="Dalsbygdvegen"),
    Settlement("Nordheimsdalen", "farm", 280, 0.3, "7174", "NORDHEIM",
               line=NORDHEIMSDALEN, along_km=(6.0, 34.0), road="Nordheimsdalsvegen"),
    Settlement("Fjordstranda", "farm", 150, 0.15, "7194", "FJORDVIK", line=shore(0.45, 9.5),
               along_km=(9.5, 23.0), road="Fjordstrandvegen"),
    Settlement("Sørstranda", "farm", 120, 0.15, "7196", "FJORDVIK", line=shore(-0.5, 8.5),
               along_km=(8.5, 23.0), road="Sørstrandvegen"),
    Settlement("Kysten", "farm", 90, 0.2, "7176", "NORDHEIM", line=NORTH_COAST,
               along_km=(18.6, 23.8), road="Kystvegen"),
    Settlement("Bakdalen", "valley", 72, 0.2, "7184", "STORLIA", line=BAKDALEN,
               along_km=(11.0, 20.0), road="Bakdalsvegen"),
    Settlement("Ytterøya", "island", 48, 0.0, "7154", "VÅGEN", ISLAND_CENTRE_KM,
               road="Ytterøyvegen"),
)  # fmt: skip
SETTLEMENTS = TOWNS + FARMS


def place_addresses(elevation_m: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Good addresses of every settlement, the piers and the two escaping test names.

    Columns: ``x_m, y_m`` (EPSG:25833, 2 decimals), ``settlement`` (index into ``SETTLEMENTS``),
    ``kind``, ``street`` (-1: matrikkeladresse; ``STREET_*``: the special streets), ``nummer``,
    ``bokstav``, ``farm`` (gardsnummer group), ``bnr``, ``r_sigma`` (distance from a town's centre
    in its spreads; 0 for farms), ``pier``.
    """
    parts = []
    for index, settlement in enumerate(SETTLEMENTS):
        is_cluster = settlement.kind in ("town", "village")
        part = (_place_cluster if is_cluster else _place_farms)(settlement, elevation_m, rng)
        parts.append(part.assign(settlement=index, kind=settlement.kind, pier=False))
    addresses = pd.concat([*parts, _piers(elevation_m)], ignore_index=True)
    for street, town, nummer in ((STREET_BRYGGE, 0, 3), (STREET_SKIPPER, 2, 4)):
        first = np.flatnonzero(addresses["settlement"].to_numpy() == town)[0]
        addresses.loc[first, "street"], addresses.loc[first, "nummer"] = street, nummer
        addresses.loc[first, "bokstav"] = ""
    return addresses


def _place_cluster(
    s: Settlement, elevation_m: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """Addresses of a town or village: a gaussian cluster around its centre, on land.

    Streets are sectors around the centre, split into an inner and an outer ring, and numbered
    outwards, odd on one side and even on the other.
    """
    offset_km = rng.normal(0.0, s.spread_km, size=(4 * s.n, 2))
    x_m, y_m = to_m(s.centre_km[0] + offset_km[:, 0], s.centre_km[1] + offset_km[:, 1])
    r_sigma = np.hypot(offset_km[:, 0], offset_km[:, 1]) / s.spread_km
    take = _first(on_land(elevation_m, x_m, y_m) & (r_sigma < 2.6), s)
    n_sectors = max(3, round(s.n / 90))
    sector_float = (np.arctan2(offset_km[take, 1], offset_km[take, 0]) + np.pi) / (2 * np.pi)
    sector = np.minimum((sector_float * n_sectors).astype(int), n_sectors - 1)
    side = (sector_float * n_sectors - sector > 0.5).astype(int)
    street = 2 * sector + (r_sigma[take] > np.median(r_sigma[take]))
    nummer = 2 * _rank_within(2 * street + side, r_sigma[take]) + 1 + side
    bokstav = np.where(rng.random(s.n) < 0.04, rng.choice(["A", "B"], s.n), "")
    bnr = _rank_within(street, r_sigma[take]) + 1
    return pd.DataFrame(
        {"x_m": x_m[take], "y_m": y_m[take], "street": street, "nummer": nummer,
         "bokstav": bokstav, "farm": street, "bnr": bnr, "r_sigma": r_sigma[take]}
    )  # fmt: skip


def _place_farms(s: Settlement, elevation_m: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Farms of 1–3 addresses each, scattered across a line, or over the island."""
    n_farms = 4 * s.n
    if s.line is None:
        x_km = s.centre_km[0] + rng.uniform(-1.6, 1.6, n_farms)
        y_km = s.centre_km[1] + rng.uniform(-1.1, 1.1, n_farms)
        along_km, offset_km = np.arctan2(y_km - s.centre_km[1], x_km - s.centre_km[0]), 0 * x_km
    else:
        along_km = rng.uniform(*s.along_km, n_farms)
        offset_km = rng.normal(0.0, s.spread_km, n_farms)
        x_km, y_km = s.line.to_xy_km(along_km, offset_km)
    members = rng.choice([1, 2, 3], p=[0.5, 0.35, 0.15], size=n_farms)
    farm = np.repeat(np.arange(n_farms), members)
    jitter_km = rng.normal(0.0, 0.03, size=(farm.size, 2))
    x_m, y_m = to_m(x_km[farm] + jitter_km[:, 0], y_km[farm] + jitter_km[:, 1])
    side = (offset_km > 0).astype(int)
    is_vegadresse = rng.random(n_farms) < {"farm": 0.6, "valley": 0.7, "island": 0.4}[s.kind]
    take = _first(on_land(elevation_m, x_m, y_m) & _away_from_towns(x_m, y_m), s)
    farm = farm[take]
    member = _rank_within(farm, np.arange(farm.size))
    nummer = 2 * _rank_within(side, along_km)[farm] + 1 + side[farm]
    veg = is_vegadresse[farm]
    return pd.DataFrame(
        {"x_m": x_m[take], "y_m": y_m[take], "street": np.where(veg, 0, -1),
         "nummer": np.where(veg, nummer, 0), "farm": farm, "bnr": member + 1, "r_sigma": 0.0,
         "bokstav": np.where(veg & (member > 0), np.array(list(" BCD"))[member], "")}
    )  # fmt: skip


def _piers(elevation_m: np.ndarray) -> pd.DataFrame:
    """Three quay addresses over the sea, 30 m beyond the shore south of Fjordvik and west of Vågen.

    Fjordvik's two stand on the fjord, Vågen's on the open sea; all lie within the kommune polygons.
    """
    rays = ((0, STREET_KAIA, 1, (7.6, 16.8), (0.0, -1.0)),
            (0, STREET_KAIA, 3, (7.9, 16.8), (0.0, -1.0)),
            (5, STREET_DAMPSKIPSKAIA, 2, (5.3, 10.0), (-1.0, 0.0)))  # fmt: skip
    rows = []
    for settlement, street, nummer, (x_km, y_km), (dx, dy) in rays:
        step_m = np.arange(0.0, 3000.0, 10.0)
        x_m, y_m = to_m(x_km + dx * step_m / 1000, y_km + dy * step_m / 1000)
        first_sea = np.argmax(sample_elevation_m(elevation_m, x_m, y_m) == NODATA)
        r_sigma = first_sea * 10.0 / 1000.0 / SETTLEMENTS[settlement].spread_km
        x_pier_m, y_pier_m = x_m[first_sea] + 30 * dx + 2.37, y_m[first_sea] + 30 * dy + 1.61
        kind = SETTLEMENTS[settlement].kind
        rows.append((x_pier_m, y_pier_m, settlement, kind, street, nummer, "", street, nummer,
                     r_sigma, True))  # fmt: skip
    columns = ["x_m", "y_m", "settlement", "kind", "street", "nummer", "bokstav", "farm", "bnr",
               "r_sigma", "pier"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns).round({"x_m": 2, "y_m": 2})


def _away_from_towns(x_m: np.ndarray, y_m: np.ndarray) -> np.ndarray:
    """True farther than 2.2 spreads from every town and village centre."""
    away = np.ones(x_m.shape, dtype=bool)
    for town in TOWNS:
        centre_x_m, centre_y_m = to_m(*np.array(town.centre_km))
        away &= np.hypot(x_m - centre_x_m, y_m - centre_y_m) > 2200 * town.spread_km
    return away


def _first(keep: np.ndarray, s: Settlement) -> np.ndarray:
    """Indices of the first ``s.n`` kept candidates."""
    take = np.flatnonzero(keep)[: s.n]
    if take.size < s.n:
        msg = f"{s.name}: {take.size} candidate addresses on land and off the towns; need {s.n}"
        raise RuntimeError(msg)
    return take


def _rank_within(groups: np.ndarray, order: np.ndarray) -> np.ndarray:
    """0-based rank of each element by ``order`` among the elements of its group."""
    sort = np.lexsort((order, groups))
    starts = np.r_[0, np.flatnonzero(np.diff(groups[sort])) + 1]
    rank = np.empty(groups.size, dtype=np.int64)
    rank[sort] = np.arange(groups.size) - np.repeat(starts, np.diff(np.r_[starts, groups.size]))
    return rank


def locate_addresses(
    addresses: pd.DataFrame, kommuner: dict[str, shapely.Geometry]
) -> pd.DataFrame:
    """Add the ``kommunenummer`` of the polygon holding each address (raise if none does).

    The ``N_DISAGREEING`` addresses nearest another kommune (not piers, not on the island) get
    that neighbour's number instead, as registers sometimes disagree with the boundaries.
    """
    codes = np.array(list(kommuner))
    x_m, y_m = addresses["x_m"].to_numpy(), addresses["y_m"].to_numpy()
    inside = np.column_stack([shapely.contains_xy(kommuner[c], x_m, y_m) for c in codes])
    if not inside.any(axis=1).all():
        msg = f"{(~inside.any(axis=1)).sum()} demo addresses lie outside every kommune polygon"
        raise RuntimeError(msg)
    points = shapely.points(x_m, y_m)
    distance_m = np.column_stack([shapely.distance(kommuner[c], points) for c in codes])
    distance_m[inside] = np.inf
    eligible = ~addresses["pier"].to_numpy() & (addresses["kind"].to_numpy() != "island")
    nearest = np.argsort(np.where(eligible, distance_m.min(axis=1), np.inf), kind="stable")
    cell = (x_m[nearest] // 2000) * 1000 + y_m[nearest] // 2000  # at most one per 2 km square
    disagreeing = nearest[np.sort(np.unique(cell, return_index=True)[1])][:N_DISAGREEING]
    kommunenummer = codes[inside.argmax(axis=1)]
    kommunenummer[disagreeing] = codes[distance_m[disagreeing].argmin(axis=1)]
    return addresses.assign(kommunenummer=kommunenummer)
