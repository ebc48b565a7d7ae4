"""The cost stage's choice: the least-cost option that meets the target, per household below it.

Options per address (``h`` its households):

.. math::

    C_{fiber}(a) &= \\text{its share of the fibre tree (pipeline.rollout.fibre)} \\\\
    C_{fwa}(a) &= h\\,c_{CPE} \\quad \\text{(an existing site in sight meets the target)} \\\\
    C_{new}(a) &= h\\Big(c_{CPE} + \\frac{C_{site}(s)}{H_s}\\Big)
        \\quad \\text{(a new mast } s \\text{ reaches it; } H_s \\text{ households take it)} \\\\
    C_{sat}(a) &= h\\,(c_{terminal} + 12\\,Y\\,c_{month})
        \\quad \\text{(only when the policy counts satellite)}

Choosing starts per project area: the households a new mast reaches take it when that costs
less than their fibre shares (every household on the trees). Then it is a fixed point: every
household takes its cheapest option; the fibre trees are
re-planned without the households that left them (their neighbours' shares of the shared
trench rise) and each new mast is shared by the households that took it; repeat until nothing
changes or ``[cost].max_replan_rounds``. A household that left fibre does not come back, so the
rounds end. The per-area start cannot see what its move leaves behind (the households of the
area's tree that the mast does not reach pay for the tree alone), so the fixed point from no
mast at all is found too, and the plan that costs less in total (by ``choose_by``) is kept: a
mast is never proposed where it makes the whole plan dearer. The reported costs are always those
of the final assignment: the tree shares and the mast shares add up to the trees' and masts'
costs to the krone.

Lifetime view: with annuity factor :math:`A = (1 - (1 + r)^{-n}) / r` (:math:`A = n` at
:math:`r = 0`), the present value of an option is :math:`C (1 + o A)` for capex :math:`C` and
yearly opex share :math:`o` (``[cost.lifetime]``); satellite is
:math:`h (c_{terminal} + 12 c_{month} A)`. ``[cost].choose_by = "lifetime"`` chooses by it;
``cost_nok`` stays the investment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.cost_factors import factor_per_address
from maps.worker_pool import Pool
from pipeline.config import Config, CostSettings, LifetimeSettings
from pipeline.radio.clutter import clutter_of_inputs
from pipeline.radio.reach_cache import ReachCache
from pipeline.rollout.area_ids import area_ids
from pipeline.rollout.fibre import CostContext, FibrePresence, cost_per_address
from pipeline.rollout.masts import NewSites, fixed_cost_nok, new_sites
from pipeline.rollout.road_graph import road_graph
from pipeline.rollout.routing import CachedRoutes
from pipeline.rollout.trees import single_linkage_clusters

OPTIONS = ("fiber", "fwa", "fwa_new_site", "satellite")
FIBER, FWA, NEW_SITE, SATELLITE = range(len(OPTIONS))


def annuity_factor(rate: float, years: float) -> float:
    """Present value of 1 NOK a year for ``years`` at ``rate``: (1 − (1 + r)^−n) / r."""
    if rate == 0:
        return float(years)
    return float((1.0 - (1.0 + rate) ** -years) / rate)


def present_value_factors(settings: LifetimeSettings) -> tuple[float, float]:
    """Present value per NOK of capex over the lifetime, fibre and wireless: 1 + o A."""
    annuity = annuity_factor(settings.discount_rate, settings.years)
    return (
        1.0 + settings.fiber_opex_share_per_year * annuity,
        1.0 + settings.wireless_opex_share_per_year * annuity,
    )


def satellite_nok(households: np.ndarray, settings: CostSettings) -> tuple[np.ndarray, np.ndarray]:
    """Satellite per address: terminal + subscription over ``[cost.satellite].period_years``
    (the investment view), and its present value over the lifetime."""
    satellite = settings.satellite
    yearly_nok = 12.0 * satellite.subscription_nok_per_month
    annuity = annuity_factor(settings.lifetime.discount_rate, settings.lifetime.years)
    terminal_nok = satellite.terminal_nok
    return (
        households * (terminal_nok + yearly_nok * satellite.period_years),
        households * (terminal_nok + yearly_nok * annuity),
    )


@dataclass(frozen=True)
class RolloutInputs:
    """What the cost stage decides on, aligned to ``addresses``' rows."""

    addresses: pd.DataFrame  # x_m, y_m, households, kommunenummer (elevation_m optional)
    costed: np.ndarray  # below the cost target and not funded or planned
    presence: FibrePresence
    existing_wireless: np.ndarray  # an existing site in sight meets the target
    new_sites: NewSites | None = None
    context: CostContext = field(default_factory=CostContext)


def prepare(
    config: Config,
    addresses: pd.DataFrame,
    costed: np.ndarray,
    presence: FibrePresence,
    existing_wireless: np.ndarray,
    roads: gpd.GeoDataFrame | None = None,
    cost_factors: pd.DataFrame | None = None,
    land: np.ndarray | None = None,
    work: tuple[Pool | None, ReachCache | None] = (None, None),
) -> RolloutInputs:
    """Everything :func:`plan` needs: the candidate masts of the project areas (line of sight
    from the DTM), the road graph, each address's kommune cost factor and the land (the
    kommune polygons, EPSG:25833: fibre edges outside them are sea, :mod:`pipeline.rollout.sea`).
    The masts' line of sight runs on ``work`` (a pool and a reach cache; default: here, none)."""
    settings = config.cost
    cluster_id = project_clusters(addresses, costed, settings)
    area_id = address_area_ids(addresses, cluster_id)
    sites = new_sites(
        addresses,
        costed,
        cluster_id[costed],
        presence,
        config.inputs.dtm,
        config.target(settings.target),
        settings,
        config.wireless,
        area_id[costed],
        work,
        clutter_of_inputs(config.inputs, config.wireless.clutter),
    )
    context = CostContext(
        dtm=config.inputs.dtm,
        kommune_factor=factor_per_address(cost_factors, addresses["kommunenummer"]),
        roads=CachedRoutes(road_graph(roads)) if roads is not None and len(roads) else None,
        land=land,
    )
    return RolloutInputs(addresses, costed, presence, existing_wireless, sites, context)


def project_clusters(
    addresses: pd.DataFrame, costed: np.ndarray, settings: CostSettings
) -> np.ndarray:
    """The project areas: single-linkage cluster id per costed address (-1 elsewhere)."""
    cluster_id = np.full(len(addresses), -1, np.int64)
    cluster_id[costed] = single_linkage_clusters(
        addresses["x_m"].to_numpy()[costed],
        addresses["y_m"].to_numpy()[costed],
        settings.fibre.cluster_distance_m,
    )
    return cluster_id


def address_area_ids(addresses: pd.DataFrame, cluster_id: np.ndarray) -> np.ndarray:
    """The stable project area id of each address (:mod:`pipeline.rollout.area_ids`), named
    by ``address_id`` (the row index where the frame has none); None off the areas."""
    address_id = (
        addresses["address_id"].to_numpy()
        if "address_id" in addresses.columns
        else addresses.index.to_numpy()
    )
    return area_ids(addresses["kommunenummer"].to_numpy(), cluster_id, address_id)


def _new_site_nok(
    sites: NewSites, households: np.ndarray, takers: np.ndarray, settings: CostSettings
) -> np.ndarray:
    """Each address's cost if it takes its mast, sharing it with the mast's other takers."""
    reached = sites.mast_of >= 0
    cost = np.full(len(households), np.inf)
    if not reached.any():
        return cost
    taken_households = np.bincount(
        sites.mast_of[takers & reached],
        weights=households[takers & reached],
        minlength=len(sites.masts),
    )
    mast = sites.mast_of[reached]
    h = households[reached]
    sharing = taken_households[mast] - np.where(takers[reached], h, 0.0) + h
    fixed_nok = fixed_cost_nok(sites.masts, settings)[mast]
    cost[reached] = h * (settings.wireless.cpe_nok + fixed_nok / sharing)
    return cost


def _option_nok(
    inputs: RolloutInputs,
    fiber_nok: np.ndarray,
    takers: np.ndarray,
    settings: CostSettings,
) -> tuple[np.ndarray, np.ndarray]:
    """Capex and present value of each option, (addresses × OPTIONS); inf: not available."""
    households = inputs.addresses["households"].to_numpy(dtype="float64")
    sites = inputs.new_sites or NewSites.none(len(households))
    capex = np.full((len(households), len(OPTIONS)), np.inf)
    capex[:, FIBER] = np.where(np.isfinite(fiber_nok), fiber_nok, np.inf)
    cpe_nok = settings.wireless.cpe_nok
    capex[:, FWA] = np.where(inputs.existing_wireless, households * cpe_nok, np.inf)
    if settings.new_site.enabled:
        capex[:, NEW_SITE] = _new_site_nok(sites, households, takers, settings)
    fibre_factor, wireless_factor = present_value_factors(settings.lifetime)
    lifetime = capex.copy()
    lifetime[:, FIBER] *= fibre_factor
    lifetime[:, [FWA, NEW_SITE]] *= wireless_factor
    if settings.satellite.meets_target:
        capex[:, SATELLITE], lifetime[:, SATELLITE] = satellite_nok(households, settings)
    return capex, lifetime


def plan(inputs: RolloutInputs, settings: CostSettings) -> pd.DataFrame:
    """The cost columns of every address (module docstring), aligned to the input.

    Besides :func:`pipeline.rollout.fibre.cost_per_address`'s columns: ``cluster_id`` (the project
    area), ``fiber_cost_nok`` (fibre with every household of the area on the tree),
    ``cost_option``, ``cost_nok`` (investment of the chosen option), ``lifetime_cost_nok``,
    ``satellite_cost_nok`` and ``new_site_id`` (the mast it takes or could take).
    """
    costed = np.asarray(inputs.costed, dtype=bool)
    sites = inputs.new_sites or NewSites.none(len(costed))
    first = _fibre(inputs, costed, settings)
    # per project area first: a mast whose reach is cheaper by mast than by fibre takes it all
    takers = _areas_cheaper_by_mast(inputs, first["cost_nok"].to_numpy(), sites, settings)
    settled = _settle(inputs, first, takers, settings)
    if takers.any():  # the per-area test cannot see the tree left behind: try without it
        alone = _settle(inputs, first, np.zeros_like(takers), settings)
        if alone.total_nok(settings) < settled.total_nok(settings):
            settled = alone
    fibre, choice, capex, lifetime, rounds = settled
    return _result(inputs, first, fibre, choice, capex, lifetime, sites, rounds, settings)


class _Settled(NamedTuple):
    """A fixed point of the choice: the fibre costs of its trees, each address's option, the
    options' capex and present values, and the rounds it took."""

    fibre: pd.DataFrame
    choice: np.ndarray
    capex: np.ndarray
    lifetime: np.ndarray
    rounds: int

    def total_nok(self, settings: CostSettings) -> float:
        """What the plan costs by the measure it chooses by (capex or present value)."""
        options = self.lifetime if settings.choose_by == "lifetime" else self.capex
        chosen = np.take_along_axis(options, self.choice[:, None], axis=1)[:, 0]
        return float(np.where(np.isfinite(chosen), chosen, 0.0).sum())


def _settle(
    inputs: RolloutInputs, first: pd.DataFrame, takers: np.ndarray, settings: CostSettings
) -> _Settled:
    """From ``takers`` on their masts and every other costed household on fibre (``first``:
    fibre with all of them), each takes its cheapest option until nothing changes
    (module docstring)."""
    costed = np.asarray(inputs.costed, dtype=bool)
    on_fibre = costed & ~takers
    fibre = _fibre(inputs, on_fibre, settings) if takers.any() else first
    rounds = 0
    while True:
        rounds += 1
        fiber_nok = np.where(on_fibre, fibre["cost_nok"].to_numpy(), np.inf)
        capex, lifetime = _option_nok(inputs, fiber_nok, takers, settings)
        choice = (lifetime if settings.choose_by == "lifetime" else capex).argmin(axis=1)
        next_fibre = on_fibre & (choice == FIBER)
        next_takers = costed & (choice == NEW_SITE)
        if np.array_equal(next_fibre, on_fibre) and np.array_equal(next_takers, takers):
            break
        if not np.array_equal(next_fibre, on_fibre):
            fibre = _fibre(inputs, next_fibre, settings)
        on_fibre, takers = next_fibre, next_takers
        if rounds >= settings.max_replan_rounds:  # keep the choices, cost them as assigned
            fiber_nok = np.where(on_fibre, fibre["cost_nok"].to_numpy(), np.inf)
            capex, lifetime = _option_nok(inputs, fiber_nok, takers, settings)
            break
    return _Settled(fibre, choice, capex, lifetime, rounds)


def _areas_cheaper_by_mast(
    inputs: RolloutInputs, fiber_nok: np.ndarray, sites: NewSites, settings: CostSettings
) -> np.ndarray:
    """The households of each mast whose reach costs less by the mast than by fibre:

    .. math:: C_{site}(s) + c_{CPE} \\sum_{a \\in R_s} h_a < \\sum_{a \\in R_s} C_{fiber}(a)

    with :math:`R_s` the costed households the mast reaches and :math:`C_{fiber}` their shares
    with every household on the trees (both as present values in the lifetime view)."""
    reached = np.asarray(inputs.costed, dtype=bool) & (sites.mast_of >= 0)
    if not settings.new_site.enabled or not reached.any():
        return np.zeros(len(reached), dtype=bool)
    households = inputs.addresses["households"].to_numpy(dtype="float64")
    mast = sites.mast_of[reached]
    n_masts = len(sites.masts)
    by_fibre_nok = np.bincount(mast, weights=fiber_nok[reached], minlength=n_masts)
    by_mast_nok = fixed_cost_nok(sites.masts, settings) + settings.wireless.cpe_nok * np.bincount(
        mast, weights=households[reached], minlength=n_masts
    )
    fibre_factor, mast_factor = 1.0, 1.0
    if settings.choose_by == "lifetime":
        fibre_factor, mast_factor = present_value_factors(settings.lifetime)
    takers = np.zeros(len(reached), dtype=bool)
    takers[reached] = (by_mast_nok * mast_factor < by_fibre_nok * fibre_factor)[mast]
    return takers


def _fibre(inputs: RolloutInputs, on_fibre: np.ndarray, settings: CostSettings) -> pd.DataFrame:
    return cost_per_address(inputs.addresses, on_fibre, inputs.presence, settings, inputs.context)


def _result(
    inputs: RolloutInputs,
    first: pd.DataFrame,
    fibre: pd.DataFrame,
    choice: np.ndarray,
    capex: np.ndarray,
    lifetime: np.ndarray,
    sites: NewSites,
    rounds: int,
    settings: CostSettings,
) -> pd.DataFrame:
    costed = np.asarray(inputs.costed, dtype=bool)
    rows = np.arange(len(choice))
    names = np.array(OPTIONS, dtype=object)
    result = fibre.drop(columns=["cost_nok", "cluster_id", "distance_to_fibre_m"])
    site_ids = sites.masts["site_id"].to_numpy(dtype=object)
    # the first round's trees span every costed address: their clusters are the project areas
    result.insert(0, "cluster_id", first["cluster_id"].to_numpy())
    result.insert(1, "area_id", address_area_ids(inputs.addresses, first["cluster_id"].to_numpy()))
    result.insert(2, "distance_to_fibre_m", first["distance_to_fibre_m"].to_numpy())
    result["fiber_cost_nok"] = first["cost_nok"].to_numpy()
    result["cost_option"] = pd.Series(np.where(costed, names[choice], None), index=result.index)
    result["cost_nok"] = np.where(costed, capex[rows, choice], np.nan)
    result["lifetime_cost_nok"] = np.where(costed, lifetime[rows, choice], np.nan)
    households = inputs.addresses["households"].to_numpy(dtype="float64")
    result["satellite_cost_nok"] = np.where(costed, satellite_nok(households, settings)[0], np.nan)
    new_site_id = np.full(len(choice), None, dtype=object)
    reached = sites.mast_of >= 0
    new_site_id[reached] = site_ids[sites.mast_of[reached]]
    result["new_site_id"] = new_site_id
    result.attrs["replan_rounds"] = rounds
    return result


MAST_COLUMNS = (
    "site_id",
    "kommunenummer",
    "cluster_id",
    "area_id",
    "x_m",
    "y_m",
    "antenna_height_m",
    "fixed_cost_nok",
    "households_reached",
    "households_taking",
)


def mast_summary(
    inputs: RolloutInputs, result: pd.DataFrame, settings: CostSettings
) -> pd.DataFrame:
    """One row per candidate mast: its fixed cost (mast and backhaul), the households below
    target it reaches and those that take it (0: not built)."""
    sites = inputs.new_sites or NewSites.none(len(result))
    masts = sites.masts
    households = inputs.addresses["households"].to_numpy(dtype="float64")
    reached = sites.mast_of >= 0
    taking = reached & (result["cost_option"] == "fwa_new_site").to_numpy()
    summary = masts[
        ["site_id", "kommunenummer", "cluster_id", "area_id", "x_m", "y_m", "antenna_height_m"]
    ]
    return summary.assign(  # whole households: sums of whole households, as int64
        fixed_cost_nok=fixed_cost_nok(masts, settings),
        households_reached=np.bincount(
            sites.mast_of[reached], weights=households[reached], minlength=len(masts)
        ).astype("int64"),
        households_taking=np.bincount(
            sites.mast_of[taking], weights=households[taking], minlength=len(masts)
        ).astype("int64"),
    )[list(MAST_COLUMNS)]


def cost_counts(result: pd.DataFrame, masts: pd.DataFrame) -> dict[str, Any]:
    """What the manifest records of the cost stage: rounds, households and NOK per option,
    candidate and built masts, and the totals."""
    costed = result.loc[result["cost_nok"].notna()]
    by_option = costed.groupby("cost_option")
    households = masts["households_taking"].to_numpy(dtype="float64")
    return {
        "replan_rounds": int(result.attrs.get("replan_rounds", 0)),
        "addresses_costed": len(costed),
        "cost_nok": float(costed["cost_nok"].sum()),
        "lifetime_cost_nok": float(costed["lifetime_cost_nok"].sum()),
        "addresses_per_option": {str(k): int(v) for k, v in by_option.size().items()},
        "cost_nok_per_option": {str(k): float(v) for k, v in by_option["cost_nok"].sum().items()},
        "routes_capped": int(costed["route_capped"].fillna(False).astype(bool).sum()),
        "candidate_masts": len(masts),
        "masts_built": int((households > 0).sum()),
    }
