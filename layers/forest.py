"""Forest polygons from an open land-cover layer (NIBIO AR50, Kartverket N50 Arealdekke, ...).

Any vector format pyogrio reads (GeoPackage, GeoJSON, Shapefile, ...) with a CRS. A file may
hold forest only (every polygon counts) or several land-cover classes: then a column and the
values of it that are forest select the polygons, compared as text without surrounding blanks
(``artype`` ``30`` in NIBIO's AR50, ``objtype`` ``Skog`` in Kartverket's N50 Arealdekke).
The result is the forest's valid polygons in EPSG:25833; features that are empty or not
polygons are left out (points or lines say nothing about how deep a forest is).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from layers.checksums import sha256_of
from layers.errors import InputError
from layers.geometry_checks import check_geometries
from layers.vector import find_column, read_features, stripped_text

WHAT = "forest polygons (a land-cover layer such as AR50 or N50 Arealdekke)"


def read_forest(
    path: Path,
    layer: str = "",
    crs: str = "",
    column: str = "",
    values: tuple[str, ...] = (),
) -> np.ndarray:
    """The forest polygons of ``path`` (module docstring) in EPSG:25833, as a shapely array.

    ``column`` and ``values`` select the forest among several classes ("" and (): every
    feature). Raises :class:`InputError` naming the file when it is missing or unreadable,
    when ``column`` is not in it, or when no polygon is left.
    """
    features = read_features(path, WHAT, crs, "[inputs].forest_crs", layer or None).frame
    if column:
        found = find_column(features, (column,))
        if found is None:
            columns = [str(c) for c in features.columns if c != features.geometry.name]
            msg = (
                f"{path}: no column {column!r} ([inputs].forest_column); expected one of {columns}"
            )
            raise InputError(msg)
        text = stripped_text(features, found)
        chosen = text.isin([str(v).strip() for v in values]).fillna(False).to_numpy(bool)
        if not chosen.any():
            present = sorted(text.dropna().unique().tolist())[:20]
            msg = (
                f"{path}: no feature has {found} in {list(values)} ([inputs].forest_values);"
                f" the file holds {present}, expected the values that mean forest (AR50: 30,"
                " N50 Arealdekke: Skog)"
            )
            raise InputError(msg)
        features = features.loc[chosen]
    checked = check_geometries(features.geometry, "polygon")
    polygons = np.asarray(checked.geometry[checked.reasons.isna().to_numpy()], dtype=object)
    if len(polygons) == 0:
        msg = (
            f"{path}: got {len(features)} features and no usable polygon among them; expected"
            f" {WHAT}"
        )
        raise InputError(msg)
    return polygons


def forest_digest(path: Path) -> str:
    """SHA-256 over the files of the forest layer: the file itself, and for a shapefile every
    file beside it with the same stem (.dbf, .prj, .shx, ...), in name order."""
    files = [path]
    if path.suffix.lower() == ".shp":
        files = sorted(p for p in path.parent.glob(f"{path.stem}.*") if p.is_file())
    text = "\n".join(f"{p.name} {sha256_of(p)}" for p in files)
    return hashlib.sha256(text.encode()).hexdigest()
