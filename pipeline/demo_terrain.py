"""Landscape, terrain, kommune boundaries and settlements of the gapmap demo region (fictional).

The region is 40 km × 30 km in EPSG:25833: x 260 000–300 000 m, y 7 000 000–7 030 000 m. In
local kilometres, ``x_km = (x_m - 260 000) / 1000`` and ``y_km = (y_m - 7 000 000) / 1000``:

- the open sea lies west of a wavy coast at ``x_km`` ≈ 3.5–6.5;
- a fjord cuts inland from the coast at ``y_km`` ≈ 15 to its head at about (24, 15.7), in a
  valley (Fjorddalen) that climbs on to the foot of the ridge;
- the island Ytterøya (about 2.6 × 1.6 km) lies at (1.8, 7.0), 2.5–4 km off the coast;
- valleys rise from the coast eastwards: Dalsbygda (south, ``y_km`` 3–6.5, floor 3–380 m) and
  Nordheimsdalen (north, ``y_km`` 25–28.5, floor 3–420 m); Bakdalen is a closed north-south
  valley at ``x_km`` ≈ 33, ``y_km`` 10–21, floor 300–420 m;
- the ridge Storeggen (crest 1170–1330 m, a cusp about 2 km wide at its foot) runs north-south
  at ``x_km`` ≈ 29, ``y_km`` 9.5–21.5, between the fjord head and Bakdalen; the land 1.5–2 km
  either side lies at about 300–500 m;
- hills between the valleys reach 500–900 m and mountains in the east about 1500–1600 m.

The DTM has 20 m cells, float32, nodata -9999 over the sea (never 0). Kommune boundaries are
unions of Voronoi cells labelled by the nearest (warped) kommune seat: they tile the land and the
fjord, reach 300 m out to sea, and 9904 also holds the island.

Settlements: towns and villages are gaussian clusters of addresses, flattened into the terrain;
farms of 1–3 addresses lie along valley and shore lines; Bakdalen and the island have their own
farms. Three pier addresses stand 30 m out over the sea. Every other address lies on land.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import rasterio
import shapely
from rasterio.transform import from_origin
from scipy import ndimage
from shapely.geometry import Polygon, box

X0_M, Y0_M = 260_000.0, 7_000_000.0
WIDTH_M, HEIGHT_M = 40_000.0, 30_000.0
CELL_M = 20.0
NODATA = -9999.0
N_COLS, N_ROWS = int(WIDTH_M / CELL_M), int(HEIGHT_M / CELL_M)
TRANSFORM = from_origin(X0_M, Y0_M + HEIGHT_M, CELL_M, CELL_M)

FJORD_HEAD_X_KM = 24.0
ISLAND_CENTRE_KM = (1.8, 7.0)
ISLAND_RADII_KM = (1.1, 0.7)
RIDGE_CREST_M = 1250.0
RIDGE_WIDTH_KM = 0.8
KOMMUNE_SEATS_KM = {
    "9901": (10.0, 16.0),
    "9902": (14.0, 26.0),
    "9903": (31.0, 15.0),
    "9904": (6.0, 7.0),
    "9905": (22.0, 4.0),
}
OFFSHORE_MARGIN_M = 300.0
N_DISAGREEING = 5
STREET_BRYGGE, STREET_SKIPPER, STREET_KAIA, STREET_DAMPSKIPSKAIA = 900, 901, 902, 903


@dataclass(frozen=True)
class Line:
    """A centreline ``across_km = f(along_km)``, linear between knots.

    ``along`` is x and ``across`` is y, or the other way round when ``north_south``. A line with
    ``floor_m`` is carved into the terrain as a valley whose floor rises linearly from start to end,
    fading out over ``taper_km`` at both ends.
    """

    name: str
    knots_km: tuple[tuple[float, float], ...]
    north_south: bool = False
    floor_m: tuple[float, float] | None = None
    half_width_km: float = 0.8
    taper_km: tuple[float, float] = (1.0, 3.0)

    @property
    def along_range_km(self) -> tuple[float, float]:
        """First and last knot along the line."""
        return self.knots_km[0][0], self.knots_km[-1][0]

    def across_km(self, along_km: np.ndarray) -> np.ndarray:
        """Across coordinate of the centreline at each ``along_km``."""
        knots = np.asarray(self.knots_km)
        return np.interp(along_km, knots[:, 0], knots[:, 1])

    def to_xy_km(self, along_km: np.ndarray, offset_km: np.ndarray) -> tuple[np.ndarray, ...]:
        """Points at ``along_km``, ``offset_km`` across from the centreline, as (x_km, y_km)."""
        across_km = self.across_km(along_km) + offset_km
        return (across_km, along_km) if self.north_south else (along_km, across_km)


def coast_x_km(y_km: np.ndarray | float) -> np.ndarray:
    """Easting of the open-sea coastline at each northing (sea lies west of it)."""
    return 5.0 + 0.9 * np.sin(y_km / 2.7) + 0.4 * np.sin(y_km / 0.9 + 1.3)


def fjord_centre_y_km(x_km: np.ndarray | float) -> np.ndarray:
    """Northing of the fjord's centreline at each easting."""
    return 15.2 + 0.5 * np.sin(x_km / 3.2)


def fjord_half_width_km(x_km: np.ndarray | float) -> np.ndarray:
    """Half-width of the fjord, 0.9 km at the open sea narrowing to 0.25 km at its head."""
    return np.asarray(np.interp(x_km, [0.0, 6.0, FJORD_HEAD_X_KM], [0.9, 0.7, 0.25]))


FJORDDALEN = Line(
    "Fjorddalen",
    tuple((x, float(fjord_centre_y_km(x))) for x in np.arange(3.0, 29.5, 1.0).tolist()),
    floor_m=(0, 60),
    half_width_km=1.6,
)
DALSBYGDA = Line(
    "Dalsbygda",
    ((3.5, 3.0), (12.0, 4.5), (20.0, 4.0), (28.0, 5.8), (39.0, 6.5)),
    floor_m=(3, 380),
    half_width_km=1.2,
)
NORDHEIMSDALEN = Line(
    "Nordheimsdalen",
    ((3.5, 25.0), (12.0, 25.4), (20.0, 26.6), (28.0, 27.2), (39.0, 28.5)),
    floor_m=(3, 420),
    half_width_km=1.2,
)
BAKDALEN = Line(
    "Bakdalen",
    tuple((y, 33.0 + 0.35 * float(np.sin(y / 1.9))) for y in np.arange(10.0, 21.01, 0.5)),
    north_south=True,
    floor_m=(300, 420),
    half_width_km=0.9,
    taper_km=(1.0, 1.0),
)
RIDGE = Line(
    "Storeggen",
    tuple((y, 29.0 + 0.3 * float(np.sin(y / 1.6))) for y in np.arange(9.5, 21.51, 0.5)),
    north_south=True,
)
VALLEYS = (FJORDDALEN, DALSBYGDA, NORDHEIMSDALEN, BAKDALEN)


def grid_km() -> tuple[np.ndarray, np.ndarray]:
    """Cell-centre coordinates of the DTM as broadcastable (1, W) x_km and (H, 1) y_km."""
    half_km = CELL_M / 2000.0
    x_km = (np.arange(N_COLS, dtype=np.float32) * CELL_M / 1000.0 + half_km)[None, :]
    y_km = HEIGHT_M / 1000.0 - half_km - np.arange(N_ROWS, dtype=np.float32) * CELL_M / 1000.0
    return x_km, y_km[:, None]


def is_sea(x_km: np.ndarray, y_km: np.ndarray) -> np.ndarray:
    """True where (x_km, y_km) is open sea or fjord and not the island."""
    fjord_offset_km = np.abs(y_km - fjord_centre_y_km(x_km))
    fjord = (fjord_offset_km < fjord_half_width_km(x_km)) & (x_km <= FJORD_HEAD_X_KM)
    head_y_km = fjord_centre_y_km(FJORD_HEAD_X_KM)
    head = np.hypot(x_km - FJORD_HEAD_X_KM, y_km - head_y_km) < fjord_half_width_km(FJORD_HEAD_X_KM)
    return ((x_km < coast_x_km(y_km)) | fjord | head) & ~_is_island(x_km, y_km)


def _is_island(x_km: np.ndarray, y_km: np.ndarray) -> np.ndarray:
    u = (x_km - ISLAND_CENTRE_KM[0]) / ISLAND_RADII_KM[0]
    v = (y_km - ISLAND_CENTRE_KM[1]) / ISLAND_RADII_KM[1]
    return np.hypot(u, v) < _island_scale(np.arctan2(v, u))


def _island_scale(theta: np.ndarray) -> np.ndarray:
    return 1.0 + 0.12 * np.sin(3.0 * theta) + 0.08 * np.cos(5.0 * theta + 1.0)


def _smoothstep(t: np.ndarray) -> np.ndarray:
    t = np.clip(t, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def build_elevation_m(
    rng: np.random.Generator, flatten_km: Sequence[tuple[float, float, float]]
) -> np.ndarray:
    """Elevation of every DTM cell (float32, ``NODATA`` over the sea).

    Relief (a rise inland, gaussian hills, fractal noise; squeezed above 1000 m towards 1500 m)
    is lowered by up to 55 % within a few km of the ridge and towards the coast by
    ``1 - exp(-d / 1.2 km)``, ``d`` the distance to the sea. Then valleys are carved, the
    settlements of ``flatten_km`` (x_km, y_km, radius_km) flattened to the height at their
    centre, and the ridge raised last.
    """
    x_km, y_km = grid_km()
    sea = is_sea(x_km, y_km)
    distance_to_sea_km = ndimage.distance_transform_edt(~sea).astype(np.float32) * CELL_M / 1000
    relief_m = _relief_m(x_km, y_km, rng) * (1.0 - 0.55 * _ridge_shape(x_km, y_km, 2.5, 2.0))
    elevation_m = 2.0 + relief_m * (1.0 - np.exp(-distance_to_sea_km / 1.2))
    for valley in VALLEYS:
        elevation_m = _carve_valley(elevation_m, x_km, y_km, valley)
    for centre_x_km, centre_y_km, radius_km in flatten_km:
        _flatten(elevation_m, centre_x_km, centre_y_km, radius_km)
    elevation_m = np.maximum(elevation_m, _ridge_m(x_km, y_km))
    elevation_m = np.maximum(elevation_m, 0.5)
    elevation_m[sea] = NODATA
    return elevation_m.astype(np.float32)


def _relief_m(x_km: np.ndarray, y_km: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    relief_m = 20.0 + 380.0 * _smoothstep((x_km - 4.0) / 34.0) + np.zeros_like(y_km)
    hills = rng.uniform([3.0, -2.0, 1.0, 100.0], [42.0, 32.0, 3.5, 380.0], size=(60, 4))
    massifs = [(38.5, 20.0, 3.5, 700.0), (37.5, 9.0, 3.0, 650.0), (39.0, 28.0, 2.5, 600.0)]
    for hill_x_km, hill_y_km, sigma_km, height_m in np.vstack([hills, massifs]):
        across = np.exp(-((x_km - hill_x_km) ** 2) / (2.0 * sigma_km**2))
        relief_m += height_m * np.exp(-((y_km - hill_y_km) ** 2) / (2.0 * sigma_km**2)) * across
    relief_m += _fractal_noise_m(x_km, y_km, rng)
    knee_m = 1000.0  # above it, heights are squeezed towards 1500 m: knee + 500 tanh(excess / 500)
    squeezed_m = knee_m + 500.0 * np.tanh((relief_m - knee_m) / 500.0)
    return np.clip(np.where(relief_m > knee_m, squeezed_m, relief_m), 20.0, None)


def _fractal_noise_m(x_km: np.ndarray, y_km: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Sum of plane waves, 8 per octave, wavelength 8 km / 2^o and amplitude 24 m / 1.8^o."""
    noise_m = np.zeros((y_km.shape[0], x_km.shape[1]), dtype=np.float32)
    for octave in range(6):
        wavenumber = 2.0 * np.pi * 2**octave / 8.0
        amplitude_m = 24.0 / 1.8**octave
        for theta, phase in rng.uniform([0.0, 0.0], [np.pi, 2.0 * np.pi], size=(8, 2)):
            a = (wavenumber * np.cos(theta) * x_km).astype(np.float32)
            b = (wavenumber * np.sin(theta) * y_km + phase).astype(np.float32)
            noise_m += amplitude_m * (np.sin(b) * np.cos(a) + np.cos(b) * np.sin(a))
    return noise_m


def _carve_valley(
    elevation_m: np.ndarray, x_km: np.ndarray, y_km: np.ndarray, valley: Line
) -> np.ndarray:
    """Blend towards a floor rising along the valley, weight ``exp(-(offset / half_width)^2)``."""
    along_km, across_km = (y_km, x_km) if valley.north_south else (x_km, y_km)
    start_km, end_km = valley.along_range_km
    offset_km = np.abs(across_km - valley.across_km(along_km))
    floor_start_m, floor_end_m = valley.floor_m or (0.0, 0.0)
    fraction = np.clip((along_km - start_km) / (end_km - start_km), 0.0, 1.0)
    floor_m = floor_start_m + fraction * (floor_end_m - floor_start_m)
    taper_start_km, taper_end_km = valley.taper_km
    inside = _smoothstep((along_km - start_km) / taper_start_km)
    inside = inside * _smoothstep((end_km - along_km) / taper_end_km)
    weight = np.exp(-((offset_km / valley.half_width_km) ** 2)) * inside
    return elevation_m * (1.0 - weight) + floor_m * weight


def _flatten(elevation_m: np.ndarray, x_km: float, y_km: float, radius_km: float) -> None:
    """Blend a disc (weight ``exp(-(r / radius)^4)``) towards the height at its centre, in place."""
    row, col = cell_index(np.array([x_km * 1000 + X0_M]), np.array([y_km * 1000 + Y0_M]))
    reach = int(2.0 * radius_km * 1000 / CELL_M)
    rows = slice(max(row[0] - reach, 0), min(row[0] + reach, N_ROWS))
    cols = slice(max(col[0] - reach, 0), min(col[0] + reach, N_COLS))
    grid_x_km, grid_y_km = grid_km()
    r_km = np.hypot(grid_x_km[:, cols] - x_km, grid_y_km[rows, :] - y_km)
    weight = np.exp(-((r_km / radius_km) ** 4))
    window = elevation_m[rows, cols]
    window[...] = window * (1.0 - weight) + elevation_m[row[0], col[0]] * weight


def _ridge_shape(x_km: np.ndarray, y_km: np.ndarray, width_km: float, power: float) -> np.ndarray:
    """``exp(-(offset / width)^power)`` across the ridge, tapering over 1.5 km at its ends."""
    start_km, end_km = RIDGE.along_range_km
    offset_km = np.abs(x_km - RIDGE.across_km(y_km))
    plateau = _smoothstep((y_km - start_km) / 1.5) * _smoothstep((end_km - y_km) / 1.5)
    return plateau * np.exp(-((offset_km / width_km) ** power))


def _ridge_m(x_km: np.ndarray, y_km: np.ndarray) -> np.ndarray:
    """The ridge: crest ``1250 + 80 sin(1.7 y)`` m, a cusp ``exp(-(offset / 0.8 km)^1.5)``."""
    crest_m = RIDGE_CREST_M + 80.0 * np.sin(1.7 * y_km)
    return crest_m * _ridge_shape(x_km, y_km, RIDGE_WIDTH_KM, 1.5)


def cell_index(x_m: np.ndarray, y_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of the DTM cell holding each point (may fall outside the grid)."""
    col = np.floor((x_m - X0_M) / CELL_M).astype(np.int64)
    row = np.floor((Y0_M + HEIGHT_M - y_m) / CELL_M).astype(np.int64)
    return row, col


def sample_elevation_m(elevation_m: np.ndarray, x_m: np.ndarray, y_m: np.ndarray) -> np.ndarray:
    """Elevation of the cell under each point; ``NODATA`` over the sea and outside the grid."""
    row, col = cell_index(x_m, y_m)
    inside = (row >= 0) & (row < N_ROWS) & (col >= 0) & (col < N_COLS)
    sampled_m = np.full(row.shape, NODATA, dtype=np.float32)
    sampled_m[inside] = elevation_m[row[inside], col[inside]]
    return sampled_m


def write_dtm(path: Path, elevation_m: np.ndarray) -> None:
    """Write the DTM as a tiled (256 × 256), DEFLATE-compressed float32 GeoTIFF in EPSG:25833."""
    profile = {"driver": "GTiff", "width": N_COLS, "height": N_ROWS, "count": 1,
               "dtype": "float32", "crs": "EPSG:25833", "transform": TRANSFORM, "nodata": NODATA,
               "tiled": True, "blockxsize": 256, "blockysize": 256, "compress": "deflate",
               "predictor": 3}  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(elevation_m, 1)


def sea_geometries() -> tuple[Polygon, Polygon]:
    """The open sea west of the coast and the island, as polygons in EPSG:25833 metres."""
    y_km = np.arange(-2.0, 32.01, 0.1)
    coast = np.column_stack([coast_x_km(y_km), y_km])
    open_sea_km = np.vstack([coast, [[-3.0, 32.0], [-3.0, -2.0]]])
    theta = np.linspace(0.0, 2.0 * np.pi, 361)[:-1]
    scale = _island_scale(theta)
    island_km = np.column_stack(
        [
            ISLAND_CENTRE_KM[0] + ISLAND_RADII_KM[0] * scale * np.cos(theta),
            ISLAND_CENTRE_KM[1] + ISLAND_RADII_KM[1] * scale * np.sin(theta),
        ]
    )
    offset_m = np.array([X0_M, Y0_M])
    return Polygon(open_sea_km * 1000 + offset_m), Polygon(island_km * 1000 + offset_m)


def kommune_partition(rng: np.random.Generator) -> dict[str, shapely.Geometry]:
    """Kommune polygons (EPSG:25833) that tile the land without gaps or overlaps.

    Jittered 1.5 km seeds get the kommune of the nearest seat after a sinusoidal warp of up to
    1.5 km; each kommune is the union of its seeds' Voronoi cells, cut back to the land plus
    ``OFFSHORE_MARGIN_M`` of sea. Kommune 9904 also holds the island (and its margin).
    """
    grid_x, grid_y = np.meshgrid(np.arange(-6.0, 47.0, 1.5), np.arange(-6.0, 37.0, 1.5))
    seeds_km = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    seeds_km += rng.uniform(-0.6, 0.6, size=seeds_km.shape)
    phase = rng.uniform(0.0, 2.0 * np.pi, size=2)
    warped_km = seeds_km + 1.5 * np.column_stack(
        [np.sin(seeds_km[:, 1] / 2.3 + phase[0]), np.sin(seeds_km[:, 0] / 2.9 + phase[1])]
    )
    seats_km = np.array(list(KOMMUNE_SEATS_KM.values()))
    label = np.argmin(np.hypot(*(warped_km[:, None, :] - seats_km[None, :, :]).T), axis=0)
    seeds = shapely.multipoints(seeds_km * 1000 + np.array([X0_M, Y0_M]))
    region = box(X0_M, Y0_M, X0_M + WIDTH_M, Y0_M + HEIGHT_M)
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=region, ordered=True))
    open_sea, island = sea_geometries()
    mainland = region.difference(open_sea.buffer(-OFFSHORE_MARGIN_M))
    kommuner = _merge_exclaves(
        {
            knr: shapely.union_all(cells[label == index]).intersection(mainland)
            for index, knr in enumerate(KOMMUNE_SEATS_KM)
        }
    )
    kommuner["9904"] = shapely.union(kommuner["9904"], island.buffer(OFFSHORE_MARGIN_M))
    return {knr: shapely.orient_polygons(geometry) for knr, geometry in kommuner.items()}


def _merge_exclaves(kommuner: dict[str, shapely.Geometry]) -> dict[str, shapely.Geometry]:
    """Give every part of a kommune but its largest to the neighbour it shares most border with."""
    for knr in list(kommuner):
        *exclaves, largest = sorted(shapely.get_parts(kommuner[knr]), key=lambda part: part.area)
        kommuner[knr] = largest
        for exclave in exclaves:
            border_m = {
                other: shapely.length(shapely.intersection(geometry, exclave))
                for other, geometry in kommuner.items()
                if other != knr
            }
            neighbour = max(border_m, key=border_m.__getitem__)
            kommuner[neighbour] = shapely.union(kommuner[neighbour], exclave)
    return kommuner


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


def shore(offset_km: float, start_km: float) -> Line:
    """A line along the fjord's north (``offset_km`` > 0) or south shore, from ``start_km``."""
    x_km = np.arange(start_km, 23.01, 0.5)
    y_km = fjord_centre_y_km(x_km) + np.sign(offset_km) * fjord_half_width_km(x_km) + offset_km
    return Line("shore", tuple(zip(x_km.tolist(), y_km.tolist(), strict=True)))


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


def to_m(x_km: np.ndarray, y_km: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """EPSG:25833 metres, rounded to the 2 decimals written to the address file."""
    return np.round(X0_M + x_km * 1000, 2), np.round(Y0_M + y_km * 1000, 2)


def on_land(elevation_m: np.ndarray, x_m: np.ndarray, y_m: np.ndarray) -> np.ndarray:
    """True where the DTM cell under a point is land."""
    return sample_elevation_m(elevation_m, x_m, y_m) != NODATA


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
