"""Small generated fixtures in the real input formats, and the hand cases several tests share.

Each plain builder or hand case used by more than one test module is defined here, once; the
pytest fixtures shared across folders live in ``tests/conftest.py`` (a folder's own shared
fixtures in its ``conftest.py``: the map inputs, the demo region's files, the national set).
The sections follow the house: the paths, the input files (addresses, DTM, GeoJSON, a whole
tiny region and its config), then the hand cases of the stages and their engines (prices, a
stored run, offers, fibre presence, road networks, costed addresses, DEM windows).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from affine import Affine
from pyproj import Transformer
from rasterio.crs import CRS
from rasterio.transform import from_origin

from layers.addresses import KARTVERKET_COLUMNS
from pipeline.config import (
    CostSettings,
    FibreSettings,
    NewSiteSettings,
    SatelliteSettings,
    Target,
    WirelessCostSettings,
)
from pipeline.radio.dem_window import DemWindow
from pipeline.rollout.fibre import FibrePresence
from pipeline.rollout.road_graph import RoadGraph
from pipeline.rollout.routing import pair_route_m
from pipeline.store import append


def _repository_root(start: Path) -> Path:
    """The nearest folder above ``start`` holding ``pyproject.toml`` (this checkout's root)."""
    return next(folder for folder in start.parents if (folder / "pyproject.toml").is_file())


REPO_ROOT = _repository_root(Path(__file__).resolve())
# the real sample data sits beside the repository: ../shared/realdata (skip when absent)
REALDATA = REPO_ROOT.parent / "shared" / "realdata"
# the corner near Oslo (on the 100 m grid of EPSG:25833) that hand-drawn cases are drawn from
LOCAL_X0, LOCAL_Y0 = 262_000.0, 6_650_000.0
LOCAL_ORIGIN = np.array([LOCAL_X0, LOCAL_Y0])


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_lines(
    path: Path, lines: Sequence[str], encoding: str = "utf-8", newline: str = "\n"
) -> Path:
    """``lines`` as a text file in ``encoding``, each ended by ``newline``."""
    path.write_bytes(newline.join([*lines, ""]).encode(encoding))
    return path


# --- Kartverket addresses ---------------------------------------------------------------------


def address_row(
    address_id: object, knr: object, text: str, east: object, north: object, epsg: object = 25833
) -> dict[str, object]:
    return {
        "lokalid": address_id,
        "kommunenummer": knr,
        "kommunenavn": "TESTVIK",
        "adressetype": "vegadresse",
        "adresseTekst": text,
        "EPSG-kode": epsg,
        "Nord": north,
        "Øst": east,
        "oppdateringsdato": "15.06.2020 17:37:59.123",
        "adresseId": address_id,
    }


def write_matrikkel_csv(
    path: Path,
    rows: Sequence[Mapping[str, object]],
    bom: bool = True,
    crlf: bool = True,
    encoding: str = "utf-8",
    extra_columns: Sequence[str] = (),
) -> Path:
    """Write rows as a Kartverket Matrikkelen Adresse CSV: the product's 46 columns
    (:data:`layers.addresses.KARTVERKET_COLUMNS`) and ``extra_columns`` after them, ``;``."""
    columns = [*KARTVERKET_COLUMNS, *extra_columns]
    newline = "\r\n" if crlf else "\n"
    lines = [";".join(columns)]
    for row in rows:
        lines.append(";".join("" if row.get(c) is None else str(row.get(c)) for c in columns))
    text = newline.join(lines) + newline
    data = text.encode(encoding)
    if bom and encoding == "utf-8":
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    return path


# --- terrain ----------------------------------------------------------------------------------

DTM_NODATA = -9999.0


def write_dtm(
    path: Path,
    elevation_m: np.ndarray,
    top_left: tuple[float, float],
    cell_m: float = 10.0,
    epsg: int = 25833,
) -> Path:
    """A float32 GeoTIFF DTM with its top-left corner at ``top_left``; NaN → nodata."""
    elevation_m = np.asarray(elevation_m, dtype="float64")
    height, width = elevation_m.shape
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=width,
        height=height,
        count=1,
        dtype="float32",
        crs=f"EPSG:{epsg}",
        transform=from_origin(top_left[0], top_left[1], cell_m, cell_m),
        nodata=DTM_NODATA,
    ) as dst:
        dst.write(np.where(np.isnan(elevation_m), DTM_NODATA, elevation_m).astype("float32"), 1)
    return path


def write_plane_dtm(
    path: Path, epsg: int = 25833, origin: tuple[float, float] = (100_000.0, 7_000_000.0)
) -> Path:
    """A 100 × 100 DTM of 10 m cells rising 1 m per cell eastwards (a gradient of 0.1: the
    value of a cell is its column), the top-left 10 × 10 cells nodata (sea)."""
    dem = np.tile(np.arange(100, dtype="float64"), (100, 1))
    dem[:10, :10] = np.nan
    return write_dtm(path, dem, origin, 10.0, epsg)


@dataclass(frozen=True)
class DtmBand:
    """A DTM read whole, sampled the plain way: the value of the cell under each point."""

    band: np.ndarray
    transform: Affine
    nodata: float

    @classmethod
    def read(cls, path: Path) -> DtmBand:
        with rasterio.open(path) as source:
            return cls(source.read(1), source.transform, float(source.nodata))

    def sample(self, x_m, y_m) -> np.ndarray:
        """Elevation of the cell under each point (vectorised, via the inverse transform)."""
        col, row = ~self.transform * (np.asarray(x_m), np.asarray(y_m))
        return self.band[np.floor(row).astype(int), np.floor(col).astype(int)]


# --- GeoJSON in lon/lat -----------------------------------------------------------------------

TO_WGS84 = Transformer.from_crs(25833, 4326, always_xy=True)


def write_feature_collection(path: Path, features: Iterable[Mapping[str, Any]]) -> Path:
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": list(features)}), encoding="utf-8"
    )
    return path


def square_lonlat(x0: float, y0: float, x1: float, y1: float) -> list[list[list[float]]]:
    """The rings of the box (EPSG:25833 metres) as GeoJSON Polygon coordinates in lon/lat."""
    xs, ys = TO_WGS84.transform([x0, x1, x1, x0, x0], [y0, y0, y1, y1, y0])
    return [[list(p) for p in zip(xs, ys, strict=True)]]


def polygon_feature(properties: Mapping[str, Any], box_m: tuple[float, float, float, float]):
    """A GeoJSON Polygon feature of the box (EPSG:25833 metres), in lon/lat."""
    geometry = {"type": "Polygon", "coordinates": square_lonlat(*box_m)}
    return {"type": "Feature", "properties": dict(properties), "geometry": geometry}


def write_fibre_line(path: Path, points_m: list[tuple[float, float]]) -> None:
    """A fibre layer of one trunk line through ``points_m`` (EPSG:25833), as WGS84 GeoJSON."""
    line = [list(TO_WGS84.transform(x, y)) for x, y in points_m]
    feature = {
        "type": "Feature",
        "properties": {"kind": "trunk"},
        "geometry": {"type": "LineString", "coordinates": line},
    }
    write_feature_collection(path, [feature])


# --- the headers of the small input tables --------------------------------------------------

OFFERS_HEADER = "address_id,operator,technology,down_mbps,up_mbps"
SITES_HEADER = (
    "site_id,operator,technology,east_m,north_m,epsg,antenna_height_m,frequency_mhz,"
    "max_range_m,down_mbps,up_mbps"
)


# --- configs ----------------------------------------------------------------------------------

# the three required inputs, as tomllib reads them and as a TOML file holds them
MINIMAL_INPUTS = {"inputs": {"kommuner": "k.geojson", "addresses": "a.csv", "offers": "o.csv"}}
MINIMAL_INPUTS_TOML = '[inputs]\nkommuner = "k.geojson"\naddresses = "a.csv"\noffers = "o.csv"\n'


def region_config_toml(extra: str = "") -> str:
    """The config of a region folder written by :func:`write_tiny_region` (the same file names),
    output in ``out/``; ``extra`` is appended (a ``[cost]`` table, more inputs)."""
    return (
        '[run]\noutput_dir = "out"\n[inputs]\nkommuner = "kommuner.geojson"\n'
        'addresses = "adresser.csv"\noffers = "dekning.csv"\ndtm = "terreng.tif"\n'
        'fibre = "fiber.geojson"\n' + extra
    )


# --- the tiny region --------------------------------------------------------------------------

TINY_X0, TINY_Y0 = 270_000.0, 7_010_000.0  # south-west corner of the tiny region (EPSG:25833)


def write_tiny_region(folder: Path) -> Path:
    """Two 2 × 2 km kommuner, 20 addresses (2 bad), offers, a sloping DTM, a fibre line.

    Addresses 1000–1008 lie in 9901 "Vestvik", 1009–1017 in 9902 "Østby & Co <b>" (200 m
    apart along y = y0 + 1000; the texts carry a script tag); 2000 has no Nord, 2001 a bad
    EPSG. Offers: 1000–1003 fibre 1000/1000, 1004–1011 xDSL 40/5, 1012–1014 xDSL 10/1, plus
    an unknown technology and an unknown address. Returns the config's path.
    """
    folder.mkdir(parents=True, exist_ok=True)
    x0, y0 = TINY_X0, TINY_Y0
    kommuner = (("9901", "Vestvik", 0), ("9902", "Østby & Co <b>", 2000))
    write_feature_collection(
        folder / "kommuner.geojson",
        [
            polygon_feature(
                {"kommunenummer": knr, "kommunenavn": name},
                (x0 + dx, y0, x0 + dx + 2000, y0 + 2000),
            )
            for knr, name, dx in kommuner
        ],
    )
    rows = []
    for i in range(18):
        knr = "9901" if i < 9 else "9902"
        x = x0 + 100 + (i % 9) * 200 + (0 if i < 9 else 2000)
        rows.append(address_row(1000 + i, knr, f"Gate {i} <script>x</script>", x, y0 + 1000))
    rows.append(address_row(2000, "9901", "Bad", x0, None))
    rows.append(address_row(2001, "9901", "Bad EPSG", x0, y0, epsg=1))
    write_matrikkel_csv(folder / "adresser.csv", rows)
    offers = [OFFERS_HEADER]
    offers += [f"{1000 + i},Fjordnett,fiber,1000,1000" for i in range(0, 4)]
    offers += [f"{1000 + i},Kobber,xdsl,40,5" for i in range(4, 12)]
    offers += [f"{1000 + i},Kobber,xdsl,10,1" for i in range(12, 15)]
    offers += ["1003,Kobber,dsl-ish,40,5", "9999999,Kobber,xdsl,40,5"]
    (folder / "dekning.csv").write_text("\n".join(offers) + "\n", encoding="utf-8")
    dem = np.tile(np.arange(400, dtype="float64"), (200, 1))
    write_dtm(folder / "terreng.tif", dem, (x0, y0 + 2000), 10.0)
    write_fibre_line(folder / "fiber.geojson", [(x0, y0 + 500), (x0 + 800, y0 + 500)])
    config = folder / "gapmap.toml"
    config.write_text(region_config_toml(), encoding="utf-8")
    return config


# --- prices -----------------------------------------------------------------------------------

# The prices of the hand-computed cost cases (rollout/fibre, rollout/choice, rollout/masts and
# the rollout run), spelled out so that the hand numbers hold when the defaults move with new
# sources: trench + cable = 500 NOK/m, route factor 1.3 (650 NOK per straight metre), routes
# capped at 20 km; per household 12,500 drop + 2,500 ONT + 5,000 install, no splitters;
# 6,500 per CPE; a new mast 2.5 M + a 0.4 M radio link, 1000/200 Mbit/s to 3 km, for areas
# of 5 households; satellite 4,000 + 700 a month over 10 years.
HAND_COST = CostSettings(
    fibre=FibreSettings(
        trench_nok_per_m=450.0,
        cable_nok_per_m=50.0,
        route_factor=1.3,
        drop_fixed_nok=8_000.0,
        drop_nok_per_m=150.0,
        drop_length_m=30.0,
        ont_nok=2_500.0,
        install_nok=5_000.0,
        splitter_nok=0.0,
        max_route_m=20_000.0,
    ),
    wireless=WirelessCostSettings(cpe_nok=6_500.0),
    new_site=NewSiteSettings(
        mast_nok=2_500_000.0,
        backhaul_nok=400_000.0,
        antenna_height_m=30.0,
        down_mbps=1_000.0,
        up_mbps=200.0,
        max_range_m=3_000.0,
        min_households=5,
    ),
    satellite=SatelliteSettings(
        terminal_nok=4_000.0, subscription_nok_per_month=700.0, period_years=10.0
    ),
)
# what HAND_COST charges each household connected by fibre on top of its trench share
HAND_FIBRE_PER_HOUSEHOLD_NOK = 12_500.0 + 2_500.0 + 5_000.0


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string
    return repr(value)


def cost_toml(cost: CostSettings) -> str:
    """``cost`` as the ``[cost]`` table of a config file, with its sub-tables."""
    top = ["[cost]"]
    subs = []
    for item in dataclasses.fields(cost):
        value = getattr(cost, item.name)
        if dataclasses.is_dataclass(value):
            subs.append(f"[cost.{item.name}]")
            subs += [
                f"{f.name} = {_toml_value(getattr(value, f.name))}"
                for f in dataclasses.fields(value)
            ]
        else:
            top.append(f"{item.name} = {_toml_value(value)}")
    return "\n".join([*top, *subs]) + "\n"


# --- a hand-made run in the store (aggregate, store) ------------------------------------------

HAND_RUN_TARGETS = (Target("no2025", 100, 10, "100/10"), Target("gigabit2030", 1000, None, "1G"))


def store_hand_run(connection: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Store a hand-made run under ``run_id``: kommuner 9901 A and 9902 B in fylke 99
    "Prøvefylket", 9801 C in 98; five addresses (1, 4, 2 households in A; 1, 3 in B), their
    classes for no2025 and gigabit2030, their costs (100k + 50k in A, 30k + 90k in B; one
    route capped in A) and the targets."""
    append(
        connection,
        "kommuner",
        run_id,
        pd.DataFrame(
            {
                "kommunenummer": ["9901", "9902", "9801"],
                "kommunenavn": ["A", "B", "C"],
                "fylkesnummer": ["99", "99", "98"],
                "area_km2": [1.0, 1.0, 1.0],
            }
        ),
    )
    append(
        connection,
        "fylker",
        run_id,
        pd.DataFrame({"fylkesnummer": ["99"], "fylkesnavn": ["Prøvefylket"]}),
    )
    addresses = pd.DataFrame(
        {
            "address_id": [1, 2, 3, 4, 5],
            "kommunenummer": ["9901", "9901", "9901", "9902", "9902"],
            "households": [1, 4, 2, 1, 3],
        }
    )
    append(connection, "addresses", run_id, addresses)
    classes = {
        "no2025": ["served", "underserved", "unserved", "served", "unserved"],
        "gigabit2030": ["served", "unserved", "unserved", "underserved", "unserved"],
    }
    long = pd.concat(
        [
            pd.DataFrame({"address_id": addresses["address_id"], "target": t, "class": c})
            for t, c in classes.items()
        ]
    )
    append(connection, "address_classes", run_id, long)
    append(
        connection,
        "address_results",
        run_id,
        addresses.assign(
            cost_nok=[np.nan, 100_000.0, 50_000.0, 30_000.0, 90_000.0],
            route_capped=[False, False, True, False, False],
        ),
    )
    append(
        connection, "targets", run_id, pd.DataFrame({"target": [t.name for t in HAND_RUN_TARGETS]})
    )


# --- offers (coverage, classify) --------------------------------------------------------------


def offers_frame(rows: Sequence[tuple[int, str, str, float, float]]) -> pd.DataFrame:
    """Offers as the offers layer gives them: (address_id, operator, technology, down, up)."""
    return pd.DataFrame(
        rows, columns=["address_id", "operator", "technology", "down_mbps", "up_mbps"]
    )


# Seven addresses (index 10–16) and their offers: 1 fibre and xDSL, 2 HFC 1000/100, 3 xDSL 40/5,
# 4 xDSL 20/2 and mobile 150/30, 5 only satellite, 6 xDSL 200/5 and FWA 50/50, 7 nothing.
HAND_OFFERS = offers_frame(
    [
        (1, "Fjordnett", "fiber", 1000, 1000),
        (1, "Kobber", "xdsl", 40, 5),
        (2, "Kabel", "hfc", 1000, 100),
        (3, "Kobber", "xdsl", 40, 5),
        (4, "Kobber", "xdsl", 20, 2),
        (4, "Mobil", "mobile_4g", 150, 30),
        (5, "Sat", "satellite", 200, 20),
        (6, "A", "xdsl", 200, 5),
        (6, "B", "fwa", 50, 50),
    ]
)
HAND_OFFER_IDS = pd.Series([1, 2, 3, 4, 5, 6, 7], index=[10, 11, 12, 13, 14, 15, 16])


# --- fibre presence and addresses to cost (rollout) -------------------------------------------


def fibre_presence(
    lines: Iterable[shapely.Geometry] = (), points: Iterable[tuple[float, float]] = ()
) -> FibrePresence:
    """Fibre presence of the given lines and points (EPSG:25833 metres)."""
    return FibrePresence(
        np.array(list(lines), dtype=object),
        np.array(list(points), dtype="float64").reshape(-1, 2),
    )


def addresses_at(x_m, y_m=None, households=None, kommunenummer: str = "9901") -> pd.DataFrame:
    """Addresses to cost at ``x_m`` (and ``y_m``, default 0), one household each by default."""
    x = np.asarray(x_m, dtype="float64")
    return pd.DataFrame(
        {
            "x_m": x,
            "y_m": np.zeros(len(x)) if y_m is None else np.asarray(y_m, dtype="float64"),
            "households": np.ones(len(x), np.int64) if households is None else households,
            "kommunenummer": kommunenummer,
        }
    )


# --- road networks (road graph, routing, fibre along roads, the roads layer) -----------------

FAR_M = 100_000.0  # a route limit that never binds
L_ROAD = [(0, 0), (300, 0), (300, 400)]  # 300 m east, then 400 m north


def road_lines(*coordinates: Sequence[tuple[float, float]]) -> gpd.GeoDataFrame:
    """Road lines from local metre coordinates, in EPSG:25833."""
    lines = [shapely.LineString(np.asarray(xy, dtype=float) + LOCAL_ORIGIN) for xy in coordinates]
    return gpd.GeoDataFrame(geometry=lines, crs=25833)


def route_between_m(
    road: RoadGraph, p0: tuple[float, float], p1: tuple[float, float], limit_m: float = FAR_M
) -> float:
    """The route between two local points."""
    return float(
        pair_route_m(
            road,
            np.array([LOCAL_X0 + p0[0]]),
            np.array([LOCAL_Y0 + p0[1]]),
            np.array([LOCAL_X0 + p1[0]]),
            np.array([LOCAL_Y0 + p1[1]]),
            limit_m,
        )[0]
    )


def street_network(seed: int, n: int = 14, spacing_m: float = 100.0) -> gpd.GeoDataFrame:
    """A jittered n × n grid of streets with a third of its blocks' sides removed."""
    rng = np.random.default_rng(seed)
    xy = np.stack(np.meshgrid(np.arange(n), np.arange(n), indexing="ij"), axis=-1) * spacing_m
    xy = xy + rng.uniform(-20, 20, size=xy.shape)
    right = [(xy[i, j], xy[i + 1, j]) for i in range(n - 1) for j in range(n)]
    up = [(xy[i, j], xy[i, j + 1]) for i in range(n) for j in range(n - 1)]
    sides = np.array(right + up)
    sides = sides[rng.random(len(sides)) > 0.33]
    return road_lines(*sides)


# --- costed addresses (planning, the cost curve plot, gapmap areas) ---------------------------

COSTED_X0, COSTED_Y0 = 440_000.0, 6_460_000.0  # added to the local metres of costed_results

CostedRow = tuple[int, str, int, float, float, float, str | None, int]


def costed_results(rows: Sequence[CostedRow]) -> pd.DataFrame:
    """Rows of (address_id, kommunenummer, households, x_m, y_m, cost_nok, option, cluster),
    x and y in local metres from (COSTED_X0, COSTED_Y0), as the cost stage stores them."""
    frame = pd.DataFrame(
        rows,
        columns=[
            "address_id",
            "kommunenummer",
            "households",
            "x_m",
            "y_m",
            "cost_nok",
            "cost_option",
            "cluster_id",
        ],
    )
    return frame.assign(
        x_m=frame["x_m"] + COSTED_X0,
        y_m=frame["y_m"] + COSTED_Y0,
        cluster_id=frame["cluster_id"].astype("int64"),
    )


# Four costed addresses of one cluster in 4204, 8 households, 1,350,000 NOK; per household
# 300k, 100k, 50k, 200k; address 5 meets the target and is not costed.
FOUR_COSTED = costed_results(
    [
        (1, "4204", 1, 0, 0, 300_000, "fiber", 1),
        (2, "4204", 2, 10, 0, 200_000, "fiber", 1),
        (3, "4204", 1, 20, 0, 50_000, "fwa", 1),
        (4, "4204", 4, 30, 0, 800_000, "fiber", 1),
        (5, "4204", 3, 40, 0, np.nan, None, -1),
    ]
)


# --- synthetic DEM windows (radio) ------------------------------------------------------------

WINDOW_CELL_M = 10.0
WINDOW_X0_M, WINDOW_Y0_M = 200_000.0, 6_800_000.0  # top-left corner (EPSG:25833)
WINDOW_ROW_Y_M = WINDOW_Y0_M - 15.0  # centre of row 1: profiles along it hit cell centres


def dem_window(elevation_m: np.ndarray, on_raster: np.ndarray | None = None) -> DemWindow:
    """A DEM window of 10 m cells with its top-left corner at (WINDOW_X0_M, WINDOW_Y0_M)."""
    transform = from_origin(WINDOW_X0_M, WINDOW_Y0_M, WINDOW_CELL_M, WINDOW_CELL_M)
    return DemWindow(elevation_m.astype("float32"), transform, CRS.from_epsg(25833), on_raster)


def strip_window(profile_m: np.ndarray) -> DemWindow:
    """A 3-row window whose columns hold ``profile_m`` (a terrain that varies along x)."""
    return dem_window(np.tile(np.asarray(profile_m, "float64"), (3, 1)))


def column_x_m(col: float) -> float:
    """x of the centre of column ``col`` of a window."""
    return WINDOW_X0_M + (col + 0.5) * WINDOW_CELL_M


def valley_profile_m() -> np.ndarray:
    """A 100 m plateau (cols 0-100), a ridge rising to its 300 m crest at col 200, falling to a
    0 m valley floor from col 250 on."""
    col = np.arange(401, dtype="float64")
    profile = np.where(col <= 100, 100.0, 100.0 + 2.0 * (col - 100))
    return np.where(col > 200, np.maximum(300.0 - 6.0 * (col - 200), 0.0), profile)


def radio_sites(x_m, y_m, range_m) -> pd.DataFrame:
    """Sites ``S0``, ``S1``, … at (``x_m``, ``y_m``) with 30 m antennas at 3.6 GHz."""
    n = len(x_m)
    return pd.DataFrame(
        {
            "site_id": [f"S{i}" for i in range(n)],
            "x_m": x_m,
            "y_m": y_m,
            "antenna_height_m": 30.0,
            "frequency_mhz": 3600.0,
            "max_range_m": range_m,
        }
    )


def valley_kommuner(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, Path]:
    """Two kommuner's addresses in the valley DTM (written to ``folder/dtm.tif``) and two sites:
    S0 on the plateau (30 m mast, 1 km range) and S1 on the crest (10 m mast, 2 km); address 13
    is 50 km away from both (what each address sees: tests/pipeline/radio/test_kommune_reach.py)."""
    path = write_dtm(
        folder / "dtm.tif", np.tile(valley_profile_m(), (40, 1)), (WINDOW_X0_M, WINDOW_Y0_M)
    )
    y = WINDOW_Y0_M - 205.0
    addresses = pd.DataFrame(
        {
            "kommunenummer": ["9902", "9901", "9902", "9901"],
            "x_m": [column_x_m(300), column_x_m(90), column_x_m(380), WINDOW_X0_M + 50_000],
            "y_m": [y, y, y - 100, y],
        },
        index=[10, 11, 12, 13],
    )
    sites = radio_sites([column_x_m(50), column_x_m(200)], [y, y + 50], [1000.0, 2000.0])
    sites.loc[1, "antenna_height_m"] = 10.0
    return addresses, sites, path
