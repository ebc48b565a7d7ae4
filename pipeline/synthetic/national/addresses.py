"""Address points and households from SSB's 250 m population grid (step 1 of the builder).

Each cell gets ``people × households_per_person`` households (cumulative rounding: every cell
is within one household, the total is exact), placed uniformly inside the cell. In cells with
more than 200 people about 20 % of the addresses are apartment blocks of 4–40 households
(log-uniform). The kommune of each address comes from the real boundaries: a point outside
every polygon (coast clipping) is redrawn inside its cell up to 12 times; what is still
outside, and the cells that touch no polygon at all, go to the nearest kommune.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
import shapely

from pipeline.locate import polygon_index_of_points
from pipeline.synthetic.national.grid import cells_touching, draw_in_cells, group_cumsum
from pipeline.synthetic.national.kommuner import Kommuner

BLOCK_PEOPLE = 200  # people per 250 m cell above which there are apartment blocks
BLOCK_SHARE = 0.2  # share of addresses that are apartment blocks in cells > BLOCK_PEOPLE
BLOCK_HOUSEHOLDS = (4, 40)
MAX_REDRAWS = 12  # redraws of a point outside every kommune polygon inside its cell


@dataclass(frozen=True)
class Addresses:
    """The generated addresses, aligned arrays (EPSG:25833)."""

    x_m: np.ndarray
    y_m: np.ndarray
    households: np.ndarray
    cell: np.ndarray  # index into the grid cells
    kommune: np.ndarray  # index into Kommuner.frame
    snap_distance_m: np.ndarray  # 0 inside a polygon, else distance to the nearest one

    def take(self, order: np.ndarray) -> Addresses:
        """The addresses at the positions ``order`` (a permutation or a selection)."""
        return Addresses(*(getattr(self, f.name)[order] for f in fields(self)))


def households_per_cell(people: np.ndarray, households_per_person: float) -> np.ndarray:
    """Households per cell by cumulative rounding of ``people × households_per_person``.

    .. math:: h_i = \\lfloor S_i + 1/2 \\rfloor - \\lfloor S_{i-1} + 1/2 \\rfloor,
        \\quad S_i = \\sum_{j \\le i} p_j r

    so each cell is within one household of its expectation and the total is exact.
    """
    cumulative = np.floor(np.cumsum(people * households_per_person) + 0.5).astype("int64")
    return np.diff(cumulative, prepend=0)


def address_sizes(
    households: np.ndarray, block_cells: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Split each cell's households into addresses; return (cell index, households) per address.

    Outside ``block_cells`` every household is its own address. Inside, addresses are drawn as
    1 household (80 %) or a block of 4–40 (20 %, log-uniform) until the cell's households are
    used up; the last draw is cut to fit and any remainder becomes single-household addresses.
    """
    low, high = BLOCK_HOUSEHOLDS
    mean_size = (1 - BLOCK_SHARE) + BLOCK_SHARE * (high - low) / math.log(high / low)
    draws_per_cell = np.where(block_cells, np.ceil(households / mean_size * 1.6) + 8, 0)
    draw_cell = np.repeat(np.arange(len(households)), draws_per_cell.astype("int64"))
    is_block = rng.random(draw_cell.size) < BLOCK_SHARE
    block_size = np.floor(np.exp(rng.uniform(math.log(low), math.log(high + 1), draw_cell.size)))
    size = np.where(is_block, block_size, 1).astype("int64")
    start = group_cumsum(size, draw_cell) - size  # households before this draw in its cell
    cap = households[draw_cell]
    keep = start < cap
    size = np.minimum(size, cap - start)[keep]
    draw_cell = draw_cell[keep]
    used = np.bincount(draw_cell, weights=size, minlength=len(households)).astype("int64")
    singles = np.where(block_cells, households - used, households)
    cell = np.concatenate([draw_cell, np.repeat(np.arange(len(households)), singles)])
    size = np.concatenate([size, np.ones(int(singles.sum()), dtype="int64")])
    order = np.argsort(cell, kind="stable")
    return cell[order], size[order]


def place_addresses(
    grid: pd.DataFrame,
    kommuner: Kommuner,
    households_per_person: float,
    rng: np.random.Generator,
) -> Addresses:
    """Address points, households and kommune for the grid cells (module docstring)."""
    people = grid["people"].to_numpy()
    households = households_per_cell(people, households_per_person)
    cell, size = address_sizes(households, people > BLOCK_PEOPLE, rng)
    x_m, y_m = draw_in_cells(grid, cell, rng)
    polygons = kommuner.frame.geometry.to_numpy()
    kommune = polygon_index_of_points(polygons, x_m, y_m)
    on_land = cells_touching(grid, polygons)
    for _ in range(MAX_REDRAWS):
        redraw = np.flatnonzero((kommune < 0) & on_land[cell])
        if redraw.size == 0:
            break
        x_m[redraw], y_m[redraw] = draw_in_cells(grid, cell[redraw], rng)
        kommune[redraw] = polygon_index_of_points(polygons, x_m[redraw], y_m[redraw])
    snap_distance_m = snap_outside(polygons, x_m, y_m, kommune)
    keep = kommuner.selected[kommune]
    return Addresses(
        x_m[keep], y_m[keep], size[keep], cell[keep], kommune[keep], snap_distance_m[keep]
    )


def snap_outside(
    polygons: np.ndarray, x_m: np.ndarray, y_m: np.ndarray, kommune: np.ndarray
) -> np.ndarray:
    """Give the points outside every polygon (``kommune`` < 0) the nearest polygon, in place;
    return the distance snapped per point (0 for the points inside one)."""
    snap_distance_m = np.zeros(x_m.size)
    outside = np.flatnonzero(kommune < 0)
    if outside.size:
        points = shapely.points(x_m[outside], y_m[outside])
        (point_idx, polygon_idx), distance_m = shapely.STRtree(polygons).query_nearest(
            points, return_distance=True, all_matches=False
        )
        kommune[outside[point_idx]] = polygon_idx
        snap_distance_m[outside[point_idx]] = distance_m
    return snap_distance_m


def address_ids(n: int, rng: np.random.Generator) -> np.ndarray:
    """Unique 9-digit adresseId values in random order (increasing gaps of 1–120, shuffled)."""
    return rng.permutation(200_000_000 + np.cumsum(rng.integers(1, 121, n)))


def in_file_order(
    address: Addresses, address_id: np.ndarray, kommunenummer: np.ndarray
) -> tuple[Addresses, np.ndarray]:
    """The addresses and their ids sorted as in Geonorge's file: by kommunenummer, then id."""
    knr_rank = np.argsort(np.argsort(kommunenummer))
    order = np.lexsort((address_id, knr_rank[address.kommune]))
    return address.take(order), address_id[order]
