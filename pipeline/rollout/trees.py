"""Fibre network design per cluster: clusters, a minimum spanning tree each, shared trenches.

The households below target are grouped by single linkage: two addresses closer than
``cluster_distance_m`` are in the same cluster (transitively): the project areas. The fibre
tree is the minimum spanning tree over the addresses and the fibre presence (one node, joined
to every address by its distance to the nearest fibre): each address links to a neighbour or
straight to the fibre, whichever is cheaper in the whole tree. Both run on the
k-nearest-neighbour graph (k = 16) of the addresses, which contains the Euclidean minimum
spanning tree for all but pathological layouts.

Every tree edge is paid by the households downstream of it (docs/design.md, "Cost"):

.. math::

    C_{route}(a) = h_a \\sum_{e \\in path(a \\to presence)} \\frac{c_e}{n_e}

with :math:`c_e` the edge's cost and :math:`n_e` the households it serves, so the per-address
shares of a cluster add up to its tree's cost exactly. Tree depth is handled level by level
(numpy per level, never a Python loop per address).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import (
    breadth_first_order,
    connected_components,
    dijkstra,
    minimum_spanning_tree,
)
from scipy.spatial import cKDTree

NEIGHBOURS = 16
NO_PRESENCE_M = 1e9  # link length standing in for 'no fibre anywhere'

# length of the edges (i, j) between addresses i and j, e.g. along roads (default: straight)
EdgeLength = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Forest:
    """One tree per cluster: each address's parent (-1: links to the presence) and cluster."""

    cluster_id: np.ndarray  # int64 per address
    parent: np.ndarray  # int64 per address; -1 for a cluster's root
    depth: np.ndarray  # int64 per address; 0 for roots
    order: np.ndarray  # addresses in breadth-first order (parents before children)
    edge_m: np.ndarray  # float64 per address: length of its edge towards the presence


def _knn_graph(x_m: np.ndarray, y_m: np.ndarray, max_m: float) -> csr_matrix:
    """Symmetric graph of each point's nearest neighbours closer than ``max_m``."""
    n = len(x_m)
    k = min(NEIGHBOURS + 1, n)
    distance_m, index = cKDTree(np.column_stack([x_m, y_m])).query(np.column_stack([x_m, y_m]), k=k)
    rows = np.repeat(np.arange(n), k)
    cols, weights = index.ravel(), distance_m.ravel()
    keep = (cols != rows) & (weights <= max_m) & (cols < n)
    # a zero-length edge (co-located addresses) must still be an edge: store a tiny weight
    weights = np.maximum(weights[keep], 1e-6)
    graph = coo_matrix((weights, (rows[keep], cols[keep])), shape=(n, n)).tocsr()
    return graph.maximum(graph.T).tocsr()


def single_linkage_clusters(
    x_m: np.ndarray, y_m: np.ndarray, cluster_distance_m: float
) -> np.ndarray:
    """Cluster id per point: points closer than ``cluster_distance_m`` share one (transitively)."""
    n = len(x_m)
    if n < 2:
        return np.zeros(n, dtype="int64")
    close = _knn_graph(x_m, y_m, cluster_distance_m)
    labels: np.ndarray = connected_components(close, directed=False)[1]
    return labels.astype("int64")


def spanning_forest(
    x_m: np.ndarray,
    y_m: np.ndarray,
    distance_to_presence_m: np.ndarray,
    cluster_distance_m: float,
    edge_length: EdgeLength | None = None,
) -> Forest:
    """Clusters by single linkage, and the minimum spanning tree that joins every address to
    the fibre presence.

    The tree is the minimum spanning tree of the addresses' neighbour graph plus one node for
    the presence, joined to every address by its distance to the presence: an address links
    to a neighbour or straight to the fibre, whichever the tree finds cheaper, so a cluster
    along a fibre line may join it at several points, and the tree is never longer than the
    star of direct links.

    ``edge_length`` gives the length of the candidate edges between addresses (say along
    roads; ``distance_to_presence_m`` must then be measured the same way); clusters always
    use the straight distance.
    """
    n = len(x_m)
    if n == 0:
        empty = np.empty(0, dtype="int64")
        return Forest(empty, empty, empty, empty, np.empty(0))
    neighbours = _knn_graph(x_m, y_m, np.inf) if n > 1 else csr_matrix((n, n))
    # project areas: single linkage, only edges up to the cluster distance; the tree may use
    # longer neighbour links where they are cheaper than a direct link to the fibre
    close = neighbours.copy()
    close.data[close.data > cluster_distance_m] = 0.0
    close.eliminate_zeros()
    _, cluster_id = connected_components(close, directed=False)
    # no presence at all (inf): a very long but finite link, capped later by max_route_m
    to_presence = np.maximum(
        np.where(np.isfinite(distance_to_presence_m), distance_to_presence_m, NO_PRESENCE_M), 1e-6
    )
    coo = neighbours.tocoo()
    if edge_length is not None and coo.nnz:
        coo.data = np.maximum(edge_length(coo.row, coo.col), 1e-6)
    graph = coo_matrix(
        (
            np.r_[coo.data, to_presence],
            (np.r_[coo.row, np.arange(n)], np.r_[coo.col, np.full(n, n)]),
        ),
        shape=(n + 1, n + 1),
    ).tocsr()
    tree = minimum_spanning_tree(graph)
    tree = tree.maximum(tree.T).tocsr()
    order, predecessors = breadth_first_order(tree, n, directed=False, return_predecessors=True)
    parent = predecessors[:n].astype("int64")
    parent[parent == n] = -1
    hops = dijkstra(tree, directed=False, indices=n, unweighted=True)
    depth = (hops[:n] - 1).astype("int64")  # addresses linked to the presence are one hop away
    far_end = np.where(parent >= 0, parent, n)
    edge_m = np.asarray(tree[np.arange(n), far_end]).ravel()
    return Forest(
        cluster_id.astype("int64"), parent, depth, order[order != n].astype("int64"), edge_m
    )


def _levels(depth: np.ndarray) -> list[np.ndarray]:
    """The nodes of each depth, deepest last (one sort, then slices)."""
    by_depth = np.argsort(depth, kind="stable")
    bounds = np.searchsorted(depth[by_depth], np.arange(int(depth.max(initial=0)) + 2))
    return [by_depth[bounds[d] : bounds[d + 1]] for d in range(len(bounds) - 1)]


def downstream_households(forest: Forest, households: np.ndarray) -> np.ndarray:
    """Households served through each address's edge towards the presence (itself included)."""
    served = households.astype("float64").copy()
    for nodes in reversed(_levels(forest.depth)[1:]):
        np.add.at(served, forest.parent[nodes], served[nodes])
    return served


def route_share_per_household(
    forest: Forest, edge_cost_nok: np.ndarray, served_households: np.ndarray
) -> np.ndarray:
    """Σ over the path to the presence of edge cost / households served, per household."""
    share = np.zeros(len(edge_cost_nok))
    with np.errstate(invalid="ignore", divide="ignore"):
        own = np.where(served_households > 0, edge_cost_nok / served_households, 0.0)
    levels = _levels(forest.depth)
    if levels:
        share[levels[0]] = own[levels[0]]
    for nodes in levels[1:]:
        share[nodes] = share[forest.parent[nodes]] + own[nodes]
    return share
