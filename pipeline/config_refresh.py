"""The monthly refresh's sections of the config: ``[fetch]`` and ``[freshness]``.

``[fetch]`` says what ``gapmap fetch --config`` (and so ``scripts/monthly_refresh.sh``)
downloads from Geonorge before the run; ``[freshness]`` which inputs must have changed since the
last succeeded run, and how old an input may be, before a run may publish
(:mod:`pipeline.freshness`). Both default to nothing: a config without them fetches nothing and
checks nothing. Loaded by :mod:`pipeline.config` like every section; :func:`check_refresh`
validates what a single key cannot (names of ``[inputs]``, a folder for the downloads).
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from layers.errors import ConfigError


@dataclass(frozen=True)
class FetchConfig:
    """``[fetch]``: the Geonorge files ``gapmap fetch --config`` downloads (the address zip and
    the boundary zip of each kommune; :mod:`pipeline.fetch.geonorge`)."""

    # kommuner as ``gapmap fetch --kommune`` takes them: "4204=Kristiansand" (or "4204" when
    # the name can be looked up); empty: the refresh fetches nothing
    kommuner: tuple[str, ...] = ()
    # folder for the zips and fetch_manifest.json (relative to the config); point [inputs] at
    # the files in it. Required when kommuner is set
    folder: Path | None = None
    # days; a file fetched longer ago is downloaded again (a monthly refresh fetches anew,
    # a second run on the same day uses the copy); 0: always download
    max_age_days: float = 1.0
    base_url: str = ""  # root of the download folders; "" = Geonorge's Basisdata


@dataclass(frozen=True)
class FreshnessConfig:
    """``[freshness]``: a run refuses to publish (exit 79) when an input expected to change
    monthly is the same as in the last succeeded run, or older than ``max_age_days``."""

    # keys of [inputs] expected to change every month ("offers", "addresses"); empty: no check
    monthly_inputs: tuple[str, ...] = ()
    # days; a monthly input whose data date (the newest member of a zip, else the file's
    # modification time) is older refuses the run; 0: no age check
    max_age_days: float = 45.0
    # publish anyway, reporting what was stale (also `gapmap run --allow-stale`)
    allow_stale: bool = False


def input_keys(inputs: Any) -> list[str]:
    """The keys of ``[inputs]`` (``inputs``: its :class:`pipeline.config_schema.Inputs`, not
    imported here, which imports this module) that name files (not ``roads_layer`` nor the
    ``*_crs``)."""
    return [
        f.name
        for f in dataclasses.fields(inputs)
        if "Path" in str(f.type) and not f.name.endswith("_crs")
    ]


def check_refresh(fetch: FetchConfig, freshness: FreshnessConfig, inputs: Any) -> None:
    """Refuse ``[freshness].monthly_inputs`` that are not file keys of ``[inputs]`` set in this
    config, and a ``[fetch]`` with kommuner but no folder or a base URL that is not http(s)."""
    known = input_keys(inputs)
    for name in freshness.monthly_inputs:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            msg = (
                f"[freshness].monthly_inputs: got {name!r}{hint}; expected keys of [inputs]"
                f" that name files, one of {known}"
            )
            raise ConfigError(msg)
        if getattr(inputs, name) in (None, ()):
            msg = (
                f"[freshness].monthly_inputs: got {name!r}, but [inputs].{name} is not set;"
                " expected inputs this config reads"
            )
            raise ConfigError(msg)
    if fetch.kommuner and fetch.folder is None:
        msg = (
            f"[fetch].folder: not set, but [fetch].kommuner is {list(fetch.kommuner)}; expected"
            ' the folder for the downloads, e.g. folder = "geonorge"'
        )
        raise ConfigError(msg)
    if fetch.base_url and not re.match(r"https?://[^/]", fetch.base_url):
        msg = f'[fetch].base_url: got {fetch.base_url!r}; expected an http(s):// URL or ""'
        raise ConfigError(msg)


def fetch_options(
    fetch: FetchConfig | None,
    kommuner: list[str] | None,
    folder: Path | None,
    base_url: str | None,
    max_age_days: float | None,
) -> tuple[list[str], Path, str | None, float | None]:
    """``gapmap fetch``'s kommuner, folder, base URL and cache age: each option given, else the
    config's ``[fetch]`` key (``fetch``, when ``--config`` was given); no folder at all is a
    :class:`ConfigError` unless there are no kommuner either (nothing to fetch)."""
    if fetch is not None:
        kommuner = kommuner or list(fetch.kommuner)
        folder = folder or fetch.folder
        base_url = base_url or fetch.base_url or None
        max_age_days = fetch.max_age_days if max_age_days is None else max_age_days
    if folder is None and not kommuner:
        return [], Path(), base_url, max_age_days
    if folder is None:
        msg = (
            "--out: not given; expected the folder for the downloads, or --config with a"
            " [fetch] folder"
        )
        raise ConfigError(msg)
    return list(kommuner or []), folder, base_url, max_age_days
