"""The real kommune boundaries: which kommuner to build, which grid cells they need, the copy.

The boundary file is a GeoJSON FeatureCollection in lon/lat with ``kommunenummer`` and ``name``
(or ``kommunenavn``) properties, such as ``Kommuner-M.geojson`` (Kartverket's 2024 kommuner,
simplified and clipped to the coastline): all kommuner are used to locate points, the selected
ones are built and copied into the set.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.errors import InputError
from layers.kommuner import read_kommuner
from pipeline.synthetic.national.grid import CELL_M, cells_touching
from pipeline.synthetic.writers import write_feature_collection


@dataclass(frozen=True)
class Kommuner:
    """All kommuner of the file (for locating points) and the selected ones (to build)."""

    frame: gpd.GeoDataFrame  # kommunenummer, kommunenavn, fylkesnummer, geometry (25833)
    display_name: dict[str, str]  # kommunenummer -> plain name ("Trondheim")
    features: list[dict[str, Any]]  # the GeoJSON features as read
    selected: np.ndarray  # bool per row of frame


def load_kommuner(path: Path, limit: tuple[str, ...]) -> Kommuner:
    """Read the kommune boundaries; mark the ones to build (all when ``limit`` is empty)."""
    features = _features(path)
    frame = read_kommuner(path).accepted.reset_index(drop=True)
    display_name = {
        str(f["properties"]["kommunenummer"]).zfill(4): str(
            f["properties"].get("name") or f["properties"].get("kommunenavn")
        )
        for f in features
    }
    known = set(frame["kommunenummer"])
    unknown = sorted(set(limit) - known)
    if unknown:
        msg = (
            f"--limit-kommuner: got kommunenummer {unknown}, not in {path};"
            f" expected 4-digit kommunenummer of that file such as {sorted(known)[:3]}"
        )
        raise InputError(msg)
    selected = frame["kommunenummer"].isin(limit).to_numpy() if limit else np.ones(len(frame), bool)
    return Kommuner(frame, display_name, features, selected)


def _features(path: Path) -> list[dict[str, Any]]:
    """The features of a lon/lat GeoJSON FeatureCollection with a kommunenummer each."""
    expected = (
        "expected a GeoJSON FeatureCollection in lon/lat with kommunenummer and name properties"
        " (such as Kommuner-M.geojson)"
    )
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        msg = f"{path}: not readable as GeoJSON ({exc}); {expected}"
        raise InputError(msg) from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        kind = document.get("type") if isinstance(document, dict) else type(document).__name__
        msg = f"{path}: got a JSON document of type {kind!r}; {expected}"
        raise InputError(msg)
    features: list[dict[str, Any]] = document["features"]
    lacking = [i for i, f in enumerate(features) if "kommunenummer" not in f["properties"]]
    if lacking:
        msg = f"{path}: features {lacking[:5]} have no kommunenummer property; {expected}"
        raise InputError(msg)
    return features


def cells_to_build(grid: pd.DataFrame, kommuner: Kommuner) -> np.ndarray:
    """True for the cells that touch a selected kommune, or touch none and lie nearest to one.

    Cells touching no kommune polygon are islands or skerries lost in the simplification of
    the boundaries; their households are snapped to the nearest kommune.
    """
    polygons = kommuner.frame.geometry.to_numpy()
    touching_selected = cells_touching(grid, polygons[kommuner.selected])
    offshore = np.flatnonzero(~cells_touching(grid, polygons))
    centres = shapely.points(
        grid["x_m"].to_numpy()[offshore] + CELL_M / 2, grid["y_m"].to_numpy()[offshore] + CELL_M / 2
    )
    cell_idx, polygon_idx = shapely.STRtree(polygons).query_nearest(centres, all_matches=False)
    touching_selected[offshore[cell_idx]] = kommuner.selected[polygon_idx]
    return touching_selected


def write_kommuner(path: Path, source: Path, kommuner: Kommuner) -> None:
    """Copy the boundary file, or only the selected kommuner's features when limited."""
    if kommuner.selected.all():
        shutil.copyfile(source, path)
        return
    chosen = set(kommuner.frame.loc[kommuner.selected, "kommunenummer"])
    features = [
        f for f in kommuner.features if str(f["properties"]["kommunenummer"]).zfill(4) in chosen
    ]
    write_feature_collection(path, features)
