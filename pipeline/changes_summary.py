"""The changes per kommune, fylke and nation, and the trend over all runs, in DuckDB SQL.

Both read the ``gap_summary`` rows the aggregate stage wrote for each run (so a level's
"after" is exactly this run's gap table, and its "before" exactly the previous run's):

- the **summary**: per level (``kommune``, ``fylke``, ``total``, as in the gap table), target
  and class (``served``, ``underserved``, ``unserved``) the households before and after, and
  ``households_change = households_after − households_before``;
- the **trend**: per succeeded run (and this one), level, kommune and target the households by
  class and ``served_share = served_households / households`` (empty for no households).

Names follow the gap table: the kommune's name, the fylke's name (``Fylke <nr>`` when the run
had none) and ``Totalt``.
"""

from __future__ import annotations

import duckdb
import pandas as pd

CLASSES = ("served", "underserved", "unserved")
SUMMARY_COLUMNS = (
    "level",
    "fylkesnummer",
    "kommunenummer",
    "kommunenavn",
    "target",
    "class",
    "households_before",
    "households_after",
    "households_change",
    "previous_run_id",
    "previous_started_at",
)
TREND_COLUMNS = (
    "run_id",
    "started_at",
    "level",
    "fylkesnummer",
    "kommunenummer",
    "kommunenavn",
    "target",
    "households",
    "served_households",
    "underserved_households",
    "unserved_households",
    "served_share",
)
LEVEL_ORDER = "CASE level WHEN 'kommune' THEN 0 WHEN 'fylke' THEN 1 ELSE 2 END"
CLASS_ORDER = "CASE class WHEN 'served' THEN 0 WHEN 'underserved' THEN 1 ELSE 2 END"


def _name_sql(run: str) -> str:
    """The name of a gap_summary row ``g`` as the gap table gives it, from run ``run``."""
    return f"""CASE g.level WHEN 'total' THEN 'Totalt'
        WHEN 'fylke' THEN (SELECT coalesce(any_value(fylkesnavn), 'Fylke ' || g.fylkesnummer)
                           FROM fylker WHERE run_id = {run} AND fylkesnummer = g.fylkesnummer)
        ELSE (SELECT any_value(kommunenavn) FROM kommuner
              WHERE run_id = {run} AND kommunenummer = g.kommunenummer) END"""


SUMMARY_SQL = f"""
WITH both_runs AS (
    SELECT g.run_id, g.level, g.fylkesnummer, g.kommunenummer, g.target,
           g.served_households AS served, g.underserved_households AS underserved,
           g.unserved_households AS unserved, {_name_sql("g.run_id")} AS kommunenavn
    FROM gap_summary g WHERE g.run_id IN ($run_id, $previous)
),
long AS (UNPIVOT both_runs ON served, underserved, unserved INTO NAME class VALUE households)
SELECT level, fylkesnummer, kommunenummer,
       coalesce(arg_max(kommunenavn, run_id = $run_id), '') AS kommunenavn, target, class,
       coalesce(sum(households) FILTER (WHERE run_id = $previous), 0)::BIGINT
           AS households_before,
       coalesce(sum(households) FILTER (WHERE run_id = $run_id), 0)::BIGINT AS households_after
FROM long
GROUP BY level, fylkesnummer, kommunenummer, target, class
ORDER BY fylkesnummer NULLS LAST, {LEVEL_ORDER}, kommunenummer,
         list_position($targets, target), {CLASS_ORDER}
"""

TREND_SQL = f"""
WITH shown AS (
    SELECT run_id, started_at FROM runs WHERE status = 'succeeded' OR run_id = $run_id
)
SELECT g.run_id, strftime(s.started_at, '%Y-%m-%dT%H:%M:%S') || '+00:00' AS started_at,
       g.level, g.fylkesnummer, g.kommunenummer, {_name_sql("g.run_id")} AS kommunenavn,
       g.target, g.households, g.served_households, g.underserved_households,
       g.unserved_households, g.served_households / nullif(g.households, 0) AS served_share
FROM gap_summary g JOIN shown s ON s.run_id = g.run_id
ORDER BY s.started_at, g.fylkesnummer NULLS LAST, {LEVEL_ORDER.replace("level", "g.level")},
         g.kommunenummer, g.target
"""


def changes_summary(
    connection: duckdb.DuckDBPyConnection,
    run_id: str,
    previous: tuple[str, str] | None,
    targets: list[str],
) -> pd.DataFrame:
    """``tables/changes_summary.csv``: per level, target and class the households before,
    after and the change (:data:`SUMMARY_COLUMNS`) against ``previous`` (its run id and
    start); no rows without a previous run."""
    if previous is None:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in SUMMARY_COLUMNS})
    previous_run_id, previous_started_at = previous
    summary = connection.execute(
        SUMMARY_SQL, {"run_id": run_id, "previous": previous_run_id, "targets": targets}
    ).df()
    summary["households_change"] = summary["households_after"] - summary["households_before"]
    summary["previous_run_id"] = previous_run_id
    summary["previous_started_at"] = previous_started_at
    return summary[list(SUMMARY_COLUMNS)]


def trend_table(connection: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    """``tables/trend.csv``: one row per succeeded run (and ``run_id``), level, kommune and
    target (:data:`TREND_COLUMNS`), oldest run first."""
    trend = connection.execute(TREND_SQL, {"run_id": run_id}).df()
    return trend[list(TREND_COLUMNS)]
