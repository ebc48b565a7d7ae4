"""The ``[cost]`` section and its sub-tables: the cost model's parameters, units and sources.

``[cost]`` keeps what is about the whole cost stage and nests the rest by subject:
``[cost.fibre]``, ``[cost.roads]``, ``[cost.terrain]``, ``[cost.wireless]``,
``[cost.new_site]``, ``[cost.satellite]``, ``[cost.lifetime]``, ``[cost.sea]``. Before the
nesting every cost key sat flat in ``[cost]``; a sub-table's ``FORMER_KEYS`` names the flat
keys it renamed (the others kept their name), so that an old config is refused with each key's
new place. Part of the configuration schema (:mod:`pipeline.config_schema`; import from
:mod:`pipeline.config`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from layers.errors import ConfigError


@dataclass(frozen=True)
class FibreSettings:
    """``[cost.fibre]``: the fibre trees and each connection (:mod:`pipeline.rollout.fibre`).

    Money in NOK excluding VAT; "derived" and "assumption" as in the README's cost table.
    """

    # m of route per straight m; derived from the circuity literature (1.2-1.23) plus a margin
    route_factor: float = 1.3
    # m; assumption: households below target closer than this share one fibre tree (single
    # linkage), and the first round's trees are the project areas
    cluster_distance_m: float = 500.0
    # NOK/m, rural trench incl. reinstatement; derived: Analysys Mason (2011) plus inflation
    trench_nok_per_m: float = 450.0
    cable_nok_per_m: float = 50.0  # NOK/m, duct, cable, joints; derived: Swedish village nets
    # NOK per address, the drop's fixed part (cabinet to wall); assumption, checked against
    # Swedish whole-connection prices
    drop_fixed_nok: float = 8_000.0
    drop_nok_per_m: float = 150.0  # NOK/m of shallow drop trench on the property; assumption
    drop_length_m: float = 30.0  # m of drop when no geometry is available; assumption
    ont_nok: float = 2_500.0  # NOK per household, optical network terminal; assumption
    install_nok: float = 5_000.0  # NOK per household, installation; assumption (NextGenTel fees)
    # passive splitters: a cluster of N fibre households needs ceil(N / splitter_ports) of them
    splitter_nok: float = 5_000.0  # NOK per splitter with enclosure and splicing; assumption
    splitter_ports: int = 32  # ports per splitter (1:32); assumption
    max_route_m: float = 20_000.0  # m; a cap: longer routes are capped (``routes_capped``)


@dataclass(frozen=True)
class RoadSettings:
    """``[cost.roads]``: which fibre tree edges follow the roads (with ``[inputs].roads``)."""

    FORMER_KEYS: ClassVar[Mapping[str, str]] = {
        "min_edge_m": "road_min_edge_m",
        "max_snap_m": "road_max_snap_m",
    }

    # m; assumption: shorter tree edges cross the property straight, longer ones follow roads
    min_edge_m: float = 250.0
    # m; assumption: an edge with an end farther than this from a road goes straight
    # (× route_factor)
    max_snap_m: float = 500.0


@dataclass(frozen=True)
class TerrainSettings:
    """``[cost.terrain]``: the terrain factor on the trench price (1.0 on flat ground):
    1 + grade_weight × mean |grade| + relief_weight_per_100m × relief / 100 m, at most
    factor_max (:func:`pipeline.rollout.ground.terrain_factor`)."""

    FORMER_KEYS: ClassVar[Mapping[str, str]] = {
        "grade_weight": "terrain_grade_weight",
        "relief_weight_per_100m": "terrain_relief_weight_per_100m",
        "factor_max": "terrain_factor_max",
    }

    # per unit of mean |grade|; assumption: a 10 % mean grade adds 20 % to the trench price
    grade_weight: float = 2.0
    relief_weight_per_100m: float = 0.05  # per 100 m of relief along the edge; assumption
    factor_max: float = 2.5  # no unit; assumption: a cap


@dataclass(frozen=True)
class WirelessCostSettings:
    """``[cost.wireless]``: fixed wireless from an existing site in sight, chosen instead of
    fibre when it is cheaper and its predicted speeds meet the cost target."""

    FORMER_KEYS: ClassVar[Mapping[str, str]] = {"cpe_nok": "fwa_cpe_nok"}

    # NOK per household: outdoor CPE, mounting and installation (also for a new mast's
    # households); derived: NextGenTel 5G antenna 4,499 + installation 1,999
    cpe_nok: float = 6_500.0


@dataclass(frozen=True)
class NewSiteSettings:
    """``[cost.new_site]``: a new fixed-wireless mast per project area, on its highest address,
    shared by the households it reaches with line of sight and speeds that meet the target
    (needs a DTM; :mod:`pipeline.rollout.masts`)."""

    FORMER_KEYS: ClassVar[Mapping[str, str]] = {
        "enabled": "new_site",
        "mast_nok": "new_site_mast_nok",
        "backhaul_nok": "new_site_backhaul_nok",
        "antenna_height_m": "new_site_antenna_height_m",
        "down_mbps": "new_site_down_mbps",
        "up_mbps": "new_site_up_mbps",
        "max_range_m": "new_site_max_range_m",
        "frequency_mhz": "new_site_frequency_mhz",
        "min_households": "new_site_min_households",
    }

    enabled: bool = True  # propose candidate masts at all; assumption
    # NOK per mast: mast, foundation, power, radio; derived: Norwegian rural masts of 2017
    mast_nok: float = 2_500_000.0
    # NOK per microwave link (a fibre backhaul is used when cheaper); derived: Analysys Mason
    backhaul_nok: float = 400_000.0
    antenna_height_m: float = 30.0  # m above ground; assumption (the Frøya mast is 30 m)
    # Mbit/s advertised by the new radio; assumption: 5G mmWave FWA, which decides whether a
    # new mast can meet the gigabit target at all
    down_mbps: float = 1_000.0
    up_mbps: float = 200.0  # Mbit/s; assumption, as down_mbps
    max_range_m: float = 3_000.0  # m; assumption
    frequency_mhz: float = 26_000.0  # MHz; assumption: the 26 GHz 5G band
    min_households: int = 5  # households; assumption: smaller project areas get no mast


@dataclass(frozen=True)
class SatelliteSettings:
    """``[cost.satellite]``: LEO satellite per household, terminal plus subscription over the
    period; an option only when the policy says satellite meets the target."""

    FORMER_KEYS: ClassVar[Mapping[str, str]] = {
        "terminal_nok": "satellite_terminal_nok",
        "subscription_nok_per_month": "satellite_subscription_nok_per_month",
        "period_years": "satellite_period_years",
        "meets_target": "satellite_meets_target",
    }

    terminal_nok: float = 4_000.0  # NOK per household; sourced: Starlink kit (digi.no, 2021)
    # NOK per month; assumption: no Norwegian monthly price was found
    subscription_nok_per_month: float = 700.0
    period_years: float = 10.0  # years; assumption: the comparison period of the capex view
    meets_target: bool = False  # policy: Nkom excludes satellite from coverage


@dataclass(frozen=True)
class LifetimeSettings:
    """``[cost.lifetime]``: present value of capex plus yearly opex (a share of capex) over
    ``years`` at ``discount_rate`` (:mod:`pipeline.rollout.choice`)."""

    FORMER_KEYS: ClassVar[Mapping[str, str]] = {"years": "lifetime_years"}

    years: float = 30.0  # years; assumption: passive fibre lasts 30+ years
    # per year, real; sourced: Finansdepartementet's 4 % (2005 guidance)
    discount_rate: float = 0.04
    # share of capex per year; assumption: fibre needs less opex than radio (Analysys Mason)
    fiber_opex_share_per_year: float = 0.015
    wireless_opex_share_per_year: float = 0.07  # share of capex per year; assumption, as fibre


@dataclass(frozen=True)
class SeaSettings:
    """``[cost.sea]``: a fibre tree edge over sea (DTM nodata on the DTM, or outside every
    kommune polygon) is laid as sea cable: its sea metres at ``cable_nok_per_m`` plus
    ``landing_nok`` per landing (a shore where the edge goes from land to sea or back), never
    trench (:mod:`pipeline.rollout.sea`)."""

    # new since the nesting: a flat key named so finds its place (none clashes with fibre's)
    FORMER_KEYS: ClassVar[Mapping[str, str]] = {
        "cable_nok_per_m": "sea_cable_nok_per_m",
        "landing_nok": "sea_landing_nok",
    }

    # NOK/m, armoured sea fibre cable laid from a small cable vessel in sheltered water;
    # derived: Tampnet's 800,000-1,000,000 NOK/km in the North Sea (tu.no), the lower end
    cable_nok_per_m: float = 800.0
    # NOK per landing: shore end, duct through the foreshore to the first joint, permits
    # (Kystverket); assumption
    landing_nok: float = 150_000.0


@dataclass(frozen=True)
class CostSettings:
    """``[cost]``: the rollout cost model (docs/design.md, "Cost"; formulas in
    :mod:`pipeline.rollout.fibre` and :mod:`pipeline.rollout.choice`), the whole stage's keys
    here and one sub-table per subject. Money in NOK excluding VAT, lengths in metres.
    """

    target: str = "gigabit2030"  # households below this target are costed
    # how options are chosen: "capex" by the investment, "lifetime" by the present value of
    # [cost.lifetime]; policy: subsidy pays the investment
    choose_by: str = "capex"
    # rounds; a cap: re-plan the fibre trees without the households that took another option
    # at most this many times (each round can only remove households from the trees)
    max_replan_rounds: int = 12
    # NOK per household an operator invests on commercial terms; subsidy need of an area =
    # max(0, cost - households × this); derived: operators' 30-40,000 (ht.no 2021), averages
    commercially_viable_nok_per_household: float = 30_000.0
    fibre: FibreSettings = field(default_factory=FibreSettings)
    roads: RoadSettings = field(default_factory=RoadSettings)
    terrain: TerrainSettings = field(default_factory=TerrainSettings)
    wireless: WirelessCostSettings = field(default_factory=WirelessCostSettings)
    new_site: NewSiteSettings = field(default_factory=NewSiteSettings)
    satellite: SatelliteSettings = field(default_factory=SatelliteSettings)
    lifetime: LifetimeSettings = field(default_factory=LifetimeSettings)
    sea: SeaSettings = field(default_factory=SeaSettings)  # rollout (issue 15): sea crossings


def check_cost(cost: CostSettings) -> None:
    """The cost settings' own rules (choose_by, the lifetime, the route factor)."""
    if cost.choose_by not in ("capex", "lifetime"):
        msg = f"[cost].choose_by: got {cost.choose_by!r}, expected 'capex' or 'lifetime'"
        raise ConfigError(msg)
    lifetime = cost.lifetime
    if lifetime.discount_rate >= 1.0:
        msg = (
            f"[cost.lifetime].discount_rate: got {lifetime.discount_rate}, expected a share"
            " below 1 (0.04)"
        )
        raise ConfigError(msg)
    if lifetime.years <= 0:
        msg = f"[cost.lifetime].years: got {lifetime.years}, expected > 0"
        raise ConfigError(msg)
    if cost.fibre.route_factor < 1.0:
        msg = f"[cost.fibre].route_factor: got {cost.fibre.route_factor}, expected >= 1.0"
        raise ConfigError(msg)
