"""Landscape, terrain and kommune boundaries of the gapmap demo region (fictional).

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

Settlements and their addresses are placed on this landscape by
:mod:`pipeline.synthetic.settlements`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from rasterio.transform import from_origin
from rasterio.windows import Window
from scipy import ndimage
from shapely.geometry import Polygon, box

from pipeline.synthetic import writers

X0_M, Y0_M = 260_000.0, 7_000_000.0
WIDTH_M, HEIGHT_M = 40_000.0, 30_000.0
CELL_M = 20.0
NODATA = writers.DTM_NODATA
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
        return np.asarray(np.interp(along_km, knots[:, 0], knots[:, 1]))

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
    return np.asarray(((x_km < coast_x_km(y_km)) | fjord | head) & ~_is_island(x_km, y_km))


def _is_island(x_km: np.ndarray, y_km: np.ndarray) -> np.ndarray:
    u = (x_km - ISLAND_CENTRE_KM[0]) / ISLAND_RADII_KM[0]
    v = (y_km - ISLAND_CENTRE_KM[1]) / ISLAND_RADII_KM[1]
    return np.hypot(u, v) < _island_scale(np.arctan2(v, u))


def _island_scale(theta: np.ndarray) -> np.ndarray:
    return 1.0 + 0.12 * np.sin(3.0 * theta) + 0.08 * np.cos(5.0 * theta + 1.0)


def _smoothstep(t: np.ndarray) -> np.ndarray:
    t = np.clip(t, 0.0, 1.0)
    return np.asarray(t * t * (3.0 - 2.0 * t))


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
    return np.asarray(elevation_m.astype(np.float32))


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
    return np.asarray(np.clip(np.where(relief_m > knee_m, squeezed_m, relief_m), 20.0, None))


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
    return np.asarray(elevation_m * (1.0 - weight) + floor_m * weight)


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
    return np.asarray(plateau * np.exp(-((offset_km / width_km) ** power)))


def _ridge_m(x_km: np.ndarray, y_km: np.ndarray) -> np.ndarray:
    """The ridge: crest ``1250 + 80 sin(1.7 y)`` m, a cusp ``exp(-(offset / 0.8 km)^1.5)``."""
    crest_m = RIDGE_CREST_M + 80.0 * np.sin(1.7 * y_km)
    return np.asarray(crest_m * _ridge_shape(x_km, y_km, RIDGE_WIDTH_KM, 1.5))


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
    whole = Window(0, 0, N_COLS, N_ROWS)
    writers.write_dtm(path, TRANSFORM, (N_ROWS, N_COLS), [(whole, elevation_m)], block_px=256)


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


def shore(offset_km: float, start_km: float) -> Line:
    """A line along the fjord's north (``offset_km`` > 0) or south shore, from ``start_km``."""
    x_km = np.arange(start_km, 23.01, 0.5)
    y_km = fjord_centre_y_km(x_km) + np.sign(offset_km) * fjord_half_width_km(x_km) + offset_km
    return Line("shore", tuple(zip(x_km.tolist(), y_km.tolist(), strict=True)))


def to_m(x_km: np.ndarray, y_km: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """EPSG:25833 metres, rounded to the 2 decimals written to the address file."""
    return np.round(X0_M + x_km * 1000, 2), np.round(Y0_M + y_km * 1000, 2)


def on_land(elevation_m: np.ndarray, x_m: np.ndarray, y_m: np.ndarray) -> np.ndarray:
    """True where the DTM cell under a point is land."""
    return np.asarray(sample_elevation_m(elevation_m, x_m, y_m) != NODATA)
