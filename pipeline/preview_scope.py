"""Which rows a kommune preview reads (:mod:`pipeline.preview`): the kommune and its neighbours.

Kept apart from :mod:`pipeline.preview` so that ingest can cut the national tables as they
are read back from its cache, before a point is made for an address the preview leaves out.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from layers.errors import InputError
from pipeline.config import Config


def check_kommunenummer(kommuner: pd.DataFrame, kommunenummer: str, path: object) -> None:
    """Stop with the known numbers when ``kommunenummer`` is not in the kommune layer."""
    known = sorted(str(k) for k in kommuner["kommunenummer"].unique())
    if kommunenummer in known:
        return
    shown = ", ".join(known[:8]) + (", …" if len(known) > 8 else "")
    msg = (
        f"--kommune: got {kommunenummer!r}, expected a kommunenummer of {path}"
        f" ({len(known)} kommuner: {shown})"
    )
    raise InputError(msg)


def near_kommune(
    x_m: np.ndarray, y_m: np.ndarray, polygon: shapely.Geometry, margin_m: float
) -> np.ndarray:
    """Whether each point lies within the polygon's bounds widened by ``margin_m``."""
    xmin, ymin, xmax, ymax = shapely.bounds(polygon)
    inside_x = (x_m >= xmin - margin_m) & (x_m <= xmax + margin_m)
    return np.asarray(inside_x & (y_m >= ymin - margin_m) & (y_m <= ymax + margin_m))


def context_kommuner(kommuner: gpd.GeoDataFrame, kommunenummer: str, margin_m: float) -> list[str]:
    """``kommunenummer`` and its neighbours: the kommuner whose polygon comes within
    ``margin_m`` of its polygon (a project area crosses a border only where its addresses lie
    within the cluster distance of each other)."""
    polygon = kommuner.geometry[kommuner["kommunenummer"] == kommunenummer].union_all()
    near = shapely.dwithin(kommuner.geometry.to_numpy(), polygon, margin_m)
    others = sorted(set(kommuner.loc[near, "kommunenummer"].astype(str)) - {kommunenummer})
    return [kommunenummer, *others]


def context_area(
    config: Config, kommuner: gpd.GeoDataFrame, kommunenummer: str
) -> tuple[list[str], shapely.Geometry]:
    """The kommune and its neighbours (:func:`context_kommuner` at ``[cost.fibre]
    cluster_distance_m``) and their polygons as one shape."""
    context = context_kommuner(kommuner, kommunenummer, config.cost.fibre.cluster_distance_m)
    return context, kommuner.geometry[kommuner["kommunenummer"].isin(context)].union_all()


def address_scope(config: Config, kommuner: gpd.GeoDataFrame, kommunenummer: str) -> pc.Expression:
    """Which address rows (``x_m``, ``y_m``, ``kommunenummer``) may lie in ``kommunenummer``
    or a neighbour (:func:`context_kommuner`): within ``[locate] tolerance_m`` of their bounds
    (locate may snap them in), or naming one of them in the file. An Arrow expression, so the
    ingest cache reads only those rows (:func:`pipeline.ingest_cache.rows_kept`)."""
    check_kommunenummer(kommuner, kommunenummer, config.inputs.kommuner)
    context, polygon = context_area(config, kommuner, kommunenummer)
    margin_m = config.locate.tolerance_m
    xmin, ymin, xmax, ymax = (float(v) for v in shapely.bounds(polygon))
    x_m, y_m = pc.field("x_m"), pc.field("y_m")
    near = (x_m >= xmin - margin_m) & (x_m <= xmax + margin_m)
    near = near & (y_m >= ymin - margin_m) & (y_m <= ymax + margin_m)
    named = pc.field("kommunenummer").isin(pa.array(context, pa.string()))
    return near | named


def of_address_ids(address_ids: pd.Series) -> pc.Expression:
    """Which rows (``address_id``) hang on one of ``address_ids``."""
    return pc.field("address_id").isin(pa.array(address_ids.unique(), pa.int64()))
