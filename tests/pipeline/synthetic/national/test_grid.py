"""pipeline/synthetic/national/grid.py: SSB's 250 m cells: their ids decoded, their setting by
people, points inside them, and the grouped sums and ranks the builder uses, by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from layers.errors import InputError
from pipeline.synthetic.national.grid import (
    block_key,
    cells_touching,
    draw_in_cells,
    group_cumsum,
    rank_within,
    read_population_grid,
    setting_of_people,
)


def test_cell_ids_decode_to_the_south_west_corner_sorted_by_id(tmp_path: Path) -> None:
    # id = (x + 2 000 000) as 7 digits, then y as 7 digits
    path = tmp_path / "ru250m_2015.csv"
    path.write_text("ru250m;pop_tot\n21000006650000;12\n20929506472500;3\n", encoding="utf-8")
    grid = read_population_grid(path)
    assert grid.to_dict("records") == [
        {"x_m": 92_950.0, "y_m": 6_472_500.0, "people": 3},
        {"x_m": 100_000.0, "y_m": 6_650_000.0, "people": 12},
    ]


def test_a_file_of_other_columns_is_named_with_what_was_expected(tmp_path: Path) -> None:
    path = tmp_path / "befolkning.csv"
    path.write_text("rute;folk\n1;2\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"befolkning\.csv: got columns \['rute', 'folk'\]"):
        read_population_grid(path)


def test_the_setting_of_a_cell_by_its_people() -> None:
    people = np.array([0, 19, 20, 99, 100, 5000])
    assert setting_of_people(people).tolist() == [
        "sparse",
        "sparse",
        "medium",
        "medium",
        "dense",
        "dense",
    ]


def test_cells_touching_a_polygon_and_points_drawn_inside_cells() -> None:
    grid = pd.DataFrame({"x_m": [0.0, 250.0, 1000.0], "y_m": [0.0, 0.0, 0.0], "people": 1})
    touching = cells_touching(grid, np.array([shapely.box(100, 100, 300, 200)]))
    assert touching.tolist() == [True, True, False]
    cell = np.array([0, 2, 2, 2])
    x_m, y_m = draw_in_cells(grid, cell, np.random.default_rng(1))
    assert (
        (x_m >= grid["x_m"].to_numpy()[cell] + 0.5) & (x_m <= grid["x_m"].to_numpy()[cell] + 249.5)
    ).all()
    assert ((y_m >= 0.5) & (y_m <= 249.5)).all()
    assert np.array_equal(x_m, np.round(x_m, 2)) and np.array_equal(y_m, np.round(y_m, 2))
    again = draw_in_cells(grid, cell, np.random.default_rng(1))
    assert np.array_equal(again[0], x_m) and np.array_equal(again[1], y_m)


def test_block_keys_are_the_same_within_a_block_and_west_of_zero() -> None:
    # column floor((x + 1 000 000) / 2000), row floor(y / 2000): key = column · 10^8 + row
    key = block_key(
        np.array([125.0, 375.0, 4_125.0, -1_000.0]),
        np.array([125.0, 125.0, 125.0, 1_999.0]),
        2_000.0,
    )
    assert key.tolist() == [500 * 10**8, 500 * 10**8, 502 * 10**8, 499 * 10**8]


def test_running_sums_and_dense_ranks_restart_in_each_group() -> None:
    sums = group_cumsum(np.array([1, 2, 3, 4, 5]), np.array([0, 0, 1, 1, 1]))
    assert sums.tolist() == [1, 3, 3, 7, 12]
    # group 0 has the keys {3, 5}, group 1 {1, 9}
    ranks = rank_within(np.array([0, 0, 0, 1, 1]), np.array([5, 3, 5, 9, 1]))
    assert ranks.tolist() == [1, 0, 1, 1, 0]
