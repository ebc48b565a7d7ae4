"""Stage 2, locate: the kommune each address lies in (point in polygon).

The polygon wins over the file's ``kommunenummer``; disagreements are counted and reported.
An address outside every polygon is snapped to the nearest kommune within
``locate.tolerance_m`` (simplified boundaries cut off coastal addresses); beyond that it keeps
the file's kommunenummer when that kommune exists, and otherwise goes to quarantine.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.errors import InputError
from layers.quarantine import quarantine_rows
from pipeline.config import Config
from pipeline.ingest import Ingested


@dataclass(frozen=True)
class Located:
    """Addresses with their kommune, the rows that could not be placed, and the counts."""

    addresses: gpd.GeoDataFrame  # input columns + kommunenummer_file, located_by
    quarantine: pd.DataFrame
    counts: dict[str, int]


def polygon_index_of_points(
    polygons: np.ndarray, x_m: np.ndarray, y_m: np.ndarray, points: np.ndarray | None = None
) -> np.ndarray:
    """Index of the first polygon that contains (or touches) each point; -1 for none.

    One STRtree over the points (``points``, when the caller has them already, else built
    from ``x_m``, ``y_m``), queried with every polygon, which GEOS prepares (fast when polygons
    are few and large, as kommuner are).
    """
    points = np.asarray(shapely.points(x_m, y_m)) if points is None else np.asarray(points)
    tree = shapely.STRtree(points)
    polygon_idx, point_idx = tree.query(polygons, predicate="intersects")
    result = np.full(len(points), -1, dtype="int64")
    if not np.all(np.diff(polygon_idx) >= 0):  # shapely answers by polygon; never assume it
        order = np.argsort(polygon_idx, kind="stable")
        polygon_idx, point_idx = polygon_idx[order], point_idx[order]
    # reversed, a point's first polygon is written last (NumPy: the last repeated index wins)
    result[point_idx[::-1]] = polygon_idx[::-1]
    return result


def nearest_polygon_within(
    polygons: np.ndarray, x_m: np.ndarray, y_m: np.ndarray, tolerance_m: float
) -> np.ndarray:
    """Index of the nearest polygon within ``tolerance_m`` of each point; -1 for none."""
    result = np.full(len(x_m), -1, dtype="int64")
    if tolerance_m <= 0 or len(x_m) == 0:
        return result
    tree = shapely.STRtree(polygons)
    point_idx, polygon_idx = tree.query_nearest(
        shapely.points(x_m, y_m), max_distance=tolerance_m, all_matches=False
    )
    result[point_idx] = polygon_idx
    return result


def locate_addresses(
    addresses: gpd.GeoDataFrame, kommuner: gpd.GeoDataFrame, tolerance_m: float, source: str
) -> Located:
    """Assign each address the kommune whose polygon holds it (see the module docstring)."""
    polygons = kommuner.geometry.to_numpy()
    numbers = kommuner["kommunenummer"].to_numpy()
    x_m, y_m = addresses["x_m"].to_numpy(), addresses["y_m"].to_numpy()
    given = addresses.geometry.to_numpy() if "geometry" in addresses.columns else None
    inside = polygon_index_of_points(polygons, x_m, y_m, given)
    outside = inside < 0
    near = np.full(len(x_m), -1, dtype="int64")
    near[outside] = nearest_polygon_within(polygons, x_m[outside], y_m[outside], tolerance_m)
    file_number = addresses["kommunenummer"].to_numpy()
    known = addresses["kommunenummer"].isin(kommuner["kommunenummer"]).to_numpy()
    located_by = np.select(
        [inside >= 0, near >= 0, known], ["polygon", "tolerance", "file"], default="none"
    )
    chosen = np.where(inside >= 0, inside, near)
    kommunenummer = np.where(chosen >= 0, numbers[np.maximum(chosen, 0)], file_number)
    unplaced = located_by == "none"
    quarantine = quarantine_rows(
        "addresses",
        source,
        addresses.loc[unplaced, "row_number"].to_numpy(),
        addresses.loc[unplaced, "address_id"].astype("str"),
        pd.Series(
            "locate: outside every kommune polygon and kommunenummer "
            + addresses.loc[unplaced, "kommunenummer"]
            + " is not in the kommune layer"
        ),
    )
    names = kommuner.set_index("kommunenummer")
    numbers_kept = kommunenummer[~unplaced]
    located = (addresses.loc[~unplaced] if unplaced.any() else addresses).assign(
        kommunenummer_file=file_number[~unplaced],
        kommunenummer=numbers_kept,
        located_by=located_by[~unplaced],
        kommunenavn=names["kommunenavn"].reindex(numbers_kept).to_numpy(),
        fylkesnummer=names["fylkesnummer"].reindex(numbers_kept).to_numpy(),
    )
    counts = {
        "in_polygon": int((located_by == "polygon").sum()),
        "snapped_within_tolerance": int((located_by == "tolerance").sum()),
        "outside_kept_file_kommune": int((located_by == "file").sum()),
        "quarantined_outside": int(unplaced.sum()),
        "disagree_with_file": int(
            (located["kommunenummer"] != located["kommunenummer_file"]).sum()
        ),
    }
    return Located(located, quarantine, counts)


def locate_stage(config: Config, inputs: Ingested) -> tuple[Ingested, dict[str, int]]:
    """The locate stage: the inputs with located addresses (index reset), the unplaced ones
    moved to quarantine (the address layer's counts follow), and only the kommuner that hold
    addresses (a run on one kommune may use the national boundary file; the others are
    counted as ``kommuner_without_addresses``)."""
    check_kommune_numbers(config, inputs.addresses, inputs.kommuner)
    located = locate_addresses(
        inputs.addresses, inputs.kommuner, config.locate.tolerance_m, str(config.inputs.addresses)
    )
    addresses = located.addresses.reset_index(drop=True)
    counts = inputs.counts.copy()
    row = counts["layer"] == "addresses"
    counts.loc[row, "rows_accepted"] -= len(located.quarantine)
    counts.loc[row, "rows_quarantined"] += len(located.quarantine)
    kept = inputs.kommuner["kommunenummer"].isin(addresses["kommunenummer"].unique())
    located.counts["kommuner_without_addresses"] = int((~kept).sum())
    moved = dataclasses.replace(
        inputs,
        addresses=addresses,
        kommuner=inputs.kommuner.loc[kept],
        quarantine=pd.concat([inputs.quarantine, located.quarantine], ignore_index=True),
        counts=counts,
    )
    return moved, located.counts


def check_kommune_numbers(
    config: Config, addresses: pd.DataFrame, kommuner: gpd.GeoDataFrame
) -> None:
    """Stop when more than ``[checks] max_quarantined_share`` of the addresses (at least
    ``min_rows_for_share`` of them) name a kommune the kommune layer lacks: the boundaries are
    of other kommuner (another region, renumbered), and placing the addresses by polygon alone
    would publish them under the wrong kommuner. :class:`InputError` names the kommune file and
    the first missing numbers."""
    named = addresses["kommunenummer"].dropna()
    missing = named[~named.isin(kommuner["kommunenummer"])]
    checks = config.checks
    share = len(missing) / len(named) if len(named) else 0.0
    if len(named) < checks.min_rows_for_share or share <= checks.max_quarantined_share:
        return
    first = ", ".join(sorted(str(k) for k in missing.unique())[:5])
    msg = (
        f"kommuner ({config.inputs.kommuner}): {len(missing):,} of {len(named):,} addresses"
        f" ({share:.0%}) name a kommune the layer lacks ({first}…); expected the boundaries of"
        " the addresses' kommuner: give the right file, or raise"
        " [checks].max_quarantined_share to go on anyway"
    )
    raise InputError(msg)
