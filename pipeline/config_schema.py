"""What a configuration is: one frozen dataclass per TOML section, with defaults, units, sources.

Loading and validating the TOML is :mod:`pipeline.config` (import from there). Every field
documents its unit and, for domain figures, its source; the README's cost table has the full
references.

``[cost]`` keeps what is about the whole cost stage and nests the rest by subject:
``[cost.fibre]``, ``[cost.roads]``, ``[cost.terrain]``, ``[cost.wireless]``,
``[cost.new_site]``, ``[cost.satellite]``, ``[cost.lifetime]``. Before the nesting every cost key
sat flat in ``[cost]``; a sub-table's ``FORMER_KEYS`` names the flat keys it renamed (the others
kept their name), so that an old config is refused with each key's new place.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypeVar

from layers.errors import ConfigError
from pipeline.config_refresh import FetchConfig, FreshnessConfig

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_Settings = TypeVar("_Settings", bound="DataclassInstance")


# [run].map_assets values (the asset modes of maps.publish.write_maps), the default first.
MAP_ASSET_MODES: Final[tuple[str, ...]] = ("inline", "cdn", "local")


@dataclass(frozen=True)
class Target:
    """A named broadband target: households whose best fixed offer meets both speeds are served."""

    name: str
    down_mbps: float
    up_mbps: float | None = None
    label_nb: str = ""


DEFAULT_TARGETS: tuple[Target, ...] = (
    Target("no2025", 100.0, 10.0, "100/10 Mbit/s (mål 2025)"),
    Target("gigabit2030", 1000.0, None, "1 Gbit/s (mål 2030)"),
    Target("eu_vhcn", 1000.0, 200.0, "1000/200 Mbit/s (EU VHCN)"),
    Target("subsidy30", 30.0, None, "30 Mbit/s (støtteklasse)"),
)


@dataclass(frozen=True)
class Inputs:
    """Paths of the input layers (relative paths resolve against the config file's folder)."""

    kommuner: Path
    addresses: Path
    offers: Path
    dtm: Path | None = None
    sites: Path | None = None
    fibre: Path | None = None
    fylker: Path | None = None  # fylke names; default: the 15 fylker of 2024
    speed_squares: tuple[Path, ...] = ()  # Nkom 100 m squares by speed class (one file per class)
    lacking_30: Path | None = None  # Nkom list of addresses lacking 30 Mbit/s
    lacking_100: Path | None = None  # Nkom list of addresses lacking 100 Mbit/s
    planned_areas: Path | None = None  # polygons of planned builds
    funded_areas: Path | None = None  # polygons of areas already granted subsidy
    roads: Path | None = None  # road lines (GeoPackage/GeoJSON): fibre routes follow roads
    roads_layer: str = ""  # the layer of a GeoPackage with several ("" = its only layer)
    # CSV kommunenummer;cost_factor: trench price multiplier per kommune (absent = 1.0)
    kommune_cost_factors: Path | None = None
    # the CRS of a vector input's coordinates ("EPSG:25832"), overriding the file's own: for a
    # file that names none (shapefile without .prj, GeoJSON with "crs": null) or the wrong one
    # (UTM metres in a GeoJSON without a "crs" member); "" = the file's own CRS
    kommuner_crs: str = ""
    fibre_crs: str = ""
    planned_areas_crs: str = ""
    funded_areas_crs: str = ""
    roads_crs: str = ""


@dataclass(frozen=True)
class RunSettings:
    """Where a run writes: ``output_dir/runs/<run_id>/`` then ``output_dir/current`` is switched."""

    name: str = "gapmap"
    output_dir: Path = Path("out")
    store_path: Path | None = None  # default: output_dir / "gapmap.duckdb"
    # "inline": each map page carries its scripts and styles (one file; works mailed, offline);
    # "cdn": the maps load Leaflet & co. from public CDNs; "local": copies are written into the
    # run folder's assets/ (needs scripts/fetch_web_assets.sh once). See MAP_ASSET_MODES.
    map_assets: str = "inline"


@dataclass(frozen=True)
class ChecksSettings:
    """Whole-layer sanity before anything is published: a run stops, with a message that says
    what and how to go on anyway, when an input looks broken as a whole."""

    # share of a layer's rows that may go to quarantine (0-1); more stops the run
    max_quarantined_share: float = 0.25
    # share of the addresses that must have at least one offer row (any technology, 0-1); an
    # offers file with only its header, or for another region, would otherwise publish
    # "everyone unserved"
    min_addresses_with_offer_share: float = 0.25
    # share of the addresses that must lie on the DTM (0-1); a DTM that covers none of them
    # (a wrong CRS tag, a tile from elsewhere) stops the run whatever this says
    min_addresses_on_dtm_share: float = 0.0
    # a layer of fewer rows is too small for its quarantined share to say anything
    min_rows_for_share: int = 20
    # address and site positions in Svalbard or Jan Mayen are kept (else quarantined as
    # outside mainland Norway)
    allow_svalbard_jan_mayen: bool = False


@dataclass(frozen=True)
class LocateSettings:
    """Point-in-polygon settings."""

    # Addresses up to this distance outside every kommune polygon are snapped to the nearest
    # kommune (simplified boundaries cut off coastal addresses). 0 = strict.
    tolerance_m: float = 0.0
    # share of the smaller kommune (0-1) two kommune polygons may overlap by (and 1,000 m²):
    # more is an error. Kartverket's simplified Kommuner-S overlap by up to 0.0067 %.
    max_kommune_overlap_share: float = 0.001


@dataclass(frozen=True)
class ClassifySettings:
    """How offers become classes per target (docs/design.md, "Targets and classes")."""

    floor_down_mbps: float = 30.0  # below this an address is unserved (Nkom basic floor)
    floor_up_mbps: float = 5.0
    count_mobile: bool = False  # Nkom counts fixed wireless, not mobile, as fixed coverage
    count_satellite: bool = False  # Nkom excludes satellite
    map_target: str = "no2025"  # target shown on the overview choropleth and kommune maps


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
    factor_max (:func:`pipeline.rollout.fibre.terrain_factor`)."""

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


@dataclass(frozen=True)
class CoverageSettings:
    """How the coarser coverage sources join the per-address offers."""

    # technology written on square offers when the squares file names none ("" = the file must
    # name it); must be one of the technology vocabulary
    squares_technology: str = ""
    squares_include_partial: bool = False  # Nkom "grey" squares: some households covered
    # squares only for addresses that have no per-address offer (squares are 100 m coarse)
    squares_only_without_offer: bool = True
    # Nkom's lacking lists are the basis of subsidy consultations: an address listed as
    # lacking X Mbit/s is not served for any target of X Mbit/s or more, whatever the offers say
    trust_lacking_lists: bool = True


@dataclass(frozen=True)
class WirelessSettings:
    """Line of sight from wireless sites to addresses, and what predicted reach counts for.

    The one home of the line-of-sight defaults: :class:`pipeline.radio.reach.LosSettings`,
    the ``gapmap los`` options and the benchmark take theirs from here.
    """

    # site technologies that get the line-of-sight check (800 MHz 4G reaches without it)
    technologies: tuple[str, ...] = ("fwa",)
    cpe_height_m: float = 5.0  # m, receiver antenna above ground (wall or roof mount)
    k_factor: float = 4.0 / 3.0  # effective earth radius factor (standard atmosphere, ITU-R)
    fresnel_clearance: float = 0.6  # share of the first Fresnel zone that must be clear
    sea_level_for_nodata: bool = True  # DTM nodata inside a path is sea at 0 m
    # policy: do households reachable by predicted wireless count as served? (off: they are
    # reported as their own category, "kan nås trådløst")
    count_as_served: bool = False


@dataclass(frozen=True)
class Config:
    """The whole configuration of a run."""

    inputs: Inputs
    run: RunSettings = field(default_factory=RunSettings)
    locate: LocateSettings = field(default_factory=LocateSettings)
    classify: ClassifySettings = field(default_factory=ClassifySettings)
    coverage: CoverageSettings = field(default_factory=CoverageSettings)
    wireless: WirelessSettings = field(default_factory=WirelessSettings)
    cost: CostSettings = field(default_factory=CostSettings)
    checks: ChecksSettings = field(default_factory=ChecksSettings)
    fetch: FetchConfig = field(default_factory=FetchConfig)  # pipeline/config_refresh.py
    freshness: FreshnessConfig = field(default_factory=FreshnessConfig)
    targets: tuple[Target, ...] = DEFAULT_TARGETS
    source_path: Path | None = None

    @property
    def store_path(self) -> Path:
        return self.run.store_path or self.run.output_dir / "gapmap.duckdb"

    def target(self, name: str) -> Target:
        for target in self.targets:
            if target.name == name:
                return target
        msg = f"unknown target {name!r}; expected one of {[t.name for t in self.targets]}"
        raise ConfigError(msg)

    def digest(self) -> str:
        """SHA-256 of the canonical JSON form (paths as given, source path excluded)."""
        payload = json.dumps(to_dict(self), sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()


def to_dict(config: Config) -> dict[str, Any]:
    """The config as plain data, sub-tables nested (for the manifest and the config digest)."""
    data = dataclasses.asdict(config)
    data.pop("source_path", None)
    data["targets"] = {t["name"]: t for t in data["targets"]}
    plain: dict[str, Any] = json.loads(json.dumps(data, default=str))
    return plain


def replace_nested(settings: _Settings, changes: Mapping[str, Any]) -> _Settings:
    """A copy of frozen settings with the fields at dotted paths replaced, e.g.
    ``replace_nested(config.cost, {"fibre.trench_nok_per_m": 520.0, "new_site.enabled": False})``.
    """
    result = settings
    for path, value in changes.items():
        head, _, rest = path.partition(".")
        inner = replace_nested(getattr(result, head), {rest: value}) if rest else value
        result = dataclasses.replace(result, **{head: inner})
    return result
