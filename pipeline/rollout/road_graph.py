"""The road network as a graph: nodes at the lines' vertices, edges on their segments.

:func:`road_graph` builds it from road lines (:mod:`layers.roads`): vertices equal to the
millimetre are one node, an end within the snap tolerance of another line's vertex joins it,
and each segment is an edge weighted by its length in metres (EPSG:25833). :func:`clip_graph`
cuts out the part a search within a limit can use; routes on it are :mod:`pipeline.rollout.routing`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import geopandas as gpd
import numpy as np
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

COORDINATE_DECIMALS = 3  # vertices equal to the millimetre are one node


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
    return subgraph(road, points_within(road.node_xy_m, bounds, margin_m))[0]


def points_within(
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


def nodes_within(
    road: RoadGraph, bounds: tuple[float, float, float, float], margin_m: float
) -> np.ndarray:
    """:func:`points_within` for the graph's nodes, through its k-d tree: only the nodes in the disc
    around the box are tested, not the country's."""
    x_min, y_min, x_max, y_max = bounds
    centre = ((x_min + x_max) / 2, (y_min + y_max) / 2)
    reach_m = np.hypot(x_max - x_min, y_max - y_min) / 2 + margin_m * np.sqrt(2)
    near = np.asarray(road.node_tree.query_ball_point(centre, reach_m), dtype=np.int64)
    keep = np.zeros(road.n_nodes, dtype=bool)
    keep[near[points_within(road.node_xy_m[near], bounds, margin_m)]] = True
    return keep


def bounds_of(xy_m: np.ndarray) -> tuple[float, float, float, float]:
    """(x_min, y_min, x_max, y_max) of points."""
    (x_min, y_min), (x_max, y_max) = xy_m.min(axis=0), xy_m.max(axis=0)
    return float(x_min), float(y_min), float(x_max), float(y_max)


def subgraph(road: RoadGraph, keep: np.ndarray) -> tuple[RoadGraph, np.ndarray]:
    """The subgraph on the nodes where ``keep``, and their indices in ``road`` (ascending)."""
    kept = np.flatnonzero(keep)
    return RoadGraph(road.graph[kept][:, kept].tocsr(), road.node_xy_m[kept]), kept
