"""Stage 7, cost: what reaching each household below the cost target would cost, and how.

The engines are in :mod:`pipeline.rollout`: fibre trees (:mod:`pipeline.rollout.fibre`,
:mod:`pipeline.rollout.trees`), routes over roads, new masts and the least-cost choice per
household (:mod:`pipeline.rollout.choice`).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.cost_factors import read_cost_factors
from layers.network import read_network
from layers.roads import read_roads
from maps.worker_pool import Pool
from pipeline.classify import Classified
from pipeline.config import Config, CostSettings, Inputs
from pipeline.coverage import Coverage
from pipeline.ingest import Ingested
from pipeline.progress import NO_PROGRESS, Progress
from pipeline.radio.reach_cache import ReachCache
from pipeline.rollout import choice as rollout
from pipeline.rollout import fibre
from pipeline.rollout.choice import cost_counts

__all__ = [
    "Costed",
    "cost_counts",
    "cost_detail",
    "cost_stage",
    "costed_addresses",
    "plan_costs",
]


@dataclass(frozen=True)
class Costed:
    """Per address the options and the choice (NaN where not costed), aligned to the
    addresses; and the candidate masts with the households that take them."""

    costs: pd.DataFrame
    masts: pd.DataFrame


def cost_stage(
    config: Config,
    inputs: Ingested,
    terrain: pd.DataFrame,
    covered: Coverage,
    classified: Classified,
    progress: Progress = NO_PROGRESS,
    work: tuple[Pool | None, ReachCache | None] = (None, None),
) -> Costed:
    """The cost stage: the costed addresses' options and choice (:mod:`pipeline.rollout.choice`),
    and the candidate masts with the households that take them. Its engines work on all
    kommuner at once, so ``progress`` counts its two steps: the project areas and candidate
    masts, then the choice. The masts' line of sight runs on ``work`` (the run's pool and
    reach cache)."""
    with progress.track("cost", 2, unit="steps") as advance:
        planned = _prepare(config, inputs, (terrain, covered, classified), work)
        advance(1)
        costed = plan_costs(planned, config.cost)
        advance(1)
    return costed


def _prepare(
    config: Config,
    inputs: Ingested,
    stages: tuple[pd.DataFrame, Coverage, Classified],
    work: tuple[Pool | None, ReachCache | None],
) -> rollout.RolloutInputs:
    terrain, covered, classified = stages
    addresses = inputs.addresses
    return rollout.prepare(
        config,
        pd.concat([addresses, terrain[["elevation_m"]]], axis=1),
        costed_addresses(config, classified.classes, covered, addresses),
        fibre.presence_of_fibre(inputs.fibre, addresses, covered.has_fibre),
        classified.reachable[f"wireless_{config.cost.target}"].to_numpy(),
        inputs.roads,
        inputs.cost_factors,
        land=_land(inputs),  # outside the kommuner is sea (rollout/sea.py)
        work=work,
    )


def _land(inputs: Ingested) -> np.ndarray:
    """The land polygons: the inputs' own (a preview's national kommuner), else the kommuner."""
    return inputs.land if inputs.land is not None else inputs.kommuner.geometry.to_numpy()


def plan_costs(planned: rollout.RolloutInputs, settings: CostSettings) -> Costed:
    """The cost stage's choice under ``settings`` on prepared inputs (what does not depend on
    the prices, such as the candidate masts' line of sight, is prepared once): the driver's
    run, and ``gapmap sensitivity``'s re-runs at other prices."""
    costs = rollout.plan(planned, settings)
    return Costed(costs, rollout.mast_summary(planned, costs, settings))


def cost_detail(costed: Costed) -> dict[str, str]:
    """The cost stage's line on the console: rounds, masts taken and the total."""
    costs = costed.costs
    taken = costs.loc[costs["cost_option"] == "fwa_new_site", "new_site_id"]
    return {
        "rounds": str(costs.attrs["replan_rounds"]),
        "new_sites": str(taken.nunique()),
        "total_nok": f"{costs['cost_nok'].sum():,.0f}",
    }


def costed_addresses(
    config: Config, classes: pd.DataFrame, covered: Coverage, addresses: pd.DataFrame
) -> np.ndarray:
    """The addresses the cost stage costs: below the cost target, outside funded and planned
    areas (they will be reached anyway) and with households (a cabin or a barn without one
    has no one to connect)."""
    below = (classes[f"class_{config.cost.target}"] != "served").to_numpy()
    outside_areas = (covered.columns["area_status"] == "").to_numpy()
    return np.asarray(below & outside_areas & _costed_premises(addresses), dtype=bool)


def _costed_premises(addresses: pd.DataFrame) -> np.ndarray:
    """The premises stage's ``premises_costed`` ([premises].costed_classes), else households > 0."""
    if "premises_costed" in addresses:
        return np.asarray(addresses["premises_costed"], dtype=bool)
    return np.asarray(addresses["households"] > 0, dtype=bool)


def read_cost_layers(
    inputs: Inputs,
) -> tuple[gpd.GeoDataFrame | None, gpd.GeoDataFrame | None, pd.DataFrame | None]:
    """The layers the cost stage draws on beside the addresses, read from the config's files:
    the fibre network, the roads and the kommune cost factors (None where not given); for the
    tools that run the cost stage again on a stored run (``gapmap sensitivity``,
    ``gapmap scenario run``)."""
    fibre_lines = read_network(inputs.fibre, inputs.fibre_crs).accepted if inputs.fibre else None
    roads = None
    if inputs.roads:
        layer = inputs.roads_layer or None
        roads = read_roads(inputs.roads, crs=inputs.roads_crs or None, layer=layer).accepted
    factors = None
    if inputs.kommune_cost_factors:
        factors = read_cost_factors(inputs.kommune_cost_factors).accepted
    return fibre_lines, roads, factors
