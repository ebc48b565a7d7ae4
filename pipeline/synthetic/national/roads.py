"""A plausible synthetic road network (``veger.gpkg``) for the national set (``--roads``).

The network is made from what the set holds: the address points, the fibre trunk lines and
the DTM (its nodata is the sea); :func:`write_roads_of_set` makes it from the files of a set
already built, with the same bytes as ``gapmap build-national --roads``:

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
the road vertices, :mod:`pipeline.rollout.routing`); coordinates are rounded to the centimetre,
and roads meet only at shared vertices (a cell node, a trunk vertex). The file has one layer
``roads`` (EPSG:25833) with ``road_id`` and ``kind`` (``local``, ``street``, ``main``,
``link``), read by :func:`layers.roads.read_roads`.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyarrow.csv as pa_csv
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree
from scipy.spatial import cKDTree

from layers.errors import InputError
from layers.vocabulary import CRS_EPSG
from pipeline.rollout.road_graph import road_graph
from pipeline.synthetic.national.dataset import ROADS_FILE, dataset_paths
from pipeline.synthetic.national.road_geometry import (
    VERTEX_SPACING_M,
    LandMask,
    Polylines,
    cell_nodes,
    concatenated,
    delaunay_edges,
    meander_lines,
    no_lines,
    read_land_mask,
)
from pipeline.synthetic.writers import from_lonlat_geometry, write_roads

SEED_STREAM = 6  # the builder's generators are [seed, 1] … [seed, 5]
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
ROAD_KINDS = ("local", "street", "main", "link")


def read_trunks(fibre_path: Path) -> np.ndarray:
    """The fibre lines of the set (RFC 7946 lon/lat) as EPSG:25833 LineStrings."""
    features = json.loads(fibre_path.read_text(encoding="utf-8"))["features"]
    geometries = np.array([from_lonlat_geometry(f["geometry"]) for f in features], dtype=object)
    parts = shapely.get_parts(geometries) if len(geometries) else geometries
    return np.asarray(parts[shapely.get_type_id(parts) == shapely.GeometryType.LINESTRING])


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
        return no_lines()
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
        return no_lines()
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
        {"road_id": np.arange(1, len(kind) + 1), "kind": kind}, geometry=geometry, crs=CRS_EPSG
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


def write_set_roads(
    out: Path, x_m: np.ndarray, y_m: np.ndarray, fibre: Path, dtm: Path, seed: int
) -> dict[str, float]:
    """Write the roads of the addresses at ``x_m``, ``y_m`` and the set's ``fibre`` and ``dtm``
    files to ``out``; return :func:`network_figures`."""
    roads = national_roads(x_m, y_m, read_trunks(fibre), read_land_mask(dtm), seed)
    write_roads(out, roads)
    return network_figures(roads, x_m, y_m)


def write_roads_of_set(root: Path, seed: int, out: Path | None = None) -> dict[str, float]:
    """Write the roads of a set already built in ``root`` to ``out`` (default
    ``root/veger.gpkg``): the same bytes as building the set with roads and ``seed``. Returns
    :func:`network_figures`."""
    dataset = dataset_paths(root, roads=True)
    files = (dataset.addresses, dataset.fibre, dataset.dtm)
    missing = [path.name for path in files if not path.is_file()]
    if missing:
        msg = f"{root}: missing {missing}; expected a set written by gapmap build-national"
        raise InputError(msg)
    x_m, y_m = read_address_points(dataset.addresses)
    target = out if out is not None else root / ROADS_FILE
    return write_set_roads(target, x_m, y_m, dataset.fibre, dataset.dtm, seed)
