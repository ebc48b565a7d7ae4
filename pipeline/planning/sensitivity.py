"""How the total cost moves when each key cost parameter moves (``gapmap sensitivity``).

The cost stage (:func:`pipeline.cost.plan_costs`, as the driver runs it) is re-run on the
latest successful run's own inputs, read back from the store (addresses, which of them were
costed, fibre offers, wireless reach) plus the config's fibre layer and DTM, once per parameter
at −change and +change. Everything else stays as the run had
it: the classes, the areas, the wireless predictions.

A parameter is addressed by its path in :class:`pipeline.config.CostSettings`
(``"fibre.trench_nok_per_m"``); the table names it by its place in the config file
(``[cost.fibre].trench_nok_per_m``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely

from layers.errors import RunError
from pipeline.config import Config, CostSettings, replace_nested
from pipeline.cost import plan_costs, read_cost_layers
from pipeline.rollout import choice as rollout
from pipeline.rollout.fibre import presence_of_fibre
from pipeline.store import latest_succeeded_run, read_store

KEY_PARAMETERS = (
    "fibre.trench_nok_per_m",
    "fibre.cable_nok_per_m",
    "fibre.route_factor",
    "fibre.drop_fixed_nok",
    "fibre.ont_nok",
    "fibre.install_nok",
    "terrain.grade_weight",
    "wireless.cpe_nok",
    "fibre.splitter_nok",
    "new_site.mast_nok",
    "new_site.backhaul_nok",
)


def config_key(parameter: str) -> str:
    """Where a parameter path of :class:`CostSettings` is set in the config file:
    ``"fibre.trench_nok_per_m"`` → ``"[cost.fibre].trench_nok_per_m"``."""
    table, _, key = parameter.rpartition(".")
    return f"[cost.{table}].{key}" if table else f"[cost].{key}"


def parameter_value(settings: CostSettings, parameter: str) -> float:
    """The value at a parameter path: ``"fibre.trench_nok_per_m"`` → ``settings.fibre.…``."""
    value: Any = settings
    for name in parameter.split("."):
        value = getattr(value, name)
    return float(value)


@dataclass(frozen=True)
class CostInputs:
    """What the cost stage needs, as a run left it (the candidate masts' line of sight is
    computed once: it does not depend on the prices)."""

    run_id: str
    rollout: rollout.RolloutInputs


INPUTS_SQL = """
SELECT a.address_id, a.x_m, a.y_m, a.households, a.kommunenummer, r.elevation_m,
       r.cost_nok IS NOT NULL AS costed, coalesce(c.wireless_reachable, false) AS wireless,
       a.address_id IN (SELECT address_id FROM offers
                        WHERE run_id = $run_id AND technology = 'fiber') AS has_fibre
FROM addresses a
JOIN address_results r ON r.run_id = a.run_id AND r.address_id = a.address_id
LEFT JOIN address_classes c
  ON c.run_id = a.run_id AND c.address_id = a.address_id AND c.target = $target
WHERE a.run_id = $run_id
ORDER BY a.address_id
"""


def cost_inputs(config: Config) -> CostInputs:
    """The latest successful run's cost-stage inputs, from the store and the config."""
    if not config.store_path.exists():
        msg = f"{config.store_path}: no store yet; run `gapmap run` first"
        raise RunError(msg)
    with read_store(config.store_path) as connection:
        run_id = latest_succeeded_run(connection, config.store_path)
        frame = connection.execute(
            INPUTS_SQL, {"run_id": run_id, "target": config.cost.target}
        ).df()
        wkb = connection.execute(
            "SELECT geometry_wkb FROM kommuner WHERE run_id = ?", [run_id]
        ).fetchall()
    # the kommune polygons: outside them is sea (pipeline/rollout/sea.py)
    land = shapely.from_wkb(np.array([bytes(row[0]) for row in wkb], dtype=object))
    fibre, roads, factors = read_cost_layers(config.inputs)
    has_fibre = frame["has_fibre"].to_numpy(dtype=bool)
    prepared = rollout.prepare(
        config,
        frame[["address_id", "x_m", "y_m", "households", "kommunenummer", "elevation_m"]],
        frame["costed"].to_numpy(dtype=bool),
        presence_of_fibre(fibre, frame, has_fibre),
        frame["wireless"].to_numpy(dtype=bool),
        roads,
        factors,
        land=land,
    )
    return CostInputs(run_id=run_id, rollout=prepared)


def total_cost_nok(inputs: CostInputs, settings: CostSettings) -> float:
    """Total cost of the costed addresses under ``settings`` (the cost stage, re-run)."""
    costs = plan_costs(inputs.rollout, settings).costs
    return float(np.nansum(costs["cost_nok"].to_numpy()))


def sensitivity(
    inputs: CostInputs,
    settings: CostSettings,
    change: float = 0.2,
    parameters: tuple[str, ...] = KEY_PARAMETERS,
) -> pd.DataFrame:
    """Total cost with each parameter (a path in ``settings``, :data:`KEY_PARAMETERS`) at
    (1 − change) and (1 + change) of its value; ``parameter`` names its config key
    (:func:`config_key`).

    The route factor never goes below 1.0 (a route is never shorter than the straight line).
    """
    if not 0 < change < 1:
        msg = f"change: got {change}, expected a share between 0 and 1 (0.2 = ±20 %)"
        raise RunError(msg)
    base_nok = total_cost_nok(inputs, settings)
    rows = []
    for path in parameters:
        value = parameter_value(settings, path)
        for factor in (1 - change, 1 + change):
            moved = value * factor
            if path == "fibre.route_factor":
                moved = max(moved, 1.0)
            total = total_cost_nok(inputs, replace_nested(settings, {path: moved}))
            rows.append(
                {
                    "parameter": config_key(path),
                    "change": factor - 1,
                    "value": moved,
                    "total_cost_nok": total,
                    "delta_nok": total - base_nok,
                    "delta_share": (total - base_nok) / base_nok if base_nok else np.nan,
                }
            )
    base = {
        "parameter": "(base)",
        "change": 0.0,
        "value": np.nan,
        "total_cost_nok": base_nok,
        "delta_nok": 0.0,
        "delta_share": 0.0,
    }
    return pd.DataFrame([base, *rows])
