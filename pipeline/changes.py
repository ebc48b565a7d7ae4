"""The changes stage (after aggregate, before publish): what changed since the previous run
and why, per address and target.

The run is compared with the **previous succeeded run of the same target set** (the same
target names with the same speeds in the ``targets`` table), entirely in DuckDB SQL over the
store. Per address and target (``address_changes``, one row per changed pair):

===================== ==========================================================================
change                when
===================== ==========================================================================
``newly_served``      not served before, served now
``newly_below_target`` served before, underserved or unserved now
``class_changed``     below the target both times, but the class moved (unserved ↔ underserved)
``new_address``       the address is new in the address register
``address_gone``      the address is no longer in the register
``households_changed`` same class, but its households changed (keeps the summary explained)
===================== ==========================================================================

Each row gets one ``cause`` (and ``cause_nb``, bokmål with the evidence), the first that
applies in this priority:

1. ``address_added`` / ``address_removed`` (new / gone addresses), ``premises_changed``
   (``households_changed``: households from → to);
2. ``offer_speed_changed``, ``offer_added``, ``offer_removed``: an offer of a counted technology
   (operator, technology) at the address changed **in the direction of the class change**
   (added or faster for an improvement, removed or slower for a decline); of several, the one
   with the highest download speed;
3. ``lacking_list_changed``: the address's Nkom lacking list entry (``nkom_lacking_mbps``)
   changed, when the lists are trusted;
4. ``wireless_reach_changed``: the predicted wireless site or speeds changed, when wireless
   reach counts as served (``[wireless] count_as_served``);
5. ``config_changed``: a class-relevant config key changed (``[classify]`` but ``map_target``,
   ``[coverage]``, ``[wireless]``, ``[locate]``), each named: "classify.count_mobile endret fra
   false til true";
6. ``code_changed``: the gapmap version differs;
7. ``unexplained``: none of the above (the inputs and settings the classes depend on are all
   covered above, so this should not happen; it is counted in the manifest when it does).

Per kommune, fylke and nation the households per class and target before and after are in
:mod:`pipeline.changes_summary`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from layers.vocabulary import FIXED_TECHNOLOGIES, MOBILE_TECHNOLOGIES
from pipeline.changes_summary import changes_summary, trend_table
from pipeline.config import Config

CHANGES = (
    "newly_served",
    "newly_below_target",
    "class_changed",
    "new_address",
    "address_gone",
    "households_changed",
)
CAUSES = (
    "address_added",
    "address_removed",
    "premises_changed",
    "offer_speed_changed",
    "offer_added",
    "offer_removed",
    "lacking_list_changed",
    "wireless_reach_changed",
    "config_changed",
    "code_changed",
    "unexplained",
)
# config sections whose keys can change a class (the cause "config_changed" names them)
CLASS_CONFIG_SECTIONS = ("classify", "coverage", "wireless", "locate")
CLASS_CONFIG_IGNORED = ("classify.map_target",)
TECHNOLOGY_NB = {
    "fiber": "fiber",
    "hfc": "kabel-TV (HFC)",
    "xdsl": "DSL",
    "fwa": "fast trådløst (FWA)",
    "mobile_5g": "mobil 5G",
    "mobile_4g": "mobil 4G",
    "satellite": "satellitt",
}
NO_PREVIOUS_NB = "ingen tidligere kjøring"

TARGET_SET_SQL = """
SELECT run_id, string_agg(target || '=' || down_mbps || '/' || coalesce(up_mbps::VARCHAR, '-'),
                          ';' ORDER BY target) AS target_set
FROM targets GROUP BY run_id
"""

PREVIOUS_SQL = f"""
WITH sets AS ({TARGET_SET_SQL})
SELECT r.run_id, strftime(r.started_at, '%Y-%m-%dT%H:%M:%S') || '+00:00', r.config_json,
       r.code_version
FROM runs r JOIN sets s ON s.run_id = r.run_id
WHERE r.status = 'succeeded' AND r.run_id <> $run_id
  AND s.target_set = (SELECT target_set FROM sets WHERE run_id = $run_id)
  AND r.started_at <= (SELECT started_at FROM runs WHERE run_id = $run_id)
ORDER BY r.started_at DESC LIMIT 1
"""

MACROS_SQL = """
CREATE OR REPLACE TEMP MACRO gapmap_number_nb(x) AS CASE
    WHEN x IS NULL THEN '–'
    WHEN x = trunc(x) THEN replace(format('{:,}', x::BIGINT), ',', ' ')
    ELSE replace(replace(format('{:,.1f}', x::DOUBLE), ',', ' '), '.', ',') END;
CREATE OR REPLACE TEMP MACRO gapmap_speed_nb(down, up) AS
    gapmap_number_nb(down) || CASE WHEN up IS NULL THEN '' ELSE '/' || gapmap_number_nb(up) END
    || ' Mbit/s';
CREATE OR REPLACE TEMP MACRO gapmap_class_rank(c) AS
    CASE c WHEN 'served' THEN 2 WHEN 'underserved' THEN 1 WHEN 'unserved' THEN 0 END;
"""


@dataclass(frozen=True)
class PreviousRun:
    """The run compared with: its id, start (ISO 8601, UTC), config and code version."""

    run_id: str
    started_at: str
    config: dict[str, Any]
    code_version: str


@dataclass(frozen=True)
class Changes:
    """A run's changes: the previous run (None for the first), the per-address rows
    (``address_changes``, with ``x_m``/``y_m``), the summary per level and the trend."""

    previous: PreviousRun | None
    rows: pd.DataFrame
    summary: pd.DataFrame
    trend: pd.DataFrame

    def manifest(self) -> dict[str, Any]:
        """The manifest's "changes" block: the previous run and rows per change and cause."""
        rows = self.rows
        return {
            "previous_run_id": self.previous.run_id if self.previous else None,
            "previous_started_at": self.previous.started_at if self.previous else None,
            "note_nb": None if self.previous else NO_PREVIOUS_NB,
            "rows": len(rows),
            "rows_by_change": {k: int(v) for k, v in rows["change"].value_counts().items()},
            "rows_by_cause": {k: int(v) for k, v in rows["cause"].value_counts().items()},
        }


def previous_run(connection: duckdb.DuckDBPyConnection, run_id: str) -> PreviousRun | None:
    """The latest succeeded run before ``run_id`` with the same target set, or None."""
    row = connection.execute(PREVIOUS_SQL, {"run_id": run_id}).fetchone()
    if row is None:
        return None
    return PreviousRun(str(row[0]), str(row[1]), json.loads(row[2]), str(row[3]))


def _flat(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping):
            flat |= _flat(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def config_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The class-relevant config keys that differ, in bokmål with their values:
    ``["classify.count_mobile endret fra false til true"]`` (sorted by key)."""
    old, new = _flat(before), _flat(after)
    lines = []
    for key in sorted(set(old) | set(new)):
        relevant = key.split(".", 1)[0] in CLASS_CONFIG_SECTIONS and key not in CLASS_CONFIG_IGNORED
        if relevant and old.get(key) != new.get(key):
            was, now = json.dumps(old.get(key)), json.dumps(new.get(key))
            lines.append(f"{key} endret fra {was} til {now}")
    return lines


def counted_technologies(configs: list[Mapping[str, Any]]) -> list[str]:
    """The technologies whose offers can decide a class in either run (fixed always; mobile
    and satellite when either run counted them)."""
    classify = [c.get("classify", {}) for c in configs]
    counted = list(FIXED_TECHNOLOGIES)
    if any(c.get("count_mobile") for c in classify):
        counted += MOBILE_TECHNOLOGIES
    if any(c.get("count_satellite") for c in classify):
        counted.append("satellite")
    return counted


def changes_stage(connection: duckdb.DuckDBPyConnection, run_id: str, config: Config) -> Changes:
    """The changes stage: find the previous run, write this run's ``address_changes`` rows
    (:data:`ADDRESS_CHANGES_SQL`) and read back the rows, the summary and the trend."""
    previous = previous_run(connection, run_id)
    if previous is not None:
        write_address_changes(connection, run_id, previous)
    rows = connection.execute(
        "SELECT * EXCLUDE (run_id) FROM address_changes WHERE run_id = ?"
        " ORDER BY kommunenummer, address_id, target",
        [run_id],
    ).df()
    targets = [t.name for t in config.targets]
    compared = (previous.run_id, previous.started_at) if previous else None
    summary = changes_summary(connection, run_id, compared, targets)
    return Changes(previous, rows, summary, trend_table(connection, run_id))


def write_address_changes(
    connection: duckdb.DuckDBPyConnection, run_id: str, previous: PreviousRun
) -> None:
    """Insert the run's per-address changes against ``previous`` (one SQL statement); both
    runs' configs and code versions are read from ``runs``."""
    row = connection.execute(
        "SELECT config_json, code_version FROM runs WHERE run_id = ?", [run_id]
    ).fetchone()
    now, code_now = (json.loads(row[0]), str(row[1])) if row else ({}, "")
    both = [previous.config, now]
    code_before = previous.code_version
    connection.execute(MACROS_SQL)
    connection.execute(
        ADDRESS_CHANGES_SQL,
        {
            "run_id": run_id,
            "previous": previous.run_id,
            "counted": counted_technologies(both),
            "lacking_counts": any(
                c.get("coverage", {}).get("trust_lacking_lists", True) for c in both
            ),
            "wireless_counts": any(
                c.get("wireless", {}).get("count_as_served", False) for c in both
            ),
            "config_nb": "; ".join(config_changes(previous.config, now)),
            "code_nb": f"{code_before} → {code_now}" if code_before != code_now else "",
            "technology_codes": list(TECHNOLOGY_NB),
            "technology_nb": list(TECHNOLOGY_NB.values()),
        },
    )


_SIDE = """
    SELECT a.address_id, a.kommunenummer, a.kommunenavn, a.address_text, a.households,
           a.x_m, a.y_m, c.target, c.class
    FROM addresses a
    JOIN address_classes c ON c.run_id = a.run_id AND c.address_id = a.address_id
    WHERE a.run_id = {run} AND c.run_id = {run}
      AND a.address_id IN (SELECT address_id FROM key_ids)
      AND c.address_id IN (SELECT address_id FROM key_ids)
"""
_OFFERS = """
    SELECT o.address_id, coalesce(o.operator, '') AS operator, o.technology,
           max(o.down_mbps) AS down_mbps, max(o.up_mbps) AS up_mbps
    FROM ids JOIN offers o ON o.address_id = ids.address_id
    WHERE o.run_id = {run} AND list_contains($counted, o.technology)
    GROUP BY ALL
"""
_WIRELESS_DIFFERS = """(n.los_site_id IS DISTINCT FROM o.los_site_id
    OR n.wireless_down_mbps IS DISTINCT FROM o.wireless_down_mbps
    OR n.wireless_up_mbps IS DISTINCT FROM o.wireless_up_mbps)"""
_WIRELESS_NB = """CASE WHEN {side}.wireless_down_mbps IS NULL THEN 'ingen'
    ELSE coalesce({side}.los_site_id, 'ukjent sted') || ' ('
         || gapmap_speed_nb({side}.wireless_down_mbps, {side}.wireless_up_mbps) || ')' END"""
_TECH = "coalesce($technology_nb[list_position($technology_codes, d.technology)], d.technology)"

ADDRESS_CHANGES_SQL = f"""
INSERT INTO address_changes BY NAME
WITH class_diff AS MATERIALIZED (
    SELECT coalesce(n.address_id, o.address_id) AS address_id,
           coalesce(n.target, o.target) AS target
    FROM (SELECT address_id, target, class FROM address_classes WHERE run_id = $run_id) n
    FULL JOIN (SELECT address_id, target, class FROM address_classes WHERE run_id = $previous) o
      ON n.address_id = o.address_id AND n.target = o.target
    WHERE n.class IS DISTINCT FROM o.class
),
household_diff AS MATERIALIZED (
    SELECT coalesce(n.address_id, o.address_id) AS address_id
    FROM (SELECT address_id, households FROM addresses WHERE run_id = $run_id) n
    FULL JOIN (SELECT address_id, households FROM addresses WHERE run_id = $previous) o
      ON n.address_id = o.address_id
    WHERE n.households IS DISTINCT FROM o.households
),
keys AS MATERIALIZED (
    SELECT address_id, target FROM class_diff
    UNION
    SELECT h.address_id, t.target
    FROM household_diff h CROSS JOIN (SELECT target FROM targets WHERE run_id = $run_id) t
),
key_ids AS MATERIALIZED (SELECT DISTINCT address_id FROM keys),
cur AS ({_SIDE.format(run="$run_id")}),
prev AS ({_SIDE.format(run="$previous")}),
pairs AS (
    SELECT k.address_id, k.target,
           coalesce(cur.kommunenummer, prev.kommunenummer) AS kommunenummer,
           coalesce(cur.kommunenavn, prev.kommunenavn) AS kommunenavn,
           coalesce(cur.address_text, prev.address_text) AS address_text,
           coalesce(cur.x_m, prev.x_m) AS x_m, coalesce(cur.y_m, prev.y_m) AS y_m,
           prev.class AS class_before, cur.class AS class_after,
           prev.households AS households_before, cur.households AS households_after,
           CASE WHEN prev.address_id IS NULL THEN 'new_address'
                WHEN cur.address_id IS NULL THEN 'address_gone'
                WHEN prev.class = 'served' AND cur.class <> 'served' THEN 'newly_below_target'
                WHEN prev.class <> 'served' AND cur.class = 'served' THEN 'newly_served'
                WHEN prev.class <> cur.class THEN 'class_changed'
                WHEN prev.households <> cur.households THEN 'households_changed'
           END AS change,
           sign(gapmap_class_rank(cur.class) - gapmap_class_rank(prev.class)) AS direction
    FROM keys k
    LEFT JOIN cur ON cur.address_id = k.address_id AND cur.target = k.target
    LEFT JOIN prev ON prev.address_id = k.address_id AND prev.target = k.target
),
changed AS MATERIALIZED (SELECT * FROM pairs WHERE change IS NOT NULL),
ids AS MATERIALIZED (SELECT DISTINCT address_id FROM changed WHERE direction <> 0),
offers_now AS ({_OFFERS.format(run="$run_id")}),
offers_before AS ({_OFFERS.format(run="$previous")}),
offer_diff AS (
    SELECT coalesce(n.address_id, o.address_id) AS address_id,
           coalesce(n.operator, o.operator) AS operator,
           coalesce(n.technology, o.technology) AS technology,
           o.down_mbps AS down_before, o.up_mbps AS up_before,
           n.down_mbps AS down_after, n.up_mbps AS up_after,
           CASE WHEN o.address_id IS NULL THEN 'offer_added'
                WHEN n.address_id IS NULL THEN 'offer_removed'
                ELSE 'offer_speed_changed' END AS cause,
           CASE WHEN o.address_id IS NULL THEN 1 WHEN n.address_id IS NULL THEN -1
                WHEN n.down_mbps <> o.down_mbps THEN sign(n.down_mbps - o.down_mbps)
                ELSE sign(coalesce(n.up_mbps, 0) - coalesce(o.up_mbps, 0)) END AS direction
    FROM offers_now n FULL JOIN offers_before o
      ON n.address_id = o.address_id AND n.operator = o.operator
     AND n.technology = o.technology
    WHERE o.address_id IS NULL OR n.address_id IS NULL OR n.down_mbps <> o.down_mbps
       OR n.up_mbps IS DISTINCT FROM o.up_mbps
),
offer_cause AS (
    SELECT c.address_id, c.target, d.cause,
           CASE d.cause
             WHEN 'offer_added' THEN 'Nytt tilbud: ' || d.operator || ', ' || {_TECH} || ' '
                  || gapmap_speed_nb(d.down_after, d.up_after)
             WHEN 'offer_removed' THEN 'Tilbud borte: ' || d.operator || ', ' || {_TECH} || ' '
                  || gapmap_speed_nb(d.down_before, d.up_before)
             ELSE 'Endret hastighet: ' || d.operator || ', ' || {_TECH} || ' fra '
                  || gapmap_speed_nb(d.down_before, d.up_before) || ' til '
                  || gapmap_speed_nb(d.down_after, d.up_after) END AS cause_nb
    FROM changed c JOIN offer_diff d ON d.address_id = c.address_id AND d.direction = c.direction
    QUALIFY row_number() OVER (
        PARTITION BY c.address_id, c.target
        ORDER BY greatest(coalesce(d.down_after, 0), coalesce(d.down_before, 0)) DESC,
                 d.cause, d.operator, d.technology) = 1
),
results_diff AS (
    SELECT n.address_id,
           n.nkom_lacking_mbps IS DISTINCT FROM o.nkom_lacking_mbps AS lacking_differs,
           o.nkom_lacking_mbps AS lacking_before, n.nkom_lacking_mbps AS lacking_after,
           {_WIRELESS_DIFFERS} AS wireless_differs,
           {_WIRELESS_NB.format(side="o")} AS wireless_before,
           {_WIRELESS_NB.format(side="n")} AS wireless_after
    FROM address_results n JOIN address_results o ON o.address_id = n.address_id
    WHERE n.run_id = $run_id AND o.run_id = $previous
      AND n.address_id IN (SELECT address_id FROM ids)
),
caused AS (
    SELECT c.*, oc.cause_nb AS offer_nb,
      CASE WHEN c.change = 'new_address' THEN 'address_added'
           WHEN c.change = 'address_gone' THEN 'address_removed'
           WHEN c.change = 'households_changed' THEN 'premises_changed'
           WHEN oc.cause IS NOT NULL THEN oc.cause
           WHEN $lacking_counts AND r.lacking_differs THEN 'lacking_list_changed'
           WHEN $wireless_counts AND r.wireless_differs THEN 'wireless_reach_changed'
           WHEN $config_nb <> '' THEN 'config_changed'
           WHEN $code_nb <> '' THEN 'code_changed'
           ELSE 'unexplained' END AS cause,
      r.lacking_before, r.lacking_after, r.wireless_before, r.wireless_after
    FROM changed c
    LEFT JOIN offer_cause oc ON oc.address_id = c.address_id AND oc.target = c.target
    LEFT JOIN results_diff r ON r.address_id = c.address_id
)
SELECT $run_id AS run_id, $previous AS previous_run_id, address_id, kommunenummer,
       kommunenavn, address_text, x_m, y_m, target, change, class_before, class_after,
       households_before, households_after, cause,
       CASE cause
         WHEN 'address_added' THEN 'Ny adresse i adresseregisteret'
         WHEN 'address_removed' THEN 'Adressen er ikke lenger i adresseregisteret'
         WHEN 'premises_changed' THEN 'Antall husstander endret fra '
              || gapmap_number_nb(households_before) || ' til '
              || gapmap_number_nb(households_after)
         WHEN 'lacking_list_changed' THEN CASE
              WHEN lacking_before IS NULL THEN 'Ført opp på Nkoms liste over adresser som mangler '
                   || gapmap_number_nb(lacking_after) || ' Mbit/s'
              WHEN lacking_after IS NULL THEN 'Fjernet fra Nkoms liste over adresser som mangler '
                   || gapmap_number_nb(lacking_before) || ' Mbit/s'
              ELSE 'Nkoms liste: mangler ' || gapmap_number_nb(lacking_before)
                   || ' Mbit/s endret til mangler ' || gapmap_number_nb(lacking_after)
                   || ' Mbit/s' END
         WHEN 'wireless_reach_changed' THEN 'Trådløs rekkevidde endret fra ' || wireless_before
              || ' til ' || wireless_after
         WHEN 'config_changed' THEN 'Innstilling endret: ' || $config_nb
         WHEN 'code_changed' THEN 'Ny programversjon: ' || $code_nb
         WHEN 'unexplained' THEN 'Uforklart: ingen endring i tilbud, lister, husstander eller'
              || ' innstillinger funnet'
         ELSE offer_nb END AS cause_nb
FROM caused
"""
