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
import importlib.util
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

from layers.errors import ConfigError
from pipeline.config_clutter import ClutterSettings
from pipeline.config_cost import CostSettings
from pipeline.config_eligibility import EligibilitySettings
from pipeline.config_inputs import Inputs
from pipeline.config_link import LinkSettings
from pipeline.config_nkom import NkomSettings
from pipeline.config_operators import OperatorSettings
from pipeline.config_premises import PremisesSettings
from pipeline.config_refresh import FetchConfig, FreshnessConfig
from pipeline.config_scenarios import Scenario

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_Settings = TypeVar("_Settings", bound="DataclassInstance")


# [run].map_assets values (the asset modes of maps.publish.write_maps), the default first.
MAP_ASSET_MODES: Final[tuple[str, ...]] = ("inline", "cdn", "local")
# [run].executor values (pipeline/executor.py), the default first.
EXECUTORS: Final[tuple[str, ...]] = ("local", "dask")
# [run] keys that say how a run is executed, not what it computes: left out of the digest
EXECUTION_KEYS: Final[tuple[str, ...]] = (
    "executor",
    "scheduler",
    "scheduler_timeout_s",
    "workers",
    "reuse_cache",
)
DASK_INSTALL = "pip install 'gapmap[dask]'"
# a Dask scheduler address: [protocol://]host:port ("tcp://10.0.0.5:8786", "[::1]:8786")
_SCHEDULER_ADDRESS = re.compile(r"(?:[a-z]+://)?[^\s/]+:\d+")


@dataclass(frozen=True)
class Target:
    """A named broadband target: households whose best fixed offer meets both speeds are served.

    ``label_nb`` is short (map legends, table headers); ``wording_nb`` quotes the goal as its
    source words it and ``source`` names the document (about sheet, manifest, README).
    """

    name: str
    down_mbps: float
    up_mbps: float | None = None
    label_nb: str = ""
    wording_nb: str = ""
    source: str = ""


# The targets' wording and sources are checked and quoted in the README, "Targets, floor, upload
# and copper". Both national goals are worded on download speed alone, so they set no upload.
DEFAULT_TARGETS: tuple[Target, ...] = (
    Target(
        "no2025",
        100.0,
        None,
        "100 Mbit/s (mål 2025)",
        "Alle husstander og virksomheter skal ha tilbud om bredbånd med minst 100 Mbit/s "
        "innen utgangen av 2025.",
        "Meld. St. 28 (2020–2021) «Vår felles digitale grunnmur», Kommunal- og "
        "moderniseringsdepartementet; målet slik regjeringen og Nkom gjengir det (Nkom, "
        "pressemelding 25.5.2023)",
    ),
    Target(
        "gigabit2030",
        1000.0,
        None,
        "1 Gbit/s (mål 2030)",
        "Alle skal ha tilgang til bredbånd med en nedlastingshastighet på minst 1 Gbit/s innen "
        "utgangen av 2030.",
        "Digitaliseringsstrategien «Fremtidens digitale Norge» 2024–2030, Digitaliserings- og "
        "forvaltningsdepartementet",
    ),
    Target(
        "eu_vhcn",
        1000.0,
        200.0,
        "1000/200 Mbit/s (EU VHCN)",
        "Nett med svært høy kapasitet (VHCN): fiber minst til fordelingspunktet, eller et fast "
        "nett som i travel tid gir minst 1000 Mbit/s ned og 200 Mbit/s opp.",
        "BEREC Guidelines on Very High Capacity Networks, BoR (20) 165 (kriterium 3, faste "
        "nett; uendret i BoR (23) 164); jf. EECC art. 82",
    ),
    Target(
        "subsidy30",
        30.0,
        None,
        "30 Mbit/s (støtteklasse a)",
        "Prosjekter som kan få støtte: a. husholdninger og virksomheter som mangler tilbud om "
        "30 Mbit/s [...], eller b. [...] som mangler tilbud om 100 Mbit/s.",
        "Nasjonale retningslinjer for bredbåndsstøtten (etter GBER), slik fylkeskommunene "
        "gjengir dem; klasse b er samme fart som målet for 2025",
    ),
)


def with_default_wording(target: Target) -> Target:
    """``target`` with the wording and source of the default target of the same name and
    speeds where it states none (configs written before targets carried them)."""
    for default in DEFAULT_TARGETS:
        same = (default.name, default.down_mbps) == (target.name, target.down_mbps)
        if same and default.up_mbps == target.up_mbps:
            return dataclasses.replace(
                target,
                wording_nb=target.wording_nb or default.wording_nb,
                source=target.source or default.source,
            )
    return target


@dataclass(frozen=True)
class RunSettings:
    """Where a run writes (``output_dir/runs/<run_id>/``, then ``output_dir/current`` is
    switched) and where its per-kommune work runs (:mod:`pipeline.executor`)."""

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
    # where that per-kommune work runs: "local" (a pool of `workers` processes here) or "dask"
    # (dask.distributed, `pip install 'gapmap[dask]'`); the same bytes either way
    executor: str = "local"
    # with executor = "dask": the scheduler's address ("tcp://10.0.0.5:8786"), whose workers see
    # the run folder at the same path; "" = a local cluster of `workers` processes for the run
    scheduler: str = ""
    # s the scheduler (and then its first worker) has to answer before the run stops
    scheduler_timeout_s: float = 10.0
    # read back each kommune's line of sight from the last run where nothing it depends on
    # changed (output_dir/cache/reach, pipeline/radio/reach_cache.py); false: compute all again
    reuse_cache: bool = True
    # where the caches live (ingest/, reach/, pieces/, hillshade/); default output_dir/cache,
    # which each succeeded run prunes to what it used. A folder given here is shared (a kommune
    # preview reads the national run's): runs read and add to it but never prune it
    cache_dir: Path | None = None
    # the corrections register (pipeline/corrections_register.py); default
    # output_dir/corrections.duckdb. A kommune preview reads the national run's
    corrections_path: Path | None = None

    def __post_init__(self) -> None:
        if self.executor not in EXECUTORS:
            msg = f"[run].executor: got {self.executor!r}, expected one of {', '.join(EXECUTORS)}"
            raise ConfigError(msg)
        if self.scheduler and self.executor != "dask":
            msg = (
                f"[run].scheduler: got {self.scheduler!r} with executor = {self.executor!r};"
                ' a scheduler needs executor = "dask" (or leave scheduler out)'
            )
            raise ConfigError(msg)
        if self.scheduler and not _SCHEDULER_ADDRESS.fullmatch(self.scheduler):
            msg = (
                f"[run].scheduler: got {self.scheduler!r}, expected a Dask scheduler address"
                ' such as "tcp://10.0.0.5:8786" (or "" for a local cluster)'
            )
            raise ConfigError(msg)
        if self.scheduler_timeout_s <= 0:
            msg = f"[run].scheduler_timeout_s: got {self.scheduler_timeout_s}, expected > 0"
            raise ConfigError(msg)
        if self.executor == "dask" and not dask_installed():
            msg = (
                '[run].executor: got "dask", but dask.distributed is not installed; install it'
                f" with {DASK_INSTALL}"
            )
            raise ConfigError(msg)

    @property
    def cache_folder(self) -> Path:
        """``cache_dir``, or ``output_dir/cache`` when not set."""
        return self.cache_dir or self.output_dir / "cache"

    @property
    def corrections_register(self) -> Path:
        """``corrections_path``, or ``output_dir/corrections.duckdb`` when not set."""
        return self.corrections_path or self.output_dir / "corrections.duckdb"

    @property
    def prunes_cache(self) -> bool:
        """Whether a succeeded run prunes its caches: only those of its own output folder."""
        return self.cache_dir is None

    @property
    def worker_count(self) -> int:
        """``workers``, or the machine's core count when not set."""
        return self.workers or os.cpu_count() or 1


def dask_installed() -> bool:
    """Whether ``distributed`` can be imported (without importing it)."""
    try:
        return importlib.util.find_spec("distributed") is not None
    except ValueError:  # set to None in sys.modules: blocked
        return False


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


# [classify].unknown_upload values: how an offer whose upload is not stated (Nkom's speed
# squares state download classes) is judged against an upload requirement. The default first.
UNKNOWN_UPLOAD_POLICIES: Final[tuple[str, ...]] = ("fails", "meets")


@dataclass(frozen=True)
class ClassifySettings:
    """How offers become classes per target (docs/design.md, "Targets and classes")."""

    # the floor ("grunnkrav"): below it an address is unserved. 30 Mbit/s down is the first
    # class of the national support guidelines ("mangler tilbud om 30 Mbit/s"); the 5 Mbit/s
    # upload is an ASSUMPTION of ours (no source sets one; 0 judges the floor on download alone)
    floor_down_mbps: float = 30.0
    floor_up_mbps: float = 5.0
    count_mobile: bool = False  # Nkom counts fixed wireless, not mobile, as fixed coverage
    count_satellite: bool = False  # Nkom excludes satellite
    # xDSL (copper) counts as coverage; Telenor closes its copper network (Nkom kept it open
    # for wholesale customers until autumn 2025). The gap table also carries the figures with
    # copper not counted, whatever this says.
    count_copper: bool = True
    # "fails": an unknown upload does not meet an upload requirement (a target's up_mbps or the
    # floor's): a claim must state its upload, as every per-address offer does. "meets": it
    # does (the old upload = download of Nkom's squares). Targets without up_mbps never look.
    unknown_upload: str = "fails"
    map_target: str = "no2025"  # target shown on the overview choropleth and kommune maps

    def __post_init__(self) -> None:
        if self.unknown_upload not in UNKNOWN_UPLOAD_POLICIES:
            msg = (
                f"[classify].unknown_upload: got {self.unknown_upload!r}, expected one of"
                f" {', '.join(UNKNOWN_UPLOAD_POLICIES)}"
            )
            raise ConfigError(msg)


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
    # the link budget's rain, trees, interference and load (pipeline/config_link.py)
    link: LinkSettings = field(default_factory=LinkSettings)
    # where a CPE stands over a DOM and how tall forest is (pipeline/config_clutter.py)
    clutter: ClutterSettings = field(default_factory=ClutterSettings)


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
    nkom: NkomSettings = field(default_factory=NkomSettings)  # pipeline/config_nkom.py
    operators: OperatorSettings = field(default_factory=OperatorSettings)  # config_operators.py
    eligibility: EligibilitySettings = field(default_factory=EligibilitySettings)
    premises: PremisesSettings = field(default_factory=PremisesSettings)  # config_premises.py
    targets: tuple[Target, ...] = DEFAULT_TARGETS
    scenarios: tuple[Scenario, ...] = ()  # [scenarios.<name>] (pipeline/config_scenarios.py)
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
        """SHA-256 of the canonical JSON form (paths as given, source path excluded, and the
        ``[run]`` keys of :data:`EXECUTION_KEYS`: where the work runs changes no result)."""
        data = to_dict(self)
        for key in EXECUTION_KEYS:
            data["run"].pop(key, None)
        payload = json.dumps(data, sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()


def to_dict(config: Config) -> dict[str, Any]:
    """The config as plain data, sub-tables nested (for the manifest and the config digest)."""
    data = dataclasses.asdict(config)
    data.pop("source_path", None)
    data["targets"] = {t["name"]: t for t in data["targets"]}
    scenarios = data.pop("scenarios", [])
    if scenarios:  # a config without scenarios keeps the digest it had before they existed
        data["scenarios"] = {s.pop("name"): s for s in scenarios}
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
