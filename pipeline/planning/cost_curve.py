"""Cost curves: the costed households from cheapest to costliest per household.

- :func:`cost_curve`: per kommune (or in total) with cumulative households and cost;
- :func:`last_share_costs`: what the costliest 1 %, 5 %, 10 % of households cost;
- :func:`median_cost_per_household_nok`: the household-weighted median cost per household;
- :func:`subsidy_case` / :func:`subsidy_cost_curve`: the same over the addresses eligible for
  support only (:mod:`pipeline.eligibility`), the curve of the subsidy case.

The curves are drawn by :mod:`maps.cost_curve_png` from the published ``tables/cost_curve.csv``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from layers.errors import ConfigError
from layers.tables import require_columns

CURVE_COLUMNS = ("address_id", "households", "cost_nok")


def share_label(share: float) -> str:
    """Column label of a household share: 0.01 → ``"1pct"``, 0.005 → ``"0_5pct"``."""
    return f"{share * 100:g}pct".replace(".", "_")


def cost_curve(results: pd.DataFrame, by: str | None = "kommunenummer") -> pd.DataFrame:
    """Costed addresses from cheapest to costliest per household, with cumulative sums.

    Per group (``by``; ``None``: one group named ``"total"`` in a ``kommunenummer`` column),
    addresses are sorted by cost per household (ties by ``address_id``) and, for the first
    :math:`k` of them,

    .. math::

        c_i = C_i / n_i, \\quad H_k = \\sum_{i \\le k} n_i, \\quad
        K_k = \\sum_{i \\le k} C_i, \\quad s_k = H_k / H_{total}

    Addresses without households (:math:`n_i = 0`) have no cost per household and are left out.

    Parameters
    ----------
    results
        Per-address results with ``address_id``, ``households``, ``cost_nok`` and ``by``.
    by
        Grouping column, or ``None`` for the total.

    Returns
    -------
    pandas.DataFrame
        Columns ``<by>`` (or ``kommunenummer``), ``rank`` (1 = cheapest), ``address_id``,
        ``households``, ``cost_nok``, ``cost_per_household_nok``, ``cumulative_households``,
        ``cumulative_cost_nok``, ``share_of_households`` (0–1).
    """
    require_columns(results, (*CURVE_COLUMNS, *([by] if by else [])), "cost curve")
    group_column = by or "kommunenummer"
    costed = results.loc[results["cost_nok"].notna() & (results["households"] > 0)]
    group = costed[by].astype(str) if by else pd.Series("total", index=costed.index, dtype=str)
    curve = pd.DataFrame(
        {
            group_column: group,
            "address_id": costed["address_id"],
            "households": costed["households"].astype("int64"),
            "cost_nok": costed["cost_nok"].astype("float64"),
        }
    )
    curve["cost_per_household_nok"] = curve["cost_nok"] / curve["households"]
    curve = curve.sort_values(
        [group_column, "cost_per_household_nok", "address_id"], kind="stable"
    ).reset_index(drop=True)
    grouped = curve.groupby(group_column, sort=False)
    curve.insert(1, "rank", grouped.cumcount().to_numpy() + 1)
    curve["cumulative_households"] = grouped["households"].cumsum()
    curve["cumulative_cost_nok"] = grouped["cost_nok"].cumsum()
    curve["share_of_households"] = curve["cumulative_households"] / grouped["households"].transform(
        "sum"
    )
    return curve


@dataclass(frozen=True)
class CostCurves:
    """The cost curve of a run per kommune, per fylke and in total (each computed once)."""

    kommune: pd.DataFrame
    fylke: pd.DataFrame
    total: pd.DataFrame

    def published(self) -> pd.DataFrame:
        """``tables/cost_curve.csv``: the kommune curves, then the total (``"total"``)."""
        return pd.concat([self.kommune, self.total], ignore_index=True)


def cost_curves(results: pd.DataFrame) -> CostCurves:
    """:func:`cost_curve` per kommune, per fylke and in total."""
    return CostCurves(
        kommune=cost_curve(results, by="kommunenummer"),
        fylke=cost_curve(results, by="fylkesnummer"),
        total=cost_curve(results, by=None),
    )


def last_share_households(share: float, households: pd.Series) -> pd.Series:
    """Whole households of a share: :math:`\\lceil s H \\rceil` (``sH`` rounded to 10⁻⁹ first).

    >>> last_share_households(0.01, pd.Series([20, 245, 0])).tolist()
    [1, 3, 0]
    """
    whole = np.ceil(np.round(share * households.to_numpy(dtype="float64"), 9))
    return pd.Series(whole.astype("int64"), index=households.index)


def last_share_costs(
    curve: pd.DataFrame,
    shares: Sequence[float] = (0.01, 0.05, 0.10),
    by: str = "kommunenummer",
) -> pd.DataFrame:
    """What the costliest share of households costs, per group of a :func:`cost_curve`.

    The last share :math:`s` is a whole number of households, the share of the group's
    :math:`H` households rounded up (at least one household whenever :math:`H > 0`):

    .. math::

        n_s = \\lceil s H \\rceil, \\quad h_0 = H - n_s, \\quad
        n^{last}_i = \\min\\big(n_i, \\max(0, H_i - h_0)\\big), \\quad
        K_s = \\sum_i c_i \\, n^{last}_i, \\quad k_s = K_s / n_s

    An address that straddles the boundary :math:`h_0` counts with the whole households of it
    beyond the boundary (its cost per household is constant), so :math:`n^{last}_i` and
    :math:`n_s = \\sum_i n^{last}_i` are integers. :math:`sH` is rounded to 10⁻⁹ before the
    ceiling, so 7 % of 100 is 7 households, not 8 (0.07 × 100 = 7.000000000000001).

    Returns
    -------
    pandas.DataFrame
        One row per group: ``<by>``, ``households``, ``cost_nok`` and per share (1 % shown)
        ``last_1pct_households`` (int64, whole households), ``last_1pct_cost_nok``,
        ``last_1pct_cost_per_household_nok``.
    """
    bad = [share for share in shares if not 0 < share <= 1]
    if bad:
        msg = f"last_share_costs: shares {bad} are not in (0, 1]; expected e.g. 0.01 for 1 %"
        raise ConfigError(msg)
    require_columns(
        curve, (by, "households", "cost_per_household_nok", "cumulative_households"), "curve"
    )
    grouped = curve.groupby(by, sort=True)
    summary = grouped.agg(households=("households", "sum"), cost_nok=("cost_nok", "sum"))
    total_households = grouped["households"].transform("sum")
    for share in shares:
        label = share_label(share)
        boundary = total_households - last_share_households(share, total_households)
        beyond = (curve["cumulative_households"] - boundary).clip(lower=0)
        taken = np.minimum(beyond, curve["households"])
        last_cost_nok = (taken * curve["cost_per_household_nok"]).groupby(curve[by]).sum()
        last_households = last_share_households(share, summary["households"])
        summary[f"last_{label}_households"] = last_households
        summary[f"last_{label}_cost_nok"] = last_cost_nok
        summary[f"last_{label}_cost_per_household_nok"] = last_cost_nok / last_households.where(
            last_households > 0
        )
    return summary.reset_index()


def median_cost_per_household_nok(curve: pd.DataFrame, by: str = "kommunenummer") -> pd.Series:
    """Household-weighted median cost per household of each group of a :func:`cost_curve`.

    On the curve (cheapest first), the cost per household of the first address at which half
    of the group's households are reached:

    .. math:: m = c_k, \\quad k = \\min\\{k : H_k \\ge H / 2\\}
    """
    require_columns(
        curve, (by, "households", "cumulative_households", "cost_per_household_nok"), "curve"
    )
    key = curve[by].astype(str)
    total = curve.groupby(key, sort=False)["households"].transform("sum")
    reached = curve["cumulative_households"] >= 0.5 * total
    return curve.loc[reached].groupby(key[reached], sort=True)["cost_per_household_nok"].first()


def subsidy_case(results: pd.DataFrame) -> pd.DataFrame:
    """The rows of the subsidy case: addresses eligible for support (``eligible`` true).

    A results table without the column (a run made before the eligibility stage) or an
    address with ``eligible`` missing counts as eligible: no rule was applied to it.
    """
    if "eligible" not in results.columns:
        return results
    eligible = results["eligible"].astype("boolean").fillna(True).to_numpy(dtype=bool)
    return results.loc[eligible]


def subsidy_cost_curve(results: pd.DataFrame, by: str | None = "kommunenummer") -> pd.DataFrame:
    """:func:`cost_curve` of the subsidy case: costed addresses eligible for support only."""
    return cost_curve(subsidy_case(results), by=by)
