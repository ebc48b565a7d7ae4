"""pipeline/rollout/trees.py: clusters by single linkage, the spanning tree to the fibre, and the
shares of each edge paid by the households downstream of it, by hand.

.. math:: C_{route}(a) = h_a \\sum_{e \\in path(a \\to presence)} c_e / n_e
"""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.rollout.trees import (
    downstream_households,
    route_share_per_household,
    single_linkage_clusters,
    spanning_forest,
)


def test_points_closer_than_the_distance_share_a_cluster_transitively() -> None:
    # 0 – 100 – 250 are 100 m and 150 m apart (one cluster by way of 100); 2000 – 2100 another
    x_m = np.array([0.0, 100.0, 250.0, 2_000.0, 2_100.0])
    assert single_linkage_clusters(x_m, np.zeros(5), 200.0).tolist() == [0, 0, 0, 1, 1]
    assert single_linkage_clusters(x_m, np.zeros(5), 120.0).tolist() == [0, 0, 1, 2, 2]
    assert single_linkage_clusters(np.array([5.0]), np.zeros(1), 200.0).tolist() == [0]


def test_houses_in_a_row_from_the_fibre_end_form_a_chain() -> None:
    # the fibre ends at x = 0; houses at 300, 100 and 200 m: 100 links to the fibre, 200 to
    # 100, 300 to 200; every edge is 100 m
    x_m = np.array([300.0, 100.0, 200.0])
    forest = spanning_forest(x_m, np.zeros(3), x_m.copy(), cluster_distance_m=500.0)
    assert forest.parent.tolist() == [2, -1, 1]
    assert forest.depth.tolist() == [2, 0, 1]
    assert forest.order.tolist() == [1, 2, 0]  # parents before children
    assert forest.edge_m.tolist() == [100.0, 100.0, 100.0]
    assert forest.cluster_id.tolist() == [0, 0, 0]


def test_each_edge_is_paid_by_the_households_downstream_of_it() -> None:
    # the chain above with 2 households at 300 m: the edge 0–100 serves 4, 100–200 serves 3,
    # 200–300 serves 2; per household at 100: 100/4 = 25, at 200: 25 + 100/3, at 300: + 100/2
    x_m = np.array([300.0, 100.0, 200.0])
    forest = spanning_forest(x_m, np.zeros(3), x_m.copy(), cluster_distance_m=500.0)
    households = np.array([2, 1, 1])
    served = downstream_households(forest, households)
    assert served.tolist() == [2.0, 4.0, 3.0]
    share = route_share_per_household(forest, forest.edge_m * 10.0, served)  # 10 NOK per m
    assert share.tolist() == pytest.approx([1_083.333333, 250.0, 583.333333])
    assert (share * households).sum() == pytest.approx(3_000.0)  # the tree's cost, to the krone


def test_far_apart_houses_link_straight_to_the_fibre() -> None:
    forest = spanning_forest(
        np.array([0.0, 1_000.0]), np.zeros(2), np.array([50.0, 60.0]), cluster_distance_m=500.0
    )
    assert forest.parent.tolist() == [-1, -1] and forest.depth.tolist() == [0, 0]
    assert forest.cluster_id.tolist() == [0, 1]
    assert forest.edge_m.tolist() == [50.0, 60.0]


def test_without_fibre_anywhere_the_link_is_long_but_finite_and_no_addresses_no_tree() -> None:
    alone = spanning_forest(np.array([0.0]), np.zeros(1), np.array([np.inf]), 500.0)
    assert alone.parent.tolist() == [-1] and alone.edge_m.tolist() == [1e9]
    empty = spanning_forest(np.empty(0), np.empty(0), np.empty(0), 500.0)
    assert len(empty.parent) == len(empty.order) == len(empty.edge_m) == 0
