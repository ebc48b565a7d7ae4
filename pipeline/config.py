"""One typed configuration object, loaded from TOML and validated at load.

The sections are frozen dataclasses defined in :mod:`pipeline.config_schema` and re-exported
here, so ``from pipeline.config import Config, load_config, to_dict, ...`` is the one import
callers need. Unknown keys are refused with the nearest known key, bad values with what was got
and what was expected, and a key of the flat ``[cost]`` table of before the nesting with its
new place (``[cost].trench_nok_per_m has moved to [cost.fibre].trench_nok_per_m``).

Relative input paths in ``[inputs]`` resolve against the folder of the TOML file.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import tomllib
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyproj

from layers.errors import ConfigError
from layers.vocabulary import TECHNOLOGIES, WIRELESS_TECHNOLOGIES
from pipeline.config_clutter import ClutterSettings
from pipeline.config_cost import (
    CostSettings,
    FibreSettings,
    LifetimeSettings,
    NewSiteSettings,
    RoadSettings,
    SatelliteSettings,
    TerrainSettings,
    WirelessCostSettings,
    check_cost,
)
from pipeline.config_eligibility import EligibilitySettings, check_eligibility
from pipeline.config_inputs import Inputs
from pipeline.config_link import LinkSettings
from pipeline.config_nkom import NkomSettings, check_nkom
from pipeline.config_operators import OperatorSettings, coerce_aliases
from pipeline.config_premises import PremisesSettings, check_premises
from pipeline.config_refresh import FetchConfig, FreshnessConfig, check_refresh
from pipeline.config_scenarios import build_scenarios
from pipeline.config_schema import (
    DEFAULT_TARGETS,
    MAP_ASSET_MODES,
    ChecksSettings,
    ClassifySettings,
    Config,
    CoverageSettings,
    LocateSettings,
    RunSettings,
    Target,
    WirelessSettings,
    replace_nested,
    to_dict,
    with_default_wording,
)

__all__ = [
    "DEFAULT_TARGETS",
    "ChecksSettings",
    "ClassifySettings",
    "ClutterSettings",
    "Config",
    "CostSettings",
    "CoverageSettings",
    "FibreSettings",
    "Inputs",
    "LifetimeSettings",
    "LinkSettings",
    "LocateSettings",
    "NewSiteSettings",
    "RoadSettings",
    "RunSettings",
    "SatelliteSettings",
    "Target",
    "TerrainSettings",
    "WirelessCostSettings",
    "WirelessSettings",
    "config_from_dict",
    "load_config",
    "moved_keys",
    "replace_nested",
    "to_dict",
]

_SECTIONS: dict[str, type] = {
    "run": RunSettings,
    "locate": LocateSettings,
    "classify": ClassifySettings,
    "coverage": CoverageSettings,
    "wireless": WirelessSettings,
    "cost": CostSettings,
    "checks": ChecksSettings,
    "fetch": FetchConfig,
    "freshness": FreshnessConfig,
    "operators": OperatorSettings,
    "eligibility": EligibilitySettings,
    "premises": PremisesSettings,
    "inputs": Inputs,
    "nkom": NkomSettings,
}


def _nearest(key: str, known: list[str], moved: Mapping[str, str]) -> str:
    """The nearest known key, or the new place of the nearest moved one."""
    close = difflib.get_close_matches(key, [*known, *moved], n=1)
    if not close:
        return ""
    return f" (did you mean {moved[close[0]] if close[0] not in known else repr(close[0])}?)"


def _reject_unknown(
    where: str, given: dict[str, Any], known: list[str], moved: Mapping[str, str] | None = None
) -> None:
    for key in given:
        if key not in known:
            nearest = _nearest(key, known, moved or {})
            msg = f"{where}: unknown key {key!r}{nearest}; expected one of {known}"
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


def _coerce_number(where: str, value: Any, annotation: str) -> int | float:
    """A whole number >= 1 (``int``) or a number >= 0 (``float``); booleans are neither."""
    if annotation.startswith("int"):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            msg = f"{where}: got {value!r}, expected a whole number >= 1"
            raise ConfigError(msg)
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        msg = f"{where}: got {value!r}, expected a number"
        raise ConfigError(msg)
    if value < 0:
        msg = f"{where}: got {value}, expected a number >= 0"
        raise ConfigError(msg)
    return float(value)


def _coerce(where: str, value: Any, annotation: str) -> Any:
    """Check one TOML value against a dataclass field annotation (given as a string)."""
    optional = "None" in annotation
    if value is None and optional:
        return None
    if annotation.startswith("tuple["):
        return _coerce_tuple(where, value, annotation)
    if annotation == "dict[str, str]":  # [operators].aliases
        return coerce_aliases(where, value)
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
    if annotation.startswith(("int", "float")):
        return _coerce_number(where, value, annotation)
    if annotation.startswith("str"):
        if not isinstance(value, str):
            msg = f"{where}: got {value!r}, expected a string"
            raise ConfigError(msg)
        return value
    msg = f"{where}: unsupported annotation {annotation}"  # a programming error
    raise ConfigError(msg)


def _resolved(value: Any, base: Path) -> Any:
    """Paths (alone or in a tuple) against ``base``; an absolute path stays absolute."""
    if isinstance(value, Path):
        return Path(os.path.normpath(base / value))
    if isinstance(value, tuple) and all(isinstance(p, Path) for p in value):
        return tuple(Path(os.path.normpath(base / p)) for p in value)
    return value


def _sub_tables(cls: type) -> dict[str, type]:
    """The fields of a section that are sub-tables (nested dataclasses), by name."""
    hints = typing.get_type_hints(cls)
    return {
        f.name: hints[f.name]
        for f in dataclasses.fields(cls)
        if dataclasses.is_dataclass(hints[f.name])
    }


def moved_keys(name: str, cls: type) -> dict[str, str]:
    """The keys of section ``[name]`` that moved into its sub-tables, each with its new place:
    ``{"trench_nok_per_m": "[cost.fibre].trench_nok_per_m", ...}`` (from each sub-table's
    fields and its ``FORMER_KEYS``)."""
    moved: dict[str, str] = {}
    for sub_name, sub_cls in _sub_tables(cls).items():
        former: Mapping[str, str] = getattr(sub_cls, "FORMER_KEYS", {})
        for sub_field in dataclasses.fields(sub_cls):
            old = former.get(sub_field.name, sub_field.name)
            moved[old] = f"[{name}.{sub_name}].{sub_field.name}"
    return moved


def _build_section(name: str, cls: type, given: Any, base: Path) -> Any:
    """One section (``name`` as in ``cost`` or ``cost.fibre``), its sub-tables recursively."""
    if not isinstance(given, dict):
        msg = f"[{name}]: got {given!r}, expected a table of keys"
        raise ConfigError(msg)
    moved = moved_keys(name, cls)
    # a sub-table named as an old key (new_site) is a table; every moved key named at once
    stale = [key for key, value in given.items() if key in moved and not isinstance(value, dict)]
    if stale:
        msg = "; ".join(f"[{name}].{key} has moved to {moved[key]}" for key in stale)
        if len(stale) > 1:
            msg += f" ({len(stale)} keys of the flat [{name}] table; see the README)"
        raise ConfigError(msg)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    _reject_unknown(f"[{name}]", given, list(fields), moved)
    sub_tables = _sub_tables(cls)
    kwargs = {}
    for key, value in given.items():
        if key in sub_tables:
            kwargs[key] = _build_section(f"{name}.{key}", sub_tables[key], value, base)
        else:
            kwargs[key] = _resolved(_coerce(f"[{name}].{key}", value, str(fields[key].type)), base)
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
        keys = ["down_mbps", "up_mbps", "label_nb", "wording_nb", "source"]
        _reject_unknown(f"[targets.{name}]", spec, keys)
        if "down_mbps" not in spec:
            msg = f"[targets.{name}]: missing key 'down_mbps'"
            raise ConfigError(msg)
        down = _coerce(f"[targets.{name}].down_mbps", spec["down_mbps"], "float")
        up = _coerce(f"[targets.{name}].up_mbps", spec.get("up_mbps"), "float | None")
        label = _coerce(f"[targets.{name}].label_nb", spec.get("label_nb", name), "str")
        texts = [_coerce(f"[targets.{name}].{k}", spec.get(k, ""), "str") for k in keys[3:]]
        targets.append(with_default_wording(Target(name, down, up, label, *texts)))
    if not targets:
        msg = "[targets]: got an empty table, expected at least one target"
        raise ConfigError(msg)
    return tuple(targets)


def config_from_dict(raw: dict[str, Any], base: Path) -> Config:
    """Build and validate a :class:`Config` from a parsed TOML document."""
    known = [*_SECTIONS, "targets", "scenarios"]
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
    names = [t.name for t in targets]
    scenarios = build_scenarios(raw["scenarios"], names) if "scenarios" in raw else ()
    config = Config(**sections, targets=targets, scenarios=scenarios)
    _check_names(config)
    check_cost(config.cost)
    _check_input_crs(config.inputs)
    check_refresh(config.fetch, config.freshness, config.inputs)
    check_nkom(config.nkom)
    check_eligibility(config.eligibility)
    check_premises(config.premises)
    if config.locate.max_kommune_overlap_share > 1.0:
        msg = (
            f"[locate].max_kommune_overlap_share: got {config.locate.max_kommune_overlap_share},"
            " expected a share from 0 to 1"
        )
        raise ConfigError(msg)
    shares = dataclasses.asdict(config.checks)
    shares.pop("min_rows_for_share")
    shares.pop("allow_svalbard_jan_mayen")
    for key, share in shares.items():
        if not 0.0 <= share <= 1.0:
            msg = f"[checks].{key}: got {share}, expected a share from 0 to 1"
            raise ConfigError(msg)
    return config


def _check_names(config: Config) -> None:
    """Names that must be one of a list: targets, map assets, technologies."""
    names = [t.name for t in config.targets]
    for where, name in (
        ("[classify].map_target", config.classify.map_target),
        ("[cost].target", config.cost.target),
    ):
        if name not in names:
            msg = f"{where}: got {name!r}, expected one of the targets {names}"
            raise ConfigError(msg)
    if config.run.map_assets not in MAP_ASSET_MODES:
        msg = (
            f"[run].map_assets: got {config.run.map_assets!r}, expected one of"
            f" {', '.join(MAP_ASSET_MODES)}"
        )
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


def _check_input_crs(inputs: Inputs) -> None:
    """Every ``[inputs].<layer>_crs`` is "" or a CRS pyproj knows."""
    for field in dataclasses.fields(inputs):
        value = getattr(inputs, field.name)
        if not field.name.endswith("_crs") or not value:
            continue
        try:
            pyproj.CRS.from_user_input(value)
        except pyproj.exceptions.CRSError:
            msg = (
                f'[inputs].{field.name}: got {value!r}, expected a CRS such as "EPSG:25833"'
                ' or "EPSG:25832" (or "" for the file\'s own)'
            )
            raise ConfigError(msg) from None


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
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        msg = (
            f"{path}: line {line}: byte 0x{exc.object[exc.start]:02x} is not UTF-8; expected a"
            " UTF-8 text file (save it as UTF-8, as TOML requires)"
        )
        raise ConfigError(msg) from exc
    except IsADirectoryError as exc:
        msg = f"{path}: is a folder; expected a TOML config file"
        raise ConfigError(msg) from exc
    config = config_from_dict(raw, path.parent.resolve())
    return dataclasses.replace(config, source_path=path.resolve())
