"""Holiday homes and businesses in the gap table, apart from the households, per target.

Per kommune, fylke and in total: ``holiday_homes`` and ``businesses`` (all), and for every
target ``holiday_homes_below_<target>`` / ``businesses_below_<target>``: those at addresses not
served for the target (class underserved or unserved). ``premises_basis`` says where the
households came from (:data:`pipeline.premises.BASIS_NB`): "husstander = adresser" when no
buildings nor Nkom register were given, never silently.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipeline.config import Target
from pipeline.premises import BASIS_NB

PREMISES_COUNTS = ("holiday_homes", "businesses")


def premises_basis(results: pd.DataFrame) -> str:
    """The Norwegian statement of where the run's households came from."""
    linked_by = results.get("premises_linked_by", pd.Series("addresses", index=results.index))
    if linked_by.isin(["register", "not_in_register"]).any():
        return BASIS_NB["register"]
    if len(linked_by) and (linked_by == "addresses").all():
        return BASIS_NB["addresses"]
    return BASIS_NB["buildings"] if len(linked_by) else BASIS_NB["addresses"]


def premises_sums(results: pd.DataFrame, targets: Sequence[Target]) -> pd.DataFrame:
    """Per address the counts to sum: all holiday homes and businesses, and those below each
    target (class not ``served``)."""
    sums = pd.DataFrame(index=results.index)
    for count in PREMISES_COUNTS:
        values = results.get(count, pd.Series(0, index=results.index)).astype("int64")
        sums[count] = values
        for target in targets:
            below = results[f"class_{target.name}"] != "served"
            sums[f"{count}_below_{target.name}"] = values.where(below, 0)
    return sums


def with_premises(
    gap_table: pd.DataFrame, results: pd.DataFrame, targets: Sequence[Target]
) -> pd.DataFrame:
    """The gap table with :func:`premises_sums` per kommune, fylke and total (0 where a
    kommune has none) and ``premises_basis``."""
    sums = premises_sums(results, targets)
    # grouped by the numbers as they are held (Arrow strings), no Python string per address
    by_kommune = sums.groupby(results["kommunenummer"].array).sum()
    by_fylke = sums.groupby(results["fylkesnummer"].array).sum()
    total = sums.sum()
    level = gap_table["level"].to_numpy()
    columns = {}
    for column in sums.columns:
        columns[column] = np.select(
            [level == "kommune", level == "fylke"],
            [
                gap_table["kommunenummer"].map(by_kommune[column]).fillna(0).to_numpy(),
                gap_table["fylkesnummer"].map(by_fylke[column]).fillna(0).to_numpy(),
            ],
            default=total[column],
        ).astype("int64")
    return gap_table.assign(**columns, premises_basis=premises_basis(results))


def households_basis(gap_table: pd.DataFrame) -> dict[str, str]:
    """Where the households came from (pipeline/aggregate_premises.py), for every map page:
    "husstander = adresser" when no buildings were given, never silently."""
    if "premises_basis" not in gap_table or gap_table.empty:
        return {}
    return {"households_basis": str(gap_table["premises_basis"].iloc[0])}
