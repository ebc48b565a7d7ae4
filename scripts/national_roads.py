"""A plausible synthetic road network (``veger.gpkg``) for the national-scale input set.

Usage (from the repository root), on a set already built::

    .venv/bin/python scripts/national_roads.py /work/national [--seed 2025]

or while building, with ``scripts/build_national_dataset.py OUT_DIR --roads``; for the same set
and seed both write the same bytes. The network is made from what the set holds: the address
points, the fibre trunk lines and the DTM (its nodata is the sea):

1. **Local roads** join the populated 250 m cells. A cell's node is the mean of its addresses;
   the roads are the minimum spanning tree of the nodes' Delaunay triangulation (the Euclidean
   minimum spanning tree is a subgraph of it, so no k is to be tuned), plus every other
   Delaunay edge shorter than ``LOOP_MAX_M`` (the loops of a town's streets). Each road
   meanders by one half sine across its chord, of seeded amplitude (up to ±8 % of the chord
   and ``MEANDER_MAX_M``).
2. **Streets**: a cross of two 200 m streets through the node of every cell holding at least
   ``STREET_MIN_ADDRESSES`` addresses.
3. **Main roads** follow the fibre trunk lines (main roads often carry them), with a junction
   from the nearest trunk vertex to every cell node within ``JUNCTION_M``, and from each end of
   a trunk piece to the nearest node within ``END_LINK_M``.
4. **Sea**: a road may cross at most ``MAX_SEA_M`` of DTM nodata (a bridge), a main road
   ``MAIN_MAX_SEA_M`` (a long bridge or a subsea tunnel). A Delaunay edge crossing more is no
   candidate (islands stay apart, as by ferry), a meander that would is straightened, and a
   trunk is cut there.

Every road has a vertex at least every ``VERTEX_SPACING_M`` (the cost stage snaps addresses to
the road vertices, :mod:`pipeline.rollout.routing`); coordinates are rounded to the centimetre, and
roads meet only at shared vertices (a cell node, a trunk vertex). The file has one layer
``roads`` (EPSG:25833) with ``road_id`` and ``kind`` (``local``, ``street``, ``main``,
``link``), read by :func:`layers.roads.read_roads`.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyarrow.csv as pa_csv
import pyogrio
import rasterio
import shapely
from rasterio.transform import Affine
from rasterio.windows import Window
from scipy import sparse
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree
from scipy.spatial import Delaunay, QhullError, cKDTree

from pipeline.rollout.road_graph import road_graph
from pipeline.synthetic.writers import from_lonlat_geometry

ROADS_FILE = "veger.gpkg"
ROADS_LAYER = "roads"
TARGET_EPSG = 25833
ADDRESS_ZIP = "Basisdata_0000_Norge_25833_MatrikkelenAdresse_CSV.zip"
FIBRE_FILE = "fiber.geojson"
DTM_FILE = "terreng.tif"
DEFAULT_SEED = 2025
SEED_STREAM = 6  # the builder's generators are [seed, 1] … [seed, 5]

CELL_M = 250.0  # SSB grid cell
VERTEX_SPACING_M = 50.0
LOOP_MAX_M = 300.0
MEANDER_SHARE = 0.08  # meander amplitude: uniform within ± this share of the chord …
MEANDER_MAX_M = 400.0  # … and at most this
STREET_MIN_ADDRESSES = 8
STREET_HALF_M = 100.0
JUNCTION_M = 300.0
END_LINK_M = 2_000.0
MAX_SEA_M = 150.0
MAIN_MAX_SEA_M = 1_500.0
MAX_EDGE_M = 50_000.0  # longer Delaunay edges (across the sea, mostly) are no candidates
GDAL_CACHE_MB = 64
ROAD_KINDS = ("local", "street", "main", "link")


@dataclass(frozen=True)
class LandMask:
    """Where the DTM has data (land), on its grid."""

    transform: Affine
    land: np.ndarray  # bool, (rows, columns)

    def on_land(self, xy_m: np.ndarray) -> np.ndarray:
        """True for each point on a DTM cell with data; False on nodata and off the raster."""
        column = np.floor((xy_m[:, 0] - self.transform.c) / self.transform.a).astype(np.int64)
        row = np.floor((xy_m[:, 1] - self.transform.f) / self.transform.e).astype(np.int64)
        rows, columns = self.land.shape
        inside = (row >= 0) & (row < rows) & (column >= 0) & (column < columns)
        result = np.zeros(len(xy_m), dtype=bool)
        result[inside] = self.land[row[inside], column[inside]]
        return result


@dataclass(frozen=True)
class Polylines:
    """Polylines as one coordinate array: vertex ``i`` belongs to line ``owner[i]`` (0..n-1)."""

    xy_m: np.ndarray  # (vertices, 2), EPSG:25833
    owner: np.ndarray  # sorted

    @property
    def n_lines(self) -> int:
        return int(self.owner[-1]) + 1 if len(self.owner) else 0

    def geometries(self) -> np.ndarray:
        """The lines as shapely LineStrings."""
        if self.n_lines == 0:
            return np.empty(0, dtype=object)
        return np.asarray(shapely.linestrings(self.xy_m, indices=self.owner))

    def sea_m(self, land: LandMask) -> np.ndarray:
        """Length at sea of each line: its vertices on nodata × its mean vertex spacing."""
        vertices = np.bincount(self.owner, minlength=self.n_lines)
        at_sea = np.bincount(
            self.owner, (~land.on_land(self.xy_m)).astype(float), minlength=self.n_lines
        )
        step_m = np.hypot(*np.diff(self.xy_m, axis=0).T)
        same = self.owner[1:] == self.owner[:-1]
        length_m = np.bincount(self.owner[1:][same], step_m[same], minlength=self.n_lines)
        return at_sea * length_m / np.maximum(vertices - 1, 1)

    def subset(self, keep: np.ndarray) -> Polylines:
        """The lines where ``keep`` (bool per line), renumbered in order."""
        new_id = np.cumsum(keep) - 1
        vertex_kept = keep[self.owner]
        return Polylines(self.xy_m[vertex_kept], new_id[self.owner[vertex_kept]])


# --------------------------------------------------------------------------------------------
# Inputs


def read_land_mask(dtm_path: Path) -> LandMask:
    """The DTM's data mask, read in strips of 512 rows (the whole band as float would be
    ~0.7 GB at 100 m over Norway; the mask is a quarter of that)."""
    with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB), rasterio.open(dtm_path) as dataset:
        land = np.empty((dataset.height, dataset.width), dtype=bool)
        for row in range(0, dataset.height, 512):  # a loop over strips
            height = min(512, dataset.height - row)
            strip = dataset.read(1, window=Window(0, row, dataset.width, height))
            land[row : row + height] = strip != dataset.nodata
        return LandMask(dataset.transform, land)


def read_trunks(fibre_path: Path) -> np.ndarray:
    """The fibre lines of the set (RFC 7946 lon/lat) as EPSG:25833 LineStrings."""
    features = json.loads(fibre_path.read_text(encoding="utf-8"))["features"]
    geometries = np.array([from_lonlat_geometry(f["geometry"]) for f in features], dtype=object)
    parts = shapely.get_parts(geometries) if len(geometries) else geometries
    return parts[shapely.get_type_id(parts) == shapely.GeometryType.LINESTRING]


def read_address_points(zip_path: Path) -> tuple[np.ndarray, np.ndarray]:
    """East and north (EPSG:25833) of every address in Geonorge's national zip."""
    with zipfile.ZipFile(zip_path) as archive:
        (member,) = (n for n in archive.namelist() if n.endswith(".csv"))
        with archive.open(member) as stream:
            table = pa_csv.read_csv(
                stream,
                parse_options=pa_csv.ParseOptions(delimiter=";"),
                convert_options=pa_csv.ConvertOptions(
                    include_columns=["Øst", "Nord"],
                    column_types={"Øst": "float64", "Nord": "float64"},
                ),
            )
    return table["Øst"].to_numpy(), table["Nord"].to_numpy()


# --------------------------------------------------------------------------------------------
# Geometry


def cell_nodes(x_m: np.ndarray, y_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The node of each populated 250 m cell (the mean of its addresses, to the centimetre) and
    its number of addresses, ordered by cell (column, then row)."""
    column = np.floor(x_m / CELL_M).astype(np.int64) + 100_000
    row = np.floor(y_m / CELL_M).astype(np.int64)
    _, cell, count = np.unique(column * 1_000_000 + row, return_inverse=True, return_counts=True)
    node_xy_m = np.column_stack([np.bincount(cell, x_m) / count, np.bincount(cell, y_m) / count])
    return np.round(node_xy_m, 2), count


def delaunay_edges(xy_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The edges ``(a, b)``, ``a < b``, of the Delaunay triangulation of the points, sorted.

    Fewer than four points, or points all on one line, get the edges to their (up to) eight
    nearest neighbours instead.
    """
    n = len(xy_m)
    if n < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    simplices = None
    if n >= 4:
        try:
            simplices = Delaunay(xy_m - xy_m.mean(axis=0)).simplices
        except QhullError:  # all points on one line
            simplices = None
    if simplices is not None:
        a, b = simplices[:, [0, 1, 2]].ravel(), simplices[:, [1, 2, 0]].ravel()
    else:
        _, neighbour = cKDTree(xy_m).query(xy_m, k=min(n, 9))
        a, b = np.repeat(np.arange(n), neighbour.shape[1]), neighbour.ravel()
    low, high = np.minimum(a, b).astype(np.int64), np.maximum(a, b).astype(np.int64)
    key = np.unique(low[low != high] * n + high[low != high])
    return key // n, key % n


def meander_lines(
    start_xy_m: np.ndarray, end_xy_m: np.ndarray, amplitude_m: np.ndarray
) -> Polylines:
    """Lines from each start to its end, bowed by one half sine across the chord.

    .. math:: p(t) = s + t (e - s) + a \\sin(\\pi t) \\, \\hat n, \\quad
        t = 0, 1/k, \\ldots, 1, \\quad k = \\lceil |e - s| / 50\\,\\mathrm{m} \\rceil

    with :math:`\\hat n` the unit normal of the chord; the ends are exactly ``start`` and
    ``end``, the inner vertices rounded to the centimetre.
    """
    chord_xy_m = end_xy_m - start_xy_m
    length_m = np.hypot(*chord_xy_m.T)
    segments = np.maximum(1, np.ceil(length_m / VERTEX_SPACING_M)).astype(np.int64)
    owner = np.repeat(np.arange(len(length_m)), segments + 1)
    first = np.cumsum(segments + 1) - (segments + 1)
    t = (np.arange(len(owner)) - first[owner]) / segments[owner]
    normal = (
        np.column_stack([-chord_xy_m[:, 1], chord_xy_m[:, 0]]) / np.maximum(length_m, 1e-9)[:, None]
    )
    bow_m = amplitude_m[owner] * np.sin(np.pi * t)
    xy_m = start_xy_m[owner] + t[:, None] * chord_xy_m[owner] + bow_m[:, None] * normal[owner]
    xy_m = np.round(xy_m, 2)
    xy_m[first] = start_xy_m
    xy_m[first + segments] = end_xy_m
    return Polylines(xy_m, owner)


def concatenated(parts: list[Polylines]) -> Polylines:
    """The lines of ``parts`` one after the other."""
    if not parts:
        return Polylines(np.empty((0, 2)), np.empty(0, np.int64))
    offsets = np.cumsum([0] + [p.n_lines for p in parts])
    return Polylines(
        np.vstack([p.xy_m for p in parts]),
        np.concatenate([p.owner + offset for p, offset in zip(parts, offsets, strict=False)]),
    )


# --------------------------------------------------------------------------------------------
# The four kinds of road


def local_roads(node_xy_m: np.ndarray, land: LandMask, rng: np.random.Generator) -> Polylines:
    """The minimum spanning forest of the nodes' land Delaunay edges, plus the land Delaunay
    edges shorter than ``LOOP_MAX_M``, meandering (module docstring, step 1)."""
    a, b = delaunay_edges(node_xy_m)
    length_m = np.hypot(*(node_xy_m[a] - node_xy_m[b]).T)
    short = length_m <= MAX_EDGE_M
    a, b, length_m = a[short], b[short], length_m[short]
    straight = meander_lines(node_xy_m[a], node_xy_m[b], np.zeros(len(a)))
    over_land = straight.sea_m(land) <= MAX_SEA_M
    a, b, length_m = a[over_land], b[over_land], length_m[over_land]
    n = len(node_xy_m)
    tree = minimum_spanning_tree(sparse.coo_matrix((length_m, (a, b)), shape=(n, n))).tocoo()
    low, high = np.minimum(tree.row, tree.col).astype(np.int64), np.maximum(tree.row, tree.col)
    in_tree = np.isin(a * n + b, low * n + high)
    chosen = in_tree | (length_m <= LOOP_MAX_M)
    a, b, length_m = a[chosen], b[chosen], length_m[chosen]
    share = rng.uniform(-MEANDER_SHARE, MEANDER_SHARE, len(a))
    amplitude_m = np.clip(share * length_m, -MEANDER_MAX_M, MEANDER_MAX_M)
    bowed = meander_lines(node_xy_m[a], node_xy_m[b], amplitude_m)
    amplitude_m[bowed.sea_m(land) > MAX_SEA_M] = 0.0  # a meander into the sea is straightened
    return meander_lines(node_xy_m[a], node_xy_m[b], amplitude_m)


def street_crosses(node_xy_m: np.ndarray, addresses: np.ndarray, land: LandMask) -> Polylines:
    """Two streets, west–east and south–north, through the node of every cell with at least
    ``STREET_MIN_ADDRESSES`` addresses, each ``2 × STREET_HALF_M`` long with the node as its
    middle vertex; streets over the sea are left out."""
    centre_xy_m = node_xy_m[addresses >= STREET_MIN_ADDRESSES]
    along_m = np.arange(-STREET_HALF_M, STREET_HALF_M + 1e-9, VERTEX_SPACING_M)
    west_east = centre_xy_m[:, None, :] + along_m[None, :, None] * np.array([1.0, 0.0])
    south_north = centre_xy_m[:, None, :] + along_m[None, :, None] * np.array([0.0, 1.0])
    xy_m = np.round(np.concatenate([west_east, south_north]), 2)
    owner = np.repeat(np.arange(len(xy_m)), len(along_m))
    streets = Polylines(xy_m.reshape(-1, 2), owner)
    return streets.subset(streets.sea_m(land) <= MAX_SEA_M)


def main_roads(trunks: np.ndarray, land: LandMask) -> Polylines:
    """The trunk lines with a vertex every ``VERTEX_SPACING_M``, cut where they cross more
    than ``MAIN_MAX_SEA_M`` of sea; pieces of one vertex are dropped."""
    if len(trunks) == 0:
        return Polylines(np.empty((0, 2)), np.empty(0, np.int64))
    xy_m, owner = shapely.get_coordinates(
        shapely.segmentize(trunks, VERTEX_SPACING_M), return_index=True
    )
    xy_m = np.round(xy_m, 2)
    at_sea = ~land.on_land(xy_m)
    new_run = np.r_[True, (owner[1:] != owner[:-1]) | (at_sea[1:] != at_sea[:-1])]
    run = np.cumsum(new_run) - 1
    run_vertices = np.bincount(run)
    keep = ~(at_sea & (run_vertices[run] * VERTEX_SPACING_M > MAIN_MAX_SEA_M))
    new_piece = np.r_[True, (owner[1:] != owner[:-1]) | (keep[1:] != keep[:-1])]
    piece = (np.cumsum(new_piece) - 1)[keep]
    _, piece, vertices = np.unique(piece, return_inverse=True, return_counts=True)
    pieces = Polylines(xy_m[keep], piece)
    return pieces.subset(vertices >= 2)


def junction_links(main: Polylines, node_xy_m: np.ndarray, land: LandMask) -> Polylines:
    """Straight links from the main roads to the cell nodes (module docstring, step 3).

    Each node within ``JUNCTION_M`` of a main-road vertex is linked from the nearest one; each
    end of a main road to its nearest node within ``END_LINK_M``. Links over the sea are left
    out, and so are zero-length ones (the node is on the road).
    """
    if main.n_lines == 0 or len(node_xy_m) == 0:
        return Polylines(np.empty((0, 2)), np.empty(0, np.int64))
    distance_m, nearest_vertex = cKDTree(main.xy_m).query(
        node_xy_m, distance_upper_bound=JUNCTION_M
    )
    near = np.flatnonzero(np.isfinite(distance_m))
    ends = np.flatnonzero(
        np.r_[True, main.owner[1:] != main.owner[:-1]]
        | np.r_[main.owner[1:] != main.owner[:-1], True]
    )
    end_distance_m, end_node = cKDTree(node_xy_m).query(
        main.xy_m[ends], distance_upper_bound=END_LINK_M
    )
    linked = np.isfinite(end_distance_m)
    vertex = np.r_[nearest_vertex[near], ends[linked]]
    target = np.r_[near, end_node[linked]]
    pair = np.unique(np.column_stack([vertex, target]), axis=0)
    pair = pair[(main.xy_m[pair[:, 0]] != node_xy_m[pair[:, 1]]).any(axis=1)]
    links = meander_lines(main.xy_m[pair[:, 0]], node_xy_m[pair[:, 1]], np.zeros(len(pair)))
    return links.subset(links.sea_m(land) <= MAX_SEA_M)


# --------------------------------------------------------------------------------------------
# The network, figures, file


def national_roads(
    x_m: np.ndarray, y_m: np.ndarray, trunks: np.ndarray, land: LandMask, seed: int
) -> gpd.GeoDataFrame:
    """The road network for addresses at ``x_m``, ``y_m`` and the fibre ``trunks`` (EPSG:25833).

    Returns
    -------
    geopandas.GeoDataFrame
        ``road_id`` (1…n), ``kind`` (``local``, ``street``, ``main``, ``link``) and LineStrings
        in EPSG:25833, kind by kind.
    """
    node_xy_m, addresses = cell_nodes(np.asarray(x_m, float), np.asarray(y_m, float))
    rng = np.random.default_rng([seed, SEED_STREAM])
    main = main_roads(np.asarray(trunks, dtype=object), land)
    parts = [
        local_roads(node_xy_m, land, rng),
        street_crosses(node_xy_m, addresses, land),
        main,
        junction_links(main, node_xy_m, land),
    ]
    kind = np.repeat(np.array(ROAD_KINDS, dtype=object), [p.n_lines for p in parts])
    geometry = concatenated([p for p in parts if p.n_lines]).geometries()
    return gpd.GeoDataFrame(
        {"road_id": np.arange(1, len(kind) + 1), "kind": kind}, geometry=geometry, crs=TARGET_EPSG
    )


def network_figures(roads: gpd.GeoDataFrame, x_m: np.ndarray, y_m: np.ndarray) -> dict[str, float]:
    """Lines and km per kind, graph nodes and networks, and the address shares within 500 m of
    a road vertex (``road_max_snap_m``; the cost stage snaps to vertices, and the distance to
    the road itself is at most that) and on the largest network, by their nearest vertex."""
    graph = road_graph(roads)
    _, component = connected_components(graph.graph, directed=False)
    largest = np.bincount(component).argmax() if graph.n_nodes else -1
    snap_m, node = graph.nearest_node(x_m, y_m)
    length_km = shapely.length(roads.geometry.to_numpy()) / 1_000.0
    figures: dict[str, float] = {"lines": len(roads), "graph_nodes": graph.n_nodes}
    for name in ROAD_KINDS:
        is_kind = (roads["kind"] == name).to_numpy()
        figures[f"{name}_lines"] = int(is_kind.sum())
        figures[f"{name}_km"] = float(length_km[is_kind].sum())
    figures |= {
        "km": float(length_km.sum()),
        "components": int(component.max(initial=-1) + 1),
        "share_within_500m": float((snap_m <= 500.0).mean()),
        "share_on_largest_network": float((component[node] == largest).mean()),
    }
    return figures


def write_roads(path: Path, roads: gpd.GeoDataFrame) -> None:
    """Write the roads as a GeoPackage (layer ``roads``), replacing ``path``; GDAL's change
    timestamp is pinned so that the same roads give the same bytes."""
    path.unlink(missing_ok=True)
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2025-01-01T00:00:00.000Z"})
    try:
        roads.to_file(path, layer=ROADS_LAYER, driver="GPKG")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})


def print_figures(figures: dict[str, float]) -> None:
    """The figures of :func:`network_figures`, one per line."""
    for name in ROAD_KINDS:
        print(
            f"  {name:<8} {figures[f'{name}_lines']:>10,.0f} lines"
            f" {figures[f'{name}_km']:>10,.0f} km"
        )
    print(
        f"  total    {figures['lines']:>10,.0f} lines {figures['km']:>10,.0f} km,"
        f" {figures['graph_nodes']:,.0f} graph nodes, {figures['components']:,.0f} networks"
    )
    print(
        f"  addresses within 500 m of a road vertex {100 * figures['share_within_500m']:.2f} %,"
        f" on the largest network {100 * figures['share_on_largest_network']:.2f} %"
    )


def main(argv: list[str] | None = None) -> int:
    """Write the roads of a national set already built; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("set_dir", type=Path, help="folder of scripts/build_national_dataset.py")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=None, help=f"default SET_DIR/{ROADS_FILE}")
    args = parser.parse_args(argv)
    root: Path = args.set_dir
    missing = [name for name in (ADDRESS_ZIP, FIBRE_FILE, DTM_FILE) if not (root / name).is_file()]
    if missing:
        print(f"error: {root}: missing {missing}; expected a set of build_national_dataset.py")
        return 2
    started = time.perf_counter()
    x_m, y_m = read_address_points(root / ADDRESS_ZIP)
    roads = national_roads(
        x_m, y_m, read_trunks(root / FIBRE_FILE), read_land_mask(root / DTM_FILE), args.seed
    )
    out = args.out or root / ROADS_FILE
    write_roads(out, roads)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB) in {seconds:.1f} s,"
        f" peak RSS {peak_mb:,.0f} MB"
    )
    print_figures(network_figures(roads, x_m, y_m))
    print(f'add  roads = "{out.name}"  under [inputs] of a gapmap.toml in {out.parent} to use it')
    return 0


if __name__ == "__main__":
    sys.exit(main())
