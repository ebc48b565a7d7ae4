"""The scenarios' tables: the comparison with the run, and what is stored under the run.

:func:`comparison` is ``tables/scenarios.csv``: per level the run (``base``) and each scenario
(:mod:`pipeline.scenarios`), with the change against the run in households below each target,
in cost and in subsidy need. :func:`store_scenarios` keeps it under the run (long by target),
with the classes each scenario changes (:func:`changed_classes`, for the maps).
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pandas as pd

from pipeline.config import Config
from pipeline.scenarios import LEVEL_KEYS, ScenarioResult, base_result, on_the_maps, summary
from pipeline.store import append


def comparison(
    config: Config,
    results: pd.DataFrame,
    scenario_results: Sequence[ScenarioResult],
    gap_table: pd.DataFrame,
) -> pd.DataFrame:
    """``tables/scenarios.csv``: per level the run (``base``) and each scenario, with the
    change against the run in households below each target and in cost."""
    identity = gap_table[["level", "fylkesnummer", "kommunenummer", "kommunenavn"]]
    viable = config.cost.commercially_viable_nok_per_household
    parts = [summary(base_result(config, results), identity, viable)]
    parts += [summary(r, identity, viable) for r in scenario_results]
    table = pd.concat(parts, ignore_index=True)
    if "budget_households_reached" in table.columns:  # whole households; none for the others
        table["budget_households_reached"] = table["budget_households_reached"].astype("Int64")
    base = parts[0].set_index(list(LEVEL_KEYS))
    keyed = table.set_index(list(LEVEL_KEYS))
    for target in config.targets:
        below = f"below_target_households_{target.name}"
        change = keyed[below] - base[below].reindex(keyed.index)
        table[f"below_target_change_{target.name}"] = change.to_numpy().astype("int64")
    table["cost_change_nok"] = (
        keyed["cost_nok"] - base["cost_nok"].reindex(keyed.index)
    ).to_numpy()
    table["subsidy_need_change_nok"] = (
        keyed["subsidy_need_nok"] - base["subsidy_need_nok"].reindex(keyed.index)
    ).to_numpy()
    return table[_comparison_columns(config, table)]


def _comparison_columns(config: Config, table: pd.DataFrame) -> list[str]:
    names = [t.name for t in config.targets]
    columns = ["scenario", "scenario_label_nb", "level", "fylkesnummer", "kommunenummer"]
    columns += ["kommunenavn", "households"]
    for name in names:
        columns += [f"below_target_households_{name}", f"below_target_change_{name}"]
    columns += ["households_below_cost_target", "cost_nok", "cost_change_nok"]
    columns += ["subsidy_need_nok", "subsidy_need_change_nok"]
    columns += [
        c for c in ("budget_nok", "budget_households_reached", "budget_cost_nok") if c in table
    ]
    return columns


def changed_classes(result: ScenarioResult, results: pd.DataFrame) -> pd.DataFrame:
    """The addresses whose class under a target the scenario changes: ``scenario``,
    ``address_id``, ``target``, ``class`` (the scenario's), for the store and the maps."""
    parts = []
    for target in result.config.targets:
        column = f"class_{target.name}"
        now = result.frame[column]
        differs = (now != results[column]).to_numpy()
        parts.append(
            pd.DataFrame(
                {
                    "scenario": result.scenario.name,
                    "address_id": results.loc[differs, "address_id"].to_numpy("int64"),
                    "target": target.name,
                    "class": now[differs].astype(str).to_numpy(),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def store_scenarios(
    connection: duckdb.DuckDBPyConnection,
    run_id: str,
    compared: pd.DataFrame,
    changed: pd.DataFrame,
) -> None:
    """``scenario_summary`` (the comparison, long by target), ``scenario_costs`` and
    ``scenario_classes`` (``changed``: :func:`all_changed_classes`) under ``run_id``."""
    keys = ["scenario", "scenario_label_nb", *LEVEL_KEYS]
    prefix = "below_target_households_"
    targets = [str(c).removeprefix(prefix) for c in compared.columns if str(c).startswith(prefix)]
    long = pd.concat(
        [
            compared[[*keys, "households"]].assign(
                target=name, below_target_households=compared[f"below_target_households_{name}"]
            )
            for name in targets
        ],
        ignore_index=True,
    ).rename(columns={"scenario_label_nb": "label_nb"})
    append(connection, "scenario_summary", run_id, long)
    cost_columns = [
        c
        for c in (
            "households_below_cost_target",
            "cost_nok",
            "subsidy_need_nok",
            "budget_nok",
            "budget_households_reached",
            "budget_cost_nok",
        )
        if c in compared
    ]
    append(connection, "scenario_costs", run_id, compared[["scenario", *LEVEL_KEYS, *cost_columns]])
    if len(changed):
        append(connection, "scenario_classes", run_id, changed)


def all_changed_classes(
    scenario_results: Sequence[ScenarioResult], results: pd.DataFrame
) -> pd.DataFrame:
    """:func:`changed_classes` of every scenario, one table."""
    parts = [changed_classes(r, results) for r in scenario_results]
    empty = pd.DataFrame({"scenario": [], "address_id": [], "target": [], "class": []})
    return pd.concat(parts, ignore_index=True) if parts else empty


def with_scenario_classes(
    addresses: pd.DataFrame, config: Config, changed: pd.DataFrame | None
) -> pd.DataFrame:
    """The maps' addresses with each scenario's class per target
    (:func:`maps.address_data.scenario_column`) for each scenario of
    :func:`pipeline.scenarios.on_the_maps`: the run's class where the scenario changes none
    (categorical: a byte an address)."""
    if changed is None or not config.scenarios:
        return addresses
    columns = {}
    for index, scenario in enumerate(on_the_maps(config)):
        mine = changed.loc[changed["scenario"] == scenario.name]
        for target in config.targets:
            rows = mine.loc[mine["target"] == target.name]
            base = addresses[f"class_{target.name}"].astype("object")
            override = addresses["address_id"].map(rows.set_index("address_id")["class"])
            classes = override.where(override.notna(), base)
            columns[f"scenario{index}_class_{target.name}"] = classes.astype("category")
    return addresses.assign(**columns)
