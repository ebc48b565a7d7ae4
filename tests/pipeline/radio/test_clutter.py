"""pipeline/radio/clutter.py: buildings (a DOM) and forest polygons on the path; hand cases."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from layers.dtm import DtmTiles
from layers.errors import InputError
from pipeline.config import LinkSettings, load_config
from pipeline.radio.clutter import (
    Clutter,
    ClutterSources,
    read_clutter_window,
    receiver_height_m,
)
from pipeline.radio.kommune_reach import wireless_reach_per_address
from pipeline.radio.link_budget import foliage_loss_db
from pipeline.radio.los import line_of_sight
from pipeline.radio.reach import LosSettings
from pipeline.radio.throughput import path_loss_db
from pipeline.wireless import clutter_of
from tests.fixtures import radio_sites, write_dtm

X0_M, Y0_M = 200_000.0, 6_800_000.0  # top-left corner of the scene (EPSG:25833)
PATH_Y_M = Y0_M - 100.0  # the paths run east along this line
SITE_X_M = X0_M + 100.0
CPE_X_M = X0_M + 1700.0  # 1.6 km east of the site
GROUND_M = 100.0
MHZ = 3600.0


def _scene(folder: Path, blocks: list[tuple[float, float, float, float, float]]) -> Clutter:
    """A flat 2 km × 200 m DTM at 100 m (10 m cells) and a DOM on 2 m cells over it: the ground
    plus ``blocks`` (x0, x1, y0, y1 metres from the top-left corner, height above ground)."""
    write_dtm(folder / "dtm.tif", np.full((20, 200), GROUND_M), (X0_M, Y0_M), 10.0)
    dom = np.full((100, 1000), GROUND_M)
    for x0, x1, y0, y1, height_m in blocks:
        dom[int(y0 / 2) : int(y1 / 2), int(x0 / 2) : int(x1 / 2)] = GROUND_M + height_m
    write_dtm(folder / "dom.tif", dom, (X0_M, Y0_M), 2.0)
    return Clutter(dom=folder / "dom.tif")


def _los(folder: Path, clutter: Clutter, rx_x_m, rx_y_m, mast_m: float = 10.0) -> pd.DataFrame:
    with DtmTiles(folder / "dtm.tif") as dtm:
        sources = ClutterSources.open(clutter)
        box = (X0_M + 50, Y0_M - 190, X0_M + 1950, Y0_M - 10)
        window = read_clutter_window(dtm, sources, box)
        return line_of_sight(
            window, SITE_X_M, PATH_Y_M, mast_m, rx_x_m, rx_y_m, 5.0, MHZ, clutter=clutter
        )


# --- buildings: a DOM ------------------------------------------------------------------------


def test_a_building_on_the_path_blocks_what_bare_earth_sees(tmp_path: Path) -> None:
    # bare earth: the line runs from 110 m down to 105 m over flat 100 m ground; at the middle
    # F1 = sqrt(λ · 800 · 800 / 1600) = sqrt(0.08328 · 400) = 5.77 m, the line 7.5 m up
    # (ratio 1.3 >= 0.6). A 15 m block 20 m deep across the path at 900-920 m reaches 115 m.
    clutter = _scene(tmp_path, [(900, 920, 90, 110, 15.0)])
    bare = _los(tmp_path, Clutter(), CPE_X_M, PATH_Y_M)
    assert bare["los"].all()
    surface = _los(tmp_path, clutter, CPE_X_M, PATH_Y_M).iloc[0]
    assert not surface["los"]
    assert 800 - 2 <= surface["obstruction_distance_m"] <= 820 + 2  # a 2 m cell of blur
    # the line there is ~107.7 m: 7 m under the roof
    assert surface["worst_clearance_ratio"] < -1.0


def test_a_building_beside_the_path_does_not_block(tmp_path: Path) -> None:
    # the same block 60 m north of the path (F1 is at most 5.8 m)
    clutter = _scene(tmp_path, [(900, 920, 30, 50, 15.0)])
    surface = _los(tmp_path, clutter, CPE_X_M, PATH_Y_M).iloc[0]
    bare = _los(tmp_path, Clutter(), CPE_X_M, PATH_Y_M).iloc[0]
    assert surface["los"]
    # the same flat ground read on 2 m cells instead of 10 m: the worst sample moves a little
    assert surface["worst_clearance_ratio"] == pytest.approx(
        bare["worst_clearance_ratio"], rel=1e-3
    )


def test_the_house_beside_the_cpe_does_not_block_its_own_cpe(tmp_path: Path) -> None:
    # the CPE stands in the open 3 m east of an 8 m house that spans 4-9 m west of it, in the
    # path: within clear_radius_m (10 m) the profile reads the DTM; with no radius it blocks
    clutter = _scene(tmp_path, [(1691, 1696, 90, 110, 8.0)])
    assert _los(tmp_path, clutter, CPE_X_M, PATH_Y_M)["los"].all()
    no_radius = Clutter(dom=clutter.dom, clear_radius_m=0.0)
    assert not _los(tmp_path, no_radius, CPE_X_M, PATH_Y_M)["los"].any()


def test_the_cpe_stands_on_the_roof_or_in_the_open(tmp_path: Path) -> None:
    # a 6 m house around the first address; the second is in the open, the third on a 2 m
    # shed (not above on_structure_above_m = 2.5 m: in the open)
    clutter = _scene(tmp_path, [(1690, 1710, 90, 110, 6.0), (1490, 1510, 90, 110, 2.0)])
    with DtmTiles(tmp_path / "dtm.tif") as dtm:
        window = read_clutter_window(
            dtm, ClutterSources.open(clutter), (X0_M + 50, Y0_M - 190, X0_M + 1950, Y0_M - 10)
        )
    x = np.array([CPE_X_M, CPE_X_M - 400.0, CPE_X_M - 200.0])
    y = np.full(3, PATH_Y_M)
    height = receiver_height_m(window, x, y, np.full(3, GROUND_M), np.full(3, 5.0), clutter)
    assert height.tolist() == pytest.approx([106.0 + 2.0, 105.0, 105.0])


def test_a_roof_under_the_path_end_lifts_the_cpe_over_a_wall(tmp_path: Path) -> None:
    # a 10 m wall 30-35 m west of the CPE, a 20 m mast: the line passes it at ~105.3 m from
    # a CPE in the open (105 m): blocked; on a 10 m house (roof 110 m, CPE 112 m) at ~112.2 m,
    # 2.2 m over the wall where F1 = sqrt(λ · 1567.5 · 32.5 / 1600) = 1.63 m: clear
    wall = (1665, 1670, 90, 110, 10.0)
    in_the_open = _scene(tmp_path, [wall])
    assert not _los(tmp_path, in_the_open, CPE_X_M, PATH_Y_M, mast_m=20.0)["los"].any()
    on_the_roof = _scene(tmp_path, [wall, (1690, 1710, 90, 110, 10.0)])
    assert _los(tmp_path, on_the_roof, CPE_X_M, PATH_Y_M, mast_m=20.0)["los"].all()


# --- forest polygons -------------------------------------------------------------------------


def _write_forest(path: Path, strips: list[tuple[float, float]], artype: int = 30) -> Path:
    """Forest strips across the path: x0-x1 metres east of the scene's corner, 200 m tall."""
    features = [
        {
            "type": "Feature",
            "properties": {"artype": artype},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [X0_M + x0, Y0_M - 200],
                        [X0_M + x1, Y0_M - 200],
                        [X0_M + x1, Y0_M],
                        [X0_M + x0, Y0_M],
                        [X0_M + x0, Y0_M - 200],
                    ]
                ],
            },
        }
        for x0, x1 in strips
    ]
    collection = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25833"}},
        "features": features,
    }
    path.write_text(json.dumps(collection))
    return path


def test_a_forest_strip_gives_its_width_and_weissbergers_loss(tmp_path: Path) -> None:
    # a 200 m strip across the path, 1000-1200 m east of the corner; the path (10 m mast,
    # 5 m CPE) runs < 10 m above the ground, under a 15 m canopy: 200 m of forest, within one
    # coarse sample spacing (a 10 m cell)
    _scene(tmp_path, [])
    clutter = Clutter(forest=_write_forest(tmp_path / "forest.geojson", [(1000, 1200)]))
    result = _los(tmp_path, clutter, CPE_X_M, PATH_Y_M).iloc[0]
    depth_m = result["forest_depth_m"]
    assert depth_m == pytest.approx(200.0, abs=10.0)
    # Weissberger, 14-400 m: L = 1.33 f^0.284 d^0.588, f in GHz: 3.6^0.284 = 1.43873,
    # 200^0.588 = 22.5431 → 1.33 · 1.43873 · 22.5431 = 43.137 dB
    assert float(foliage_loss_db(MHZ, 200.0)) == pytest.approx(43.137, abs=0.01)
    link = LinkSettings(foliage_depth_m=0.0)
    ratio = result["worst_clearance_ratio"]
    with_forest = path_loss_db(1600.0, MHZ, ratio, link, np.array([depth_m]))
    bare = path_loss_db(1600.0, MHZ, ratio, link)
    added = float(with_forest[0] - bare)
    assert added == pytest.approx(float(foliage_loss_db(MHZ, depth_m)))
    # dL/dd = 0.588 L / d = 0.127 dB per metre: within 10 m, within 1.3 dB of 43.137
    assert added == pytest.approx(43.137, abs=1.3)


def test_forest_the_path_passes_over_is_not_crossed(tmp_path: Path) -> None:
    # a 100 m mast: by 100 m from the site the path is ~94 m up, far above a 15 m canopy
    _scene(tmp_path, [])
    clutter = Clutter(forest=_write_forest(tmp_path / "forest.geojson", [(300, 500)]))
    result = _los(tmp_path, clutter, CPE_X_M, PATH_Y_M, mast_m=100.0).iloc[0]
    assert result["forest_depth_m"] == 0.0
    low = _los(tmp_path, clutter, CPE_X_M, PATH_Y_M).iloc[0]  # 10 m mast: under the canopy
    assert low["forest_depth_m"] == pytest.approx(200.0, abs=10.0)


def test_without_a_forest_layer_the_depth_is_unknown_and_the_fixed_depth_applies(
    tmp_path: Path,
) -> None:
    _scene(tmp_path, [])
    result = _los(tmp_path, Clutter(), CPE_X_M, PATH_Y_M).iloc[0]
    assert np.isnan(result["forest_depth_m"])
    link = LinkSettings()  # 5 m of trees
    unknown = path_loss_db(1600.0, MHZ, 1.0, link, np.array([np.nan]))
    assert unknown[0] == pytest.approx(float(path_loss_db(1600.0, MHZ, 1.0, link)))


def test_a_forest_file_without_polygons_is_refused_by_name(tmp_path: Path) -> None:
    _scene(tmp_path, [])
    points = tmp_path / "points.geojson"
    feature = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "Point", "coordinates": [15.0, 61.0]},
    }
    points.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    with pytest.raises(InputError, match=r"points\.geojson: .*no usable polygon"):
        _los(tmp_path, Clutter(forest=points), CPE_X_M, PATH_Y_M)


# --- through the kommune pass -----------------------------------------------------------------


def test_the_kommune_pass_judges_the_paths_over_the_clutter(tmp_path: Path) -> None:
    clutter = _scene(tmp_path, [(900, 920, 90, 110, 15.0)])
    addresses = pd.DataFrame(
        {
            "kommunenummer": ["9901", "9901"],
            "x_m": [CPE_X_M, CPE_X_M],
            "y_m": [PATH_Y_M, PATH_Y_M - 60],
        }
    )
    sites = radio_sites([SITE_X_M], [PATH_Y_M], [5000.0])
    sites["antenna_height_m"] = 10.0
    dtm = tmp_path / "dtm.tif"
    bare = wireless_reach_per_address(addresses, sites, dtm, LosSettings())
    built = wireless_reach_per_address(addresses, sites, dtm, LosSettings(clutter=clutter))
    assert bare["has_los"].tolist() == [True, True]
    # the block stands on the first path only (the second runs 30 m south of it at x = 910)
    assert built["has_los"].tolist() == [False, True]
    assert built["los_forest_depth_m"].tolist() == [0.0, 0.0]
    assert bare["los_forest_depth_m"].isna().all()
    forest = Clutter(forest=_write_forest(tmp_path / "forest.geojson", [(1000, 1200)]))
    wooded = wireless_reach_per_address(addresses, sites, dtm, LosSettings(clutter=forest))
    assert wooded["los_forest_depth_m"].to_numpy() == pytest.approx([200.0, 200.0], abs=10.0)


def test_a_dom_in_utm_32_is_read_on_its_own_grid_and_still_blocks(tmp_path: Path) -> None:
    # the DOM of the first test written in UTM 32 (its grid there), the DTM in UTM 33: the
    # window is the DOM's, the DTM warped onto it once
    _scene(tmp_path, [])
    to_32 = Transformer.from_crs(25833, 25832, always_xy=True)
    left, top = to_32.transform(X0_M - 200, Y0_M + 200)
    xs, ys = np.meshgrid(left + 1 + 2.0 * np.arange(1300), top - 1 - 2.0 * np.arange(400))
    x33, y33 = Transformer.from_crs(25832, 25833, always_xy=True).transform(xs, ys)
    block = (x33 >= X0_M + 900) & (x33 < X0_M + 920) & (y33 <= Y0_M - 90) & (y33 > Y0_M - 110)
    dom = np.where(block, GROUND_M + 15.0, GROUND_M)
    write_dtm(tmp_path / "dom32.tif", dom, (left, top), 2.0, epsg=25832)
    clutter = Clutter(dom=tmp_path / "dom32.tif")
    with DtmTiles(tmp_path / "dtm.tif") as dtm:
        box = (X0_M + 50, Y0_M - 190, X0_M + 1950, Y0_M - 10)
        window = read_clutter_window(dtm, ClutterSources.open(clutter), box)
    assert window.crs.to_epsg() == 25832 and window.cell_size_m == 2.0
    result = _los(tmp_path, clutter, CPE_X_M, PATH_Y_M).iloc[0]
    assert not result["los"]
    assert 800 - 3 <= result["obstruction_distance_m"] <= 820 + 3


def test_a_missing_dom_is_named_as_the_surface_model(tmp_path: Path) -> None:
    _scene(tmp_path, [])
    with pytest.raises(InputError, match=r"nope\.tif: surface model \(DOM\) file not found"):
        _los(tmp_path, Clutter(dom=tmp_path / "nope.tif"), CPE_X_M, PATH_Y_M)


def test_the_run_takes_its_clutter_from_the_inputs(tmp_path: Path) -> None:
    path = tmp_path / "gapmap.toml"
    path.write_text(
        '[inputs]\nkommuner = "k.geojson"\naddresses = "a.csv"\noffers = "o.csv"\n'
        'forest = "n50.gdb"\nforest_layer = "N50_Arealdekke_omrade"\n'
        'forest_column = "objtype"\nforest_values = ["Skog"]\n',
        encoding="utf-8",
    )
    clutter = clutter_of(load_config(path))
    assert clutter == Clutter(
        forest=tmp_path / "n50.gdb",
        forest_layer="N50_Arealdekke_omrade",
        forest_column="objtype",
        forest_values=("Skog",),
    )


def test_the_canopy_height_decides_which_forest_the_path_crosses(tmp_path: Path) -> None:
    # the 10 m mast's path runs 5-10 m above the ground: under a 15 m canopy it crosses the
    # 200 m strip; with the canopy at 0 m (clearance is never below 0) it crosses nothing
    _scene(tmp_path, [])
    forest = _write_forest(tmp_path / "forest.geojson", [(1000, 1200)])
    tall = _los(tmp_path, Clutter(forest=forest), CPE_X_M, PATH_Y_M).iloc[0]
    none = _los(tmp_path, Clutter(forest=forest, canopy_height_m=0.0), CPE_X_M, PATH_Y_M)
    assert tall["forest_depth_m"] == pytest.approx(200.0, abs=10.0)
    assert none.iloc[0]["forest_depth_m"] == 0.0
