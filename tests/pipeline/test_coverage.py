from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.classify import classify_addresses
from pipeline.config import DEFAULT_TARGETS, ClassifySettings
from pipeline.coverage import TECHNOLOGY_RANK, best_offer_per_address, counted_offers


def _offers(rows: list[tuple[int, str, str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["address_id", "operator", "technology", "down_mbps", "up_mbps"]
    )


OFFERS = _offers(
    [
        (1, "Fjordnett", "fiber", 1000, 1000),
        (1, "Kobber", "xdsl", 40, 5),
        (2, "Kabel", "hfc", 1000, 100),
        (3, "Kobber", "xdsl", 40, 5),
        (4, "Kobber", "xdsl", 20, 2),
        (4, "Mobil", "mobile_4g", 150, 30),
        (5, "Sat", "satellite", 200, 20),
        (6, "A", "xdsl", 200, 5),
        (6, "B", "fwa", 50, 50),
    ]
)
IDS = pd.Series([1, 2, 3, 4, 5, 6, 7], index=[10, 11, 12, 13, 14, 15, 16])


def test_best_offer_is_fastest_counted_offer_aligned_to_index() -> None:
    best = best_offer_per_address(counted_offers(OFFERS, ClassifySettings()), IDS)
    assert list(best.index) == list(IDS.index)
    assert best.loc[10, "best_technology"] == "fiber"
    assert best.loc[13, "best_down_mbps"] == 20  # mobile does not count by default
    assert pd.isna(best.loc[14, "best_technology"])  # satellite excluded
    assert pd.isna(best.loc[16, "best_down_mbps"])  # no record at all


def test_hand_checked_classes_for_every_default_target() -> None:
    offers = counted_offers(OFFERS, ClassifySettings())
    classes = classify_addresses(offers, IDS, DEFAULT_TARGETS, 30, 5)
    expected = {
        # id: (no2025 100/10, gigabit2030 1000/-, eu_vhcn 1000/200, subsidy30 30/-)
        10: ("served", "served", "served", "served"),
        11: ("served", "served", "underserved", "served"),
        12: ("underserved", "underserved", "underserved", "served"),
        13: ("unserved", "unserved", "unserved", "unserved"),
        14: ("unserved", "unserved", "unserved", "unserved"),
        15: ("underserved", "underserved", "underserved", "served"),  # 200/5 and 50/50 ≠ 100/10
        16: ("unserved", "unserved", "unserved", "unserved"),
    }
    for index, classes_expected in expected.items():
        assert tuple(classes.loc[index]) == classes_expected, index


def test_count_mobile_policy_setting_counts_mobile() -> None:
    offers = counted_offers(OFFERS, ClassifySettings(count_mobile=True))
    classes = classify_addresses(offers, IDS, DEFAULT_TARGETS[:1], 30, 5)
    assert classes.loc[13, "class_no2025"] == "served"


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 20), st.floats(0, 2000), st.floats(0, 2000)), max_size=60))
def test_raising_any_speed_never_lowers_a_class(rows: list[tuple[int, float, float]]) -> None:
    offers = _offers([(a, "op", "fiber", d, u) for a, d, u in rows])
    faster = offers.assign(down_mbps=offers["down_mbps"] * 2, up_mbps=offers["up_mbps"] * 2)
    ids = pd.Series(range(1, 21))
    rank = {"unserved": 0, "underserved": 1, "served": 2}
    before = classify_addresses(offers, ids, DEFAULT_TARGETS, 30, 5).map(rank.get)
    after = classify_addresses(faster, ids, DEFAULT_TARGETS, 30, 5).map(rank.get)
    assert (after >= before).all().all()


@pytest.mark.parametrize("down", [29.99, 30.0])
def test_floor_boundary(down: float) -> None:
    classes = classify_addresses(
        _offers([(1, "a", "xdsl", down, 5)]), pd.Series([1]), DEFAULT_TARGETS[:1], 30, 5
    )
    assert classes["class_no2025"].iloc[0] == ("unserved" if down < 30 else "underserved")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 8),
            st.sampled_from(["A", "B", "C"]),
            st.sampled_from(["fiber", "hfc", "xdsl", "fwa"]),
            st.sampled_from([10.0, 50.0, 100.0, 1000.0]),
            st.sampled_from([1.0, 10.0, 100.0]),
        ),
        max_size=40,
    )
)
def test_best_offer_matches_a_sort_based_reference(rows) -> None:
    offers = _offers(rows)
    ids = pd.Series(range(1, 10))
    fast = best_offer_per_address(offers, ids)
    for position, address_id in enumerate(ids):
        mine = offers[offers["address_id"] == address_id]
        if mine.empty:
            assert pd.isna(fast["best_technology"].iloc[position])
            continue
        key = mine.assign(rank=mine["technology"].map(TECHNOLOGY_RANK)).sort_values(
            ["down_mbps", "up_mbps", "rank", "operator"], ascending=[False, False, True, True]
        )
        expected = key.iloc[0]
        got = fast.iloc[position]
        assert (got["best_technology"], got["best_operator"]) == (
            expected["technology"],
            expected["operator"],
        )
        assert (got["best_down_mbps"], got["best_up_mbps"]) == (
            expected["down_mbps"],
            expected["up_mbps"],
        )
