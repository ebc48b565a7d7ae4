"""pipeline/classify.py: served, underserved or unserved per target, by hand and by invariant."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.classify import classify_addresses
from pipeline.config import DEFAULT_TARGETS, ClassifySettings
from pipeline.coverage import counted_offers
from tests.fixtures import HAND_OFFER_IDS, HAND_OFFERS, offers_frame


def test_hand_checked_classes_for_every_default_target() -> None:
    offers = counted_offers(HAND_OFFERS, ClassifySettings())
    classes = classify_addresses(offers, HAND_OFFER_IDS, DEFAULT_TARGETS, 30, 5)
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


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 20), st.floats(0, 2000), st.floats(0, 2000)), max_size=60))
def test_raising_any_speed_never_lowers_a_class(rows: list[tuple[int, float, float]]) -> None:
    offers = offers_frame([(a, "op", "fiber", d, u) for a, d, u in rows])
    faster = offers.assign(down_mbps=offers["down_mbps"] * 2, up_mbps=offers["up_mbps"] * 2)
    ids = pd.Series(range(1, 21))
    rank = {"unserved": 0, "underserved": 1, "served": 2}
    before = classify_addresses(offers, ids, DEFAULT_TARGETS, 30, 5).map(rank.get)
    after = classify_addresses(faster, ids, DEFAULT_TARGETS, 30, 5).map(rank.get)
    assert (after >= before).all().all()


@pytest.mark.parametrize("down", [29.99, 30.0])
def test_floor_boundary(down: float) -> None:
    classes = classify_addresses(
        offers_frame([(1, "a", "xdsl", down, 5)]), pd.Series([1]), DEFAULT_TARGETS[:1], 30, 5
    )
    assert classes["class_no2025"].iloc[0] == ("unserved" if down < 30 else "underserved")
