"""pipeline/radio/reach.py: the sites within range of each address and the best one in sight."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.radio.reach import best_site_per_address, candidate_pairs
from tests.fixtures import radio_sites


def test_candidate_pairs_are_exactly_the_pairs_within_range() -> None:
    rng = np.random.default_rng(3)
    x, y = rng.uniform(0, 10_000, 3000), rng.uniform(0, 10_000, 3000)
    x[:5] = np.nan  # unlocated addresses take no part
    site_x, site_y = rng.uniform(0, 10_000, 40), rng.uniform(0, 10_000, 40)
    sites = radio_sites(site_x, site_y, rng.uniform(0, 3000, 40))
    sites.loc[0, "max_range_m"] = np.nan
    pairs = candidate_pairs(x, y, sites)
    distance = np.hypot(x[:, None] - sites["x_m"].to_numpy(), y[:, None] - sites["y_m"].to_numpy())
    expected = set(zip(*np.nonzero(distance <= sites["max_range_m"].to_numpy()), strict=True))
    assert set(zip(pairs.address_idx, pairs.site_idx, strict=True)) == expected
    np.testing.assert_allclose(pairs.distance_m, distance[pairs.address_idx, pairs.site_idx])
    nearest = candidate_pairs(x, y, sites, max_sites_per_address=2)
    for a in np.unique(pairs.address_idx)[:200]:
        within = np.sort(distance[a][pairs.site_idx[pairs.address_idx == a]])[:2]
        np.testing.assert_allclose(np.sort(nearest.distance_m[nearest.address_idx == a]), within)


def test_best_site_is_the_nearest_with_line_of_sight_else_the_nearest() -> None:
    links = pd.DataFrame(
        {
            "address_idx": [0, 0, 0, 1, 1, 3],
            "site_id": ["near-blocked", "far-los", "mid-los", "a", "b", "c"],
            "distance_m": [500.0, 4000.0, 2000.0, 1500.0, 900.0, 100.0],
            "los": [False, True, True, False, False, False],
            "terrain_ok": [True, True, True, True, True, False],
            "worst_clearance_ratio": [-3.0, 2.5, 0.9, -0.5, -4.0, np.nan],
            "obstruction_x_m": [1.0, 2.0, 3.0, 4.0, 5.0, np.nan],
            "obstruction_y_m": [1.0, 2.0, 3.0, 4.0, 5.0, np.nan],
        }
    )
    best = best_site_per_address(links, 4)
    assert best["los_site_id"].tolist() == ["mid-los", "b", None, "c"]
    assert best["has_los"].tolist() == [True, False, False, False]
    assert best["los_distance_m"].tolist()[:2] == [2000.0, 900.0]
    assert best["sites_in_range"].tolist() == [3, 2, 0, 1]
    assert best["los_sites"].tolist() == [2, 0, 0, 0]
    assert np.isnan(best.loc[0, "obstruction_x_m"])  # nothing obstructs a visible site
    assert best.loc[1, "obstruction_x_m"] == 5.0
    assert best["los_terrain_ok"].tolist() == [True, True, True, False]
