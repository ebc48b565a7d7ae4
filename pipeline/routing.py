"""Route lengths along a road network: shortest paths on a graph of the roads' vertices.

The cost stage asks for the length of a fibre route between pairs of points (the edges of its
tree over households). Without roads a route is the straight line times a factor; with a road
network (:mod:`layers.roads`) it follows the roads:

.. math:: L(p, q) = |p - n_p| + d_G(n_p, n_q) + |n_q - q|

where :math:`n_p` is the road node nearest to :math:`p` and :math:`d_G` the shortest path on
the road graph :math:`G`, whose nodes are the lines' vertices and whose edges are their
segments, weighted by length. Everything is in EPSG:25833 metres.

Shortest paths come from :func:`scipy.sparse.csgraph.dijkstra`, run from chunks of sources on
the part of the graph a route within the search limit can reach, so memory stays bounded
(sources × nodes of that part) and a whole country's graph can be passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

COORDINATE_DECIMALS = 3  # vertices equal to the millimetre are one node
DETOUR_FACTOR = 2.0  # first search: routes up to this × the straight distance between nodes
MIN_SEARCH_M = 500.0  # ... but never a search radius below this
SEARCH_GROWTH = 4.0  # radius of the next search where one found nothing
MAX_SOURCES_PER_CALL = 256
DISTANCE_MATRIX_BYTES = 64 * 2**20  # one Dijkstra call's sources × nodes float64 matrix (its
# int32 predecessor matrix adds half of that again)


@dataclass(frozen=True, eq=False)  # eq=False: a matrix has no single truth value
class RoadGraph:
    """An undirected road graph: symmetric ``graph`` (weights in metres) over ``node_xy_m``.

    Attributes
    ----------
    graph
        ``(n, n)`` CSR matrix; ``graph[i, j]`` is the length of the road segment between nodes
        ``i`` and ``j`` (stored in both directions; no entry where there is no segment).
    node_xy_m
        ``(n, 2)`` node coordinates in EPSG:25833.
    """

    graph: sparse.csr_matrix
    node_xy_m: np.ndarray

    @property
    def n_nodes(self) -> int:
        return int(self.node_xy_m.shape[0])

    @cached_property
    def node_tree(self) -> cKDTree:
        """A k-d tree of the nodes (built on first use, kept with the graph)."""
        return cKDTree(self.node_xy_m)

    def nearest_node(self, x_m: np.ndarray, y_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The distance to the nearest node of each point, and that node's index.

        A point with a non-finite coordinate gets distance NaN and node -1; every other point
        gets ``inf`` and -1 when the graph has no nodes.
        """
        xy_m = np.column_stack([np.asarray(x_m, dtype=float), np.asarray(y_m, dtype=float)])
        finite = np.isfinite(xy_m).all(axis=1)
        snap_m = np.where(finite, np.inf, np.nan)
        node = np.full(len(xy_m), -1, dtype=np.int64)
        if self.n_nodes > 0 and finite.any():
            snap_m[finite], node[finite] = self.node_tree.query(xy_m[finite])
        return snap_m, node


def road_graph(lines: gpd.GeoDataFrame, snap_tolerance_m: float = 1.0) -> RoadGraph:
    """The road graph of (Multi)LineStrings in metres: nodes at vertices, edges on segments.

    Vertices at the same coordinates (to the millimetre) are one node, whichever lines they
    belong to, so lines sharing an end or a vertex connect. A line's end vertex within
    ``snap_tolerance_m`` of a vertex of another line joins it too (closing small gaps where
    digitised lines almost meet); two inner vertices that are merely close do not, so a bridge
    over a road does not become a junction. Joining is transitive. Each segment is an edge of
    weight :math:`\\ell = \\sqrt{\\Delta x^2 + \\Delta y^2}`; of parallel edges between the same
    two nodes the shortest is kept; a segment whose ends joined into one node is dropped.

    Parameters
    ----------
    lines
        Road centrelines in a projected CRS in metres (the EPSG:25833 of
        :func:`layers.roads.read_roads`); other geometry types and empty parts are ignored.
    snap_tolerance_m
        Largest gap, in metres, between a line's end and another line's vertex that still
        connects them; 0 joins only exact coincidences.
    """
    if lines.crs is not None and not lines.crs.is_projected:
        msg = f"road lines: got CRS {lines.crs.to_string()}, expected metres (EPSG:25833)"
        raise ValueError(msg)
    if snap_tolerance_m < 0:
        msg = f"snap_tolerance_m: got {snap_tolerance_m}, expected a number >= 0"
        raise ValueError(msg)
    parts = shapely.get_parts(np.asarray(lines.geometry.to_numpy()))
    parts = parts[(shapely.get_type_id(parts) == shapely.GeometryType.LINESTRING)]
    xy_m, part = shapely.get_coordinates(parts, return_index=True)
    vertex_node, node_xy_m = _join_vertices(xy_m, part, snap_tolerance_m)
    in_part = part[1:] == part[:-1]
    length_m = np.hypot(*np.diff(xy_m, axis=0).T)[in_part]
    graph = _symmetric_graph(
        vertex_node[:-1][in_part], vertex_node[1:][in_part], length_m, len(node_xy_m)
    )
    return RoadGraph(graph, node_xy_m)


def _join_vertices(
    xy_m: np.ndarray, part: np.ndarray, snap_tolerance_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """The node of each vertex, and the nodes' coordinates (each its first vertex's).

    See :func:`road_graph` for which vertices join.
    """
    if len(xy_m) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 2))
    rounded_m = np.round(xy_m, COORDINATE_DECIMALS)
    order = np.lexsort((rounded_m[:, 1], rounded_m[:, 0]))
    new_point = np.r_[True, (np.diff(rounded_m[order], axis=0) != 0).any(axis=1)]
    point = np.empty(len(xy_m), dtype=np.int64)
    point[order] = np.cumsum(new_point) - 1  # vertices at one coordinate share a point
    first_vertex = order[new_point]
    point_xy_m, point_part = xy_m[first_vertex], part[first_vertex]
    is_end = np.r_[True, part[1:] != part[:-1]] | np.r_[part[1:] != part[:-1], True]
    point_is_end = np.bincount(point, weights=is_end, minlength=len(point_xy_m)) > 0
    if snap_tolerance_m == 0:
        return point, point_xy_m
    pairs = cKDTree(point_xy_m).query_pairs(snap_tolerance_m, output_type="ndarray")
    a, b = pairs[:, 0], pairs[:, 1]
    join = (point_is_end[a] | point_is_end[b]) & (point_part[a] != point_part[b])
    joins = sparse.coo_matrix(
        (np.ones(join.sum()), (a[join], b[join])), shape=(len(point_xy_m),) * 2
    )
    _, node_of_point = csgraph.connected_components(joins, directed=False)
    _, first_point = np.unique(node_of_point, return_index=True)
    return node_of_point[point], point_xy_m[first_point]


def _symmetric_graph(
    a: np.ndarray, b: np.ndarray, length_m: np.ndarray, n_nodes: int
) -> sparse.csr_matrix:
    """CSR matrix with ``length_m`` at (a, b) and (b, a); the shortest of parallel edges kept."""
    keep = a != b
    low, high, length_m = np.minimum(a, b)[keep], np.maximum(a, b)[keep], length_m[keep]
    key = low * np.int64(n_nodes) + high
    order = np.lexsort((length_m, key))
    shortest = order[np.r_[True, np.diff(key[order]) != 0]] if len(order) else order
    rows = np.r_[low[shortest], high[shortest]]
    columns = np.r_[high[shortest], low[shortest]]
    weights = np.r_[length_m[shortest], length_m[shortest]]
    return sparse.csr_matrix((weights, (rows, columns)), shape=(n_nodes, n_nodes))


def clip_graph(
    road: RoadGraph, bounds: tuple[float, float, float, float], margin_m: float
) -> RoadGraph:
    """The subgraph on the nodes within ``bounds`` (x_min, y_min, x_max, y_max) + ``margin_m``.

    A path of length :math:`L` between nodes :math:`s` and :math:`t` never leaves the discs of
    radius :math:`L/2` around them (each of its points :math:`x` has
    :math:`|x - s| + |x - t| \\le L`). So for points inside ``bounds`` whose nearest nodes are
    at most :math:`r` away, ``margin_m`` :math:`\\ge` ``limit_m`` / 2 + :math:`r` keeps
    :func:`pair_route_m` exact; a margin of ``limit_m`` is a safe choice per kommune.
    """
    return _subgraph(road, _within(road.node_xy_m, bounds, margin_m))[0]


def _within(
    xy_m: np.ndarray, bounds: tuple[float, float, float, float], margin_m: float
) -> np.ndarray:
    """True for the points within ``bounds`` (x_min, y_min, x_max, y_max) + ``margin_m``."""
    x_min, y_min, x_max, y_max = bounds
    x_m, y_m = xy_m[:, 0], xy_m[:, 1]
    return (
        (x_m >= x_min - margin_m)
        & (x_m <= x_max + margin_m)
        & (y_m >= y_min - margin_m)
        & (y_m <= y_max + margin_m)
    )


def _bounds(xy_m: np.ndarray) -> tuple[float, float, float, float]:
    """(x_min, y_min, x_max, y_max) of points."""
    (x_min, y_min), (x_max, y_max) = xy_m.min(axis=0), xy_m.max(axis=0)
    return float(x_min), float(y_min), float(x_max), float(y_max)


def _subgraph(road: RoadGraph, keep: np.ndarray) -> tuple[RoadGraph, np.ndarray]:
    """The subgraph on the nodes where ``keep``, and their indices in ``road`` (ascending)."""
    kept = np.flatnonzero(keep)
    return RoadGraph(road.graph[kept][:, kept].tocsr(), road.node_xy_m[kept]), kept


def pair_route_m(
    road: RoadGraph,
    x0_m: np.ndarray,
    y0_m: np.ndarray,
    x1_m: np.ndarray,
    y1_m: np.ndarray,
    limit_m: float,
    *,
    max_snap_m: float = np.inf,
) -> np.ndarray:
    """Route length along the roads from each point 0 to its point 1.

    .. math:: L = |p_0 - n_0| + d_G(n_0, n_1) + |n_1 - p_1|

    :math:`n_i` the road node nearest to :math:`p_i`, :math:`d_G` the shortest road path
    (0 when both points snap to the same node). :math:`L \\ge |p_0 - p_1|` always.

    Parameters
    ----------
    road
        The road graph (a whole country's will do: each search is cut to the part of the graph
        it can reach; :func:`clip_graph` per kommune saves selecting that part every time).
    x0_m, y0_m, x1_m, y1_m
        The two points of each pair, EPSG:25833.
    limit_m
        Longest road part :math:`d_G` searched; a longer (or no) connection gives ``inf``.
    max_snap_m
        A point farther than this from every road node has no road access: ``inf``.

    Returns
    -------
    numpy.ndarray
        :math:`L` per pair in metres, aligned to the input: ``inf`` where the nodes are not
        connected within ``limit_m`` of road, a snap exceeds ``max_snap_m`` or the graph is
        empty; NaN where a coordinate is not finite.
    """
    if limit_m < 0:
        msg = f"limit_m: got {limit_m}, expected a number >= 0"
        raise ValueError(msg)
    snap0_m, node0 = road.nearest_node(x0_m, y0_m)
    snap1_m, node1 = road.nearest_node(x1_m, y1_m)
    snapped = (node0 >= 0) & (node1 >= 0) & (snap0_m <= max_snap_m) & (snap1_m <= max_snap_m)
    road_m = np.full(len(node0), np.inf)
    road_m[snapped] = _road_m(road, node0[snapped], node1[snapped], limit_m)
    return snap0_m + road_m + snap1_m


def _road_m(road: RoadGraph, source: np.ndarray, target: np.ndarray, limit_m: float) -> np.ndarray:
    """Shortest road path between node pairs, ``inf`` beyond ``limit_m``.

    Pairs whose nodes are farther apart in a straight line than ``limit_m`` are not searched.
    The others are searched within ``DETOUR_FACTOR`` × their straight distance (at least
    ``MIN_SEARCH_M``), and where that finds nothing, again within ``SEARCH_GROWTH`` times the
    radius, up to ``limit_m``. Dijkstra with a limit is exact below it; the work grows with the
    square of the radius, so short routes cost little however large ``limit_m`` is.
    """
    road_m = np.where(source == target, 0.0, np.inf)
    gap_m = np.hypot(*(road.node_xy_m[source] - road.node_xy_m[target]).T)
    todo = np.flatnonzero((source != target) & (gap_m <= limit_m))
    source, target = _fewer_sources(source[todo], target[todo])
    radius_m = np.minimum(limit_m, np.maximum(DETOUR_FACTOR * gap_m[todo], MIN_SEARCH_M))
    found_m = np.full(len(todo), np.inf)
    pending = np.arange(len(todo))
    while len(pending):  # a loop over search radii: at most log(limit / MIN_SEARCH_M) rounds
        found_m[pending] = _search_pairs(road, source[pending], target[pending], radius_m[pending])
        pending = pending[np.isinf(found_m[pending]) & (radius_m[pending] < limit_m)]
        radius_m[pending] = np.minimum(limit_m, SEARCH_GROWTH * radius_m[pending])
    road_m[todo] = found_m
    return road_m


def _fewer_sources(source: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Swap each pair so its source is the end shared by more pairs (the graph is symmetric).

    In a tree over households the parent is shared by its children's edges, so searching from
    it serves them all.
    """
    shares = np.bincount(np.r_[source, target])
    swap = shares[target] > shares[source]
    return np.where(swap, target, source), np.where(swap, source, target)


def _search_pairs(
    road: RoadGraph, source: np.ndarray, target: np.ndarray, radius_m: np.ndarray
) -> np.ndarray:
    """:math:`d_G` per pair, ``inf`` beyond the pair's search radius (exact below it).

    Sources are searched in chunks of similar radius; each chunk on the subgraph around its
    nodes that paths within the chunk's radius can use (see :func:`clip_graph`).
    """
    found_m = np.full(len(source), np.inf)
    if len(source) == 0:
        return found_m
    sources, pair_source = np.unique(source, return_inverse=True)
    source_radius_m = np.zeros(len(sources))
    np.maximum.at(source_radius_m, pair_source, radius_m)
    rank = np.empty(len(sources), dtype=np.int64)
    rank[np.argsort(source_radius_m, kind="stable")] = np.arange(len(sources))
    pair_order = np.argsort(rank[pair_source], kind="stable")
    pair_rank = rank[pair_source][pair_order]
    for start in range(0, len(sources), MAX_SOURCES_PER_CALL):  # a loop over chunks
        lo, hi = np.searchsorted(pair_rank, [start, start + MAX_SOURCES_PER_CALL])
        pairs = pair_order[lo:hi]
        found_m[pairs] = _search_chunk(road, source[pairs], target[pairs], radius_m[pairs].max())
    return found_m


def _search_chunk(
    road: RoadGraph, source: np.ndarray, target: np.ndarray, radius_m: float
) -> np.ndarray:
    """:math:`d_G` per pair within ``radius_m``, on the subgraph the paths can use."""
    bounds = _bounds(road.node_xy_m[np.r_[source, target]])
    near, kept = _subgraph(road, _within(road.node_xy_m, bounds, radius_m / 2 + 1.0))
    local_source, local_target = np.searchsorted(kept, source), np.searchsorted(kept, target)
    sources, pair_source = np.unique(local_source, return_inverse=True)
    per_call = int(np.clip(DISTANCE_MATRIX_BYTES // (8 * near.n_nodes), 1, MAX_SOURCES_PER_CALL))
    found_m = np.empty(len(source))
    for start in range(0, len(sources), per_call):
        distance_m = csgraph.dijkstra(
            near.graph, directed=True, indices=sources[start : start + per_call], limit=radius_m
        )
        in_call = (pair_source >= start) & (pair_source < start + per_call)
        found_m[in_call] = distance_m[pair_source[in_call] - start, local_target[in_call]]
    return found_m


def nearest_route_m(
    road: RoadGraph,
    x_m: np.ndarray,
    y_m: np.ndarray,
    target_x_m: np.ndarray,
    target_y_m: np.ndarray,
    limit_m: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Route length from each point to the nearest target along the roads, and which target.

    .. math:: L(p) = |p - n_p| + \\min_j \\left( d_G(n_p, n_{t_j}) + |n_{t_j} - t_j| \\right)

    One multi-source Dijkstra (``min_only``) from every target at once, each starting at its
    snap distance: a virtual node per target joined to the target's nearest road node by an
    edge of that length. For the distance to fibre presence, say, without a pair per address.

    Parameters
    ----------
    road
        The road graph.
    x_m, y_m
        The points, EPSG:25833.
    target_x_m, target_y_m
        The targets, EPSG:25833.
    limit_m
        Longest :math:`d_G + |n_t - t|` searched; beyond it (or with no target) ``inf``.

    Returns
    -------
    route_m
        :math:`L` per point, aligned to the input; ``inf`` beyond the limit, NaN where a
        coordinate is not finite.
    target_index
        Position in the targets of the one reached; -1 where ``route_m`` is not finite.
    """
    if limit_m < 0:
        msg = f"limit_m: got {limit_m}, expected a number >= 0"
        raise ValueError(msg)
    snap_m, node = road.nearest_node(x_m, y_m)
    target_snap_m, target_node = road.nearest_node(target_x_m, target_y_m)
    route_m = np.where(np.isnan(snap_m), np.nan, np.inf)
    target_index = np.full(len(node), -1, dtype=np.int64)
    located = np.flatnonzero(node >= 0)
    if len(located) == 0:
        return route_m, target_index
    bounds = _bounds(road.node_xy_m[node[located]])
    near, kept = _subgraph(road, _within(road.node_xy_m, bounds, limit_m + 1.0))
    targets = np.flatnonzero((target_node >= 0) & np.isin(target_node, kept))
    if len(targets) == 0:  # every target is farther than the limit from every point's node
        return route_m, target_index
    graph = _with_virtual_nodes(
        near, np.searchsorted(kept, target_node[targets]), target_snap_m[targets]
    )
    distance_m, _, reached_from = csgraph.dijkstra(
        graph,
        directed=True,
        indices=near.n_nodes + np.arange(len(targets)),
        limit=limit_m,
        min_only=True,
        return_predecessors=True,
    )
    local = np.searchsorted(kept, node[located])
    route_m[located] = snap_m[located] + distance_m[local]
    reached = np.isfinite(distance_m[local])
    target_index[located[reached]] = targets[reached_from[local[reached]] - near.n_nodes]
    return route_m, target_index


def _with_virtual_nodes(
    road: RoadGraph, attach_node: np.ndarray, length_m: np.ndarray
) -> sparse.csr_matrix:
    """``road.graph`` with one more node per ``attach_node``, joined to it by ``length_m``."""
    edges = road.graph.tocoo()
    virtual = road.n_nodes + np.arange(len(attach_node))
    n_nodes = road.n_nodes + len(attach_node)
    return sparse.csr_matrix(
        (
            np.r_[edges.data, length_m, length_m],
            (np.r_[edges.row, virtual, attach_node], np.r_[edges.col, attach_node, virtual]),
        ),
        shape=(n_nodes, n_nodes),
    )


class CachedRoutes:
    """:func:`pair_route_m` with a memory: a pair asked before is not searched again.

    The cost stage re-plans its trees in rounds (:mod:`pipeline.rollout`) and asks for many of
    the same edges each round. Pairs are keyed by their ends rounded to 0.1 m, in either
    direction; the memory is dropped when ``limit_m`` or ``max_snap_m`` change.
    """

    def __init__(self, road: RoadGraph) -> None:
        self.road = road
        self._keys = pd.Index(np.empty(0, np.uint64))
        self._route_m = np.empty(0)
        self._params: tuple[float, float] | None = None

    def pair_route_m(
        self,
        x0_m: np.ndarray,
        y0_m: np.ndarray,
        x1_m: np.ndarray,
        y1_m: np.ndarray,
        limit_m: float,
        *,
        max_snap_m: float = np.inf,
    ) -> np.ndarray:
        if self._params != (limit_m, max_snap_m):
            self._keys, self._route_m = pd.Index(np.empty(0, np.uint64)), np.empty(0)
            self._params = (limit_m, max_snap_m)
        keys = _pair_keys(x0_m, y0_m, x1_m, y1_m)
        at = self._keys.get_indexer(pd.Index(keys))
        route_m = np.full(len(keys), np.nan)
        known = at >= 0
        route_m[known] = self._route_m[at[known]]
        new = np.flatnonzero(at < 0)
        if len(new):
            new_keys, first = np.unique(keys[new], return_index=True)
            rows = new[first]
            found = pair_route_m(
                self.road,
                x0_m[rows],
                y0_m[rows],
                x1_m[rows],
                y1_m[rows],
                limit_m,
                max_snap_m=max_snap_m,
            )
            route_m[new] = found[np.searchsorted(new_keys, keys[new])]
            self._keys = self._keys.append(pd.Index(new_keys))
            self._route_m = np.concatenate([self._route_m, found])
        return route_m


def _pair_keys(
    x0_m: np.ndarray, y0_m: np.ndarray, x1_m: np.ndarray, y1_m: np.ndarray
) -> np.ndarray:
    """A 64-bit hash per pair of points (rounded to 0.1 m), the same in either direction."""
    a = np.column_stack([np.round(np.asarray(x0_m) * 10), np.round(np.asarray(y0_m) * 10)])
    b = np.column_stack([np.round(np.asarray(x1_m) * 10), np.round(np.asarray(y1_m) * 10)])
    swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    first = np.where(swap[:, None], b, a).astype(np.int64)
    second = np.where(swap[:, None], a, b).astype(np.int64)
    frame = pd.DataFrame(np.column_stack([first, second]))
    return pd.util.hash_pandas_object(frame, index=False).to_numpy(dtype=np.uint64)
