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

import numpy as np
import pandas as pd
from scipy.sparse import csgraph

from pipeline.rollout.road_graph import RoadGraph, bounds_of, nodes_within, subgraph

DETOUR_FACTOR = 2.0  # first search: routes up to this × the straight distance between nodes
MIN_SEARCH_M = 500.0  # ... but never a search radius below this
SEARCH_GROWTH = 4.0  # radius of the next search where one found nothing
MAX_SOURCES_PER_CALL = 256
CHUNK_TILE_M = 20_000.0  # sources of one search chunk lie in one tile of this size
DISTANCE_MATRIX_BYTES = 64 * 2**20  # one Dijkstra call's sources × nodes float64 matrix (its
# int32 predecessor matrix adds half of that again)


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
    route_m: np.ndarray = snap0_m + road_m + snap1_m
    return route_m


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

    Sources are searched in chunks of one radius class (a power of ``SEARCH_GROWTH``) and one
    ``CHUNK_TILE_M`` tile, so that each chunk's subgraph (see :func:`clip_graph`) is the
    neighbourhood of its sources, not the country: with chunks by radius alone a national run
    searched 2.2 M of 2.3 M nodes per chunk.
    """
    found_m = np.full(len(source), np.inf)
    if len(source) == 0:
        return found_m
    sources, pair_source = np.unique(source, return_inverse=True)
    source_radius_m = np.zeros(len(sources))
    np.maximum.at(source_radius_m, pair_source, radius_m)
    radius_class = np.ceil(
        np.log(np.maximum(source_radius_m, 1.0) / MIN_SEARCH_M) / np.log(SEARCH_GROWTH)
    )
    tile = np.floor(road.node_xy_m[sources] / CHUNK_TILE_M)
    order = np.lexsort((tile[:, 1], tile[:, 0], radius_class))
    group = np.column_stack([radius_class, tile])[order]
    starts = np.flatnonzero(np.r_[True, (np.diff(group, axis=0) != 0).any(axis=1)])
    rank = np.empty(len(sources), dtype=np.int64)
    rank[order] = np.arange(len(sources))
    pair_order = np.argsort(rank[pair_source], kind="stable")
    pair_rank = rank[pair_source][pair_order]
    for g0, g1 in zip(starts, np.r_[starts[1:], len(sources)], strict=True):  # per group
        for start in range(g0, g1, MAX_SOURCES_PER_CALL):  # a loop over chunks
            lo, hi = np.searchsorted(pair_rank, [start, min(g1, start + MAX_SOURCES_PER_CALL)])
            pairs = pair_order[lo:hi]
            found_m[pairs] = _search_chunk(
                road, source[pairs], target[pairs], radius_m[pairs].max()
            )
    return found_m


def _search_chunk(
    road: RoadGraph, source: np.ndarray, target: np.ndarray, radius_m: float
) -> np.ndarray:
    """:math:`d_G` per pair within ``radius_m``, on the subgraph the paths can use."""
    bounds = bounds_of(road.node_xy_m[np.r_[source, target]])
    near, kept = subgraph(road, nodes_within(road, bounds, radius_m / 2 + 1.0))
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


class CachedRoutes:
    """:func:`pair_route_m` with a memory: a pair asked before is not searched again.

    The cost stage re-plans its trees in rounds (:mod:`pipeline.rollout.choice`) and asks for
    many of the same edges each round. Pairs are keyed by their ends rounded to 0.1 m, in either
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
