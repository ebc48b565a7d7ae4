"""pipeline/synthetic/national/fibre.py: the trunk network joins the most populous 2 km blocks,
each at its people-weighted centre; written as lon/lat GeoJSON."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from layers.network import read_network
from pipeline.synthetic.national.fibre import fibre_trunks, write_fibre

# three blocks: cells at x 0 (100 people) and 250 (300 people) share one, 4000 (50 people) and
# 10 000 (10 people) have their own; cell centres are 125 m in from the corner
GRID = pd.DataFrame(
    {"x_m": [0.0, 250.0, 4_000.0, 10_000.0], "y_m": 0.0, "people": [100, 300, 50, 10]}
)


def test_the_trunk_joins_the_most_populous_blocks_at_their_people_weighted_centres() -> None:
    # the first block's centre: x (100 · 125 + 300 · 375) / 400 = 312.5
    assert [g.wkt for g in fibre_trunks(GRID, n_clusters=2)] == ["LINESTRING (312.5 125, 4125 125)"]
    three = fibre_trunks(GRID, n_clusters=3)  # a minimum spanning tree: a chain here
    assert sorted(g.length for g in three) == [3_812.5, 6_000.0]


def test_a_single_block_is_a_node(tmp_path: Path) -> None:
    (node,) = fibre_trunks(GRID, n_clusters=1)
    assert node.equals(shapely.Point(312.5, 125.0))
    # the same grid moved into Norway (a fibre layer elsewhere is refused when read)
    moved = GRID.assign(x_m=GRID["x_m"] + 200_000.0, y_m=7_000_000.0)
    (node,) = fibre_trunks(moved, n_clusters=1)
    write_fibre(tmp_path / "fiber.geojson", [node, *fibre_trunks(moved, n_clusters=2)])
    fibre = read_network(tmp_path / "fiber.geojson").accepted
    assert fibre["kind"].tolist() == ["node", "trunk"]
    np.testing.assert_allclose(
        shapely.get_coordinates(fibre.geometry.iloc[0])[0], [200_312.5, 7_000_125.0], atol=0.01
    )
