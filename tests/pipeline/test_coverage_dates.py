"""pipeline/coverage.py, the dated rule: a lacking-list row older than an offer for the same
address that meets the listed speed does not override it; the manifest counts such rows.

The hand case (lists dated 30 June 2025 unless said otherwise; floor 30/5):

====  ==================================  =====================  ========  ==============
 id   offer (its date)                    list rows (date)       stale     class no2025
====  ==================================  =====================  ========  ==============
 1    fibre 1000/1000 (1 Sep 2025)        100 (30 Jun), 30       both      served
                                          (1 Jan 2025)
 2    fibre 1000/1000 (1 Mar 2025)        100                    no        underserved
 3    xDSL 40/5 (1 Sep 2025)              100                    no (40 <  underserved
                                                                 100)
 4    fibre 1000/1000 (undated)           30                     no        unserved
 5    HFC 1000/100 (30 Jun 2025)          100                    no (same  underserved
                                                                 day)
====  ==================================  =====================  ========  ==============

Address 1 is the built-out address: without dates both its rows hold and it lacks 30 Mbit/s
(unserved) month after month; with them it is served.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.classify import classify_addresses
from pipeline.config import DEFAULT_TARGETS, ClassifySettings
from pipeline.coverage import coverage_per_address, stale_lacking_rows
from tests.fixtures import offers_frame

ADDRESSES = pd.DataFrame({"address_id": [1, 2, 3, 4, 5]}, index=[10, 11, 12, 13, 14])
JUNE = pd.Timestamp("2025-06-30")


def hand_offers() -> pd.DataFrame:
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


def hand_lacking() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "address_id": [1, 2, 3, 5, 1, 4],
            "lacking_mbps": [100.0, 100.0, 100.0, 100.0, 30.0, 30.0],
            "source_date": [JUNE, JUNE, JUNE, JUNE, pd.Timestamp("2025-01-01"), JUNE],
        }
    )


def _classes(offers: pd.DataFrame, lacking: pd.DataFrame) -> tuple[list[str], dict[str, int]]:
    covered = coverage_per_address(offers, lacking, None, ADDRESSES, ClassifySettings())
    classes = classify_addresses(
        covered.offers,
        ADDRESSES["address_id"],
        DEFAULT_TARGETS,
        30.0,
        5.0,
        covered.columns["nkom_lacking_mbps"].to_numpy(),
    )
    return classes["class_no2025"].tolist(), covered.counts


def test_a_list_row_older_than_an_offer_meeting_its_speed_is_stale() -> None:
    stale = stale_lacking_rows(hand_lacking(), hand_offers())
    assert stale.tolist() == [True, False, False, False, True, False]


def test_a_newer_offer_wins_over_an_older_list_and_an_older_offer_does_not() -> None:
    classes, counts = _classes(hand_offers(), hand_lacking())
    assert classes == ["served", "underserved", "underserved", "unserved", "underserved"]
    assert counts["lacking_rows_30"] == 2 and counts["stale_lacking_rows_30"] == 1
    assert counts["lacking_rows_100"] == 4 and counts["stale_lacking_rows_100"] == 1
    assert counts["on_lacking_lists"] == 4  # 2, 3, 4, 5: address 1's rows are both stale
    assert counts["offers_meet_listed_lacking_speed"] == 3  # 2, 4 and 5


def test_without_dates_every_list_row_overrides_as_before() -> None:
    undated = hand_offers().drop(columns="source_date")
    classes, counts = _classes(undated, hand_lacking())
    # address 1 lacks 30 Mbit/s on the January list: below the floor, never served
    assert classes == ["unserved", "underserved", "underserved", "unserved", "underserved"]
    assert counts["stale_lacking_rows_30"] == 0 and counts["stale_lacking_rows_100"] == 0
    no_list_dates = hand_lacking().assign(source_date=pd.NaT)
    assert not stale_lacking_rows(no_list_dates, hand_offers()).any()


def test_no_lists_no_stale_counts() -> None:
    empty = pd.DataFrame({"address_id": [], "lacking_mbps": []})
    covered = coverage_per_address(hand_offers(), empty, None, ADDRESSES, ClassifySettings())
    assert not any(key.startswith("stale_") for key in covered.counts)
    assert np.isnan(covered.columns["nkom_lacking_mbps"]).all()
