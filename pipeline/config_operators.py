"""The ``[operators]`` section: one name per operator, however each file spells it.

An FWA claim in the offers (``operator`` "Telenor Norge AS") is judged against the claiming
operator's own FWA sites (site list ``operator`` " telenor"): both names are reduced to one
key by :func:`operator_keys`, case- and space-insensitively, through the alias table::

    [operators]
    aliases = { "Telenor Norge AS" = "telenor", "Telia Norge AS" = "telia" }

Part of the configuration schema (:mod:`pipeline.config_schema`; import from
:mod:`pipeline.config`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from layers.errors import ConfigError

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class OperatorSettings:
    """``[operators]``: names that mean the same operator."""

    # name as a file spells it -> the operator's key; both sides are compared case- and
    # space-insensitively ("Telenor Norge AS" = "telenor" also catches " TELENOR  norge as")
    aliases: dict[str, str] = field(default_factory=dict)


def coerce_aliases(where: str, value: Any) -> dict[str, str]:
    """A TOML table of names to keys, every key and value a non-empty string."""
    if not isinstance(value, dict):
        example = '{ "Telenor Norge AS" = "telenor" }'
        msg = f"{where}: got {value!r}, expected a table of names to operators, e.g. {example}"
        raise ConfigError(msg)
    for name, key in value.items():
        if not isinstance(key, str) or not key.strip() or not str(name).strip():
            msg = f"{where}: {name!r} = {key!r}, expected a non-empty operator name for a name"
            raise ConfigError(msg)
    return {str(name): key for name, key in value.items()}


def normalised_names(names: pd.Series) -> pd.Series:
    """``names`` lower-cased (``casefold``) with every run of white space removed:
    " Telenor  Norge AS" → "telenornorgeas"; missing names become ""."""
    text = names.astype("object").where(names.notna(), "").astype(str)
    return text.str.casefold().str.replace(_SPACE, "", regex=True)


def operator_keys(names: pd.Series, aliases: Mapping[str, str]) -> pd.Series:
    """The operator key of each name: its alias's target where the normalised name is an
    alias, else the normalised name itself (both normalised by :func:`normalised_names`)."""
    normalised = normalised_names(names)
    if not aliases:
        return normalised
    alias_keys = normalised_names(pd.Series(list(aliases), dtype="object"))
    targets = normalised_names(pd.Series(list(aliases.values()), dtype="object"))
    lookup = dict(zip(alias_keys, targets, strict=True))
    return normalised.map(lookup).fillna(normalised)
