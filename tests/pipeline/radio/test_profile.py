"""pipeline/radio/profile.py: the fine grid, its coarse samples and their neighbours by hand; the
two-pass read against every fine sample on random terrains."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from pipeline.radio.dem_window import DemWindow
from pipeline.radio.profile import (
    Profiles,
    Sampling,
    coarse_sample_count,
    coarse_samples,
    gap_samples,
    ratio_lower_bound,
    sample_stride,
    worst_of_profiles,
)
from tests.fixtures import WINDOW_CELL_M as CELL_M
from tests.fixtures import WINDOW_X0_M as X0_M
from tests.fixtures import WINDOW_Y0_M as Y0_M
from tests.fixtures import dem_window


def test_stride_keeps_coarse_samples_at_most_a_cell_apart() -> None:
    assert sample_stride(10.0, 2.5) == 4
    assert sample_stride(10.0, 10.0 / 3) == 3  # float rounding does not lose a step
    assert sample_stride(10.0, 3.0) == 3  # 3 × 3 m = 9 m <= 10 m < 12 m
    assert sample_stride(10.0, 10.0) == 1  # one pass, the cell-spaced grid


def test_coarse_samples_by_hand() -> None:
    # N = 1: no interior sample; N = 2: j = 1; N = 9: j = 4, 8; N = 8: j = 4, 7 (the last one)
    intervals = np.array([1, 2, 9, 8])
    assert coarse_sample_count(intervals, 4).tolist() == [0, 1, 2, 2]
    path, index = coarse_samples(intervals, 4)
    assert path.tolist() == [1, 2, 2, 3, 3]
    assert index.tolist() == [1, 4, 8, 4, 7]


def test_gaps_by_hand() -> None:
    # path 0 (N = 9): coarse j = 4, 8; path 1 (N = 8): coarse j = 4, 7
    path, index = np.array([0, 0, 1, 1]), np.array([4, 8, 4, 7])
    # path 0: j = 4 open: the gap 1-3 (its only end) is read; 5-7 needs j = 8 open too
    # path 1: j = 4 and 7 open: the gaps 1-3 and 5-6
    open_ = np.array([True, False, True, True])
    fine_path, fine = gap_samples(path, index, open_, 4)
    assert fine_path.tolist() == [0, 0, 0, 1, 1, 1, 1, 1]
    assert fine.tolist() == [1, 2, 3, 1, 2, 3, 5, 6]
    assert len(gap_samples(path, index, np.array([False, True, False, False]), 4)[0]) == 0


@given(st.integers(1, 300), st.integers(1, 6))
def test_with_every_coarse_sample_open_every_fine_sample_is_read(
    intervals: int, stride: int
) -> None:
    path, index = coarse_samples(np.array([intervals]), stride)
    _, fine = gap_samples(path, index, np.ones(len(path), dtype=bool), stride)
    assert sorted(fine.tolist() + index.tolist()) == list(range(1, intervals))


def test_lower_bound_by_hand() -> None:
    # u = 0.2 ± 0.1, F1 = 2 sqrt(u): a clearance of at least 4 m gives 4 / (2 sqrt(1/4)) = 4 (u
    # capped at 1/4); at least -4 m gives -4 / (2 sqrt(0.1)) (the smallest u)
    u, du, floor, f1 = np.array([0.2]), np.array([0.1]), np.array([0.05]), np.array([2.0])
    assert ratio_lower_bound(np.array([4.0]), u, du, floor, f1)[0] == 4.0
    low = ratio_lower_bound(np.array([-4.0]), u, du, floor, f1)[0]
    assert low == pytest.approx(-4.0 / (2.0 * np.sqrt(0.1)))
    # near an end the floor holds: u - du < u_floor = 0.05
    near = ratio_lower_bound(np.array([-1.0]), np.array([0.06]), du, floor, f1)[0]
    assert near == pytest.approx(-1.0 / (2.0 * np.sqrt(0.05)))


def _profiles(window: DemWindow, cells: np.ndarray, z_m: np.ndarray) -> Profiles:
    """Straight profiles between cell positions ``cells`` (col0, row0, col1, row1 per row)."""
    x0, y0 = X0_M + (cells[:, 0] + 0.5) * CELL_M, Y0_M - (cells[:, 1] + 0.5) * CELL_M
    x1, y1 = X0_M + (cells[:, 2] + 0.5) * CELL_M, Y0_M - (cells[:, 3] + 0.5) * CELL_M
    length_m = np.hypot(x1 - x0, y1 - y0)
    wavelength_m = 299_792_458.0 / 3.5e9
    return Profiles(
        x0, y0, x1 - x0, y1 - y0, z_m[:, 0], z_m[:, 1] - z_m[:, 0], length_m,
        length_m**2 / (2 * 4 / 3 * 6_371_000.0), np.sqrt(wavelength_m * length_m),
    )  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    arrays("float64", (10, 10), elements=st.floats(0, 120)),
    arrays("float64", (20, 4), elements=st.floats(0, 9)),
    arrays("float64", (20, 2), elements=st.floats(0, 160)),
    st.sampled_from([2.5, 3.0, 5.0]),
)
def test_two_passes_find_the_los_of_every_fine_sample(dem, cells, z_m, spacing_m) -> None:
    """Coarse + refined = every fine sample (stride 1 on the same grid) below the threshold."""
    window = dem_window(dem)
    profile = _profiles(window, cells, z_m)
    intervals = np.maximum(np.ceil(profile.length_m / spacing_m), 1).astype(np.int64)
    stride = sample_stride(CELL_M, spacing_m)
    two_pass = worst_of_profiles(window, profile, Sampling(intervals, stride, 0.0, 0.6))
    every = worst_of_profiles(window, profile, Sampling(intervals, 1, 0.0, 0.6))
    assert ((two_pass[0] >= 0.6) == (every[0] >= 0.6)).all()
    below = every[0] < 0.6
    np.testing.assert_allclose(two_pass[0][below], every[0][below], rtol=1e-12, atol=1e-9)
    assert (two_pass[0] >= every[0] - 1e-9).all()  # never below what the fine grid holds
