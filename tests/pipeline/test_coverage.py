"""pipeline/coverage.py: the offers that count and the best offer per address, by hand and
against a sort-based reference."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.classify import classify_addresses
from pipeline.config import DEFAULT_TARGETS, ClassifySettings
from pipeline.coverage import TECHNOLOGY_RANK, best_offer_per_address, counted_offers
from tests.fixtures import HAND_OFFER_IDS, HAND_OFFERS, offers_frame


def test_best_offer_is_fastest_counted_offer_aligned_to_index() -> None:
    best = best_offer_per_address(counted_offers(HAND_OFFERS, ClassifySettings()), HAND_OFFER_IDS)
    assert list(best.index) == list(HAND_OFFER_IDS.index)
    assert best.loc[10, "best_technology"] == "fiber"
    assert best.loc[13, "best_down_mbps"] == 20  # mobile does not count by default
    assert pd.isna(best.loc[14, "best_technology"])  # satellite excluded
    assert pd.isna(best.loc[16, "best_down_mbps"])  # no record at all


def test_count_mobile_policy_setting_counts_mobile() -> None:
    offers = counted_offers(HAND_OFFERS, ClassifySettings(count_mobile=True))
    classes = classify_addresses(offers, HAND_OFFER_IDS, DEFAULT_TARGETS[:1], 30, 5)
    assert classes.loc[13, "class_no2025"] == "served"


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
    offers = offers_frame(rows)
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
