"""pipeline/aggregate_eligibility.py (and the subsidy need of pipeline/aggregate.py): eligible
households, the ineligible by reason and the subsidy case's figures, worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.aggregate import with_subsidy_need
from pipeline.aggregate_eligibility import with_eligibility
from pipeline.planning.cost_curve import subsidy_case, subsidy_cost_curve

# id knr  hh class        eligible reason         cost     cluster
# 1  0301 2  unserved     yes      -              300,000  1
# 2  0301 1  underserved  no       has_network    150,000  1
# 3  0301 3  served       no       has_network    -        -1
# 4  4204 4  unserved     yes      -              400,000  2
# 5  4204 1  unserved     no       obligation_5g   90,000  2
# 6  4204 2  unserved     no       planned        -        -1
# 7  4204 5  unserved     yes      -              200,000  3
RESULTS = pd.DataFrame(
    {
        "address_id": [1, 2, 3, 4, 5, 6, 7],
        "kommunenummer": ["0301"] * 3 + ["4204"] * 4,
        "fylkesnummer": ["03"] * 3 + ["42"] * 4,
        "households": [2, 1, 3, 4, 1, 2, 5],
        "class_gigabit2030": ["unserved", "underserved", "served"] + ["unserved"] * 4,
        "eligible": [True, False, False, True, False, False, True],
        "ineligible_reason": [
            None,
            "has_network",
            "has_network",
            None,
            "obligation_5g",
            "planned",
            None,
        ],
        "cost_nok": [300_000, 150_000, np.nan, 400_000, 90_000, np.nan, 200_000],
        "cluster_id": [1, 1, -1, 2, 2, -1, 3],
    }
)
GAP = pd.DataFrame(
    {
        "level": ["kommune", "fylke", "kommune", "fylke", "kommune", "fylke", "total"],
        "fylkesnummer": ["03", "03", "42", "42", "50", "50", None],
        "kommunenummer": ["0301", None, "4204", None, "5001", None, None],
    }
)
VIABLE_NOK = 30_000.0


def _row(table: pd.DataFrame, level: str, key: str | None = None) -> pd.Series:
    column = "kommunenummer" if level == "kommune" else "fylkesnummer"
    rows = table.loc[table["level"] == level]
    if key is not None:
        rows = rows.loc[rows[column] == key]
    return rows.iloc[0]


def test_subsidy_need_counts_eligible_addresses_only() -> None:
    # 0301: area 1 keeps address 1 only: 300,000 − 2 × 30,000 = 240,000 (with address 2 it
    # would be 450,000 − 3 × 30,000 = 360,000); 4204: area 2 keeps address 4:
    # 400,000 − 4 × 30,000 = 280,000, area 3: 200,000 − 5 × 30,000 = 50,000
    table = with_subsidy_need(GAP, RESULTS, VIABLE_NOK)
    assert table["subsidy_need_nok"].tolist() == pytest.approx(
        [240_000, 240_000, 330_000, 330_000, 0, 0, 570_000]
    )


def test_eligible_and_ineligible_households_below_the_cost_target() -> None:
    table = with_eligibility(GAP, RESULTS, "gigabit2030")
    oslo, viken, total = (
        _row(table, "kommune", "0301"),
        _row(table, "kommune", "4204"),
        _row(table, "total"),
    )
    assert oslo["eligible_households"] == 2
    assert oslo["ineligible_has_network_households"] == 1  # address 3 is served: not counted
    assert viken["eligible_households"] == 4 + 5
    assert viken["ineligible_obligation_5g_households"] == 1
    assert viken["ineligible_planned_households"] == 2
    assert total["eligible_households"] == 11
    for rule, expected in {
        "has_network": 1,
        "planned": 2,
        "funded": 0,
        "upgradable": 0,
        "obligation_5g": 1,
    }.items():
        assert total[f"ineligible_{rule}_households"] == expected, rule
    below = 2 + 1 + 4 + 1 + 2 + 5
    reasons = [c for c in table.columns if c.startswith("ineligible_")]
    assert total["eligible_households"] + total[reasons].sum() == below


def test_the_subsidy_case_cost_per_household() -> None:
    table = with_eligibility(GAP, RESULTS, "gigabit2030")
    oslo, viken, total = (
        _row(table, "kommune", "0301"),
        _row(table, "kommune", "4204"),
        _row(table, "total"),
    )
    assert (oslo["eligible_costed_households"], oslo["eligible_cost_nok"]) == (2, 300_000)
    assert oslo["eligible_cost_per_household_nok"] == pytest.approx(150_000)
    assert viken["eligible_cost_per_household_nok"] == pytest.approx(600_000 / 9)
    assert total["eligible_cost_per_household_nok"] == pytest.approx(900_000 / 11)
    assert _row(table, "fylke", "42")["eligible_cost_nok"] == 600_000


def test_a_kommune_without_addresses_gets_zeros_and_no_cost_per_household() -> None:
    empty = _row(with_eligibility(GAP, RESULTS, "gigabit2030"), "kommune", "5001")
    assert empty["eligible_households"] == 0 and empty["eligible_cost_nok"] == 0
    assert np.isnan(empty["eligible_cost_per_household_nok"])


def test_the_subsidy_cost_curve_leaves_the_ineligible_out() -> None:
    curve = subsidy_cost_curve(RESULTS, by=None)
    assert curve["address_id"].tolist() == [7, 4, 1]  # 40k, 100k, 150k per household
    assert curve["cumulative_cost_nok"].iloc[-1] == 900_000


def test_a_run_before_the_eligibility_stage_counts_everything_eligible() -> None:
    old = RESULTS.drop(columns=["eligible", "ineligible_reason"])
    assert len(subsidy_case(old)) == len(old)
    unknown = RESULTS.assign(eligible=pd.array([None] * 7, dtype="boolean"))
    assert len(subsidy_case(unknown)) == len(RESULTS)
