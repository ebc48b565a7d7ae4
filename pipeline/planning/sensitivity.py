"""How the total cost moves when each key cost parameter moves (``gapmap sensitivity``).

The cost stage is re-run on the latest successful run's own inputs, read back from the store
(addresses, which of them were costed, fibre offers, wireless reach) plus the config's fibre
layer and DTM, once per parameter at −change and +change. Everything else stays as the run had
it: the classes, the areas, the wireless predictions.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from layers.cost_factors import read_cost_factors
from layers.errors import RunError
from layers.network import read_network
from layers.roads import read_roads
from pipeline.config import Config, CostSettings
from pipeline.rollout import choice as rollout
from pipeline.rollout.fibre import presence_of_fibre
from pipeline.store import latest_succeeded_run

KEY_PARAMETERS = (
    "trench_nok_per_m",
    "cable_nok_per_m",
    "route_factor",
    "drop_fixed_nok",
    "ont_nok",
    "install_nok",
    "terrain_grade_weight",
    "fwa_cpe_nok",
    "splitter_nok",
    "new_site_mast_nok",
    "new_site_backhaul_nok",
)


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
    with duckdb.connect(str(config.store_path), read_only=True) as connection:
        run_id = latest_succeeded_run(connection, config.store_path)
        frame = connection.execute(
            INPUTS_SQL, {"run_id": run_id, "target": config.cost.target}
        ).df()
    inputs = config.inputs
    fibre = read_network(inputs.fibre).accepted if inputs.fibre else None
    roads = (
        read_roads(inputs.roads, layer=inputs.roads_layer or None).accepted
        if inputs.roads
        else None
    )
    factors = (
        read_cost_factors(inputs.kommune_cost_factors).accepted
        if inputs.kommune_cost_factors
        else None
    )
    has_fibre = frame["has_fibre"].to_numpy(dtype=bool)
    prepared = rollout.prepare(
        config,
        frame[["address_id", "x_m", "y_m", "households", "kommunenummer", "elevation_m"]],
        frame["costed"].to_numpy(dtype=bool),
        presence_of_fibre(fibre, frame, has_fibre),
        frame["wireless"].to_numpy(dtype=bool),
        roads,
        factors,
    )
    return CostInputs(run_id=run_id, rollout=prepared)


def total_cost_nok(inputs: CostInputs, settings: CostSettings) -> float:
    """Total cost of the costed addresses under ``settings`` (the cost stage, re-run)."""
    return float(np.nansum(rollout.plan(inputs.rollout, settings)["cost_nok"].to_numpy()))


def sensitivity(
    inputs: CostInputs,
    settings: CostSettings,
    change: float = 0.2,
    parameters: tuple[str, ...] = KEY_PARAMETERS,
) -> pd.DataFrame:
    """Total cost with each parameter at (1 − change) and (1 + change) of its value.

    ``route_factor`` never goes below 1.0 (a route is never shorter than the straight line).
    """
    if not 0 < change < 1:
        msg = f"change: got {change}, expected a share between 0 and 1 (0.2 = ±20 %)"
        raise RunError(msg)
    base_nok = total_cost_nok(inputs, settings)
    rows = []
    for name in parameters:
        value = getattr(settings, name)
        for factor in (1 - change, 1 + change):
            moved = value * factor
            if name == "route_factor":
                moved = max(moved, 1.0)
            total = total_cost_nok(inputs, dataclasses.replace(settings, **{name: moved}))
            rows.append(
                {
                    "parameter": name,
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
