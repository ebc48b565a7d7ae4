"""The scenarios stage: each ``[scenarios.<name>]`` computed from classify onward again.

A scenario (:mod:`pipeline.config_scenarios`) changes what decides a class or a cost; the stage
runs coverage → classify → cost once more per scenario on the run's own inputs, as the
address stages left them (located, premises, terrain, line of sight: nothing is read again),
and sums the result per kommune, fylke and nation beside the run's own (``base``). The cost
stage runs only when the scenario changes what it reads (the costed addresses, the fibre
offers, the wireless reach at the cost target: :func:`cost_inputs_of`); otherwise the run's
costs are the scenario's, exactly. The scenarios:

- ``copper_off``: xDSL offers are not counted (``[classify] count_copper = false``);
- ``count_mobile`` / ``count_satellite``: those offers count (or not);
- ``planned_delivered`` / ``funded_delivered``: every address inside a planned (funded) area
  whose build date is on or before ``delivered_by`` (any area, dated or not, when it is empty)
  gets the delivered offer: the speed the area states (``down_mbps`` / ``up_mbps`` of the
  areas file), else ``delivered_down_mbps`` / ``delivered_up_mbps``, as
  ``delivered_technology``, operator "Planlagt utbygging" / "Støttet utbygging";
- ``target_speeds``: a target's speeds changed (the cost target's too, so cost follows);
- ``budget_nok``: what the budget reaches along the cost curve. The project areas (the cost
  stage's clusters; an address outside a cluster is its own) are taken cheapest per household
  first while the running sum stays within the budget, per kommune (each kommune with the whole
  budget), per fylke and for the nation:

      budget_households_reached = Σ households of the areas taken
      budget_cost_nok = Σ cost of the areas taken ≤ budget_nok

Eligibility for support stays the run's (a scenario does not move the rules' areas), so the
subsidy need is that of the scenario's costs over the run's eligible addresses. Only the
scenario's changed classes are kept per address (``scenario_classes``), for the maps.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
import shapely

from maps.worker_pool import Pool
from pipeline.aggregate import with_subsidy_need
from pipeline.classify import Classified, classify_stage
from pipeline.config import Config
from pipeline.config_scenarios import BASE, BASE_LABEL_NB, Scenario
from pipeline.cost import cost_stage, costed_addresses
from pipeline.coverage import Coverage, coverage_stage
from pipeline.exact import exact_sum, level_sums
from pipeline.ingest import Ingested
from pipeline.progress import NO_PROGRESS, Progress
from pipeline.radio.reach_cache import ReachCache

DELIVERED_OPERATOR_NB: Final = {"planned": "Planlagt utbygging", "funded": "Støttet utbygging"}
PER_ADDRESS: Final = ("address_id", "kommunenummer", "fylkesnummer", "households")
COST_COLUMNS: Final = ("cost_nok", "cluster_id")
LEVEL_KEYS: Final = ("level", "fylkesnummer", "kommunenummer")


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario's per-address classes and costs, aligned to the run's addresses."""

    scenario: Scenario
    config: Config  # the run's config as the scenario changes it
    frame: pd.DataFrame  # PER_ADDRESS, class_<t> per target, cost_nok, cluster_id, eligible


def scenario_config(config: Config, scenario: Scenario) -> Config:
    """``config`` as ``scenario`` changes it: the counted technologies and the targets."""
    classify = config.classify
    changes: dict[str, Any] = {}
    if scenario.copper_off:
        changes["count_copper"] = False
    if scenario.count_mobile is not None:
        changes["count_mobile"] = scenario.count_mobile
    if scenario.count_satellite is not None:
        changes["count_satellite"] = scenario.count_satellite
    speeds = {name: (down, up) for name, down, up in scenario.target_speeds}
    targets = tuple(
        dataclasses.replace(t, down_mbps=speeds[t.name][0], up_mbps=speeds[t.name][1])
        if t.name in speeds
        else t
        for t in config.targets
    )
    return dataclasses.replace(
        config, classify=dataclasses.replace(classify, **changes), targets=targets
    )


def _stated(areas: pd.DataFrame, column: str, default: float) -> np.ndarray:
    """Each area's stated speed (``down_mbps`` / ``up_mbps`` of :mod:`layers.areas`), else
    the scenario's delivered speed."""
    if column not in areas.columns:
        return np.full(len(areas), default, dtype="float64")
    stated = pd.to_numeric(areas[column], errors="coerce").astype("float64")
    return stated.fillna(default).to_numpy(dtype="float64")


def delivered_offers(inputs: Ingested, scenario: Scenario) -> pd.DataFrame:
    """The offers a scenario's delivered areas give: one per address inside a planned or
    funded area it delivers (module docstring), in the offers' columns."""
    statuses = [
        status
        for status, wanted in (
            ("planned", scenario.planned_delivered),
            ("funded", scenario.funded_delivered),
        )
        if wanted
    ]
    areas = inputs.areas
    empty = inputs.offers.iloc[:0]
    if not statuses or areas is None or areas.empty:
        return empty
    chosen = areas.loc[areas["status"].isin(statuses)]
    by = scenario.delivered_by_date
    if by is not None:
        dates = pd.to_datetime(chosen["build_date"])
        chosen = chosen.loc[(dates.notna() & (dates <= pd.Timestamp(by))).to_numpy()]
    if chosen.empty:
        return empty
    addresses = inputs.addresses
    points = np.asarray(shapely.points(addresses["x_m"], addresses["y_m"]))
    area, point = shapely.STRtree(points).query(chosen.geometry.to_numpy(), predicate="intersects")
    rows = pd.DataFrame(
        {
            "address_id": addresses["address_id"].to_numpy()[point],
            "status": chosen["status"].to_numpy()[area],
            "down": _stated(chosen, "down_mbps", scenario.delivered_down_mbps)[area],
            "up": _stated(chosen, "up_mbps", scenario.delivered_up_mbps)[area],
        }
    )
    # an address in a funded and a planned area gets one offer, the funded one's name
    rows = rows.sort_values("status", key=lambda s: s.ne("funded")).drop_duplicates("address_id")
    offers = pd.DataFrame(
        {
            "address_id": rows["address_id"].to_numpy("int64"),
            "operator": rows["status"].map(DELIVERED_OPERATOR_NB).to_numpy(dtype=object),
            "technology": scenario.delivered_technology,
            "down_mbps": rows["down"].to_numpy(dtype="float64"),
            "up_mbps": rows["up"].to_numpy(dtype="float64"),
            "source": f"scenario {scenario.name}",
            "source_date": pd.NaT,
            "row_number": -1,
        }
    )
    present = [c for c in inputs.offers.columns if c in offers.columns]
    return offers[present].astype({c: inputs.offers[c].dtype for c in present})


def on_the_maps(config: Config) -> list[Scenario]:
    """The scenarios the maps' picker offers: those that can change a class (a budget alone
    changes none; it is in the tables and the brief)."""
    return [s for s in config.scenarios if _changes_classes(s)]


def _changes_classes(scenario: Scenario) -> bool:
    """Whether the scenario is more than a budget (a budget alone reuses the run's classes
    and costs)."""
    return scenario != Scenario(scenario.name, scenario.label_nb, budget_nok=scenario.budget_nok)


def _frame(
    config: Config, results: pd.DataFrame, classes: pd.DataFrame, costs: pd.DataFrame
) -> pd.DataFrame:
    """The per-address columns a scenario's sums need."""
    columns = {c: results[c] for c in PER_ADDRESS}
    for target in config.targets:
        columns[f"class_{target.name}"] = classes[f"class_{target.name}"]
    for column in COST_COLUMNS:
        columns[column] = costs[column]
    if "eligible" in results.columns:
        columns["eligible"] = results["eligible"]
    return pd.DataFrame(columns, index=results.index)


def cost_inputs_of(
    config: Config, inputs: Ingested, covered: Coverage, classified: Classified
) -> tuple[np.ndarray, ...]:
    """What the cost stage reads that a scenario can change: which addresses are costed, which
    have a fibre offer, and which the wireless reach meets at the cost target. Two equal
    tuples give the same costs (the rest, the positions, terrain, fibre, roads, are the run's)."""
    return (
        costed_addresses(config, classified.classes, covered, inputs.addresses),
        np.asarray(covered.has_fibre, dtype=bool),
        classified.reachable[f"wireless_{config.cost.target}"].to_numpy(dtype=bool),
    )


def _same(left: tuple[np.ndarray, ...], right: tuple[np.ndarray, ...]) -> bool:
    return all(np.array_equal(a, b) for a, b in zip(left, right, strict=True))


def run_scenario(
    config: Config,
    inputs: Ingested,
    results: pd.DataFrame,
    scenario: Scenario,
    work: tuple[Progress, Pool | None, ReachCache | None] = (NO_PROGRESS, None, None),
    base_cost_inputs: tuple[np.ndarray, ...] | None = None,
) -> ScenarioResult:
    """One scenario on the run's located inputs and the address stages' ``results`` (their
    terrain and line-of-sight columns are reused). The cost stage runs again only when the
    scenario changes what it reads (:func:`cost_inputs_of` against ``base_cost_inputs``, the
    run's); else the run's costs are the scenario's, exactly."""
    changed = scenario_config(config, scenario)
    if not _changes_classes(scenario):
        return ScenarioResult(scenario, changed, _frame(changed, results, results, results))
    progress, pool, cache = work
    offers = pd.concat([inputs.offers, delivered_offers(inputs, scenario)], ignore_index=True)
    scenario_inputs = dataclasses.replace(inputs, offers=offers)
    covered = coverage_stage(changed, scenario_inputs)
    classified = classify_stage(changed, inputs.addresses, covered, results)
    own = cost_inputs_of(changed, inputs, covered, classified)
    if base_cost_inputs is not None and _same(own, base_cost_inputs):
        return ScenarioResult(
            scenario, changed, _frame(changed, results, classified.classes, results)
        )
    elevation = results[["elevation_m"]]
    costed = cost_stage(
        changed, scenario_inputs, elevation, covered, classified, progress, (pool, cache)
    )
    return ScenarioResult(
        scenario, changed, _frame(changed, results, classified.classes, costed.costs)
    )


def run_scenarios(
    config: Config,
    inputs: Ingested,
    results: pd.DataFrame,
    work: tuple[Progress, Pool | None, ReachCache | None] = (NO_PROGRESS, None, None),
) -> list[ScenarioResult]:
    """Every ``[scenarios]`` table of ``config``, in its order; the run's own cost inputs are
    found once (coverage and classify again on its inputs) to tell which need a cost stage."""
    base: tuple[np.ndarray, ...] | None = None
    if any(_changes_classes(s) for s in config.scenarios):
        covered = coverage_stage(config, inputs)
        classified = classify_stage(config, inputs.addresses, covered, results)
        base = cost_inputs_of(config, inputs, covered, classified)
    return [run_scenario(config, inputs, results, s, work, base) for s in config.scenarios]


def _projects(frame: pd.DataFrame) -> pd.DataFrame:
    """The costed addresses as project areas (cluster; an address outside one is its own):
    kommune, fylke, households, cost and cost per household."""
    costed = frame.loc[frame["cost_nok"].notna()]
    cluster = costed["cluster_id"].fillna(-1).to_numpy("int64")
    own = np.where(cluster >= 0, cluster, -1 - costed["address_id"].to_numpy("int64"))
    keyed = costed.assign(_project=own)
    projects = keyed.groupby(["fylkesnummer", "kommunenummer", "_project"], as_index=False).agg(
        households=("households", "sum"), cost_nok=("cost_nok", exact_sum)
    )
    households = projects["households"].where(projects["households"] > 0)
    projects["per_household"] = (projects["cost_nok"] / households).fillna(np.inf)
    return projects.sort_values(["per_household", "kommunenummer", "_project"], kind="stable")


def budget_reach(frame: pd.DataFrame, budget_nok: float, identity: pd.DataFrame) -> pd.DataFrame:
    """Per level (``identity``'s rows): ``budget_households_reached`` and ``budget_cost_nok``
    when ``budget_nok`` is spent on the cheapest project areas per household first, taken while
    the running sum stays within the budget (module docstring)."""
    projects = _projects(frame)
    out = identity.copy()
    reached = np.zeros(len(identity))
    spent = np.zeros(len(identity))
    for level, key in (("kommune", "kommunenummer"), ("fylke", "fylkesnummer"), ("total", None)):
        groups = projects[key] if key else pd.Series("total", index=projects.index)
        running = projects.groupby(groups.to_numpy())["cost_nok"].cumsum()
        taken = projects.loc[(running <= budget_nok).to_numpy()]
        taken_groups = taken[key] if key else pd.Series("total", index=taken.index)
        households = taken.groupby(taken_groups.to_numpy())["households"].sum()
        cost = taken.groupby(taken_groups.to_numpy())["cost_nok"].agg(exact_sum)
        rows = (identity["level"] == level).to_numpy()
        keys = identity.loc[rows, key] if key else pd.Series("total", index=identity.index[rows])
        reached[rows] = keys.map(households).fillna(0).to_numpy(float)
        spent[rows] = keys.map(cost).fillna(0).to_numpy(float)
    out["budget_nok"] = budget_nok
    out["budget_households_reached"] = np.round(reached).astype("int64")
    out["budget_cost_nok"] = spent
    return out


def summary(
    result: ScenarioResult, identity: pd.DataFrame, viable_nok_per_household: float
) -> pd.DataFrame:
    """One scenario's row per level: households below each target, the cost of reaching the
    cost target, the subsidy need and, with a budget, what it reaches."""
    config, frame = result.config, result.frame
    below = {
        f"below_target_households_{t.name}": frame["households"]
        * (frame[f"class_{t.name}"] != "served")
        for t in config.targets
    }
    sums = frame[["kommunenummer", "fylkesnummer"]].assign(
        households=frame["households"],
        **below,
        households_below_cost_target=frame["households"].where(frame["cost_nok"].notna(), 0),
        cost_nok=frame["cost_nok"].fillna(0.0),
    )
    columns = ["households", *below, "households_below_cost_target", "cost_nok"]
    table = identity.assign(**level_sums(sums, columns, identity))
    counts = [c for c in columns if c != "cost_nok"]
    table[counts] = table[counts].round().astype("int64")
    table = with_subsidy_need(table, frame, viable_nok_per_household)
    if result.scenario.budget_nok is not None:
        budget = budget_reach(frame, result.scenario.budget_nok, identity)
        table = table.assign(
            **{c: budget[c] for c in ("budget_nok", "budget_households_reached", "budget_cost_nok")}
        )
    return table.assign(scenario=result.scenario.name, scenario_label_nb=result.scenario.label)


def base_result(config: Config, results: pd.DataFrame) -> ScenarioResult:
    """The run itself, as the comparison's first row (``base``)."""
    scenario = Scenario(BASE, BASE_LABEL_NB)
    return ScenarioResult(scenario, config, _frame(config, results, results, results))


def of_addresses(result: ScenarioResult, address_ids: pd.Series) -> ScenarioResult:
    """A kommune preview's part of a scenario: its addresses' rows, in ``address_ids``' order
    (the neighbours' rows served the scenario's cost stage)."""
    frame = result.frame.set_index("address_id", drop=False).loc[address_ids.to_numpy()]
    return dataclasses.replace(result, frame=frame.set_index(address_ids.index))
