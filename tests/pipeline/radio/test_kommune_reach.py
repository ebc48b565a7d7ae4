"""pipeline/radio/kommune_reach.py: line of sight kommune by kommune, on any number of workers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from maps.worker_pool import WorkerPool
from pipeline.radio.kommune_reach import SharedTable, wireless_reach_per_address
from pipeline.radio.reach import LosSettings
from tests.fixtures import radio_sites, valley_kommuner


def test_wireless_reach_per_address_is_aligned_and_window_size_independent(tmp_path: Path) -> None:
    addresses, sites, path = valley_kommuner(tmp_path)
    kommuner_done: list[int] = []
    result = wireless_reach_per_address(addresses, sites, path, kommune_done=kommuner_done.append)
    assert kommuner_done == [1, 1]  # progress: once per kommune
    assert result.index.tolist() == [10, 11, 12, 13]
    # the valley floor sees only the crest site; the plateau only the plateau site
    assert result["los_site_id"].tolist() == ["S1", "S0", "S1", None]
    assert result["has_los"].tolist() == [True, True, True, False]
    assert result["sites_in_range"].tolist() == [1, 2, 1, 0]
    # one window per site and batches of one pair give the same answer
    small = LosSettings(max_window_cells=1, max_pairs_per_batch=1)
    pd.testing.assert_frame_equal(result, wireless_reach_per_address(addresses, sites, path, small))
    assert not wireless_reach_per_address(addresses, sites, None)["has_los"].any()


def test_two_worker_processes_give_the_same_table(tmp_path: Path) -> None:
    addresses, sites, path = valley_kommuner(tmp_path)
    one = wireless_reach_per_address(addresses, sites, path)
    with WorkerPool(2) as pool:
        two = wireless_reach_per_address(addresses, sites, path, pool=pool)
        again = wireless_reach_per_address(addresses.iloc[::-1], sites, path, pool=pool)
    pd.testing.assert_frame_equal(one, two)
    pd.testing.assert_frame_equal(one, again.loc[one.index])  # any row order, the same rows


def test_a_shared_table_is_one_state_key_per_content() -> None:
    sites = radio_sites([1.0, 2.0], [3.0, 4.0], [10.0, 20.0])
    same, other = SharedTable.of(sites.copy()), SharedTable.of(sites.assign(x_m=[1.0, 2.5]))
    assert SharedTable.of(sites) == same and hash(SharedTable.of(sites)) == hash(same)
    assert same != other
