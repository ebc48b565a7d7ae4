"""The gap table's eligibility columns: who below the cost target the support scheme can fund.

Among the households below the cost target (``class_<cost target>`` not ``served``), per
kommune, fylke and in total:

- ``eligible_households``: eligible for support (:mod:`pipeline.eligibility`);
- ``ineligible_<rule>_households``: not eligible, by the first rule failed (``has_network``,
  ``planned``, ``funded``, ``upgradable``, ``obligation_5g``), so that
  :math:`H_{below} = H_{eligible} + \\sum_r H_{ineligible, r}`;
- the subsidy case's cost (:func:`pipeline.planning.cost_curve.subsidy_case`): the costed
  eligible households ``eligible_costed_households``, their cost ``eligible_cost_nok`` and
  ``eligible_cost_per_household_nok`` = cost / households (comparable to Nkom's ~148,000 NOK
  per household where support is needed, beside the plain ``cost_per_household_nok`` over all
  costed households, comparable to its ~128,000 NOK).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.config_eligibility import RULES
from pipeline.exact import level_sums
from pipeline.planning.cost_curve import subsidy_case

ELIGIBILITY_GAP_COLUMNS = (
    "eligible_households",
    *(f"ineligible_{rule}_households" for rule in RULES),
    "eligible_costed_households",
    "eligible_cost_nok",
)


def eligibility_sums(results: pd.DataFrame, cost_target: str) -> pd.DataFrame:
    """Per address the households it adds to each of :data:`ELIGIBILITY_GAP_COLUMNS`, with
    ``kommunenummer`` and ``fylkesnummer``."""
    households = results["households"].to_numpy(dtype="float64")
    below = (results[f"class_{cost_target}"] != "served").to_numpy()
    if "eligible" in results.columns:
        eligible = results["eligible"].astype("boolean").fillna(True).to_numpy(dtype=bool)
        reason = results["ineligible_reason"]
    else:  # a run before the eligibility stage: no rule applied
        eligible = np.ones(len(results), dtype=bool)
        reason = pd.Series(None, index=results.index, dtype=object)
    sums = {"eligible_households": households * (below & eligible)}
    for rule in RULES:
        # compared as they are held (Arrow strings), no Python string per address
        failed = reason.eq(rule).fillna(False).to_numpy(dtype=bool)
        sums[f"ineligible_{rule}_households"] = households * (below & failed)
    # the subsidy case's rows, found on a copy of the one column it reads, not of all ~89
    eligible_column = ["eligible"] if "eligible" in results.columns else []
    in_case = results.index.isin(subsidy_case(results[eligible_column]).index)
    costed = in_case & results["cost_nok"].notna().to_numpy()
    sums["eligible_costed_households"] = households * costed
    sums["eligible_cost_nok"] = np.where(costed, results["cost_nok"].to_numpy(float), 0.0)
    frame = pd.DataFrame(sums, index=results.index)
    frame["kommunenummer"] = results["kommunenummer"].array
    frame["fylkesnummer"] = results["fylkesnummer"].array
    return frame


def with_eligibility(
    gap_table: pd.DataFrame, results: pd.DataFrame, cost_target: str
) -> pd.DataFrame:
    """The gap table with :data:`ELIGIBILITY_GAP_COLUMNS` and
    ``eligible_cost_per_household_nok`` for every kommune, fylke and the total row (0 where a
    kommune has no address)."""
    sums = eligibility_sums(results, cost_target)
    columns = list(ELIGIBILITY_GAP_COLUMNS)
    added = level_sums(sums, columns, gap_table)  # the same in any order of the rows
    table = gap_table.assign(**added)
    counts = [column for column in columns if column.endswith("_households")]
    table[counts] = table[counts].round().astype("int64")  # whole households (issue 15, item 9)
    costed = table["eligible_costed_households"]
    table["eligible_cost_per_household_nok"] = table["eligible_cost_nok"] / costed.where(costed > 0)
    return table
