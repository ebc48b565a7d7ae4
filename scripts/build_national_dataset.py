"""Build a realistic national-scale input set for ``gapmap run`` (written outside the repo).

Usage (from the repository root)::

    .venv/bin/python scripts/build_national_dataset.py /work/national
    .venv/bin/python scripts/build_national_dataset.py /tmp/small --limit-kommuner 4216,3428
    .venv/bin/python scripts/build_national_dataset.py /work/national --roads  # + veger.gpkg

Everything is derived from real public data in ``../shared/realdata`` and a seed; the same seed
gives byte-identical files (the GeoTIFF aside, all of them are checked in the tests). The whole
country takes about a minute on two cores and peaks at about 2.4 GB:

1. **Addresses** from SSB's 250 m population grid (2015, 5.1 M people in 220,171 cells): each
   cell gets ``people × households_per_person`` households (cumulative rounding: every cell is
   within one household, the total is exact), placed uniformly inside the cell. In cells with
   more than 200 people about 20 % of the addresses are apartment blocks of 4–40 households
   (log-uniform), carried in a 47th column ``households``. The kommune of each address comes
   from the real 2024 boundaries (Kommuner-M): a point outside every polygon (coast clipping)
   is redrawn inside its cell up to 12 times; what is still outside, and the cells that touch
   no polygon at all (islands lost in the simplification), go to the nearest kommune, and the
   config's ``[locate] tolerance_m`` is set to the largest such distance. Written as Geonorge's
   national Matrikkelen Adresse zip (46 columns, ``;``, UTF-8 with BOM, CRLF, vegadresse and
   matrikkeladresse, unique street names per kommune), built column-wise with Arrow.
2. **Coverage offers** by the urbanity of the address's cell (people per 250 m cell: dense ≥ 100,
   medium 20–99, sparse < 20; sparse ≈ 18 % of the population, close to Nkom's "spredtbygd"),
   calibrated to Nkom 2024: 99.1 % of households ≥ 100 Mbit/s, 96.2 % gigabit, rural gigabit
   82.4 %; plus xDSL leftovers, 4G/5G (within range of a site) and satellite rows.
3. **Wireless sites**: 4G, 5G and FWA sites in populated cells, operators and ranges by setting.
4. **Existing fibre**: a trunk network, the minimum spanning tree over the most populous 2 km
   blocks (GeoJSON, lon/lat).
5. **Terrain**: a synthetic DTM GeoTIFF (EPSG:25833, float32, tiled, DEFLATE) over the extent
   of the kommuner, written window by window: multi-scale value noise whose level rises with
   the distance from the sea (territorial waters from Kartverket's Fylker file, so the Swedish,
   Finnish and Russian borders are not "coast") and is lowered where people live. Cells outside
   every kommune polygon (``all_touched``) are nodata.
6. **Kommune boundaries** copied into the folder, and 7. ``gapmap.toml`` for ``gapmap run``.
8. With ``--roads``, a **road network** ``veger.gpkg`` (``scripts/national_roads.py``: the
   populated cells joined along the minimum spanning tree of their Delaunay edges, streets in
   dense cells, main roads along the fibre trunks, not across the sea), and ``roads`` in the
   config.
"""

from __future__ import annotations

import argparse
import codecs
import json
import math
import re
import resource
import shutil
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import rasterio
import rasterio.features
import shapely
from rasterio.transform import Affine
from rasterio.windows import Window
from scipy import ndimage
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import cKDTree

from layers.addresses import KARTVERKET_COLUMNS, KARTVERKET_HEADER_LINE
from layers.kommuner import read_kommuner
from pipeline.locate import polygon_index_of_points
from pipeline.synthetic.demo import DEMO_CONFIG
from pipeline.synthetic.writers import lonlat_geometry, write_feature_collection
from pipeline.synthetic.writers import uuids as _uuids

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REALDATA = REPO_ROOT.parent / "shared" / "realdata"
GRID_FILE = Path("ssb-befolkning-rutenett/ru250m_2015.csv")
KOMMUNER_FILE = Path("kommuner-robhop/Kommuner-M.geojson")
FYLKER_FILE = Path("kommuner-robhop/Basisdata_0000_Norge_25833_Fylker_GeoJSON.zip")
ADDRESS_ZIP = "Basisdata_0000_Norge_25833_MatrikkelenAdresse_CSV.zip"
ADDRESS_MEMBER = "Basisdata_0000_Norge_25833_MatrikkelenAdresse_CSV/matrikkelen.csv"
ZIP_DATE_TIME = (2025, 1, 2, 5, 31, 12)  # fixed, so the zip is byte-identical per seed
EXTRACT_TIME = "02.01.2025 05:31:12"
CONFIG_HEADER = (
    "# gapmap config for the national-scale synthetic input set, written by\n"
    "# scripts/build_national_dataset.py (synthetic data on real SSB cells and kommune borders).\n"
)
OFFER_HEADER = "address_id,operator,technology,down_mbps,up_mbps"
SITE_COLUMNS = (
    "site_id", "operator", "technology", "east_m", "north_m", "epsg", "antenna_height_m",
    "frequency_mhz", "max_range_m", "down_mbps", "up_mbps",
)  # fmt: skip

CELL_M = 250.0  # SSB grid cell size
BLOCK_M = 2_000.0  # grunnkrets / gardsnummer / fibre-cluster block
STREET_BLOCK_M = 1_000.0  # streets are bands of addresses inside 1 km blocks
ADDRESSES_PER_STREET = 30
DENSE_PEOPLE, MEDIUM_PEOPLE, BLOCK_PEOPLE = 100, 20, 200  # people per 250 m cell
BLOCK_SHARE = 0.2  # share of addresses that are apartment blocks in cells > BLOCK_PEOPLE
BLOCK_HOUSEHOLDS = (4, 40)
MATRIKKEL_SHARE = {"sparse": 0.30, "medium": 0.05, "dense": 0.0}
MAX_REDRAWS = 12  # redraws of a point outside every kommune polygon inside its cell
SETTINGS = ("dense", "medium", "sparse")

# Fixed-broadband tier per address by setting: G gigabit, H 100-999 Mbit/s, B 30-99 (floor),
# L below the 30/5 floor, N no fixed offer. Calibrated (household-weighted) to Nkom 2024.
TIER_PROBABILITY = {
    "dense": {"G": 0.997, "H": 0.002, "B": 0.001, "L": 0.0, "N": 0.0},
    "medium": {"G": 0.990, "H": 0.008, "B": 0.0015, "L": 0.0005, "N": 0.0},
    "sparse": {"G": 0.824, "H": 0.133, "B": 0.026, "L": 0.009, "N": 0.008},
}
HFC_SHARE = {"dense": 0.45, "medium": 0.10, "sparse": 0.0}  # HFC beside fibre on gigabit
HFC_ONLY_SHARE = {"dense": 0.08, "medium": 0.02, "sparse": 0.0}  # gigabit by HFC alone
SECOND_FIBRE_SHARE = {"dense": 0.15, "medium": 0.05, "sparse": 0.0}
COPPER_LEFT_SHARE = {"dense": 0.10, "medium": 0.30, "sparse": 0.35}  # xDSL beside gigabit
SATELLITE_SHARE = {"dense": 0.0, "medium": 0.04, "sparse": 0.35}
MOBILE_4G_SHARE, MOBILE_5G_SHARE = 0.9, 0.8  # of addresses within range of a site

NATIONAL_FIBRE = "Fibernett Norge"
REGIONAL_FIBRE = (
    "Kystfiber", "Dalnett", "Bygdefiber", "Fjordkraft Fiber", "Nordlysnett", "Vestnett",
    "Innlandsfiber", "Sørnett",
)  # fmt: skip
HFC_OPERATORS = ("Kabelnett", "Bykabel")
XDSL_OPERATOR = "Kobber AS"
SATELLITE_OPERATOR = "Himmelnett"
# technology: (national count, operators, antenna m, MHz by setting, range m by setting,
#              site down/up Mbit/s)
SITE_PLAN: dict[str, tuple[int, tuple[str, ...], tuple[float, float], dict, dict, tuple]] = {
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
FIBRE_CLUSTERS = 500

STREET_STEMS = (
    "Skole", "Kirke", "Stasjons", "Bakke", "Havne", "Mølle", "Sjø", "Elve", "Bjørke", "Furu",
    "Rogn", "Løvås", "Gran", "Prest", "Smie", "Torg", "Lensmann", "Meieri", "Sag", "Kvern",
    "Nyland", "Solbakke", "Tufte", "Eng", "Myr", "Lyng", "Hegg", "Fjell", "Fjord", "Strand",
    "Skog", "Åker", "Bråten", "Hage", "Bekke", "Tjern", "Nes", "Vik", "Dal", "Berg", "Kløver",
    "Blåbær", "Tyttebær", "Einer", "Ospe", "Selje", "Alm", "Lind", "Eike", "Lønne", "Kastanje",
    "Rosen", "Tulipan", "Syrin", "Fiol", "Prestegårds", "Kongs", "Industri", "Park",
    "Sentrum", "Nord", "Sør", "Øst", "Vest", "Sol", "Måne", "Stjerne", "Fugle", "Reve", "Ørne",
    "Falke", "Ugle", "Elg", "Hjorte", "Bever", "Oter", "Laks", "Ørret", "Sild", "Torske",
)  # fmt: skip
STREET_SUFFIXES = (
    "vegen", "veien", "gata", "gate", "bakken", "lia", "stien", "svingen", "tunet", "kroken",
    "haugen", "åsen",
)  # fmt: skip
STREET_PREFIXES = ("", "Øvre ", "Nedre ", "Søndre ", "Nordre ", "Store ", "Lille ", "Gamle ")
PLACE_STEMS = (
    "Berg", "Dal", "Haug", "Li", "Mo", "Nes", "Vik", "Bø", "Hov", "Sand", "Stein", "Ås", "Lund",
    "Rud", "Holm", "Eid", "Fjell", "Skog", "Strand", "Bakke", "Myr", "Tveit", "Voll", "Gjerde",
    "Sel", "Ring", "Hamre", "Brekke", "Flat", "Hol",
)  # fmt: skip
PLACE_SUFFIXES = (
    "", "vik", "dal", "nes", "stad", "heim", "by", "set", "moen", "sletta", "bygda", "åsen",
    "haugen", "li", "vollen",
)  # fmt: skip
FARM_NAMES = (
    "Nordgard", "Sørgard", "Øvergard", "Nergard", "Bakken", "Haugen", "Moen", "Lia", "Berget",
    "Tunet", "Vollen", "Rud", "Sletta", "Myra", "Nyheim", "Solheim", "Fjellheim", "Utsikten",
)  # fmt: skip
FYLKE_POSTNUMMER = {  # first and last postnummer used per fylke (real ranges, simplified)
    "03": (150, 1299), "31": (1500, 1899), "32": (1300, 2199), "33": (3000, 3699),
    "34": (2200, 2999), "39": (3100, 3299), "40": (3600, 3999), "42": (4400, 4999),
    "11": (4000, 4399), "46": (5000, 5999), "15": (6000, 6699), "50": (7000, 7999),
    "18": (8000, 8999), "55": (9000, 9499), "56": (9500, 9999),
}  # fmt: skip

# Terrain: value-noise octaves (lattice spacing km, amplitude weight) and the inland profile.
MACRO_OCTAVES = ((90.0, 1.0), (35.0, 0.6))
MESO_OCTAVES = ((12.0, 1.0), (5.0, 0.6))
MICRO_OCTAVES = ((2.0, 1.0), (0.8, 0.6), (0.3, 0.35))
INLAND_SCALE_KM = 35.0
COARSE_M = 1_000.0  # resolution of the coast-distance and population grids
DTM_BLOCK = 512
DTM_NODATA = -9999.0
MAX_ELEVATION_M = 2_300.0


@dataclass(frozen=True)
class BuildOptions:
    """What to build and where: the command-line options."""

    out_dir: Path
    seed: int = 2025
    households_per_person: float = 0.45
    cell_m: float = 100.0
    limit_kommuner: tuple[str, ...] = ()
    realdata: Path = DEFAULT_REALDATA
    roads: bool = False


@dataclass
class NationalDataset:
    """Paths of the files written, rows per layer and build figures."""

    root: Path
    config: Path
    kommuner: Path
    addresses: Path
    offers: Path
    sites: Path
    fibre: Path
    dtm: Path
    roads: Path | None = None
    rows: dict[str, int] = field(default_factory=dict)
    figures: dict[str, float] = field(default_factory=dict)
    step_seconds: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Kommuner:
    """All 357 kommuner (for locating points) and the selected ones (to build)."""

    frame: gpd.GeoDataFrame  # kommunenummer, kommunenavn, fylkesnummer, geometry (25833)
    display_name: dict[str, str]  # kommunenummer -> plain name ("Trondheim")
    features: list[dict[str, Any]]  # the GeoJSON features as read
    selected: np.ndarray  # bool per row of frame


@dataclass(frozen=True)
class Addresses:
    """The generated addresses, aligned arrays (EPSG:25833)."""

    x_m: np.ndarray
    y_m: np.ndarray
    households: np.ndarray
    cell: np.ndarray  # index into the grid cells
    kommune: np.ndarray  # index into Kommuner.frame
    snap_distance_m: np.ndarray  # 0 inside a polygon, else distance to the nearest one


# --------------------------------------------------------------------------------------------
# Inputs


def read_population_grid(path: Path) -> pd.DataFrame:
    """SSB 250 m cells: south-west corner ``x_m``, ``y_m`` (EPSG:25833) and ``people``.

    The 14-digit id is ``(x + 2 000 000)`` as 7 digits followed by ``y`` as 7 digits.
    """
    grid = pd.read_csv(path, sep=";", dtype={"ru250m": "int64", "pop_tot": "int64"})
    grid = grid.sort_values("ru250m", ignore_index=True)
    cell_id = grid["ru250m"].to_numpy()
    return pd.DataFrame(
        {
            "x_m": (cell_id // 10_000_000 - 2_000_000).astype("float64"),
            "y_m": (cell_id % 10_000_000).astype("float64"),
            "people": grid["pop_tot"].to_numpy(),
        }
    )


def load_kommuner(path: Path, limit: tuple[str, ...]) -> Kommuner:
    """Read the kommune boundaries; mark the ones to build (all when ``limit`` is empty)."""
    frame = read_kommuner(path).accepted.reset_index(drop=True)
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    display_name = {
        str(f["properties"]["kommunenummer"]).zfill(4): str(f["properties"]["name"])
        for f in features
    }
    known = set(frame["kommunenummer"])
    unknown = sorted(set(limit) - known)
    if unknown:
        msg = f"--limit-kommuner: unknown kommunenummer {unknown}; expected 4 digits from {path}"
        raise SystemExit(msg)
    selected = frame["kommunenummer"].isin(limit).to_numpy() if limit else np.ones(len(frame), bool)
    return Kommuner(frame, display_name, features, selected)


def cells_touching(grid: pd.DataFrame, polygons: np.ndarray) -> np.ndarray:
    """True for each grid cell whose 250 m square intersects one of ``polygons``."""
    x_m, y_m = grid["x_m"].to_numpy(), grid["y_m"].to_numpy()
    boxes = shapely.box(x_m, y_m, x_m + CELL_M, y_m + CELL_M)
    _, cell_idx = shapely.STRtree(boxes).query(polygons, predicate="intersects")
    touching = np.zeros(len(grid), dtype=bool)
    touching[cell_idx] = True
    return touching


def cells_to_build(grid: pd.DataFrame, kommuner: Kommuner) -> np.ndarray:
    """True for the cells that touch a selected kommune, or touch none and lie nearest to one.

    Cells touching no kommune polygon are islands or skerries lost in the simplification of
    the boundaries; their households are snapped to the nearest kommune.
    """
    polygons = kommuner.frame.geometry.to_numpy()
    touching_selected = cells_touching(grid, polygons[kommuner.selected])
    offshore = np.flatnonzero(~cells_touching(grid, polygons))
    centres = shapely.points(
        grid["x_m"].to_numpy()[offshore] + CELL_M / 2, grid["y_m"].to_numpy()[offshore] + CELL_M / 2
    )
    cell_idx, polygon_idx = shapely.STRtree(polygons).query_nearest(centres, all_matches=False)
    touching_selected[offshore[cell_idx]] = kommuner.selected[polygon_idx]
    return touching_selected


def setting_of_people(people: np.ndarray) -> np.ndarray:
    """The setting of each cell: dense (≥ 100 people per 250 m cell), medium (20–99), sparse."""
    return np.select([people >= DENSE_PEOPLE, people >= MEDIUM_PEOPLE], SETTINGS[:2], SETTINGS[2])


# --------------------------------------------------------------------------------------------
# Households and address points


def households_per_cell(people: np.ndarray, households_per_person: float) -> np.ndarray:
    """Households per cell by cumulative rounding of ``people × households_per_person``.

    .. math:: h_i = \\lfloor S_i + 1/2 \\rfloor - \\lfloor S_{i-1} + 1/2 \\rfloor,
        \\quad S_i = \\sum_{j \\le i} p_j r

    so each cell is within one household of its expectation and the total is exact.
    """
    cumulative = np.floor(np.cumsum(people * households_per_person) + 0.5).astype("int64")
    return np.diff(cumulative, prepend=0)


def address_sizes(
    households: np.ndarray, block_cells: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Split each cell's households into addresses; return (cell index, households) per address.

    Outside ``block_cells`` every household is its own address. Inside, addresses are drawn as
    1 household (80 %) or a block of 4–40 (20 %, log-uniform) until the cell's households are
    used up; the last draw is cut to fit and any remainder becomes single-household addresses.
    """
    low, high = BLOCK_HOUSEHOLDS
    mean_size = (1 - BLOCK_SHARE) + BLOCK_SHARE * (high - low) / math.log(high / low)
    draws_per_cell = np.where(block_cells, np.ceil(households / mean_size * 1.6) + 8, 0)
    draw_cell = np.repeat(np.arange(len(households)), draws_per_cell.astype("int64"))
    is_block = rng.random(draw_cell.size) < BLOCK_SHARE
    block_size = np.floor(np.exp(rng.uniform(math.log(low), math.log(high + 1), draw_cell.size)))
    size = np.where(is_block, block_size, 1).astype("int64")
    start = group_cumsum(size, draw_cell) - size  # households before this draw in its cell
    cap = households[draw_cell]
    keep = start < cap
    size = np.minimum(size, cap - start)[keep]
    draw_cell = draw_cell[keep]
    used = np.bincount(draw_cell, weights=size, minlength=len(households)).astype("int64")
    singles = np.where(block_cells, households - used, households)
    cell = np.concatenate([draw_cell, np.repeat(np.arange(len(households)), singles)])
    size = np.concatenate([size, np.ones(int(singles.sum()), dtype="int64")])
    order = np.argsort(cell, kind="stable")
    return cell[order], size[order]


def group_cumsum(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Running sum of ``values`` within runs of equal ``group`` (``group`` sorted)."""
    total = np.cumsum(values)
    first = np.r_[True, group[1:] != group[:-1]]
    offset = np.maximum.accumulate(np.where(first, np.arange(len(values)), 0))
    return total - np.r_[0, total][offset]


def draw_in_cells(
    grid: pd.DataFrame, cell: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Uniform points inside the given 250 m cells, rounded to the centimetre."""
    x_m = grid["x_m"].to_numpy()[cell] + rng.uniform(0.5, CELL_M - 0.5, cell.size)
    y_m = grid["y_m"].to_numpy()[cell] + rng.uniform(0.5, CELL_M - 0.5, cell.size)
    return np.round(x_m, 2), np.round(y_m, 2)


def place_addresses(
    grid: pd.DataFrame,
    kommuner: Kommuner,
    households_per_person: float,
    rng: np.random.Generator,
) -> Addresses:
    """Address points, households and kommune for the grid cells (module docstring, step 1)."""
    people = grid["people"].to_numpy()
    households = households_per_cell(people, households_per_person)
    cell, size = address_sizes(households, people > BLOCK_PEOPLE, rng)
    x_m, y_m = draw_in_cells(grid, cell, rng)
    polygons = kommuner.frame.geometry.to_numpy()
    kommune = polygon_index_of_points(polygons, x_m, y_m)
    on_land = cells_touching(grid, polygons)
    for _ in range(MAX_REDRAWS):
        redraw = np.flatnonzero((kommune < 0) & on_land[cell])
        if redraw.size == 0:
            break
        x_m[redraw], y_m[redraw] = draw_in_cells(grid, cell[redraw], rng)
        kommune[redraw] = polygon_index_of_points(polygons, x_m[redraw], y_m[redraw])
    snap_distance_m = np.zeros(cell.size)
    outside = np.flatnonzero(kommune < 0)
    if outside.size:
        points = shapely.points(x_m[outside], y_m[outside])
        (point_idx, polygon_idx), distance_m = shapely.STRtree(polygons).query_nearest(
            points, return_distance=True, all_matches=False
        )
        kommune[outside[point_idx]] = polygon_idx
        snap_distance_m[outside[point_idx]] = distance_m
    keep = kommuner.selected[kommune]
    return Addresses(
        x_m[keep], y_m[keep], size[keep], cell[keep], kommune[keep], snap_distance_m[keep]
    )


# --------------------------------------------------------------------------------------------
# Address attributes (the 46 Matrikkelen columns)


def rank_within(group: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Dense 0-based rank of ``key`` among the distinct keys of its ``group``."""
    order = np.lexsort((key, group))
    group_sorted, key_sorted = group[order], key[order]
    new_group = np.r_[True, group_sorted[1:] != group_sorted[:-1]]
    new_key = new_group | np.r_[True, key_sorted[1:] != key_sorted[:-1]]
    distinct = np.cumsum(new_key)
    group_id = np.cumsum(new_group) - 1
    rank = np.empty(len(key), dtype="int64")
    rank[order] = distinct - distinct[new_group][group_id]
    return rank


def block_key(x_m: np.ndarray, y_m: np.ndarray, size_m: float) -> np.ndarray:
    """An int64 id of the ``size_m`` square each point lies in (EPSG:25833, x ≥ -1000 km)."""
    column = np.floor((x_m + 1_000_000.0) / size_m).astype("int64")
    row = np.floor(y_m / size_m).astype("int64")
    return column * 100_000_000 + row


def take(pool: list[str] | tuple[str, ...], index: np.ndarray) -> pa.Array:
    """``pool[index]`` as an Arrow string array."""
    return pc.take(pa.array(list(pool), pa.string()), pa.array(index, pa.int64()))


def as_text(values: np.ndarray) -> pa.Array:
    """Numbers as Arrow strings in their shortest form ("6466460.67", "12")."""
    return pc.cast(pa.array(values), pa.string())


def padded(values: np.ndarray, width: int) -> pa.Array:
    """Integers as zero-padded Arrow strings ("0042")."""
    return pc.utf8_lpad(as_text(values), width, "0")


def join(*parts: pa.Array | str) -> pa.Array:
    """Element-wise concatenation of Arrow string arrays and literal strings."""
    return pc.binary_join_element_wise(*parts, "")


def street_numbers(
    x_m: np.ndarray, y_m: np.ndarray, kommune: np.ndarray, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Street index (within the kommune), house number and letter index (-1: none) per address.

    Streets are bands of up to 30 addresses, south to north, in each 1 km block; numbers rise
    west to east in steps of 1–2, and an address repeating the previous number gets letters
    A, B, … together with it.
    """
    n = x_m.size
    block = block_key(x_m, y_m, STREET_BLOCK_M)
    order = np.lexsort((y_m, block, kommune))
    block_s, kommune_s = block[order], kommune[order]
    new_block = np.r_[True, (block_s[1:] != block_s[:-1]) | (kommune_s[1:] != kommune_s[:-1])]
    position = group_cumsum(np.ones(n, dtype="int64"), np.cumsum(new_block)) - 1
    street_id = np.empty(n, dtype="int64")
    street_id[order] = np.cumsum(new_block | (position % ADDRESSES_PER_STREET == 0))
    along = np.lexsort((x_m, street_id))
    street_s = street_id[along]
    first = np.r_[True, street_s[1:] != street_s[:-1]]
    step = np.where(first, 1, rng.choice([0, 1, 2], size=n, p=[0.04, 0.66, 0.30]))
    run_id = np.cumsum(step > 0)
    letter_s = group_cumsum(np.ones(n, dtype="int64"), run_id) - 1
    letter_s = np.where(np.bincount(run_id)[run_id] > 1, letter_s, -1)
    number, letter = np.empty(n, dtype="int64"), np.empty(n, dtype="int64")
    number[along] = group_cumsum(step, street_s)
    letter[along] = np.minimum(letter_s, 25)
    return {"street": rank_within(kommune, street_id), "number": number, "letter": letter}


def street_name_pool() -> list[str]:
    """Plausible Norwegian street names: stem + suffix, then with Øvre/Nedre/… prefixes."""
    plain = [
        (stem + suffix).replace("lll", "ll") for stem in STREET_STEMS for suffix in STREET_SUFFIXES
    ]
    return [prefix + name for prefix in STREET_PREFIXES for name in plain]


def street_name_index(kommune: np.ndarray, street: np.ndarray, pool_size: int) -> np.ndarray:
    """Index into the street-name pool, one-to-one per kommune while streets < pool size.

    .. math:: i = (7919 s + 104729 k) \\bmod P

    7919 is prime and does not divide ``P``, so street ``s`` ↦ name is a bijection mod ``P``.
    """
    return (street * 7_919 + kommune.astype("int64") * 104_729) % pool_size


def place_name_pool() -> list[str]:
    """Plausible place names (grunnkrets, tettsted, sokn, valgkrets, poststed)."""
    return [stem + suffix for suffix in PLACE_SUFFIXES for stem in PLACE_STEMS]


def postnummer_bases(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """First postnummer and the number reserved, per kommune, inside its fylke's range."""
    fylke = frame["fylkesnummer"].to_numpy(str)
    knr = frame["kommunenummer"].to_numpy(str)
    base, span = np.zeros(len(frame), "int64"), np.ones(len(frame), "int64")
    for code in np.unique(fylke):
        rows = np.flatnonzero(fylke == code)
        rows = rows[np.argsort(knr[rows])]
        low, high = FYLKE_POSTNUMMER.get(code, (1000, 9999))
        step = max(1, (high - low + 1) // rows.size)
        base[rows] = low + step * np.arange(rows.size)
        span[rows] = step
    return base, span


def address_columns(
    address: Addresses,
    kommuner: Kommuner,
    setting: np.ndarray,
    address_id: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, pa.Array]:
    """The 46 Matrikkelen Adresse columns plus ``households``, as Arrow string arrays.

    A vegadresse reads "Skolevegen 12B"; a matrikkeladresse "97/90" (gnr/bnr), or
    "Nordgard, 97/90" with an adressetilleggsnavn (the farm name).
    """
    n = address.x_m.size
    knr_all = kommuner.frame["kommunenummer"].to_numpy(str)
    matrikkel = rng.random(n) < pd.Series(setting).map(MATRIKKEL_SHARE).to_numpy()
    streets = street_numbers(address.x_m, address.y_m, address.kommune * 2 + matrikkel, rng)
    gnr = rank_within(address.kommune, block_key(address.x_m, address.y_m, BLOCK_M)) + 1
    bnr = rank_within(address.kommune * 100_000 + gnr, np.arange(n)) + 1
    pool = street_name_pool()
    adressenavn = take(pool, street_name_index(address.kommune, streets["street"], len(pool)))
    letters = ["", *"ABCDEFGHIJKLMNOPQRSTUVWXYZ"]
    nummer, bokstav = as_text(streets["number"]), take(letters, streets["letter"] + 1)
    farm = rng.random(n) < 0.5
    tillegg = take(["", *FARM_NAMES], np.where(farm, rng.integers(1, len(FARM_NAMES) + 1, n), 0))
    veg_text = join(adressenavn, " ", nummer, bokstav)
    matrikkel_text = join(as_text(gnr), "/", as_text(bnr))
    matrikkel_full = pc.if_else(pa.array(farm), join(tillegg, ", ", matrikkel_text), matrikkel_text)
    is_matrikkel = pa.array(matrikkel)
    empty = pa.array(np.full(n, ""), pa.string())
    columns = {
        "lokalid": as_text(address_id),
        "kommunenummer": take(list(knr_all), address.kommune),
        "kommunenavn": take([kommuner.display_name[k].upper() for k in knr_all], address.kommune),
        "adressetype": pc.if_else(is_matrikkel, "matrikkeladresse", "vegadresse"),
        "adressetilleggsnavn": pc.if_else(is_matrikkel, tillegg, empty),
        "adressekode": pc.if_else(is_matrikkel, empty, as_text(1_000 + 5 * streets["street"])),
        "adressenavn": pc.if_else(is_matrikkel, empty, adressenavn),
        "nummer": pc.if_else(is_matrikkel, empty, nummer),
        "bokstav": pc.if_else(is_matrikkel, empty, bokstav),
        "gardsnummer": as_text(gnr),
        "bruksnummer": as_text(bnr),
        "adresseTekst": pc.if_else(is_matrikkel, matrikkel_full, veg_text),
        "adresseTekstUtenAdressetilleggsnavn": pc.if_else(is_matrikkel, matrikkel_text, veg_text),
        "EPSG-kode": pa.array(np.full(n, "25833"), pa.string()),
        "Nord": as_text(address.y_m),
        "Øst": as_text(address.x_m),
        **place_columns(address, kommuner, setting, gnr),
        "oppdateringsdato": update_times(n, rng),
        "datauttaksdato": pa.array(np.full(n, EXTRACT_TIME), pa.string()),
        "adresseId": as_text(address_id),
        "uuidAdresse": pa.array(_uuids(n, rng), pa.string()),
    }
    table = {column: columns.get(column, empty) for column in KARTVERKET_COLUMNS}
    table["households"] = as_text(address.households)
    return table


def place_columns(
    address: Addresses, kommuner: Kommuner, setting: np.ndarray, gnr: np.ndarray
) -> dict[str, pa.Array]:
    """Postnummer/poststed, grunnkrets, sokn, organisasjonsnummer, tettsted and valgkrets.

    A grunnkrets is a 2 km block (its ``gnr``); a postal zone, valgkrets and sokn group 4, 8
    and 12 of them; a tettsted is a 6 km block of the dense and medium cells.
    """
    frame = kommuner.frame
    knr = frame["kommunenummer"].to_numpy(str)
    kommune = address.kommune
    places = place_name_pool()
    places_upper = [name.upper() for name in places]
    salt = (kommune * 37) % len(places)

    def place(number: np.ndarray, factor: int, upper: bool = False) -> pa.Array:
        return take(places_upper if upper else places, (number * factor + salt) % len(places))

    zone = (gnr - 1) // 4
    base, span = postnummer_bases(frame)
    knr_text = take(list(knr), kommune)
    in_town = pa.array(setting != "sparse")
    town = rank_within(kommune, block_key(address.x_m, address.y_m, 6_000.0))
    empty = pa.array(np.full(kommune.size, ""), pa.string())
    return {
        "postnummer": padded(base[kommune] + np.minimum(zone, span[kommune] - 1), 4),
        "poststed": pc.if_else(
            pa.array(zone == 0),
            take([kommuner.display_name[k].upper() for k in knr], kommune),
            place(zone, 7, upper=True),
        ),
        "grunnkretsnummer": join(knr_text, padded(gnr, 4)),
        "grunnkretsnavn": place(gnr, 11),
        "soknenummer": join(knr_text, padded((gnr - 1) // 12 + 1, 2), "01"),
        "soknenavn": place((gnr - 1) // 12, 13),
        "organisasjonsnummer": join("9", knr_text, "0012"),
        "tettstednummer": pc.if_else(in_town, padded(1 + town + 100 * (kommune % 90), 4), empty),
        "tettstednavn": pc.if_else(in_town, place(town, 17), empty),
        "valgkretsnummer": as_text((gnr - 1) // 8 + 1),
        "valgkretsnavn": place((gnr - 1) // 8, 19, upper=True),
    }


def update_times(n: int, rng: np.random.Generator) -> pa.Array:
    """``dd.mm.yyyy HH:MM:SS`` with 0–6 fractional digits, mixed, between 2009 and 2024.

    Arrow's ``strftime`` and per-width padding keep this lean (the demo's NumPy-string
    version peaks at ~4.5 GB for 1.8 M rows).
    """
    start = np.datetime64("2009-01-01T00:00:00")
    span_s = int((np.datetime64("2024-12-20T00:00:00") - start) / np.timedelta64(1, "s"))
    stamps = pa.array(start + rng.integers(0, span_s, n).astype("timedelta64[s]"))
    text = pc.strftime(stamps, format="%d.%m.%Y %H:%M:%S")
    digits = rng.integers(0, 7, n)
    micro = rng.integers(0, 10**6, n)
    for width in range(1, 7):
        fraction = padded(micro // 10 ** (6 - width), width)
        text = pc.if_else(pa.array(digits == width), join(text, ".", fraction), text)
    return text


def address_ids(n: int, rng: np.random.Generator) -> np.ndarray:
    """Unique 9-digit adresseId values in random order (increasing gaps of 1–120, shuffled)."""
    return rng.permutation(200_000_000 + np.cumsum(rng.integers(1, 121, n)))


def write_address_zip(path: Path, columns: dict[str, pa.Array]) -> None:
    """Write Geonorge's national zip: one CSV, ``;``, UTF-8 with BOM, CRLF, no quoting.

    The member has a fixed timestamp so the same columns give a byte-identical zip.
    """
    header = ";".join(columns)
    if not header.startswith(KARTVERKET_HEADER_LINE):
        msg = "address columns are not in the Kartverket order"
        raise RuntimeError(msg)
    info = zipfile.ZipInfo(ADDRESS_MEMBER, date_time=ZIP_DATE_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    options = pa_csv.WriteOptions(
        include_header=False, delimiter=";", eol="\r\n", quoting_style="none", batch_size=65_536
    )
    with zipfile.ZipFile(path, "w") as archive, archive.open(info, "w", force_zip64=True) as out:
        out.write(codecs.BOM_UTF8 + (header + "\r\n").encode("utf-8"))
        pa_csv.write_csv(pa.table(columns), out, write_options=options)


def write_csv(path: Path, header: str, table: pa.Table) -> None:
    """Write a UTF-8 CSV (``,``, LF) with ``header`` as its first line."""
    options = pa_csv.WriteOptions(include_header=False, quoting_style="none", batch_size=65_536)
    with path.open("wb") as out:
        out.write((header + "\n").encode("utf-8"))
        pa_csv.write_csv(table, out, write_options=options)


# --------------------------------------------------------------------------------------------
# Wireless sites


def site_table(
    grid: pd.DataFrame, setting: np.ndarray, scale: float, rng: np.random.Generator
) -> pd.DataFrame:
    """4G, 5G and FWA sites in populated cells (``SITE_PLAN``; counts × ``scale``).

    4G sites are drawn with weight √people over all cells, 5G with weight people over dense
    and medium cells, FWA with weight people over sparse cells; a site stands at a uniform
    point of its cell.
    """
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
        code = {"mobile_4g": "4G", "mobile_5g": "5G", "fwa": "FWA"}[technology]
        site_setting = pd.Series(setting[cell])
        parts.append(
            pd.DataFrame(
                {
                    "site_id": [f"{code}-{i:05d}" for i in range(1, n + 1)],
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
            )
        )
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


# --------------------------------------------------------------------------------------------
# Coverage offers


@dataclass
class OfferRows:
    """Offer rows collected rule by rule: address row, operator, technology, speeds."""

    operators: list[str] = field(default_factory=list)
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


def offer_table(
    address: Addresses,
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
    share = {k: pd.Series(setting).map(v).to_numpy() for k, v in _shares().items()}
    draw = rng.random((n, 6))
    regional = np.array(REGIONAL_FIBRE)[pd.Series(fylke).map(_fylke_slot).to_numpy()]
    national_first = draw[:, 0] < 0.5
    rows = OfferRows()
    gigabit = tier == "G"
    hfc_only = gigabit & (draw[:, 1] < share["hfc_only"])
    fibre = gigabit & ~hfc_only
    speed = pick([(1000, 1000)] * 6 + [(1000, 500)], rng, n)
    rows.add(fibre, np.where(national_first, NATIONAL_FIBRE, regional), "fiber", *speed.T)
    second = fibre & (draw[:, 2] < share["second_fibre"])
    rows.add(second, np.where(national_first, regional, NATIONAL_FIBRE), "fiber", 1000, 1000)
    hfc_operator = np.array(HFC_OPERATORS)[pd.Series(fylke).map(_fylke_slot).to_numpy() % 2]
    rows.add(hfc_only | (gigabit & (draw[:, 1] > 1 - share["hfc"])), hfc_operator, "hfc", 1000, 100)
    fwa_site, fwa_reach = nearest_site(sites, "fwa", address.x_m, address.y_m)
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
    add_mobile_offers(rows, address, sites, rng)
    rows.add(draw[:, 5] < share["satellite"], SATELLITE_OPERATOR, "satellite", 220, 25)
    return rows.table(address_id)


def add_mobile_offers(
    rows: OfferRows, address: Addresses, sites: pd.DataFrame, rng: np.random.Generator
) -> None:
    """4G and 5G offers from the nearest site of each, when the address is within its range.

    Speed falls with the distance as a share of the site's range.
    """
    operator = sites["operator"].to_numpy()
    draw = rng.random((address.x_m.size, 2))
    site, reach = nearest_site(sites, "mobile_4g", address.x_m, address.y_m)
    band = np.searchsorted([0.3, 0.6, 0.85], np.minimum(reach, 1.0))
    speed_4g = np.array([(150, 40), (80, 20), (40, 10), (15, 4)])[band]
    covered = (reach <= 1.0) & (draw[:, 0] < MOBILE_4G_SHARE)
    rows.add(covered, operator[np.maximum(site, 0)], "mobile_4g", *speed_4g.T)
    site, reach = nearest_site(sites, "mobile_5g", address.x_m, address.y_m)
    speed_5g = np.where((reach < 0.5)[:, None], [500, 60], [300, 50])
    covered = (reach <= 1.0) & (draw[:, 1] < MOBILE_5G_SHARE)
    rows.add(covered, operator[np.maximum(site, 0)], "mobile_5g", *speed_5g.T)


def _shares() -> dict[str, dict[str, float]]:
    return {
        "hfc": HFC_SHARE,
        "hfc_only": HFC_ONLY_SHARE,
        "second_fibre": SECOND_FIBRE_SHARE,
        "copper": COPPER_LEFT_SHARE,
        "satellite": SATELLITE_SHARE,
    }


def _fylke_slot(fylkesnummer: str) -> int:
    """The regional fibre operator of a fylke (a fixed, arbitrary mapping)."""
    return int(fylkesnummer) * 5 % len(REGIONAL_FIBRE)


def coverage_shares(
    offers: pa.Table, address_id: np.ndarray, households: np.ndarray, rural: np.ndarray
) -> dict[str, float]:
    """Household shares with a fixed offer (Nkom: fibre, HFC, xDSL, FWA) meeting each target."""
    fixed = offers.filter(pc.is_in(offers["technology"], pa.array(["fiber", "hfc", "xdsl", "fwa"])))
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


# --------------------------------------------------------------------------------------------
# Existing fibre


def fibre_trunks(grid: pd.DataFrame, n_clusters: int) -> list[shapely.Geometry]:
    """The minimum spanning tree over the ``n_clusters`` most populous 2 km blocks.

    A block's node is its people-weighted centroid; edges are straight lines (EPSG:25833).
    With a single block the node itself is returned as a point.
    """
    centre_x = grid["x_m"].to_numpy() + CELL_M / 2
    centre_y = grid["y_m"].to_numpy() + CELL_M / 2
    people = grid["people"].to_numpy().astype("float64")
    _, block = np.unique(block_key(centre_x, centre_y, BLOCK_M), return_inverse=True)
    total = np.bincount(block, weights=people)
    node_x = np.bincount(block, weights=people * centre_x) / total
    node_y = np.bincount(block, weights=people * centre_y) / total
    top = np.sort(np.argsort(-total, kind="stable")[:n_clusters])
    xy = np.column_stack([node_x[top], node_y[top]])
    if len(top) < 2:
        return [shapely.Point(point) for point in xy]
    distance_m = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    tree = minimum_spanning_tree(distance_m).tocoo()
    pairs = sorted(zip(tree.row.tolist(), tree.col.tolist(), strict=True))
    return [shapely.LineString(xy[[a, b]]) for a, b in pairs]


def write_fibre(path: Path, geometries: list[shapely.Geometry]) -> None:
    """Write the trunk lines as an RFC 7946 GeoJSON (lon/lat) with ``kind`` = "trunk"."""
    features = [
        {
            "type": "Feature",
            "properties": {"kind": "trunk" if shapely.get_type_id(geometry) == 1 else "node"},
            "geometry": lonlat_geometry(geometry),
        }
        for geometry in geometries
    ]
    write_feature_collection(path, features)


# --------------------------------------------------------------------------------------------
# Terrain


@dataclass(frozen=True)
class TerrainFields:
    """National 1 km grids the elevation model samples: distance to the sea and people/km²."""

    x0_m: float  # west edge of the coarse grids
    y0_m: float  # north edge
    coast_km: np.ndarray
    people_km2: np.ndarray


def terrain_fields(
    kommuner: gpd.GeoDataFrame, fylker_path: Path, grid: pd.DataFrame
) -> TerrainFields:
    """Distance from the sea and smoothed population density on a national 1 km grid.

    Sea = inside Norway's territory (the Fylker polygons reach the territorial limit) and
    outside every kommune polygon (clipped to the coastline), so land borders are not coast.
    """
    minx, miny, maxx, maxy = kommuner.total_bounds
    x0_m = math.floor(minx / COARSE_M) * COARSE_M - 30_000.0
    y0_m = math.ceil(maxy / COARSE_M) * COARSE_M + 30_000.0
    shape = (
        math.ceil((y0_m - miny) / COARSE_M) + 30,
        math.ceil((maxx - x0_m) / COARSE_M) + 30,
    )
    transform = Affine(COARSE_M, 0.0, x0_m, 0.0, -COARSE_M, y0_m)
    land = rasterio.features.rasterize(
        ((g, 1) for g in kommuner.geometry), shape, transform=transform, dtype="uint8"
    )
    territory = rasterio.features.rasterize(
        ((g, 1) for g in read_fylker(fylker_path)), shape, transform=transform, dtype="uint8"
    )
    sea = (territory == 1) & (land == 0)
    coast_km = ndimage.distance_transform_edt(~sea) * COARSE_M / 1_000.0
    column = ((grid["x_m"].to_numpy() - x0_m) // COARSE_M).astype("int64")
    row = ((y0_m - grid["y_m"].to_numpy() - 1.0) // COARSE_M).astype("int64")
    people = np.zeros(shape)
    np.add.at(people, (row, column), grid["people"].to_numpy())
    people_km2 = ndimage.gaussian_filter(people, sigma=1.5) * (1e6 / COARSE_M**2)
    return TerrainFields(x0_m, y0_m, coast_km.astype("float32"), people_km2.astype("float32"))


def read_fylker(path: Path) -> list[dict[str, Any]]:
    """The fylke polygons (GeoJSON geometries, EPSG:25833) of Kartverket's Basisdata zip."""
    with zipfile.ZipFile(path) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".geojson"))
        document = json.loads(archive.read(name))
    return [feature["geometry"] for feature in document["Fylke"]["features"]]


def lattice(seed: int, octave: int, rows: range, cols: range) -> np.ndarray:
    """White-noise lattice values for node ``rows`` × ``cols`` of one octave.

    Nodes come in 64 × 64 tiles, each from its own seeded generator, so any sub-range is
    the same wherever it is requested from (windows and limited builds agree).
    """
    tile = 64
    out = np.empty((len(rows), len(cols)))
    for tile_row in range(rows.start // tile, (rows.stop - 1) // tile + 1):
        for tile_col in range(cols.start // tile, (cols.stop - 1) // tile + 1):
            rng = np.random.default_rng([seed, 7, octave, tile_row + 1000, tile_col + 1000])
            values = rng.standard_normal((tile, tile))
            r0, c0 = tile_row * tile, tile_col * tile
            rs = slice(max(rows.start, r0), min(rows.stop, r0 + tile))
            cs = slice(max(cols.start, c0), min(cols.stop, c0 + tile))
            out[
                rs.start - rows.start : rs.stop - rows.start,
                cs.start - cols.start : cs.stop - cols.start,
            ] = values[rs.start - r0 : rs.stop - r0, cs.start - c0 : cs.stop - c0]
    return out


def value_noise(
    seed: int,
    octaves: tuple[tuple[float, float], ...],
    first_octave: int,
    x_m: np.ndarray,
    y_m: np.ndarray,
    origin: tuple[float, float],
) -> np.ndarray:
    """Sum of cubic B-spline value-noise octaves at the points, scaled to unit spread.

    Octave ``o`` has nodes every ``spacing_km`` km from ``origin`` (west, north) and weight
    ``w_o``; a cubic B-spline of unit white noise has a standard deviation of about 0.47.
    """
    total = np.zeros(x_m.shape)
    for offset, (spacing_km, weight) in enumerate(octaves):
        spacing_m = spacing_km * 1_000.0
        u = (x_m - origin[0]) / spacing_m
        v = (origin[1] - y_m) / spacing_m
        rows = range(int(np.floor(v.min())) - 2, int(np.floor(v.max())) + 4)
        cols = range(int(np.floor(u.min())) - 2, int(np.floor(u.max())) + 4)
        nodes = lattice(seed, first_octave + offset, rows, cols)
        coordinates = np.stack([v - rows.start, u - cols.start])
        total += weight * ndimage.map_coordinates(nodes, coordinates, order=3, prefilter=False)
    return total / (0.47 * math.sqrt(sum(w * w for _, w in octaves)))


def elevation_m(fields: TerrainFields, seed: int, x_m: np.ndarray, y_m: np.ndarray) -> np.ndarray:
    """Synthetic elevation (m) at the points: rising inland, rough in the mountains, low where
    people live.

    .. math:: z = 20 + I (1100 + 450 n_1) + (40 + 300 I) n_2 + (8 + 60 I) n_3, \\quad
        I = 1 - e^{-d / 35\\,\\mathrm{km}}

    with ``d`` the distance from the sea and ``n_1..n_3`` macro, meso and micro noise; then
    scaled by ``0.2 + 0.8 exp(-ρ / 30)`` for ``ρ`` people per km² (smoothed) and floored
    softly at 0.
    """
    origin = (fields.x0_m, fields.y0_m)
    column = (x_m - fields.x0_m) / COARSE_M - 0.5
    row = (fields.y0_m - y_m) / COARSE_M - 0.5
    d_km = ndimage.map_coordinates(fields.coast_km, [row, column], order=1, mode="nearest")
    people_km2 = ndimage.map_coordinates(fields.people_km2, [row, column], order=1, mode="nearest")
    inland = 1.0 - np.exp(-d_km / INLAND_SCALE_KM)
    macro = value_noise(seed, MACRO_OCTAVES, 0, x_m, y_m, origin)
    meso = value_noise(seed, MESO_OCTAVES, 10, x_m, y_m, origin)
    micro = value_noise(seed, MICRO_OCTAVES, 20, x_m, y_m, origin)
    z = 15.0 + inland * (900.0 + 380.0 * macro) + (30.0 + 240.0 * inland) * meso
    z += (6.0 + 50.0 * inland) * micro
    z = 1.0 + (z - 1.0) * (0.2 + 0.8 * np.exp(-people_km2 / 30.0))
    z = np.where(z < 5.0, 5.0 * np.exp((z - 5.0) / 5.0), z)
    return np.minimum(z, MAX_ELEVATION_M)


def dtm_grid(
    bounds: tuple[float, float, float, float], fields: TerrainFields, cell_m: float
) -> tuple[Affine, int, int]:
    """Transform, width and height of a DTM covering ``bounds`` (+1 km), on the national grid."""
    minx, miny, maxx, maxy = bounds
    west = fields.x0_m + math.floor((minx - 1_000.0 - fields.x0_m) / cell_m) * cell_m
    north = fields.y0_m - math.floor((fields.y0_m - maxy - 1_000.0) / cell_m) * cell_m
    width = math.ceil((maxx + 1_000.0 - west) / cell_m)
    height = math.ceil((north - miny + 1_000.0) / cell_m)
    return Affine(cell_m, 0.0, west, 0.0, -cell_m, north), width, height


def write_dtm(
    path: Path,
    kommuner: gpd.GeoDataFrame,
    bounds: tuple[float, float, float, float],
    fields: TerrainFields,
    cell_m: float,
    seed: int,
) -> dict[str, float]:
    """Write the DTM window by window (512 × 512, one tile each); return figures.

    Land is every cell that touches a kommune polygon (``all_touched``), the rest nodata.
    """
    transform, width, height = dtm_grid(bounds, fields, cell_m)
    profile = {
        "driver": "GTiff", "dtype": "float32", "count": 1, "width": width, "height": height,
        "crs": "EPSG:25833", "transform": transform, "nodata": DTM_NODATA, "tiled": True,
        "blockxsize": DTM_BLOCK, "blockysize": DTM_BLOCK, "compress": "deflate",
        "predictor": 3, "bigtiff": "IF_SAFER", "num_threads": 2,
    }  # fmt: skip
    polygons = kommuner.geometry.to_numpy()
    tree = shapely.STRtree(polygons)
    land_cells, highest_m = 0, 0.0
    with rasterio.open(path, "w", **profile) as dataset:
        for window in dtm_windows(width, height):
            window_transform = rasterio.windows.transform(window, transform)
            box = shapely.box(*rasterio.windows.bounds(window, transform))
            touching = polygons[tree.query(box, predicate="intersects")]
            shape = (int(window.height), int(window.width))
            block = np.full(shape, DTM_NODATA, dtype="float32")
            if touching.size:
                land = rasterio.features.rasterize(
                    ((g, 1) for g in touching),
                    shape,
                    transform=window_transform,
                    all_touched=True,
                    dtype="uint8",
                ).astype(bool)
                rows, cols = np.nonzero(land)
                x_m = window_transform.c + (cols + 0.5) * cell_m
                y_m = window_transform.f - (rows + 0.5) * cell_m
                z = elevation_m(fields, seed, x_m, y_m)
                block[rows, cols] = np.round(z, 2)
                land_cells += rows.size
                highest_m = max(highest_m, float(z.max(initial=0.0)))
            dataset.write(block, 1, window=window)
    return {
        "dtm_width": width,
        "dtm_height": height,
        "dtm_land_cells": land_cells,
        "dtm_highest_m": highest_m,
    }


def dtm_windows(width: int, height: int) -> Iterator[Window]:
    """The 512 × 512 tile windows of the raster, row by row."""
    for row in range(0, height, DTM_BLOCK):
        for col in range(0, width, DTM_BLOCK):
            yield Window(col, row, min(DTM_BLOCK, width - col), min(DTM_BLOCK, height - row))


# --------------------------------------------------------------------------------------------
# Kommuner, config, orchestration


def write_kommuner(path: Path, source: Path, kommuner: Kommuner) -> None:
    """Copy the boundary file, or only the selected kommuner's features when limited."""
    if kommuner.selected.all():
        shutil.copyfile(source, path)
        return
    chosen = set(kommuner.frame.loc[kommuner.selected, "kommunenummer"])
    features = [
        f for f in kommuner.features if str(f["properties"]["kommunenummer"]).zfill(4) in chosen
    ]
    write_feature_collection(path, features)


def write_config(dataset: NationalDataset, name: str, tolerance_m: float) -> None:
    """Write ``gapmap.toml`` from the demo's template: same keys, paths inside the folder
    (the set has no kommune cost factors, and a road network only with ``--roads``: lines
    for what is absent are left out)."""
    absent = "<absent>"
    text = DEMO_CONFIG.format(
        output_dir="out",
        roads=dataset.roads.relative_to(dataset.root).as_posix() if dataset.roads else absent,
        cost_factors=absent,
        **{
            key: getattr(dataset, key).relative_to(dataset.root).as_posix()
            for key in ("kommuner", "addresses", "offers", "dtm", "sites", "fibre")
        },
    )
    text = "\n".join(line for line in text.splitlines() if absent not in line)
    edits = (
        (r'^name = "demo"$', f'name = "{name}"'),
        (r"^tolerance_m = [0-9.]+", f"tolerance_m = {tolerance_m:.1f}"),
    )
    for pattern, replacement in edits:
        text, count = re.subn(pattern, replacement, text, count=1, flags=re.MULTILINE)
        if count != 1:
            msg = f"pipeline/demo.py DEMO_CONFIG changed: no line matches {pattern!r}"
            raise RuntimeError(msg)
    text = (
        CONFIG_HEADER
        + "\n".join(line for line in text.splitlines() if "built-in demo region" not in line)
        + "\n"
    )
    dataset.config.write_text(text, encoding="utf-8")


class Steps:
    """Wall time per build step, printed as it finishes."""

    def __init__(self, quiet: bool) -> None:
        self.seconds: dict[str, float] = {}
        self.quiet = quiet
        self._name = ""
        self._started = 0.0

    def start(self, name: str) -> None:
        """Finish the running step (if any) and start ``name``."""
        self.stop()
        self._name, self._started = name, time.perf_counter()

    def stop(self) -> None:
        """Finish the running step."""
        if self._name:
            self.seconds[self._name] = time.perf_counter() - self._started
            if not self.quiet:
                peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                seconds = self.seconds[self._name]
                print(
                    f"  {self._name:<22} {seconds:7.1f} s   peak RSS {peak_mb:7,.0f} MB", flush=True
                )
        self._name = ""


def build_national_dataset(options: BuildOptions, quiet: bool = False) -> NationalDataset:
    """Build the whole input set into ``options.out_dir`` (see the module docstring)."""
    started = time.perf_counter()
    root = Path(options.out_dir)
    root.mkdir(parents=True, exist_ok=True)
    dataset = NationalDataset(
        root=root,
        config=root / "gapmap.toml",
        kommuner=root / "kommuner.geojson",
        addresses=root / ADDRESS_ZIP,
        offers=root / "dekning.csv",
        sites=root / "master.csv",
        fibre=root / "fiber.geojson",
        dtm=root / "terreng.tif",
        roads=root / "veger.gpkg" if options.roads else None,
    )
    steps = Steps(quiet)
    seed, realdata = options.seed, Path(options.realdata)
    steps.start("read inputs")
    kommuner = load_kommuner(realdata / KOMMUNER_FILE, options.limit_kommuner)
    grid_all = read_population_grid(realdata / GRID_FILE)
    selected_polygons = kommuner.frame.geometry.to_numpy()[kommuner.selected]
    grid = grid_all.loc[cells_to_build(grid_all, kommuner)].reset_index(drop=True)
    steps.start("place addresses")
    address = place_addresses(
        grid, kommuner, options.households_per_person, np.random.default_rng([seed, 1])
    )
    ids = address_ids(address.x_m.size, np.random.default_rng([seed, 2]))
    knr_rank = np.argsort(np.argsort(kommuner.frame["kommunenummer"].to_numpy(str)))
    order = np.lexsort((ids, knr_rank[address.kommune]))
    address = Addresses(*(getattr(address, f)[order] for f in Addresses.__dataclass_fields__))
    ids = ids[order]
    people = grid["people"].to_numpy()[address.cell]
    setting = setting_of_people(people)
    steps.start("write addresses")
    columns = address_columns(address, kommuner, setting, ids, np.random.default_rng([seed, 3]))
    write_address_zip(dataset.addresses, columns)
    del columns
    steps.start("sites and offers")
    scale = float(grid["people"].sum() / grid_all["people"].sum())
    cell_setting = setting_of_people(grid["people"].to_numpy())
    sites = site_table(grid, cell_setting, scale, np.random.default_rng([seed, 4]))
    write_csv(
        dataset.sites, ",".join(SITE_COLUMNS), pa.Table.from_pandas(sites, preserve_index=False)
    )
    fylke = kommuner.frame["fylkesnummer"].to_numpy(str)[address.kommune]
    offers = offer_table(address, ids, setting, fylke, sites, np.random.default_rng([seed, 5]))
    write_csv(dataset.offers, OFFER_HEADER, offers)
    shares = coverage_shares(offers, ids, address.households, setting == "sparse")
    steps.start("fibre and kommuner")
    trunks = fibre_trunks(grid, FIBRE_CLUSTERS)
    write_fibre(dataset.fibre, trunks)
    write_kommuner(dataset.kommuner, realdata / KOMMUNER_FILE, kommuner)
    tolerance_m = float(math.ceil(address.snap_distance_m.max(initial=0.0) / 50.0) * 50.0)
    name = "national-limited" if options.limit_kommuner else "national"
    write_config(dataset, name, tolerance_m)
    steps.start("terrain")
    fields = terrain_fields(kommuner.frame, realdata / FYLKER_FILE, grid_all)
    bounds = tuple(shapely.total_bounds(selected_polygons).tolist())
    dtm_figures = write_dtm(dataset.dtm, kommuner.frame, bounds, fields, options.cell_m, seed)
    road_figures = write_roads(dataset, address, seed, steps) if dataset.roads else {}
    steps.stop()
    dataset.rows = {
        "kommuner": int(kommuner.selected.sum()),
        "grid_cells": len(grid),
        "people": int(grid["people"].sum()),
        "addresses": int(address.x_m.size),
        "households": int(address.households.sum()),
        "block_addresses": int((address.households > 1).sum()),
        "addresses_snapped": int((address.snap_distance_m > 0).sum()),
        "offers": offers.num_rows,
        "sites": len(sites),
        "fibre_features": len(trunks),
        **({"roads": int(road_figures["lines"])} if road_figures else {}),
    }
    dataset.figures = {
        **shares,
        **dtm_figures,
        **{f"roads_{key}": value for key, value in road_figures.items()},
        "snap_tolerance_m": tolerance_m,
        "max_snap_distance_m": float(address.snap_distance_m.max(initial=0.0)),
        "seconds": time.perf_counter() - started,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    dataset.step_seconds = steps.seconds
    return dataset


def write_roads(
    dataset: NationalDataset, address: Addresses, seed: int, steps: Steps
) -> dict[str, float]:
    """Write ``veger.gpkg`` with ``scripts/national_roads.py`` from the files just written (the
    fibre lines as read back, so ``national_roads.py OUT_DIR`` gives the same bytes); return
    its figures."""
    assert dataset.roads is not None
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    try:
        import national_roads
    finally:
        sys.path.pop(0)
    steps.start("roads")
    roads = national_roads.national_roads(
        address.x_m,
        address.y_m,
        national_roads.read_trunks(dataset.fibre),
        national_roads.read_land_mask(dataset.dtm),
        seed,
    )
    national_roads.write_roads(dataset.roads, roads)
    steps.start("road figures")
    return national_roads.network_figures(roads, address.x_m, address.y_m)


def print_report(dataset: NationalDataset) -> None:
    """Rows per layer, file sizes, calibration against Nkom 2024, time and peak memory."""
    print("\nrows")
    for name, value in dataset.rows.items():
        print(f"  {name:<22} {value:>12,}")
    print("files")
    for key in ("addresses", "offers", "sites", "fibre", "kommuner", "dtm", "roads", "config"):
        path: Path | None = getattr(dataset, key)
        if path is None:
            continue
        print(f"  {path.name:<58} {path.stat().st_size / 1e6:>10.1f} MB")
    f = dataset.figures
    print("coverage (households; Nkom 2024: 99.1 % ≥ 100, 96.2 % gigabit, rural gigabit 82.4 %)")
    print(f"  ≥ 100/10 Mbit/s        {100 * f['share_100_10']:6.2f} %")
    print(f"  gigabit                {100 * f['share_gigabit']:6.2f} %")
    print(
        f"  gigabit, sparse cells  {100 * f['share_gigabit_rural']:6.2f} %"
        f"  (sparse = {100 * f['rural_household_share']:.1f} % of households)"
    )
    print(f"  below 30/5             {100 * f['share_below_30_5']:6.2f} %")
    print(
        f"terrain   {f['dtm_width']:.0f} × {f['dtm_height']:.0f} cells,"
        f" {f['dtm_land_cells']:,.0f} on land, highest {f['dtm_highest_m']:.0f} m"
    )
    print(
        f"snap      {dataset.rows['addresses_snapped']:,} addresses outside every polygon, max"
        f" {f['max_snap_distance_m']:.0f} m; config tolerance_m = {f['snap_tolerance_m']:.0f}"
    )
    if dataset.roads is not None:
        share = f"{100 * f['roads_share_within_500m']:.2f}"
        print(
            f"roads     {f['roads_km']:,.0f} km in {f['roads_lines']:,.0f} lines,"
            f" {f['roads_components']:,.0f} networks; addresses within 500 m of a road vertex"
            f" {share} %, on the largest network {100 * f['roads_share_on_largest_network']:.2f} %"
        )
    print(f"built in {f['seconds']:.1f} s, peak RSS {f['peak_rss_mb']:,.0f} MB -> {dataset.config}")


def parse_args(argv: list[str] | None) -> BuildOptions:
    """Command-line options (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path, help="folder for the input set (outside the repo)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--households-per-person", type=float, default=0.45)
    parser.add_argument("--cell-m", type=float, default=100.0, help="DTM cell size in metres")
    parser.add_argument(
        "--limit-kommuner", default="", help="comma-separated kommunenummer, e.g. 0301,4204"
    )
    parser.add_argument("--realdata", type=Path, default=DEFAULT_REALDATA)
    parser.add_argument(
        "--roads",
        action="store_true",
        help="also write a road network veger.gpkg (~15 s nationally)",
    )
    args = parser.parse_args(argv)
    if not 10.0 <= args.cell_m <= 1_000.0:
        parser.error(f"--cell-m: got {args.cell_m}, expected 10–1000 m (100 or 50 are usual)")
    if not 0.05 <= args.households_per_person <= 1.0:
        parser.error(f"--households-per-person: got {args.households_per_person}, expected 0.05–1")
    limit = tuple(k.strip().zfill(4) for k in args.limit_kommuner.split(",") if k.strip())
    return BuildOptions(
        args.out_dir,
        args.seed,
        args.households_per_person,
        args.cell_m,
        limit,
        args.realdata,
        args.roads,
    )


def main(argv: list[str] | None = None) -> int:
    """Build the input set and print the report."""
    options = parse_args(argv)
    if not (options.realdata / GRID_FILE).exists():
        print(f"error: {options.realdata / GRID_FILE} not found (../shared/realdata absent?)")
        return 2
    print(f"building into {options.out_dir} (seed {options.seed})", flush=True)
    print_report(build_national_dataset(options))
    return 0


if __name__ == "__main__":
    sys.exit(main())
