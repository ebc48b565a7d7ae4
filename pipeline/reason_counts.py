"""Counts of the reasons for a gap (:mod:`pipeline.reasons`) per kommune, fylke and nation.

The table ``tables/gap_reasons.csv`` and the "Årsaker" sheet of ``tables/gap_table.xlsx``: per
level, area, target and reason the households and addresses below the target. The fylke and
total rows are sums of the kommune rows, and per kommune and target the households summed over
the reasons are the gap table's underserved plus unserved households (every household below a
target has exactly one reason).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from pipeline.config import Config
from pipeline.reasons import REASONS

COUNT_COLUMNS: Final = (
    "level",
    "fylkesnummer",
    "kommunenummer",
    "kommunenavn",
    "target",
    "reason",
    "reason_nb",
    "households",
    "addresses",
)


def reason_counts(
    results: pd.DataFrame, config: Config, gap_table: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Households and addresses per reason and target for each kommune, fylke and the nation
    (``tables/gap_reasons.csv``): :data:`COUNT_COLUMNS`, levels as the gap table's
    (``kommune``, ``fylke``, ``total``), fylke and total rows the sums of the kommune rows.

    Per kommune and target, the households summed over the reasons are the gap table's
    underserved plus unserved households. Names: the kommune's from ``results``, the fylke's
    from ``gap_table`` (else "Fylke <nr>"), "Totalt" for the nation.
    """
    keys = ["fylkesnummer", "kommunenummer"]
    parts = []
    for target in config.targets:
        code = results[f"reason_{target.name}"]
        below = results.loc[code.notna(), [*keys, "households"]].assign(reason=code.dropna())
        grouped = below.groupby([*keys, "reason"], observed=True)["households"]
        parts.append(grouped.agg(["sum", "size"]).reset_index().assign(target=target.name))
    kommune = pd.concat(parts, ignore_index=True).rename(
        columns={"sum": "households", "size": "addresses"}
    )
    sums = {"households": "sum", "addresses": "sum"}
    fylke = kommune.groupby(["fylkesnummer", "target", "reason"]).agg(sums).reset_index()
    total = kommune.groupby(["target", "reason"]).agg(sums).reset_index()
    table = pd.concat(
        [kommune.assign(level="kommune"), fylke.assign(level="fylke"), total.assign(level="total")],
        ignore_index=True,
    )
    return _named_and_ordered(table, results, config, gap_table)


def _named_and_ordered(
    table: pd.DataFrame, results: pd.DataFrame, config: Config, gap_table: pd.DataFrame | None
) -> pd.DataFrame:
    """Names and labels added, rows in the gap table's order (a fylke's kommuner, the fylke,
    the total last), then target and reason priority."""
    kommune_names = results.drop_duplicates("kommunenummer").set_index("kommunenummer")
    fylke_names: dict[str, str] = {}
    if gap_table is not None:
        fylker = gap_table.loc[gap_table["level"] == "fylke"]
        fylke_names = dict(zip(fylker["fylkesnummer"], fylker["kommunenavn"], strict=True))
    fylke_number = table["fylkesnummer"].astype(object)
    table["kommunenavn"] = np.select(
        [table["level"] == "kommune", table["level"] == "fylke"],
        [
            table["kommunenummer"].map(kommune_names["kommunenavn"]).astype(object),
            fylke_number.map(lambda n: fylke_names.get(n, f"Fylke {n}")).astype(object),
        ],
        default="Totalt",
    )
    table["reason_nb"] = table["reason"].map(REASONS)
    table[["households", "addresses"]] = table[["households", "addresses"]].astype("int64")
    order = pd.DataFrame(
        {
            "fylke": fylke_number.where(table["level"] != "total", "~~").fillna("~~"),
            "level": table["level"].map({"kommune": 0, "fylke": 1, "total": 2}),
            "kommune": table["kommunenummer"].fillna(""),
            "target": table["target"].map({t.name: i for i, t in enumerate(config.targets)}),
            "reason": table["reason"].map({c: i for i, c in enumerate(REASONS)}),
        }
    )
    ordered = table.iloc[order.sort_values(list(order.columns), kind="stable").index]
    return ordered[list(COUNT_COLUMNS)].reset_index(drop=True)
