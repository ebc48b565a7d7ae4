"""pipeline/classify.py: served, underserved or unserved per target, by hand and by invariant."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layers.errors import ConfigError
from pipeline.classify import Classified, classify_addresses, classify_stage
from pipeline.config import DEFAULT_TARGETS, ClassifySettings, Config, Inputs, Target
from pipeline.coverage import counted_offers, coverage_per_address
from tests.fixtures import HAND_OFFER_IDS, HAND_OFFERS, offers_frame

NAN = math.nan


def test_hand_checked_classes_for_every_default_target() -> None:
    offers = counted_offers(HAND_OFFERS, ClassifySettings())
    classes = classify_addresses(offers, HAND_OFFER_IDS, DEFAULT_TARGETS, 30, 5)
    expected = {
        # id: (no2025 100/-, gigabit2030 1000/-, eu_vhcn 1000/200, subsidy30 30/-)
        10: ("served", "served", "served", "served"),
        11: ("served", "served", "underserved", "served"),  # HFC 1000/100: 100 < 200 up
        12: ("underserved", "underserved", "underserved", "served"),
        13: ("unserved", "unserved", "unserved", "unserved"),
        14: ("unserved", "unserved", "unserved", "unserved"),
        15: ("served", "underserved", "underserved", "served"),  # xDSL 200/5: 100 Mbit/s down
        16: ("unserved", "unserved", "unserved", "unserved"),
    }
    for index, classes_expected in expected.items():
        assert tuple(classes.loc[index]) == classes_expected, index


def test_each_condition_must_hold_for_one_offer() -> None:
    offers = counted_offers(HAND_OFFERS, ClassifySettings())
    target = Target("t100_10", 100.0, 10.0, "100/10")
    classes = classify_addresses(offers, HAND_OFFER_IDS, [target], 30, 5)
    assert classes.loc[15, "class_t100_10"] == "underserved"  # 200/5 and 50/50 ≠ 100/10
    assert classes.loc[10, "class_t100_10"] == "served"


# Speed squares state download classes: upload NaN. Address 1 a square 1000/?, 2 a square
# 100/?, 3 a square 50/?, 4 a per-address offer 1000/200, 5 a square 20/?, 6 a square 100/10.
UNKNOWN_UP = offers_frame(
    [
        (1, "Nkom-rute", "fiber", 1000, NAN),
        (2, "Nkom-rute", "fiber", 100, NAN),
        (3, "Nkom-rute", "xdsl", 50, NAN),
        (4, "Fjordnett", "fiber", 1000, 200),
        (5, "Nkom-rute", "xdsl", 20, NAN),
        (6, "Nkom-rute", "fwa", 100, 10),
    ]
)
UNKNOWN_UP_IDS = pd.Series([1, 2, 3, 4, 5, 6])


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (
            # an unknown upload meets no upload condition: not eu_vhcn's 200, not the floor's 5
            "fails",
            {
                1: ("served", "served", "unserved", "served"),
                2: ("served", "unserved", "unserved", "served"),
                3: ("unserved", "unserved", "unserved", "served"),
                4: ("served", "served", "served", "served"),
                5: ("unserved", "unserved", "unserved", "unserved"),
                6: ("served", "underserved", "underserved", "served"),
            },
        ),
        (
            # an unknown upload meets every upload condition; download still decides
            "meets",
            {
                1: ("served", "served", "served", "served"),
                2: ("served", "underserved", "underserved", "served"),
                3: ("underserved", "underserved", "underserved", "served"),
                4: ("served", "served", "served", "served"),
                5: ("unserved", "unserved", "unserved", "unserved"),
                6: ("served", "underserved", "underserved", "served"),
            },
        ),
    ],
)
def test_unknown_upload_is_judged_by_the_policy(
    policy: str, expected: dict[int, tuple[str, ...]]
) -> None:
    classes = classify_addresses(
        UNKNOWN_UP, UNKNOWN_UP_IDS, DEFAULT_TARGETS, 30, 5, unknown_upload=policy
    )
    # columns: no2025 100/-, gigabit2030 1000/-, eu_vhcn 1000/200, subsidy30 30/-
    for position, classes_expected in expected.items():
        assert tuple(classes.iloc[position - 1]) == classes_expected, (policy, position)


def test_download_only_targets_never_look_at_the_upload() -> None:
    download_only = [t for t in DEFAULT_TARGETS if t.up_mbps is None]
    assert [t.name for t in download_only] == ["no2025", "gigabit2030", "subsidy30"]
    fails = classify_addresses(UNKNOWN_UP, UNKNOWN_UP_IDS, download_only, 30, 0.0)
    meets = classify_addresses(UNKNOWN_UP, UNKNOWN_UP_IDS, download_only, 30, 0.0, None, "meets")
    pd.testing.assert_frame_equal(fails, meets)


def test_an_unknown_upload_policy_outside_the_list_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"\[classify\].unknown_upload: got 'maybe', expected"):
        ClassifySettings(unknown_upload="maybe")


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


# The copper frame: 1 fibre 1000/1000 and xDSL 40/5, 2 only xDSL 200/20, 3 xDSL 40/5 and FWA
# 50/10, 4 xDSL 150/10 and FWA 20/2, 5 nothing.
COPPER_OFFERS = offers_frame(
    [
        (1, "Fjordnett", "fiber", 1000, 1000),
        (1, "Kobber", "xdsl", 40, 5),
        (2, "Kobber", "xdsl", 200, 20),
        (3, "Kobber", "xdsl", 40, 5),
        (3, "Luft", "fwa", 50, 10),
        (4, "Kobber", "xdsl", 150, 10),
        (4, "Luft", "fwa", 20, 2),
    ]
)


def _copper_run(count_copper: bool) -> Classified:
    addresses = pd.DataFrame({"address_id": [1, 2, 3, 4, 5], "x_m": 0.0, "y_m": 0.0})
    settings = ClassifySettings(count_copper=count_copper)
    config = Config(inputs=Inputs(Path("k"), Path("a"), Path("o")), classify=settings)
    lacking = pd.DataFrame({"address_id": pd.Series([], dtype="int64"), "lacking_mbps": []})
    covered = coverage_per_address(COPPER_OFFERS, lacking, None, addresses, settings)
    reach = pd.DataFrame({"wireless_down_mbps": [0.0] * 5, "wireless_up_mbps": [0.0] * 5})
    return classify_stage(config, addresses, covered, reach)


def test_copper_switch_both_ways_and_the_classes_without_copper() -> None:
    with_copper = _copper_run(count_copper=True)
    no_copper = ["served", "unserved", "underserved", "unserved", "unserved"]
    assert with_copper.classes["class_no2025"].tolist() == [
        "served",
        "served",  # xDSL 200/20
        "underserved",
        "served",  # xDSL 150/10
        "unserved",
    ]
    assert with_copper.no_copper["class_no_copper_no2025"].tolist() == no_copper
    config = Config(inputs=Inputs(Path("k"), Path("a"), Path("o")))
    assert with_copper.counts(config)["served_by_copper_only_no2025"] == 2
    without = _copper_run(count_copper=False)
    assert without.classes["class_no2025"].tolist() == no_copper
    assert without.no_copper["class_no_copper_no2025"].tolist() == no_copper
    assert without.counts(config)["served_by_copper_only_no2025"] == 0
    # per target: households below no2025 with copper 2 (3, 5), without 4 (2, 3, 4, 5)
    assert (with_copper.classes["class_no2025"] != "served").sum() == 2
    assert (with_copper.no_copper["class_no_copper_no2025"] != "served").sum() == 4
    assert list(with_copper.frames()[2].columns) == [
        f"class_no_copper_{t.name}" for t in DEFAULT_TARGETS
    ]
