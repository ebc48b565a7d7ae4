"""pipeline/radio/reach_cache.py: kommune best-site tables kept between runs, by their inputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from layers.checksums import input_checksums
from layers.dtm import dtm_digest
from pipeline.radio.clutter import Clutter
from pipeline.radio.kommune_reach import wireless_reach_per_address
from pipeline.radio.reach import LosSettings
from pipeline.radio.reach_cache import ReachCache, site_row_hashes, sites_near
from tests.fixtures import radio_sites, valley_kommuner

BOX = (0.0, 0.0, 10.0, 10.0)


def test_a_site_is_near_when_its_range_reaches_the_box() -> None:
    sites = pd.DataFrame(
        {
            "x_m": [20.0, 20.0, 13.0, 5.0, np.nan],
            "y_m": [5.0, 5.0, 14.0, 5.0, 5.0],
            "max_range_m": [10.0, 9.9, 5.0, 0.0, 1e9],
        }
    )
    # 10 m from the box's right side; 9.9 m short; 3-4-5 from the corner; inside; no position
    assert sites_near(sites, BOX).tolist() == [0, 2, 3]


def _key(cache: ReachCache, sites: pd.DataFrame, x_m: float = 5.0, **los: float) -> str:
    x, y = np.array([x_m, 8.0]), np.array([5.0, 6.0])
    return cache.key(x, y, sites, site_row_hashes(sites), LosSettings(**los))  # type: ignore[arg-type]


def test_the_key_changes_with_what_the_table_is_made_of_and_nothing_else(tmp_path: Path) -> None:
    cache = ReachCache(tmp_path, tmp_path / "dtm.tif", "dtm-a")
    sites = radio_sites([20.0, 50_000.0], [5.0, 5.0], [100.0, 100.0])
    key = _key(cache, sites)
    assert _key(cache, sites) == key
    far = sites.copy()
    far.loc[1, "antenna_height_m"] = 99.0  # a site 50 km away: no pair of these points
    assert _key(cache, far) == key
    near = sites.copy()
    near.loc[0, "antenna_height_m"] += 1.0
    assert _key(cache, near) != key
    assert _key(cache, sites, x_m=5.5) != key  # a point moved
    assert _key(cache, sites, cpe_height_m=6.0) != key  # a LOS setting
    assert _key(ReachCache(tmp_path, tmp_path / "dtm.tif", "dtm-b"), sites) != key  # the DTM


def test_tables_read_back_are_the_tables_computed(tmp_path: Path) -> None:
    addresses, sites, dtm = valley_kommuner(tmp_path)
    cache = ReachCache(tmp_path / "cache", dtm, dtm_digest(dtm))
    cold = wireless_reach_per_address(addresses, sites, dtm, cache=cache)
    assert cache.take_counts() == (0, 2)
    done: list[int] = []
    warm = wireless_reach_per_address(addresses, sites, dtm, kommune_done=done.append, cache=cache)
    assert cache.take_counts() == (2, 0)
    assert sum(done) == 2  # progress counts the kommuner read back
    pd.testing.assert_frame_equal(warm, cold, check_exact=True)
    pd.testing.assert_frame_equal(cold, wireless_reach_per_address(addresses, sites, dtm))


def test_only_the_changed_kommune_is_computed_again(tmp_path: Path) -> None:
    addresses, sites, dtm = valley_kommuner(tmp_path)
    cache = ReachCache(tmp_path / "cache", dtm, dtm_digest(dtm))
    wireless_reach_per_address(addresses, sites, dtm, cache=cache)
    cache.take_counts()
    moved = addresses.copy()
    moved.loc[12, "x_m"] += 10.0  # a 9902 address
    refreshed = wireless_reach_per_address(moved, sites, dtm, cache=cache)
    assert cache.take_counts() == (1, 1)
    pd.testing.assert_frame_equal(refreshed, wireless_reach_per_address(moved, sites, dtm))


def test_another_dtm_does_not_use_the_cache(tmp_path: Path) -> None:
    addresses, sites, dtm = valley_kommuner(tmp_path)
    cache = ReachCache(tmp_path / "cache", tmp_path / "other.tif", "other")
    wireless_reach_per_address(addresses, sites, dtm, cache=cache)
    assert cache.take_counts() == (0, 0)
    assert not (tmp_path / "cache").exists()


def test_prune_keeps_only_what_the_run_used(tmp_path: Path) -> None:
    addresses, sites, dtm = valley_kommuner(tmp_path)
    folder = tmp_path / "cache"
    wireless_reach_per_address(addresses, sites, dtm, cache=ReachCache(folder, dtm, "a"))
    (folder / ".left.part").write_bytes(b"half a file")
    assert len(list(folder.iterdir())) == 3
    second = ReachCache(folder, dtm, "b")  # a new DTM digest: new keys
    wireless_reach_per_address(addresses.iloc[:1], sites, dtm, cache=second)
    assert second.prune() == 3  # both of the first run's tables and the partial file
    assert sorted(p.stem for p in folder.iterdir()) == sorted(second.used)
    assert len(second.used) == 1


def test_dtm_digest_is_the_files_digest_with_or_without_the_run_checksums(
    tmp_path: Path,
) -> None:
    _, _, dtm = valley_kommuner(tmp_path)
    known = input_checksums({"dtm": dtm})
    assert dtm_digest(dtm, known) == dtm_digest(dtm)
    known["dtm"]["sha256"] = "0" * 64  # the run's checksum is taken when it names the file
    assert dtm_digest(dtm, known) != dtm_digest(dtm)


def test_the_key_changes_with_the_dom_and_the_forest_layer(tmp_path: Path) -> None:
    cache = ReachCache(tmp_path, tmp_path / "dtm.tif", "dtm-a")
    sites = radio_sites([20.0], [5.0], [100.0])
    x, y = np.array([5.0]), np.array([6.0])

    def key(clutter: Clutter) -> str:
        return ReachCache(tmp_path, tmp_path / "dtm.tif", "dtm-a").key(
            x, y, sites, site_row_hashes(sites), LosSettings(clutter=clutter)
        )

    bare = key(Clutter())
    assert cache.key(x, y, sites, site_row_hashes(sites), LosSettings()) == bare
    dom = tmp_path / "dom.tif"
    dom.write_bytes(b"surface a")
    forest = tmp_path / "skog.geojson"
    forest.write_bytes(b"forest a")
    with_dom, with_forest = key(Clutter(dom=dom)), key(Clutter(forest=forest))
    assert len({bare, with_dom, with_forest}) == 3
    dom.write_bytes(b"surface b")  # the same path, a new DOM: a new key
    assert key(Clutter(dom=dom)) not in (with_dom, bare)
    forest.write_bytes(b"forest b")
    assert key(Clutter(forest=forest)) not in (with_forest, bare)
    forest.write_bytes(b"forest a")  # back as it was: the key it had
    assert key(Clutter(forest=forest)) == with_forest
    # the rules that judge the forest are part of the key too ([wireless.clutter])
    assert key(Clutter(forest=forest, canopy_height_m=20.0)) != with_forest
    assert key(Clutter(forest=forest, clear_radius_m=5.0)) != with_forest
