"""pipeline/synthetic/national/roads.py: ``--roads`` writes roads most addresses are near, the
same bytes as roads written afterwards for a set already built.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import shapely

from layers.addresses import read_addresses
from layers.roads import read_roads
from pipeline.config import load_config
from pipeline.synthetic.national.roads import write_roads_of_set
from tests.fixtures import sha256_hex


@pytest.mark.realdata
def test_roads_option_writes_roads_that_most_addresses_are_near(
    built: Any, built_with_roads: Any
) -> None:
    """With ``--roads`` the set has ``veger.gpkg`` in its config, read without quarantine, and
    ≥ 90 % of the addresses within 500 m of a road (the cost stage's ``road_max_snap_m``);
    without it, neither file nor config key."""
    assert built.roads is None and not (built.root / "veger.gpkg").exists()
    assert load_config(built.config).inputs.roads is None
    assert built_with_roads.roads == built_with_roads.root / "veger.gpkg"
    assert load_config(built_with_roads.config).inputs.roads == built_with_roads.roads

    roads = read_roads(built_with_roads.roads)

    assert len(roads.quarantine) == 0
    assert roads.rows_read == len(roads.accepted) > 100
    assert set(shapely.get_type_id(roads.accepted.geometry.to_numpy())) == {1}  # LineStrings
    addresses = read_addresses(built_with_roads.addresses).accepted
    points = shapely.points(addresses["x_m"].to_numpy(), addresses["y_m"].to_numpy())
    lines = roads.accepted.geometry.to_numpy()
    point_idx, line_idx = shapely.STRtree(lines).query_nearest(points, all_matches=False)
    distance_m = shapely.distance(points[point_idx], lines[line_idx])
    assert len(point_idx) == len(points)
    assert (distance_m <= 500.0).mean() >= 0.9


@pytest.mark.realdata
def test_roads_written_in_place_equal_the_roads_built_with_the_set(
    built_with_roads: Any, tmp_path: Path
) -> None:
    """:func:`write_roads_of_set` on a built set writes the same bytes as ``--roads``."""
    out = tmp_path / "veger.gpkg"

    figures = write_roads_of_set(built_with_roads.root, seed=2025, out=out)

    assert built_with_roads.roads is not None
    assert sha256_hex(out.read_bytes()) == sha256_hex(built_with_roads.roads.read_bytes())
    assert figures["lines"] == built_with_roads.rows["roads"]
