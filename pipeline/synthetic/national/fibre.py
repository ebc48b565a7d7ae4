"""Existing fibre of the national set: a trunk network between the most populous blocks (step 4).

Written as an RFC 7946 GeoJSON (lon/lat) with ``kind`` = "trunk" (or "node" for a lone block).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from scipy.sparse.csgraph import minimum_spanning_tree

from pipeline.synthetic.national.grid import BLOCK_M, CELL_M, block_key
from pipeline.synthetic.writers import write_line_features

FIBRE_CLUSTERS = 500


def fibre_trunks(grid: pd.DataFrame, n_clusters: int = FIBRE_CLUSTERS) -> list[shapely.Geometry]:
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
    """Write the trunk lines (lon/lat GeoJSON) with ``kind`` "trunk", or "node" for a point."""
    kinds = ["trunk" if shapely.get_type_id(g) == 1 else "node" for g in geometries]
    write_line_features(path, geometries, kinds)
