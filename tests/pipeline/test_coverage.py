"""pipeline/coverage.py: the offers that count and the best offer per address, by hand and
against a sort-based reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.classify import classify_addresses
from pipeline.config import DEFAULT_TARGETS, ClassifySettings
from pipeline.coverage import (
    TECHNOLOGY_RANK,
    best_offer_per_address,
    counted_offers,
    coverage_per_address,
    stale_lacking_rows,
)
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


# --- dated sources (issue 15) ---------------------------------------------------------------
# pipeline/coverage.py, the dated rule: a lacking-list row older than an offer for the same
# address that meets the listed speed does not override it; the manifest counts such rows.
#
# The hand case (lists dated 30 June 2025 unless said otherwise; floor 30/5):
#
# ====  ==================================  =====================  ========  ==============
#  id   offer (its date)                    list rows (date)       stale     class no2025
# ====  ==================================  =====================  ========  ==============
#  1    fibre 1000/1000 (1 Sep 2025)        100 (30 Jun), 30       both      served
#                                           (1 Jan 2025)
#  2    fibre 1000/1000 (1 Mar 2025)        100                    no        underserved
#  3    xDSL 40/5 (1 Sep 2025)              100                    no (40 <  underserved
#                                                                  100)
#  4    fibre 1000/1000 (undated)           30                     no        unserved
#  5    HFC 1000/100 (30 Jun 2025)          100                    no (same  underserved
#                                                                  day)
# ====  ==================================  =====================  ========  ==============
#
# Address 1 is the built-out address: without dates both its rows hold and it lacks 30 Mbit/s
# (unserved) month after month; with them it is served.

DATED_ADDRESSES = pd.DataFrame({"address_id": [1, 2, 3, 4, 5]}, index=[10, 11, 12, 13, 14])
JUNE_2025 = pd.Timestamp("2025-06-30")


def dated_offers() -> pd.DataFrame:
    offers = offers_frame(
        [
            (1, "Fjordnett", "fiber", 1000, 1000),
            (2, "Fjordnett", "fiber", 1000, 1000),
            (3, "Kobber", "xdsl", 40, 5),
            (4, "Fjordnett", "fiber", 1000, 1000),
            (5, "Kabel", "hfc", 1000, 100),
        ]
    )
    offers["source_date"] = pd.to_datetime(
        ["2025-09-01", "2025-03-01", "2025-09-01", None, "2025-06-30"]
    )
    return offers


def dated_lacking() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "address_id": [1, 2, 3, 5, 1, 4],
            "lacking_mbps": [100.0, 100.0, 100.0, 100.0, 30.0, 30.0],
            "source_date": [
                JUNE_2025,
                JUNE_2025,
                JUNE_2025,
                JUNE_2025,
                pd.Timestamp("2025-01-01"),
                JUNE_2025,
            ],
        }
    )


def _dated_classes(offers: pd.DataFrame, lacking: pd.DataFrame) -> tuple[list[str], dict[str, int]]:
    covered = coverage_per_address(offers, lacking, None, DATED_ADDRESSES, ClassifySettings())
    classes = classify_addresses(
        covered.offers,
        DATED_ADDRESSES["address_id"],
        DEFAULT_TARGETS,
        30.0,
        5.0,
        covered.columns["nkom_lacking_mbps"].to_numpy(),
    )
    return classes["class_no2025"].tolist(), covered.counts


def test_a_list_row_older_than_an_offer_meeting_its_speed_is_stale() -> None:
    stale = stale_lacking_rows(dated_lacking(), dated_offers())
    assert stale.tolist() == [True, False, False, False, True, False]


def test_a_newer_offer_wins_over_an_older_list_and_an_older_offer_does_not() -> None:
    classes, counts = _dated_classes(dated_offers(), dated_lacking())
    assert classes == ["served", "underserved", "underserved", "unserved", "underserved"]
    assert counts["lacking_rows_30"] == 2 and counts["stale_lacking_rows_30"] == 1
    assert counts["lacking_rows_100"] == 4 and counts["stale_lacking_rows_100"] == 1
    assert counts["on_lacking_lists"] == 4  # 2, 3, 4, 5: address 1's rows are both stale
    assert counts["offers_meet_listed_lacking_speed"] == 3  # 2, 4 and 5


def test_without_dates_every_list_row_overrides_as_before() -> None:
    undated = dated_offers().drop(columns="source_date")
    classes, counts = _dated_classes(undated, dated_lacking())
    # address 1 lacks 30 Mbit/s on the January list: below the floor, never served
    assert classes == ["unserved", "underserved", "underserved", "unserved", "underserved"]
    assert counts["stale_lacking_rows_30"] == 0 and counts["stale_lacking_rows_100"] == 0
    no_list_dates = dated_lacking().assign(source_date=pd.NaT)
    assert not stale_lacking_rows(no_list_dates, dated_offers()).any()


def test_no_lists_no_stale_counts() -> None:
    empty = pd.DataFrame({"address_id": [], "lacking_mbps": []})
    covered = coverage_per_address(dated_offers(), empty, None, DATED_ADDRESSES, ClassifySettings())
    assert not any(key.startswith("stale_") for key in covered.counts)
    assert np.isnan(covered.columns["nkom_lacking_mbps"]).all()
