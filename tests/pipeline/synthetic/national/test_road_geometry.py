"""pipeline/synthetic/national/road_geometry.py: the land mask, polylines as one array, cell nodes,
Delaunay edges and meandering lines, by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import shapely
from rasterio.transform import from_origin

from pipeline.synthetic.national.road_geometry import (
    LandMask,
    Polylines,
    cell_nodes,
    concatenated,
    delaunay_edges,
    meander_lines,
    no_lines,
    read_land_mask,
)
from tests.fixtures import write_dtm


def test_the_land_mask_is_where_the_dtm_has_data(tmp_path: Path) -> None:
    elevation_m = np.full((10, 20), 50.0)
    elevation_m[:, 10:] = np.nan  # the eastern half is sea
    land = read_land_mask(write_dtm(tmp_path / "dtm.tif", elevation_m, (0.0, 100.0), 10.0))
    points = np.array([[5.0, 95.0], [95.0, 5.0], [105.0, 50.0], [-5.0, 50.0], [50.0, 150.0]])
    # land, land, sea, west of the raster, north of it
    assert land.on_land(points).tolist() == [True, True, False, False, False]


def test_a_lines_length_at_sea_is_its_sea_vertices_times_its_spacing() -> None:
    land = LandMask(from_origin(0.0, 100.0, 10.0, 10.0), np.arange(20)[None, :].repeat(10, 0) < 10)
    # one line along y = 50 with vertices at x = 0, 50, 100, 150: the last two at sea,
    # 150 m over 3 steps: 2 × 50 = 100 m at sea; the other line is on land
    lines = Polylines(
        np.array([[0.0, 50.0], [50.0, 50.0], [100.0, 50.0], [150.0, 50.0], [0, 10], [60, 10]]),
        np.array([0, 0, 0, 0, 1, 1]),
    )
    assert lines.n_lines == 2
    assert lines.sea_m(land).tolist() == [100.0, 0.0]
    kept = lines.subset(np.array([False, True]))
    assert kept.owner.tolist() == [0, 0] and kept.xy_m.tolist() == [[0.0, 10.0], [60.0, 10.0]]
    assert [g.length for g in lines.geometries()] == [150.0, 60.0]


def test_lines_concatenate_with_their_owners_renumbered() -> None:
    a = Polylines(np.array([[0.0, 0.0], [1.0, 0.0]]), np.array([0, 0]))
    b = Polylines(
        np.array([[5.0, 5.0], [6.0, 5.0], [7.0, 7.0], [8.0, 7.0]]), np.array([0, 0, 1, 1])
    )
    both = concatenated([a, no_lines(), b])
    assert both.owner.tolist() == [0, 0, 1, 1, 2, 2] and both.n_lines == 3
    assert concatenated([]).n_lines == 0 and len(no_lines().geometries()) == 0


def test_a_cells_node_is_the_mean_of_its_addresses() -> None:
    # (10, 10) and (30, 50) share the cell at the origin; (300, 10) and (-10, 10) have their own
    nodes, count = cell_nodes(
        np.array([10.0, 30.0, 300.0, -10.0]), np.array([10.0, 50.0, 10.0, 10.0])
    )
    assert nodes.tolist() == [[-10.0, 10.0], [20.0, 30.0], [300.0, 10.0]]  # by column
    assert count.tolist() == [1, 2, 1]


def test_delaunay_edges_and_the_fallback_for_few_or_collinear_points() -> None:
    # a triangle with a point inside: its three sides and three spokes
    triangle = np.array([[0.0, 0.0], [10.0, 0.0], [5.0, 10.0], [5.0, 3.0]])
    pairs = [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]
    assert list(zip(*(e.tolist() for e in delaunay_edges(triangle)), strict=True)) == pairs
    on_a_line = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 0.0]])  # nearest neighbours
    assert list(zip(*(e.tolist() for e in delaunay_edges(on_a_line)), strict=True)) == pairs
    assert [e.tolist() for e in delaunay_edges(np.array([[0.0, 0.0], [5.0, 5.0]]))] == [[0], [1]]
    assert [e.tolist() for e in delaunay_edges(np.array([[0.0, 0.0]]))] == [[], []]


def test_a_meandering_line_bows_by_half_a_sine_and_keeps_its_ends() -> None:
    # 100 m east: ceil(100 / 50) = 2 segments; the middle vertex 10 · sin(π/2) = 10 m north
    lines = meander_lines(np.array([[0.0, 0.0]]), np.array([[100.0, 0.0]]), np.array([10.0]))
    assert lines.xy_m.tolist() == [[0.0, 0.0], [50.0, 10.0], [100.0, 0.0]]
    assert lines.owner.tolist() == [0, 0, 0]
    straight = meander_lines(np.array([[0.0, 0.0]]), np.array([[0.0, 30.0]]), np.array([0.0]))
    assert shapely.equals(straight.geometries()[0], shapely.LineString([(0, 0), (0, 30)]))
