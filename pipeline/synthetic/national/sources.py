"""The real public sources the national builder reads, and where to get them.

Three files, each given by its own path or found by its usual name in a folder (or in one of
its subfolders, as in ``../shared/realdata``):

- SSB's population on the 250 m grid, ``ru250m_2015.csv`` (``ru250m;pop_tot``);
- the kommune boundaries, ``Kommuner-M.geojson`` (a lon/lat FeatureCollection);
- Kartverket's fylker to the territorial limit, ``Basisdata_0000_Norge_25833_Fylker_GeoJSON.zip``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from layers.errors import InputError


@dataclass(frozen=True)
class Source:
    """One source file: the option that names it, its usual name, what it is, where to get it."""

    option: str
    file_name: str
    what: str
    where: str


POPULATION_GRID = Source(
    "--population-grid",
    "ru250m_2015.csv",
    "SSB's population on the 250 m grid (CSV, columns ru250m;pop_tot)",
    "SSB, https://www.ssb.no/natur-og-miljo/geodata (Befolkning på rutenett, 250 m)",
)
KOMMUNER = Source(
    "--kommuner",
    "Kommuner-M.geojson",
    "the kommune boundaries (GeoJSON FeatureCollection in lon/lat, clipped to the coastline)",
    "https://github.com/robhop/fylker-og-kommuner (Kartverket's kommuner from Geonorge,"
    " https://kartkatalog.geonorge.no)",
)
FYLKER = Source(
    "--fylker",
    "Basisdata_0000_Norge_25833_Fylker_GeoJSON.zip",
    "Kartverket's fylker to the territorial limit (Basisdata GeoJSON zip, EPSG:25833)",
    "Geonorge, https://kartkatalog.geonorge.no (Administrative enheter - fylker, GeoJSON)",
)
SOURCES = {"population_grid": POPULATION_GRID, "kommuner": KOMMUNER, "fylker": FYLKER}


@dataclass(frozen=True)
class NationalSources:
    """The paths of the three source files."""

    population_grid: Path
    kommuner: Path
    fylker: Path


def find_sources(
    folder: Path | None = None,
    population_grid: Path | None = None,
    kommuner: Path | None = None,
    fylker: Path | None = None,
) -> NationalSources:
    """Each source from its own path, else by its usual name in ``folder`` or a subfolder.

    Raises
    ------
    InputError
        Naming each source that is missing, its file name and where to get it.
    """
    given = {"population_grid": population_grid, "kommuner": kommuner, "fylker": fylker}
    found: dict[str, Path] = {}
    problems = []
    if folder is not None and not folder.is_dir():
        names = [source.file_name for source in SOURCES.values()]
        msg = f"{folder}: --sources folder not found; expected a folder holding {names}"
        raise InputError(msg)
    for key, source in SOURCES.items():
        path = given[key] or (_in_folder(folder, source.file_name) if folder else None)
        if path is not None and path.is_file():
            found[key] = path
        else:
            problems.append(_missing(source, given[key], folder))
    if problems:
        raise InputError("; ".join(problems))
    return NationalSources(**found)


def _in_folder(folder: Path, file_name: str) -> Path | None:
    """``folder/file_name``, else the first ``folder/<subfolder>/file_name`` (by name)."""
    candidates = [folder, *sorted(p for p in folder.iterdir() if p.is_dir())]
    return next((c / file_name for c in candidates if (c / file_name).is_file()), None)


def _missing(source: Source, given: Path | None, folder: Path | None) -> str:
    """What is missing, and where to get it."""
    if given is not None:
        got = f"{given} ({source.option}) not found"
    elif folder is not None:
        got = f"{source.file_name} not found in {folder} or its subfolders"
    else:
        got = f"no {source.option} and no --sources folder"
    return f"{got}: expected {source.what}, from {source.where}"
