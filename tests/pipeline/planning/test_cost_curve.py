"""pipeline/planning/cost_curve.py: cost curves and what the costliest households cost, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from layers.errors import ConfigError
from pipeline.planning.cost_curve import (
    cost_curve,
    last_share_costs,
    last_share_households,
    median_cost_per_household_nok,
)
from tests.fixtures import FOUR_COSTED, costed_results


def test_cost_curve_over_four_addresses_is_exact() -> None:
    curve = cost_curve(FOUR_COSTED)
    # per household: 300k, 100k, 50k, 200k → order 3, 2, 4, 1
    assert curve["address_id"].tolist() == [3, 2, 4, 1]
    assert curve["rank"].tolist() == [1, 2, 3, 4]
    assert curve["cost_per_household_nok"].tolist() == [50_000, 100_000, 200_000, 300_000]
    assert curve["cumulative_households"].tolist() == [1, 3, 7, 8]
    assert curve["cumulative_cost_nok"].tolist() == [50_000, 250_000, 1_050_000, 1_350_000]
    assert curve["share_of_households"].tolist() == [1 / 8, 3 / 8, 7 / 8, 1.0]
    assert (curve["kommunenummer"] == "4204").all()


def test_cost_curve_restarts_per_kommune_and_total_spans_all() -> None:
    results = pd.concat(
        [FOUR_COSTED, costed_results([(9, "0301", 2, 0, 0, 20_000, "fiber", 3)])], ignore_index=True
    )
    per_kommune = cost_curve(results)
    oslo = per_kommune.loc[per_kommune["kommunenummer"] == "0301"]
    assert oslo["rank"].tolist() == [1] and oslo["share_of_households"].tolist() == [1.0]
    total = cost_curve(results, by=None)
    assert (total["kommunenummer"] == "total").all()
    assert total["address_id"].tolist() == [9, 3, 2, 4, 1]  # 10k per household first
    assert total["cumulative_households"].iloc[-1] == 10
    assert total["cumulative_cost_nok"].iloc[-1] == 1_370_000


def test_last_10pct_of_20_households_are_the_two_costliest() -> None:
    results = costed_results(
        [(i, "4204", 1, i * 10.0, 0, i * 10_000.0, "fiber", 1) for i in range(1, 21)]
    )
    row = last_share_costs(cost_curve(results)).iloc[0]
    assert row["households"] == 20 and row["cost_nok"] == 2_100_000
    assert row["last_10pct_households"] == pytest.approx(2)
    assert row["last_10pct_cost_nok"] == pytest.approx(200_000 + 190_000)
    assert row["last_10pct_cost_per_household_nok"] == pytest.approx(195_000)
    assert row["last_5pct_cost_nok"] == pytest.approx(200_000)  # 1 household
    # 1 % of 20 = 0.2 households, rounded up to 1 whole household: the costliest address
    assert row["last_1pct_households"] == 1
    assert row["last_1pct_cost_nok"] == pytest.approx(200_000)
    assert row["last_1pct_cost_per_household_nok"] == pytest.approx(200_000)


def test_last_share_takes_part_of_an_address_that_straddles_the_boundary() -> None:
    results = costed_results(
        [(1, "4204", 5, 0, 0, 50_000, "fiber", 1), (2, "4204", 5, 10, 0, 150_000, "fiber", 1)]
    )
    row = last_share_costs(cost_curve(results), shares=(0.1, 0.6)).iloc[0]
    assert row["last_10pct_cost_nok"] == pytest.approx(30_000)  # 1 of 5 households at 30k
    # 6 households: all 5 at 30k and 1 of 5 at 10k
    assert row["last_60pct_cost_nok"] == pytest.approx(160_000)
    assert row["last_60pct_cost_per_household_nok"] == pytest.approx(160_000 / 6)


def test_last_share_households_are_whole_numbers_rounded_up() -> None:
    # 245 households at 1..245 k per household (one address each):
    # 1 % = 2.45 → 3, 5 % = 12.25 → 13, 10 % = 24.5 → 25 households, the costliest ones
    results = costed_results(
        [(i, "4204", 1, i * 10.0, 0, i * 1_000.0, "fiber", 1) for i in range(1, 246)]
    )
    row = last_share_costs(cost_curve(results)).iloc[0]
    for label, whole in (("1pct", 3), ("5pct", 13), ("10pct", 25)):
        assert row[f"last_{label}_households"] == whole
        assert isinstance(row[f"last_{label}_households"], (int, np.integer))
        expected_nok = 1_000.0 * sum(range(246 - whole, 246))
        assert row[f"last_{label}_cost_nok"] == pytest.approx(expected_nok)
    # 1 %: 245 + 244 + 243 thousand = 732,000 kr for 3 households
    assert row["last_1pct_cost_nok"] == pytest.approx(732_000)
    assert row["last_1pct_cost_per_household_nok"] == pytest.approx(244_000)


def test_a_share_that_is_a_whole_number_is_not_rounded_up_by_float_error() -> None:
    shares = last_share_households(0.07, pd.Series([100, 0, 1]))
    assert shares.tolist() == [7, 0, 1]  # 0.07 × 100 = 7.000000000000001 in floating point


def test_last_share_takes_whole_households_of_a_straddling_address() -> None:
    # 10 households: 5 at 10k, 5 at 30k. 10 % = 1 household (of the 30k address);
    # 35 % = 3.5 → 4 households, all of the 30k address
    results = costed_results(
        [(1, "4204", 5, 0, 0, 50_000, "fiber", 1), (2, "4204", 5, 10, 0, 150_000, "fiber", 1)]
    )
    row = last_share_costs(cost_curve(results), shares=(0.1, 0.35)).iloc[0]
    assert row["last_10pct_households"] == 1 and row["last_10pct_cost_nok"] == pytest.approx(30_000)
    assert row["last_35pct_households"] == 4
    assert row["last_35pct_cost_nok"] == pytest.approx(120_000)


def test_last_share_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ConfigError, match="not in"):
        last_share_costs(cost_curve(FOUR_COSTED), shares=(10,))


def test_the_median_cost_is_that_of_the_address_reaching_half_the_households() -> None:
    # cheapest first; 4204: 1 + 2 + 5 households, half (4) is first reached at the third
    # address (30k per household); 0301: 3 + 1 households, half (2) at the first (5k)
    curves = pd.DataFrame(
        {
            "kommunenummer": ["4204", "4204", "4204", "0301", "0301"],
            "households": [1, 2, 5, 3, 1],
            "cumulative_households": [1, 3, 8, 3, 4],
            "cost_per_household_nok": [10_000.0, 20_000.0, 30_000.0, 5_000.0, 50_000.0],
        }
    )
    median = median_cost_per_household_nok(curves)
    assert median.to_dict() == {"0301": 5_000.0, "4204": 30_000.0}
