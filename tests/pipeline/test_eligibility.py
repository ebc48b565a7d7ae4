"""pipeline/eligibility.py: each support rule on hand-made addresses, and the order in which
the first failed rule is named."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from pipeline.config_eligibility import RULES, EligibilitySettings
from pipeline.eligibility import (
    eligibility_columns,
    eligibility_counts,
    first_failed_rule,
    has_network,
    passed_by_fibre,
    plan_dates,
    plans_within_horizon,
    rule_failures,
)
from tests.fixtures import offers_frame

REFERENCE = date(2026, 12, 1)  # a 3-year horizon ends 2029-12-01

# Nine addresses 100 m apart on a line at y = 0 (x = 0, 100, …, 800), ids 1–9:
# 1 FWA 150/20                     -> has_network (≥ 100 Mbit/s)
# 2 in the planned area due 2027 and in the funded area -> planned (planned is tried first)
# 3 in the funded area only        -> funded
# 4 HFC 20/2 (an old cable network) -> upgradable
# 5 on the 5G obligation list      -> obligation_5g
# 6 in the planned area due 2031 (beyond the horizon) -> eligible
# 7 no offer at all                -> eligible
# 8 FWA 150/20 and in the 2027 plan -> has_network (the first rule wins)
# 9 xDSL 40/5 and on the list      -> obligation_5g
X_M = np.arange(9) * 100.0
ADDRESSES = pd.DataFrame(
    {
        "address_id": np.arange(1, 10),
        "x_m": X_M,
        "y_m": np.zeros(9),
        "households": [1, 2, 3, 4, 5, 6, 7, 8, 9],
    }
)
OFFERS = offers_frame(
    [
        (1, "Luft", "fwa", 150, 20),
        (4, "Kabel", "hfc", 20, 2),
        (8, "Luft", "fwa", 150, 20),
        (9, "Kobber", "xdsl", 40, 5),
    ]
)
BEST_DOWN = [150, np.nan, np.nan, 20, np.nan, np.nan, np.nan, 150, 40]


def _box(x0: float, x1: float) -> shapely.Geometry:
    return shapely.box(x0, -50.0, x1, 50.0)


AREAS = gpd.GeoDataFrame(
    {
        "status": ["planned", "planned", "funded"],
        "year": pd.array([pd.NA, pd.NA, 2024], dtype="Int64"),
        "build_date": pd.to_datetime(["2027-06-30", "2031-01-01", None]),
    },
    # plan 2027 over addresses 2 and 8 (x 100, 700): two boxes in one multipolygon
    geometry=[
        shapely.union(_box(50, 150), _box(650, 750)),
        _box(450, 550),  # address 6
        _box(50, 250),  # addresses 2 and 3
    ],
    crs=25833,
)
COVERAGE = pd.DataFrame({"best_down_mbps": BEST_DOWN, "nkom_lacking_mbps": np.nan})
OBLIGATION_IDS = pd.Series([5, 9])


def _failures(settings: EligibilitySettings | None = None) -> dict[str, np.ndarray]:
    return rule_failures(
        ADDRESSES,
        OFFERS,
        COVERAGE,
        AREAS,
        OBLIGATION_IDS,
        settings or EligibilitySettings(),
        REFERENCE,
    )


def test_each_address_gets_the_first_rule_it_fails() -> None:
    columns = eligibility_columns(_failures(), RULES)
    assert columns["ineligible_reason"].fillna("").tolist() == [
        "has_network",
        "planned",
        "funded",
        "upgradable",
        "obligation_5g",
        "",
        "",
        "has_network",
        "obligation_5g",
    ]
    assert columns["eligible"].tolist() == [False] * 5 + [True, True, False, False]


def test_each_rule_alone_marks_exactly_its_addresses() -> None:
    failed = _failures()
    marked = {rule: (np.flatnonzero(mask) + 1).tolist() for rule, mask in failed.items()}
    assert marked == {
        "has_network": [1, 8],
        "planned": [2, 8],  # the 2031 plan (address 6) is beyond the horizon
        "funded": [2, 3],
        "upgradable": [4],
        "obligation_5g": [5, 9],
    }


def test_a_rule_switched_off_lets_the_next_one_name_the_address() -> None:
    settings = EligibilitySettings(rules=("funded", "obligation_5g"))
    reasons = eligibility_columns(_failures(settings), settings.rules)["ineligible_reason"]
    # 1 and 8 now eligible (has_network off), 2 is named by funded, 4 eligible (upgradable off)
    assert reasons.fillna("").tolist() == [
        "",
        "funded",
        "funded",
        "",
        "obligation_5g",
        "",
        "",
        "",
        "obligation_5g",
    ]


def test_the_order_is_the_documented_one_whatever_the_config_lists() -> None:
    every = {rule: np.array([True]) for rule in RULES}
    assert first_failed_rule(every, list(reversed(RULES))).tolist() == ["has_network"]
    assert first_failed_rule(every, ()).tolist() == [None]


def test_a_longer_horizon_counts_the_later_plan() -> None:
    failed = _failures(EligibilitySettings(plan_horizon_years=5.0))  # to 2031-12-01
    assert (np.flatnonzero(failed["planned"]) + 1).tolist() == [2, 6, 8]


def test_plan_dates_fall_back_to_the_end_of_the_year_and_undated_plans_follow_the_setting() -> None:
    areas = pd.DataFrame(
        {
            "year": pd.array([2028, 2030, pd.NA], dtype="Int64"),
            "build_date": pd.to_datetime([None, "2029-03-01", None]),
        }
    )
    assert plan_dates(areas).tolist()[:2] == [
        pd.Timestamp("2028-12-31"),
        pd.Timestamp("2029-03-01"),
    ]
    settings = EligibilitySettings()
    assert plans_within_horizon(areas, REFERENCE, settings).tolist() == [True, True, True]
    strict = EligibilitySettings(undated_plans_count=False, plan_horizon_years=2.0)
    # to 2028-12-01: the 2028 plan (31 Dec) is a month too late
    assert plans_within_horizon(areas, REFERENCE, strict).tolist() == [False, False, False]


def test_has_network_at_the_scheme_speed_unless_the_trusted_list_says_lacking() -> None:
    best = np.array([100.0, 99.0, np.nan, 500.0])
    assert has_network(best, None, 100.0).tolist() == [True, False, False, True]
    lacking = np.array([np.nan, np.nan, np.nan, 100.0])
    assert has_network(best, lacking, 100.0).tolist() == [True, False, False, False]
    assert has_network(best, lacking, 30.0).tolist() == [True, True, False, True]


def test_fibre_within_the_distance_makes_an_address_upgradable() -> None:
    fibre = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(0, 20), (300, 20)])], crs=25833
    )  # 20 m north of addresses at x 0–300
    x_m, y_m = np.array([0.0, 150.0, 400.0]), np.zeros(3)
    assert passed_by_fibre(fibre, x_m, y_m, 30.0).tolist() == [True, True, False]
    assert passed_by_fibre(fibre, x_m, y_m, 10.0).tolist() == [False, False, False]
    assert passed_by_fibre(fibre, x_m, y_m, 0.0).tolist() == [False, False, False]
    assert passed_by_fibre(None, x_m, y_m, 30.0).tolist() == [False, False, False]


def test_counts_are_households_by_reason() -> None:
    columns = eligibility_columns(_failures(), RULES)
    counts = eligibility_counts(columns, ADDRESSES["households"])
    assert counts == {
        "eligible_households": 6 + 7,
        "ineligible_has_network_households": 1 + 8,
        "ineligible_planned_households": 2,
        "ineligible_funded_households": 3,
        "ineligible_upgradable_households": 4,
        "ineligible_obligation_5g_households": 5 + 9,
    }


def test_without_areas_or_list_only_offers_decide() -> None:
    failed = rule_failures(
        ADDRESSES, OFFERS, COVERAGE, None, None, EligibilitySettings(), REFERENCE
    )
    assert not failed["planned"].any() and not failed["funded"].any()
    assert not failed["obligation_5g"].any()
    assert failed["has_network"].sum() == 2


@pytest.mark.parametrize("x_m", [np.nan])
def test_an_address_without_coordinates_is_in_no_area(x_m: float) -> None:
    addresses = ADDRESSES.assign(x_m=ADDRESSES["x_m"].where(ADDRESSES["address_id"] != 3, x_m))
    failed = rule_failures(
        addresses, OFFERS, COVERAGE, AREAS, OBLIGATION_IDS, EligibilitySettings(), REFERENCE
    )
    assert (np.flatnonzero(failed["funded"]) + 1).tolist() == [2]
