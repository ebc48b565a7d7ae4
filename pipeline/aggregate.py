"""Stage 9, aggregate: households by class per kommune, fylke and nation, in DuckDB SQL.

One ``GROUPING SETS`` query gives all three levels at once, so the fylke and total rows are
sums of exactly the kommune rows. Kommuner without addresses get zero rows, not no row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline.aggregate_copper import with_no_copper
from pipeline.aggregate_eligibility import with_eligibility
from pipeline.aggregate_premises import with_premises
from pipeline.aggregate_sql import LEVEL, kommune_target_rollup
from pipeline.config import Config, Target
from pipeline.corrections_effects import with_corrections
from pipeline.exact import exact_sum
from pipeline.planning.areas import subsidy_need_nok
from pipeline.planning.cost_curve import (
    CURVE_COLUMNS,
    CostCurves,
    cost_curves,
    last_share_costs,
    median_cost_per_household_nok,
    subsidy_case,
)
from pipeline.store import classes_wide, text_array

GAP_SQL = f"""
INSERT INTO gap_summary
WITH per_address AS (
    SELECT a.kommunenummer, a.households, c.target, c.class, c.wireless_reachable,
           r.area_status
    FROM addresses a
    JOIN address_classes c ON c.run_id = a.run_id AND c.address_id = a.address_id
    JOIN address_results r ON r.run_id = a.run_id AND r.address_id = a.address_id
    WHERE a.run_id = $run_id
)
SELECT $run_id, {LEVEL} AS level, k.fylkesnummer, k.kommunenummer, t.target,
       count(p.households) AS addresses,
       coalesce(sum(p.households), 0) AS households,
       coalesce(sum(p.households) FILTER (WHERE p.class = 'served'), 0),
       coalesce(sum(p.households) FILTER (WHERE p.class = 'underserved'), 0),
       coalesce(sum(p.households) FILTER (WHERE p.class = 'unserved'), 0),
       coalesce(sum(p.households)
                FILTER (WHERE p.class <> 'served' AND p.area_status = 'funded'), 0),
       coalesce(sum(p.households)
                FILTER (WHERE p.class <> 'served' AND p.area_status = 'planned'), 0),
       coalesce(sum(p.households) FILTER (WHERE p.wireless_reachable), 0)
{kommune_target_rollup("per_address")}"""

COST_SQL = f"""
INSERT INTO cost_summary
WITH results AS (
    SELECT kommunenummer, households, cost_nok, route_capped, fwa_doubtful
    FROM address_results WHERE run_id = $run_id
)
SELECT $run_id, {LEVEL} AS level, k.fylkesnummer, k.kommunenummer, $cost_target,
       coalesce(sum(c.households) FILTER (WHERE c.cost_nok IS NOT NULL), 0),
       coalesce(sum(c.cost_nok::DECIMAL(38, 10)), 0)::DOUBLE,
       count(*) FILTER (WHERE c.route_capped),
       coalesce(sum(c.households) FILTER (WHERE c.fwa_doubtful), 0)
FROM kommuner k LEFT JOIN results c ON c.kommunenummer = k.kommunenummer
WHERE k.run_id = $run_id
GROUP BY GROUPING SETS ((k.fylkesnummer, k.kommunenummer), (k.fylkesnummer), ())
"""


# the sums of a gap_summary row, in its columns' order
GAP_SUMS = (
    "addresses",
    "households",
    "served",
    "underserved",
    "unserved",
    "funded",
    "planned",
    "wireless",
)


def gap_from_results_sql(targets: int) -> str:
    """:data:`GAP_SQL` over the classes as they were just stored, one row per address
    (``_classes``: :func:`pipeline.store.classes_wide` with ``wireless_i`` and
    ``area_status``) instead of the long class rows and the results read back: summed per
    kommune and target first (a join of 1.8 M rows, not 7.3 M), then the same
    ``GROUPING SETS``. Every sum is of whole households or a count, so summing per kommune
    first gives the same figures."""
    per_kommune = " UNION ALL ".join(
        f"""SELECT kommunenummer, $targets[{n + 1}] AS target, count(households) AS addresses,
       sum(households) AS households,
       sum(households) FILTER (WHERE class_{n} = 'served') AS served,
       sum(households) FILTER (WHERE class_{n} = 'underserved') AS underserved,
       sum(households) FILTER (WHERE class_{n} = 'unserved') AS unserved,
       sum(households) FILTER (WHERE class_{n} <> 'served' AND area_status = 'funded') AS funded,
       sum(households) FILTER (WHERE class_{n} <> 'served' AND area_status = 'planned')
           AS planned,
       sum(households) FILTER (WHERE wireless_{n}) AS wireless
FROM per_address GROUP BY kommunenummer"""
        for n in range(targets)
    )
    sums = ", ".join(f"coalesce(sum(p.{c}), 0)" for c in GAP_SUMS)
    return f"""
INSERT INTO gap_summary
WITH per_address AS MATERIALIZED (
    SELECT a.kommunenummer, a.households, w.* EXCLUDE (address_id)
    FROM addresses a JOIN _classes w ON w.address_id = a.address_id
    WHERE a.run_id = $run_id
),
per_kommune AS ({per_kommune})
SELECT $run_id, {LEVEL} AS level, k.fylkesnummer, k.kommunenummer, t.target, {sums}
{kommune_target_rollup("per_kommune")}"""


def aggregate_run_from_results(
    connection: duckdb.DuckDBPyConnection, run_id: str, config: Config, results: pd.DataFrame
) -> None:
    """:func:`aggregate_run` with the gap summary summed from ``results`` (what the store
    stage just stored from it) joined with the stored addresses, when its address ids are
    unique; with duplicates (where the long class rows would pair up in the join), and for a
    config without targets, :func:`aggregate_run` itself."""
    targets = config.targets
    if not targets or not results["address_id"].is_unique:
        aggregate_run(connection, run_id, config.cost.target)
        return
    wide = classes_wide(results, targets, "class_")
    for number, target in enumerate(targets):
        reachable = results[f"wireless_{target.name}"].to_numpy(dtype=bool)
        wide = wide.append_column(f"wireless_{number}", pa.array(reachable))
    wide = wide.append_column("area_status", text_array(results, "area_status"))
    connection.register("_classes", wide)
    try:
        connection.execute(
            gap_from_results_sql(len(targets)),
            {"run_id": run_id, "targets": [t.name for t in targets]},
        )
    finally:
        connection.unregister("_classes")
    connection.execute(COST_SQL, {"run_id": run_id, "cost_target": config.cost.target})


def aggregate_run(connection: duckdb.DuckDBPyConnection, run_id: str, cost_target: str) -> None:
    """Write this run's ``gap_summary`` and ``cost_summary`` rows.

    Costs are summed as decimals (to 10⁻¹⁰ kr): DuckDB sums doubles in parallel in no fixed
    order, so a double sum of the same costs differs from run to run in its last digits; the
    decimal sum is exact, and the same inputs always publish the same totals.
    """
    connection.execute(GAP_SQL, {"run_id": run_id})
    connection.execute(COST_SQL, {"run_id": run_id, "cost_target": cost_target})


def _level_key(frame: pd.DataFrame) -> pd.DataFrame:
    """Kommuner of a fylke, then that fylke's row; the total row last."""
    order = frame["level"].map({"kommune": 0, "fylke": 1, "total": 2})
    return (
        frame.assign(
            _fylke=frame["fylkesnummer"].fillna("~~"),
            _order=order,
            _knr=frame["kommunenummer"].fillna(""),
        )
        .sort_values(["_fylke", "_order", "_knr"])
        .drop(columns=["_fylke", "_order", "_knr"])
    )


def gap_table(
    connection: duckdb.DuckDBPyConnection, run_id: str, targets: Sequence[Target]
) -> pd.DataFrame:
    """The published gap table: one row per kommune, fylke and the total, targets side by side."""
    long = connection.execute(
        "SELECT * EXCLUDE (run_id) FROM gap_summary WHERE run_id = ?", [run_id]
    ).df()
    keys = ["level", "fylkesnummer", "kommunenummer"]
    base = long.loc[long["target"] == targets[0].name, [*keys, "addresses", "households"]]
    wide = base.set_index(keys)
    for target in targets:
        part = long.loc[long["target"] == target.name].set_index(keys)
        for cls in ("served", "underserved", "unserved", "funded", "planned", "wireless_reachable"):
            wide[f"{cls}_households_{target.name}"] = part[f"{cls}_households"]
        below = part["underserved_households"] + part["unserved_households"]
        wide[f"below_target_share_{target.name}"] = below / part["households"].where(
            part["households"] > 0
        )
    cost = (
        connection.execute(
            "SELECT level, fylkesnummer, kommunenummer, households_below_cost_target, cost_nok,"
            " routes_capped, fwa_doubtful_households FROM cost_summary WHERE run_id = ?",
            [run_id],
        )
        .df()
        .set_index(keys)
    )
    wide = wide.join(cost).reset_index()
    wide["cost_per_household_nok"] = wide["cost_nok"] / wide["households_below_cost_target"].where(
        wide["households_below_cost_target"] > 0
    )
    names = (
        connection.execute(
            "SELECT kommunenummer, kommunenavn FROM kommuner WHERE run_id = ?", [run_id]
        )
        .df()
        .set_index("kommunenummer")["kommunenavn"]
    )
    fylker = (
        connection.execute("SELECT fylkesnummer, fylkesnavn FROM fylker WHERE run_id = ?", [run_id])
        .df()
        .set_index("fylkesnummer")["fylkesnavn"]
    )
    named = fylker.to_dict()
    fylkesnavn = [
        named.get(number, f"Fylke {number}") if isinstance(number, str) else None
        for number in wide["fylkesnummer"]  # a few hundred rows: one per kommune and fylke
    ]
    wide.insert(2, "fylkesnavn", fylkesnavn)
    wide.insert(4, "kommunenavn", wide["kommunenummer"].map(names))
    wide["kommunenavn"] = np.select(
        [wide["level"] == "fylke", wide["level"] == "total"],
        [wide["fylkesnavn"].fillna("").astype(str), "Totalt"],
        default=wide["kommunenavn"].fillna("").astype(str),
    )
    return _level_key(wide).reset_index(drop=True)


def _only(results: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``results``' ``columns`` that it has (the rows that a filter keeps are copied in these
    columns only)."""
    return results[[c for c in columns if c in results.columns]]


@dataclass(frozen=True)
class Aggregated:
    """The gap table (kommune, fylke, total) and the cost curves it was summed from."""

    gap_table: pd.DataFrame
    curves: CostCurves


def aggregate_stage(
    connection: duckdb.DuckDBPyConnection, run_id: str, config: Config, results: pd.DataFrame
) -> Aggregated:
    """The aggregate stage: the summaries in SQL, then the gap table with what the costliest
    shares cost (from the cost curves, computed once here) and the subsidy need."""
    aggregate_run_from_results(connection, run_id, config, results)
    # the curves read these columns only: a copy of them, not of all ~89, for the costed rows
    curves = cost_curves(_only(results, [*CURVE_COLUMNS, "kommunenummer", "fylkesnummer"]))
    table = with_last_shares(gap_table(connection, run_id, config.targets), curves)
    table = with_subsidy_need(table, results, config.cost.commercially_viable_nok_per_household)
    table = with_eligibility(table, results, config.cost.target)
    table = with_no_copper(table, connection, run_id, results, config.targets)
    table = with_premises(table, results, config.targets)  # pipeline/aggregate_premises.py
    table = with_corrections(table, results, config.targets)  # pipeline/corrections.py
    return Aggregated(table, curves)


def with_last_shares(gap_table: pd.DataFrame, curves: CostCurves) -> pd.DataFrame:
    """The gap table with what the costliest 1 %, 5 % and 10 % of households cost and the
    median cost per household, per kommune, fylke and in total
    (:func:`pipeline.planning.cost_curve.last_share_costs`, ``median_cost_per_household_nok``)."""
    parts = []
    for level, curve, group in (
        ("kommune", curves.kommune, "kommunenummer"),
        ("fylke", curves.fylke, "fylkesnummer"),
        ("total", curves.total, "kommunenummer"),
    ):
        shares = last_share_costs(curve, by=group)
        columns = [c for c in shares.columns if c.startswith("last_")]
        shares = shares[[group, *columns]].rename(columns={group: "_key"}).assign(level=level)
        median = median_cost_per_household_nok(curve, by=group)
        shares["median_cost_per_household_nok"] = shares["_key"].astype(str).map(median)
        parts.append(shares)
    last = pd.concat(parts, ignore_index=True)
    keyed = gap_table.assign(
        _key=np.select(
            [gap_table["level"] == "kommune", gap_table["level"] == "fylke"],
            [gap_table["kommunenummer"], gap_table["fylkesnummer"]],
            default="total",
        )
    )
    merged = keyed.merge(last, on=["level", "_key"], how="left").drop(columns="_key")
    # whole households: a level without costed households has none in its last shares (0)
    counts = [c for c in merged.columns if c.startswith("last_") and c.endswith("_households")]
    merged[counts] = merged[counts].fillna(0).astype("int64")
    return merged


def with_subsidy_need(
    gap_table: pd.DataFrame, results: pd.DataFrame, viable_nok_per_household: float
) -> pd.DataFrame:
    """The gap table with ``subsidy_need_nok``: the sum over the kommune's project areas (one
    per planning cluster) of max(0, cost − households × commercially viable NOK), over the
    addresses eligible for support only (:func:`pipeline.planning.cost_curve.subsidy_case`)."""
    columns = ["fylkesnummer", "kommunenummer", "cluster_id", "cost_nok", "households"]
    results = subsidy_case(_only(results, [*columns, "eligible"]))
    costed = results.loc[results["cost_nok"].notna() & (results["cluster_id"] >= 0)]
    areas = costed.groupby(["fylkesnummer", "kommunenummer", "cluster_id"], as_index=False).agg(
        cost_nok=("cost_nok", exact_sum), households=("households", "sum")
    )
    areas["need"] = subsidy_need_nok(
        areas["cost_nok"], areas["households"], viable_nok_per_household
    )
    by_kommune = areas.groupby("kommunenummer")["need"].agg(exact_sum)
    by_fylke = areas.groupby("fylkesnummer")["need"].agg(exact_sum)
    need = np.select(
        [gap_table["level"] == "kommune", gap_table["level"] == "fylke"],
        [
            gap_table["kommunenummer"].map(by_kommune).fillna(0.0),
            gap_table["fylkesnummer"].map(by_fylke).fillna(0.0),
        ],
        default=exact_sum(areas["need"]),
    )
    return gap_table.assign(subsidy_need_nok=need)
