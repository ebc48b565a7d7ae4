"""pipeline/rollout/area_ids.py: an area is named by its kommune and smallest member, by hand."""

from __future__ import annotations

import numpy as np

from pipeline.rollout.area_ids import area_ids


def test_an_area_is_named_by_its_kommune_and_smallest_address_id() -> None:
    ids = area_ids(
        np.array(["4204", "4204", "4204", "0301", "0301", "4204"]),
        np.array([3, 3, 0, 3, 3, -1]),  # cluster 3 crosses the kommune border: two areas
        np.array([512, 77, 9, 1000, 999, 1]),
    )
    assert ids.tolist() == ["4204-77", "4204-77", "4204-9", "0301-999", "0301-999", None]


def test_the_id_does_not_depend_on_cluster_numbers_or_row_order() -> None:
    kommune = np.array(["4204"] * 4)
    first = area_ids(kommune, np.array([0, 0, 1, 1]), np.array([10, 11, 20, 21]))
    order = np.array([3, 1, 2, 0])
    again = area_ids(kommune[order], np.array([5, 2, 5, 2]), np.array([10, 11, 20, 21])[order])
    assert dict(zip(np.array([10, 11, 20, 21])[order], again, strict=True)) == dict(
        zip([10, 11, 20, 21], first, strict=True)
    )


def test_a_new_household_with_a_larger_address_id_keeps_the_id() -> None:
    before = area_ids(np.array(["4204"] * 2), np.array([0, 0]), np.array([500, 501]))
    after = area_ids(np.array(["4204"] * 3), np.array([0, 0, 0]), np.array([500, 501, 900]))
    assert set(before) == set(after) == {"4204-500"}
    # a member with a smaller id than every other renames the area (documented)
    renamed = area_ids(np.array(["4204"] * 3), np.array([0, 0, 0]), np.array([500, 501, 3]))
    assert set(renamed) == {"4204-3"}


def test_no_area_gives_no_ids() -> None:
    assert area_ids(np.array([], dtype=str), np.array([], np.int64), np.array([])).tolist() == []
