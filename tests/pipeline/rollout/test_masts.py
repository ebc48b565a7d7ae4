"""pipeline/rollout/masts.py: where a candidate mast stands and whom it reaches at the target
speed."""

from __future__ import annotations

import numpy as np

from pipeline.config import Target, WirelessSettings, replace_nested
from pipeline.radio.clutter import Clutter
from pipeline.rollout.masts import mast_positions, new_sites
from tests.fixtures import HAND_COST as HAND
from tests.fixtures import addresses_at, fibre_presence, write_dtm


def test_the_mast_stands_on_the_highest_address_of_areas_big_enough() -> None:
    addresses = addresses_at([0.0, 100.0, 200.0, 5_000.0, 5_100.0], households=[2, 2, 2, 1, 1])
    addresses["elevation_m"] = [10.0, 55.0, np.nan, 80.0, 90.0]
    cluster_id = np.array([0, 0, 0, 1, 1])
    s = replace_nested(HAND.new_site, {"min_households": 5})
    masts = mast_positions(addresses, cluster_id, s)
    assert masts["cluster_id"].tolist() == [0]  # cluster 1 has 2 households < 5
    assert masts[["x_m", "y_m"]].to_numpy().tolist() == [[100.0, 0.0]]  # 55 m, NaN never wins
    addresses["elevation_m"] = np.nan  # no terrain: the address nearest the weighted centre
    assert mast_positions(addresses, cluster_id, s)["x_m"].tolist() == [100.0]


def _flat_dtm(path, x0: float, y0: float, width_m: float) -> None:
    cells = int(width_m / 25)
    write_dtm(path, np.zeros((cells, cells)), (x0, y0 + width_m), 25.0)


def test_a_new_mast_reaches_whom_it_sees_within_range_at_the_target_speed(tmp_path) -> None:
    x0, y0 = 300_000.0, 7_000_000.0
    dtm = tmp_path / "flat.tif"
    _flat_dtm(dtm, x0, y0, 10_000.0)
    # five households in one area around (x0 + 1000, y0 + 5000); one 4 km east, alone
    xs = x0 + np.array([1_000.0, 1_100.0, 1_200.0, 1_300.0, 1_400.0, 5_400.0])
    addresses = addresses_at(xs, np.full(6, y0 + 5_000.0))
    costed = np.ones(6, bool)
    cluster_id = np.array([0, 0, 0, 0, 0, 1])
    gigabit = Target("gigabit2030", 1000.0, None)
    s = replace_nested(HAND, {"new_site.min_households": 5, "new_site.max_range_m": 3_000.0})
    fibre_end = fibre_presence(points=[(x0, y0)])
    sites = new_sites(addresses, costed, cluster_id, fibre_end, dtm, gigabit, s, WirelessSettings())
    assert len(sites.masts) == 1
    assert sites.mast_of.tolist() == [0, 0, 0, 0, 0, -1]  # 4 km is beyond the 3 km range
    slow = replace_nested(s, {"new_site.down_mbps": 500.0})  # cannot meet a gigabit target
    none = new_sites(
        addresses, costed, cluster_id, fibre_end, dtm, gigabit, slow, WirelessSettings()
    )
    assert (none.mast_of == -1).all()
    no_dtm = new_sites(
        addresses, costed, cluster_id, fibre_end, None, gigabit, s, WirelessSettings()
    )
    assert len(no_dtm.masts) == 0 and (no_dtm.mast_of == -1).all()


def test_a_new_mast_is_judged_over_the_same_clutter_as_the_existing_sites(tmp_path) -> None:
    x0, y0 = 300_000.0, 7_000_000.0
    dtm = tmp_path / "flat.tif"
    _flat_dtm(dtm, x0, y0, 10_000.0)
    # a DOM over 2 × 2 km around the area: the flat ground and a 100 m wall from north to
    # south 50 m east of where the mast stands (the address at x0 + 1200, the area's centre)
    dom = np.zeros((400, 400))
    dom[:, 250:252] = 100.0  # x0 + 1250 … 1260 m (5 m cells)
    write_dtm(tmp_path / "dom.tif", dom, (x0, y0 + 6_000.0), 5.0)
    xs = x0 + np.array([1_000.0, 1_100.0, 1_200.0, 1_300.0, 1_400.0])
    addresses = addresses_at(xs, np.full(5, y0 + 5_000.0))
    gigabit = Target("gigabit2030", 1000.0, None)
    s = replace_nested(HAND, {"new_site.min_households": 5, "new_site.max_range_m": 3_000.0})
    args = (addresses, np.ones(5, bool), np.zeros(5, int), fibre_presence(points=[(x0, y0)]))
    bare = new_sites(*args, dtm, gigabit, s, WirelessSettings())
    walled = new_sites(
        *args, dtm, gigabit, s, WirelessSettings(), clutter=Clutter(dom=tmp_path / "dom.tif")
    )
    assert bare.masts[["x_m"]].to_numpy().ravel().tolist() == [x0 + 1_200.0]
    assert bare.mast_of.tolist() == [0, 0, 0, 0, 0]
    assert walled.mast_of.tolist() == [0, 0, 0, -1, -1]  # behind the wall: not reached
