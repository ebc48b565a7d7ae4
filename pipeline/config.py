"""One typed configuration object, loaded from TOML and validated at load.

Every section is a frozen dataclass; every field documents its unit and, for domain figures,
its source (see the README's cost table). Unknown keys are refused with the nearest known key,
and bad values with what was got and what was expected.

Relative input paths in ``[inputs]`` resolve against the folder of the TOML file.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from layers.errors import ConfigError
from layers.vocabulary import TECHNOLOGIES, WIRELESS_TECHNOLOGIES


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


@dataclass(frozen=True)
class RunSettings:
    """Where a run writes: ``output_dir/runs/<run_id>/`` then ``output_dir/current`` is switched."""

    name: str = "gapmap"
    output_dir: Path = Path("out")
    store_path: Path | None = None  # default: output_dir / "gapmap.duckdb"
    # "cdn": the maps load Leaflet & co. from public CDNs; "local": copies are written into the
    # run folder so the maps open without internet (needs scripts/fetch_web_assets.sh once)
    map_assets: str = "cdn"


@dataclass(frozen=True)
class LocateSettings:
    """Point-in-polygon settings."""

    # Addresses up to this distance outside every kommune polygon are snapped to the nearest
    # kommune (simplified boundaries cut off coastal addresses). 0 = strict.
    tolerance_m: float = 0.0


@dataclass(frozen=True)
class ClassifySettings:
    """How offers become classes per target (DESIGN.md, "Targets and classes")."""

    floor_down_mbps: float = 30.0  # below this an address is unserved (Nkom basic floor)
    floor_up_mbps: float = 5.0
    count_mobile: bool = False  # Nkom counts fixed wireless, not mobile, as fixed coverage
    count_satellite: bool = False  # Nkom excludes satellite
    map_target: str = "no2025"  # target shown on the overview choropleth and kommune maps


@dataclass(frozen=True)
class CostSettings:
    """The rollout cost model (DESIGN.md "Cost"; formulas in :mod:`pipeline.rollout.fibre` and
    :mod:`pipeline.rollout.choice`). Money in NOK excluding VAT, lengths in metres.

    Sources for the defaults are in the README's cost table.
    """

    target: str = "gigabit2030"
    route_factor: float = 1.3  # route length / straight-line length (DESIGN.md default)
    # single linkage: households below target closer than this share one fibre tree
    cluster_distance_m: float = 500.0
    trench_nok_per_m: float = 450.0  # rural trench incl. reinstatement, NOK/m (assumption)
    cable_nok_per_m: float = 50.0  # duct, fibre cable, joints, NOK/m
    drop_fixed_nok: float = 8_000.0  # drop from the street cabinet to the wall, fixed part
    drop_nok_per_m: float = 150.0  # drop trench per metre (shallow, on the property)
    drop_length_m: float = 30.0  # assumed drop length when no geometry is available
    ont_nok: float = 2_500.0  # optical network terminal
    install_nok: float = 5_000.0  # installation and commissioning per household
    # passive splitters: a cluster of N fibre households needs ceil(N / splitter_ports) of them
    splitter_nok: float = 5_000.0  # one splitter with its enclosure and splicing
    splitter_ports: int = 32
    max_route_m: float = 20_000.0  # routes longer than this are capped (flagged in the table)
    # with [inputs].roads: tree edges longer than this follow the roads (shorter ones cross
    # the property straight), unless an end is farther than road_max_snap_m from a road
    road_min_edge_m: float = 250.0
    road_max_snap_m: float = 500.0
    # terrain factor on the trench cost (1.0 on flat ground; assumptions, see the README):
    # 1 + grade_weight × mean |grade| + relief_weight × relief / 100 m, at most factor_max
    terrain_grade_weight: float = 2.0
    terrain_relief_weight_per_100m: float = 0.05
    terrain_factor_max: float = 2.5
    # fixed wireless from an existing site in sight: outdoor CPE, mounting and installation
    # per household (assumption); chosen instead of fibre when it is cheaper and its
    # predicted speeds meet the cost target
    fwa_cpe_nok: float = 6_500.0
    # a new fixed-wireless site per project area, on its highest address, shared by the
    # households it reaches with line of sight and speeds that meet the target (needs a DTM)
    new_site: bool = True
    new_site_mast_nok: float = 2_500_000.0  # mast, foundation, power, radio equipment
    new_site_backhaul_nok: float = 400_000.0  # microwave link (fibre is used when cheaper)
    new_site_antenna_height_m: float = 30.0
    new_site_down_mbps: float = 1_000.0  # advertised speeds of the new site's radio
    new_site_up_mbps: float = 200.0
    new_site_max_range_m: float = 3_000.0
    new_site_frequency_mhz: float = 26_000.0  # 5G mmWave FWA (26 GHz band)
    new_site_min_households: int = 5  # smaller project areas get no candidate site
    # LEO satellite per household: terminal + subscription over the period (assumptions);
    # an option only when the policy says satellite meets the target
    satellite_terminal_nok: float = 4_000.0
    satellite_subscription_nok_per_month: float = 700.0
    satellite_period_years: float = 10.0
    satellite_meets_target: bool = False
    # re-plan the fibre trees without the households that took another option, at most
    # this many times (each round can only remove households from the trees)
    max_replan_rounds: int = 12
    # lifetime view: present value of capex + yearly opex (a share of capex) over the period
    # at the discount rate; "lifetime" chooses options by it, "capex" by the investment
    choose_by: str = "capex"
    lifetime_years: float = 30.0
    discount_rate: float = 0.04  # real, per year
    fiber_opex_share_per_year: float = 0.015
    wireless_opex_share_per_year: float = 0.07
    # what an operator invests per household on commercial terms; subsidy need of an area =
    # max(0, cost - households x this) (assumption; calibrate against Nkom's subsidy grants)
    commercially_viable_nok_per_household: float = 30_000.0


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
    """Line of sight from wireless sites to addresses, and what predicted reach counts for."""

    # site technologies that get the line-of-sight check (800 MHz 4G reaches without it)
    technologies: tuple[str, ...] = ("fwa",)
    cpe_height_m: float = 5.0  # receiver antenna above ground (wall or roof mount)
    k_factor: float = 4.0 / 3.0  # effective earth radius factor (standard atmosphere)
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


_SECTIONS: dict[str, type] = {
    "run": RunSettings,
    "locate": LocateSettings,
    "classify": ClassifySettings,
    "coverage": CoverageSettings,
    "wireless": WirelessSettings,
    "cost": CostSettings,
    "inputs": Inputs,
}


def _nearest(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _reject_unknown(where: str, given: dict[str, Any], known: list[str]) -> None:
    for key in given:
        if key not in known:
            msg = f"{where}: unknown key {key!r}{_nearest(key, known)}; expected one of {known}"
            raise ConfigError(msg)


def _coerce_tuple(where: str, value: Any, annotation: str) -> tuple[Any, ...]:
    """A list (or one value) of paths or strings."""
    values = [value] if isinstance(value, str) else value
    if annotation.startswith("tuple[Path"):
        if not isinstance(values, list):
            msg = f"{where}: got {value!r}, expected a path or a list of paths"
            raise ConfigError(msg)
        return tuple(_coerce(where, v, "Path") for v in values)
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        msg = f"{where}: got {value!r}, expected a string or a list of strings"
        raise ConfigError(msg)
    return tuple(values)


def _coerce(where: str, value: Any, annotation: str) -> Any:
    """Check one TOML value against a dataclass field annotation (given as a string)."""
    optional = "None" in annotation
    if value is None and optional:
        return None
    if annotation.startswith("tuple["):
        return _coerce_tuple(where, value, annotation)
    if "Path" in annotation:
        if not isinstance(value, str) or not value:
            msg = f"{where}: got {value!r}, expected a path string"
            raise ConfigError(msg)
        return Path(value)
    if annotation.startswith("bool"):
        if not isinstance(value, bool):
            msg = f"{where}: got {value!r}, expected true or false"
            raise ConfigError(msg)
        return value
    if annotation.startswith("int"):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            msg = f"{where}: got {value!r}, expected a whole number >= 1"
            raise ConfigError(msg)
        return value
    if annotation.startswith("float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            msg = f"{where}: got {value!r}, expected a number"
            raise ConfigError(msg)
        if value < 0:
            msg = f"{where}: got {value}, expected a number >= 0"
            raise ConfigError(msg)
        return float(value)
    if annotation.startswith("str"):
        if not isinstance(value, str):
            msg = f"{where}: got {value!r}, expected a string"
            raise ConfigError(msg)
        return value
    msg = f"{where}: unsupported annotation {annotation}"  # a programming error
    raise ConfigError(msg)


def _build_section(name: str, cls: type, given: dict[str, Any], base: Path) -> Any:
    fields = {f.name: f for f in dataclasses.fields(cls)}
    _reject_unknown(f"[{name}]", given, list(fields))
    kwargs = {}
    for key, value in given.items():
        coerced = _coerce(f"[{name}].{key}", value, str(fields[key].type))
        if isinstance(coerced, Path):
            coerced = Path(os.path.normpath(base / coerced))  # absolute stays absolute
        elif isinstance(coerced, tuple) and all(isinstance(p, Path) for p in coerced):
            coerced = tuple(Path(os.path.normpath(base / p)) for p in coerced)
        kwargs[key] = coerced
    try:
        return cls(**kwargs)
    except TypeError as exc:
        missing = [
            f.name
            for f in dataclasses.fields(cls)
            if f.name not in given
            and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        ]
        msg = f"[{name}]: missing required keys {missing}"
        raise ConfigError(msg) from exc


def _build_targets(given: dict[str, Any]) -> tuple[Target, ...]:
    targets = []
    for name, spec in given.items():
        if not isinstance(spec, dict):
            msg = f"[targets.{name}]: got {spec!r}, expected a table with down_mbps and up_mbps"
            raise ConfigError(msg)
        _reject_unknown(f"[targets.{name}]", spec, ["down_mbps", "up_mbps", "label_nb"])
        if "down_mbps" not in spec:
            msg = f"[targets.{name}]: missing key 'down_mbps'"
            raise ConfigError(msg)
        down = _coerce(f"[targets.{name}].down_mbps", spec["down_mbps"], "float")
        up = _coerce(f"[targets.{name}].up_mbps", spec.get("up_mbps"), "float | None")
        label = _coerce(f"[targets.{name}].label_nb", spec.get("label_nb", name), "str")
        targets.append(Target(name, down, up, label))
    if not targets:
        msg = "[targets]: got an empty table, expected at least one target"
        raise ConfigError(msg)
    return tuple(targets)


def config_from_dict(raw: dict[str, Any], base: Path) -> Config:
    """Build and validate a :class:`Config` from a parsed TOML document."""
    known = [*_SECTIONS, "targets"]
    _reject_unknown("config", raw, known)
    if "inputs" not in raw:
        msg = "config: missing section [inputs] (kommuner, addresses and offers are required)"
        raise ConfigError(msg)
    sections = {
        name: _build_section(name, cls, raw[name], base)
        for name, cls in _SECTIONS.items()
        if name in raw
    }
    targets = _build_targets(raw["targets"]) if "targets" in raw else DEFAULT_TARGETS
    config = Config(**sections, targets=targets)
    names = [t.name for t in config.targets]
    for where, name in (
        ("[classify].map_target", config.classify.map_target),
        ("[cost].target", config.cost.target),
    ):
        if name not in names:
            msg = f"{where}: got {name!r}, expected one of the targets {names}"
            raise ConfigError(msg)
    if config.run.map_assets not in ("cdn", "local"):
        msg = f"[run].map_assets: got {config.run.map_assets!r}, expected 'cdn' or 'local'"
        raise ConfigError(msg)
    technology = config.coverage.squares_technology
    if technology and technology not in TECHNOLOGIES:
        msg = (
            f"[coverage].squares_technology: got {technology!r}, expected one of"
            f" {list(TECHNOLOGIES)}"
        )
        raise ConfigError(msg)
    unknown = [t for t in config.wireless.technologies if t not in WIRELESS_TECHNOLOGIES]
    if unknown:
        msg = (
            f"[wireless].technologies: got {unknown}, expected wireless technologies from"
            f" {list(WIRELESS_TECHNOLOGIES)}"
        )
        raise ConfigError(msg)
    _check_cost(config.cost)
    return config


def _check_cost(cost: CostSettings) -> None:
    if cost.choose_by not in ("capex", "lifetime"):
        msg = f"[cost].choose_by: got {cost.choose_by!r}, expected 'capex' or 'lifetime'"
        raise ConfigError(msg)
    if cost.discount_rate >= 1.0:
        msg = f"[cost].discount_rate: got {cost.discount_rate}, expected a share below 1 (0.04)"
        raise ConfigError(msg)
    if cost.lifetime_years <= 0:
        msg = f"[cost].lifetime_years: got {cost.lifetime_years}, expected > 0"
        raise ConfigError(msg)
    if cost.route_factor < 1.0:
        msg = f"[cost].route_factor: got {cost.route_factor}, expected >= 1.0"
        raise ConfigError(msg)


def load_config(path: Path) -> Config:
    """Read a TOML file into a validated :class:`Config`."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        msg = f"{path}: config file not found"
        raise ConfigError(msg) from exc
    except tomllib.TOMLDecodeError as exc:
        msg = f"{path}: not valid TOML: {exc}"
        raise ConfigError(msg) from exc
    config = config_from_dict(raw, path.parent.resolve())
    return dataclasses.replace(config, source_path=path.resolve())


def to_dict(config: Config) -> dict[str, Any]:
    """The config as plain data (for the manifest and the config digest)."""
    data = dataclasses.asdict(config)
    data.pop("source_path", None)
    data["targets"] = {t["name"]: t for t in data["targets"]}
    return json.loads(json.dumps(data, default=str))
