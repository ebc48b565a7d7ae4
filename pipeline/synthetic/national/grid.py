"""SSB's 250 m population grid: the cells, their setting by people, points drawn inside them.

Everything in the national set is placed on this grid (EPSG:25833): addresses inside inhabited
cells, sites at points of cells, fibre trunks between the most populous 2 km blocks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from layers.errors import InputError

CELL_M = 250.0  # SSB grid cell size
BLOCK_M = 2_000.0  # grunnkrets / gardsnummer / fibre-cluster block
DENSE_PEOPLE, MEDIUM_PEOPLE = 100, 20  # people per 250 m cell
SETTINGS = ("dense", "medium", "sparse")
GRID_COLUMNS = ("ru250m", "pop_tot")


def read_population_grid(path: Path) -> pd.DataFrame:
    """SSB 250 m cells: south-west corner ``x_m``, ``y_m`` (EPSG:25833) and ``people``.

    The 14-digit id is ``(x + 2 000 000)`` as 7 digits followed by ``y`` as 7 digits.
    """
    header = pd.read_csv(path, sep=";", nrows=0).columns.tolist()
    if not set(GRID_COLUMNS) <= set(header):
        msg = (
            f"{path}: got columns {header[:6]}; expected SSB's 250 m population grid CSV with"
            f" columns {list(GRID_COLUMNS)} (';'-separated)"
        )
        raise InputError(msg)
    grid = pd.read_csv(path, sep=";", dtype={"ru250m": "int64", "pop_tot": "int64"})
    grid = grid.sort_values("ru250m", ignore_index=True)
    cell_id = grid["ru250m"].to_numpy()
    return pd.DataFrame(
        {
            "x_m": (cell_id // 10_000_000 - 2_000_000).astype("float64"),
            "y_m": (cell_id % 10_000_000).astype("float64"),
            "people": grid["pop_tot"].to_numpy(),
        }
    )


def setting_of_people(people: np.ndarray) -> np.ndarray:
    """The setting of each cell: dense (≥ 100 people per 250 m cell), medium (20–99), sparse."""
    return np.select([people >= DENSE_PEOPLE, people >= MEDIUM_PEOPLE], SETTINGS[:2], SETTINGS[2])


def cells_touching(grid: pd.DataFrame, polygons: np.ndarray) -> np.ndarray:
    """True for each grid cell whose 250 m square intersects one of ``polygons``."""
    x_m, y_m = grid["x_m"].to_numpy(), grid["y_m"].to_numpy()
    boxes = shapely.box(x_m, y_m, x_m + CELL_M, y_m + CELL_M)
    _, cell_idx = shapely.STRtree(boxes).query(polygons, predicate="intersects")
    touching = np.zeros(len(grid), dtype=bool)
    touching[cell_idx] = True
    return touching


def draw_in_cells(
    grid: pd.DataFrame, cell: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Uniform points inside the given 250 m cells, rounded to the centimetre."""
    x_m = grid["x_m"].to_numpy()[cell] + rng.uniform(0.5, CELL_M - 0.5, cell.size)
    y_m = grid["y_m"].to_numpy()[cell] + rng.uniform(0.5, CELL_M - 0.5, cell.size)
    return np.round(x_m, 2), np.round(y_m, 2)


def block_key(x_m: np.ndarray, y_m: np.ndarray, size_m: float) -> np.ndarray:
    """An int64 id of the ``size_m`` square each point lies in (EPSG:25833, x ≥ -1000 km)."""
    column = np.floor((x_m + 1_000_000.0) / size_m).astype("int64")
    row = np.floor(y_m / size_m).astype("int64")
    return np.asarray(column * 100_000_000 + row)


def group_cumsum(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Running sum of ``values`` within runs of equal ``group`` (``group`` sorted)."""
    total = np.cumsum(values)
    first = np.r_[True, group[1:] != group[:-1]]
    offset = np.maximum.accumulate(np.where(first, np.arange(len(values)), 0))
    return np.asarray(total - np.r_[0, total][offset])


def rank_within(group: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Dense 0-based rank of ``key`` among the distinct keys of its ``group``."""
    order = np.lexsort((key, group))
    group_sorted, key_sorted = group[order], key[order]
    new_group = np.r_[True, group_sorted[1:] != group_sorted[:-1]]
    new_key = new_group | np.r_[True, key_sorted[1:] != key_sorted[:-1]]
    distinct = np.cumsum(new_key)
    group_id = np.cumsum(new_group) - 1
    rank = np.empty(len(key), dtype="int64")
    rank[order] = distinct - distinct[new_group][group_id]
    return rank
