"""The changes stage (after aggregate, before publish): what changed since the previous run
and why, per address and target.

The run is compared with the **previous succeeded run of the same target set** (the same
target names with the same speeds in the ``targets`` table), entirely in DuckDB SQL over the
store. Per address and target (``address_changes``, one row per changed pair):

====================== =========================================================================
change                 when
====================== =========================================================================
``newly_served``       not served before, served now
``newly_below_target`` served before, underserved or unserved now
``class_changed``      below the target both times, but the class moved (unserved ↔ underserved)
``new_address``        the address is new in the address register
``address_gone``       the address is no longer in the register
``households_changed`` same class, but its households changed (keeps the summary explained)
====================== =========================================================================

Each row gets one ``cause`` (and ``cause_nb``, bokmål with the evidence), the first that
applies in this priority:

0. ``correction_applied`` / ``correction_withdrawn``: the kommune's corrections applied to the
   address differ from the previous run's (:mod:`pipeline.corrections`), each named with its
   number, claim, operator, submitter and date;
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

from layers.corrections import CLAIMS
from layers.vocabulary import FIXED_TECHNOLOGIES, MOBILE_TECHNOLOGIES
from pipeline.changes_sql import ADDRESS_CHANGES_SQL, MACROS_SQL
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
    "correction_applied",
    "correction_withdrawn",
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
    (:data:`pipeline.changes_sql.ADDRESS_CHANGES_SQL`) and read back the rows, the summary
    and the trend."""
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
            "claim_codes": list(CLAIMS),
            "claim_nb": list(CLAIMS.values()),
        },
    )
