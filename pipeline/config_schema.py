"""What a configuration is: one frozen dataclass per TOML section, with defaults, units, sources.

Loading and validating the TOML is :mod:`pipeline.config` (import from there). Every field
documents its unit and, for domain figures, its source; the README's cost table has the full
references.

The ``[inputs]`` section lives in :mod:`pipeline.config_inputs`, ``[cost]`` and its sub-tables in
:mod:`pipeline.config_cost`, ``[fetch]`` and ``[freshness]`` in :mod:`pipeline.config_refresh`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

from layers.errors import ConfigError
from pipeline.config_cost import CostSettings
from pipeline.config_inputs import Inputs
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
class RunSettings:
    """Where a run writes: ``output_dir/runs/<run_id>/`` then ``output_dir/current`` is switched."""

    name: str = "gapmap"
    output_dir: Path = Path("out")
    store_path: Path | None = None  # default: output_dir / "gapmap.duckdb"
    # "inline": each map page carries its scripts and styles (one file; works mailed, offline);
    # "cdn": the maps load Leaflet & co. from public CDNs; "local": copies are written into the
    # run folder's assets/ (needs scripts/fetch_web_assets.sh once). See MAP_ASSET_MODES.
    map_assets: str = "inline"
    # processes that build the kommune maps and briefs in the publish stage (whole number >= 1;
    # default: os.cpu_count()); the published files are the same bytes for any count
    workers: int | None = None

    @property
    def worker_count(self) -> int:
        """``workers``, or the machine's core count when not set."""
        return self.workers or os.cpu_count() or 1


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
