"""The file writers of the synthetic input sets: the demo region and the national builder.

Both write the real input formats, and write them here, one writer per format:

- the Matrikkelen Adresse CSV: Kartverket's 46 columns (:data:`layers.addresses.KARTVERKET_COLUMNS`,
  optionally followed by more), ``;``, UTF-8 with BOM, CRLF, no quoting; as a plain file or as
  the one member of a Geonorge zip (:func:`write_address_csv`, :func:`write_address_zip`);
- coverage offers (``dekning.csv``) and wireless sites (``master.csv``): the columns of
  :mod:`layers.offers` and :mod:`layers.sites`, ``,``, LF (:func:`write_offers`,
  :func:`write_sites`);
- RFC 7946 GeoJSON FeatureCollections in lon/lat (:func:`write_feature_collection`,
  :func:`write_line_features`, :func:`lonlat_geometry`);
- the DTM as a tiled, DEFLATE-compressed float32 GeoTIFF in EPSG:25833 (:func:`write_dtm`);
- road lines as a GeoPackage (:func:`write_roads`);
- ``gapmap.toml`` from a template with the input paths filled in (:func:`config_text`).

Every writer gives the same bytes for the same values (zip member times and GeoPackage
timestamps are pinned); tables are written column-wise with Arrow, never row by row. The column
values both sets draw the same way (:func:`uuids`, :func:`update_times`) are here too.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, cast

import geopandas as gpd
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import rasterio
import shapely
import shapely.geometry
from pyproj import Transformer
from rasterio.transform import Affine
from rasterio.windows import Window
from shapely.geometry.base import BaseGeometry

from layers.addresses import KARTVERKET_COLUMNS
from layers.offers import COLUMNS as OFFER_COLUMNS
from layers.sites import COLUMNS as SITE_COLUMNS

DTM_NODATA = -9999.0
ROADS_LAYER = "roads"
GPKG_DATE = "2025-01-01T00:00:00.000Z"  # GDAL's change timestamp in a GeoPackage, pinned
ABSENT = "<absent>"
BATCH_ROWS = 65_536
Columns = Mapping[str, "pa.Array | np.ndarray"]

_TO_LONLAT = Transformer.from_crs(25833, 4326, always_xy=True)


# --------------------------------------------------------------------------------------------
# Tables: addresses, offers, sites


def write_address_csv(path: Path, columns: Columns) -> None:
    """Write a Matrikkelen Adresse CSV (``;``, UTF-8 with BOM, CRLF, no quoting).

    ``columns`` maps each column name to its values (strings), Kartverket's 46 columns first
    and in their order; more columns may follow them (the national set's ``households``).
    """
    with path.open("wb") as out:
        _write_address_rows(out, columns)


def write_address_zip(
    path: Path, member: str, columns: Columns, date_time: tuple[int, int, int, int, int, int]
) -> None:
    """Write a Geonorge address zip: one member ``member``, the CSV of :func:`write_address_csv`.

    The member's time is ``date_time`` (not the clock), so the same columns give the same zip.
    """
    import zipfile

    info = zipfile.ZipInfo(member, date_time=date_time)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    with zipfile.ZipFile(path, "w") as archive, archive.open(info, "w", force_zip64=True) as out:
        _write_address_rows(out, columns)


def _write_address_rows(out: IO[bytes], columns: Columns) -> None:
    names = list(columns)
    if tuple(names[: len(KARTVERKET_COLUMNS)]) != KARTVERKET_COLUMNS:
        msg = f"address columns {names[:5]}…: expected Kartverket's 46 columns first, in order"
        raise ValueError(msg)
    out.write(codecs.BOM_UTF8 + (";".join(names) + "\r\n").encode("utf-8"))
    _write_rows(out, string_table(columns), delimiter=";", eol="\r\n")


def write_offers(path: Path, table: pa.Table) -> None:
    """Write ``dekning.csv``: the coverage offer columns of :mod:`layers.offers`, ``,``, LF."""
    _write_csv(path, OFFER_COLUMNS, table)


def write_sites(path: Path, table: pa.Table) -> None:
    """Write ``master.csv``: the wireless site columns of :mod:`layers.sites`, ``,``, LF."""
    _write_csv(path, SITE_COLUMNS, table)


def string_table(columns: Columns) -> pa.Table:
    """An Arrow table of string columns (values already formatted as text)."""
    return pa.table(
        {
            name: values if isinstance(values, pa.Array) else pa.array(values, pa.string())
            for name, values in columns.items()
        }
    )


def _write_csv(path: Path, header: Sequence[str], table: pa.Table) -> None:
    if tuple(table.column_names) != tuple(header):
        msg = f"{path.name}: got columns {table.column_names}; expected {list(header)}"
        raise ValueError(msg)
    with path.open("wb") as out:
        out.write((",".join(header) + "\n").encode("utf-8"))
        _write_rows(out, table, delimiter=",", eol="\n")


def _write_rows(out: IO[bytes], table: pa.Table, delimiter: str, eol: str) -> None:
    options = pa_csv.WriteOptions(
        include_header=False,
        delimiter=delimiter,
        eol=eol,
        quoting_style="none",
        batch_size=BATCH_ROWS,
    )
    pa_csv.write_csv(table, out, write_options=options)


# --------------------------------------------------------------------------------------------
# Column values both sets draw the same way


def uuids(n: int, rng: np.random.Generator) -> np.ndarray:
    """Random (version 4) UUID strings made from the generator's bytes."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hex_digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    chars = np.empty((n, 32), dtype=np.uint8)
    chars[:, 0::2], chars[:, 1::2] = hex_digits[raw >> 4], hex_digits[raw & 0x0F]
    groups = np.split(chars, [8, 12, 16, 20], axis=1)
    dash = np.full((n, 1), ord("-"), dtype=np.uint8)
    joined = np.hstack([part for group in groups for part in (group, dash)][:-1])
    return np.ascontiguousarray(joined).view("S36").ravel().astype(str)


def update_times(n: int, rng: np.random.Generator) -> pa.Array:
    """``oppdateringsdato`` values: ``dd.mm.yyyy HH:MM:SS`` with 0–6 fractional digits, mixed,
    between 2009 and 2024, as an Arrow string array.

    Arrow's ``strftime`` and per-width padding keep this lean (a NumPy-string version peaks at
    ~4.5 GB for 1.8 M rows).
    """
    start = np.datetime64("2009-01-01T00:00:00")
    span_s = int((np.datetime64("2024-12-20T00:00:00") - start) / np.timedelta64(1, "s"))
    stamps = pa.array(start + rng.integers(0, span_s, n).astype("timedelta64[s]"))
    text = pc.strftime(stamps, format="%d.%m.%Y %H:%M:%S")
    digits = rng.integers(0, 7, n)
    micro = rng.integers(0, 10**6, n)
    for width in range(1, 7):
        digits_text = pc.cast(pa.array(micro // 10 ** (6 - width)), pa.string())
        fraction = pc.utf8_lpad(digits_text, width, "0")
        with_fraction = pc.binary_join_element_wise(text, ".", fraction, "")
        text = pc.if_else(pa.array(digits == width), with_fraction, text)
    return text


# --------------------------------------------------------------------------------------------
# GeoJSON in lon/lat


def lonlat_geometry(geometry: shapely.Geometry) -> dict[str, Any]:
    """RFC 7946 geometry (lon/lat, exteriors counter-clockwise, 7 decimals) of an EPSG:25833 one."""
    lonlat = shapely.orient_polygons(shapely.transform(geometry, _to_lonlat))
    mapping = shapely.geometry.mapping(cast(BaseGeometry, lonlat))
    return {"type": mapping["type"], "coordinates": _round_coordinates(mapping["coordinates"])}


def from_lonlat_geometry(geojson_geometry: dict[str, Any]) -> shapely.Geometry:
    """The EPSG:25833 geometry of a lon/lat GeoJSON geometry."""
    return shapely.transform(shapely.geometry.shape(geojson_geometry), _from_lonlat)


def write_feature_collection(path: Path, features: list[dict[str, Any]]) -> None:
    """Write an RFC 7946 FeatureCollection (UTF-8, no ``crs`` member) with plain ``json``."""
    collection = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(collection, ensure_ascii=False) + "\n", encoding="utf-8")


def write_line_features(
    path: Path, geometries: Sequence[shapely.Geometry], kinds: Sequence[str]
) -> None:
    """Write EPSG:25833 geometries as a lon/lat FeatureCollection with a ``kind`` property
    each (the fibre network's layout)."""
    features = [
        {"type": "Feature", "properties": {"kind": kind}, "geometry": lonlat_geometry(geometry)}
        for geometry, kind in zip(geometries, kinds, strict=True)
    ]
    write_feature_collection(path, features)


def _to_lonlat(xy_m: np.ndarray) -> np.ndarray:
    return np.column_stack(_TO_LONLAT.transform(xy_m[:, 0], xy_m[:, 1]))


def _from_lonlat(lonlat: np.ndarray) -> np.ndarray:
    return np.column_stack(_TO_LONLAT.transform(lonlat[:, 0], lonlat[:, 1], direction="INVERSE"))


def _round_coordinates(value: Any) -> Any:
    if isinstance(value[0], float):
        return [round(coordinate, 7) for coordinate in value]
    return [_round_coordinates(item) for item in value]


# --------------------------------------------------------------------------------------------
# DTM, roads, config


def write_dtm(
    path: Path,
    transform: Affine,
    shape: tuple[int, int],
    blocks: Iterable[tuple[Window, np.ndarray]],
    block_px: int = 256,
    threads: int = 1,
) -> None:
    """Write a float32 GeoTIFF DTM in EPSG:25833 (nodata -9999, tiled ``block_px`` square,
    DEFLATE with the floating-point predictor, BigTIFF when needed) from ``(window, elevation)``
    blocks; ``shape`` is (rows, columns), ``threads`` the compression threads."""
    height, width = shape
    profile: dict[str, Any] = {
        "driver": "GTiff", "dtype": "float32", "count": 1, "width": width, "height": height,
        "crs": "EPSG:25833", "transform": transform, "nodata": DTM_NODATA, "tiled": True,
        "blockxsize": block_px, "blockysize": block_px, "compress": "deflate", "predictor": 3,
        "bigtiff": "IF_SAFER",
    }  # fmt: skip
    if threads > 1:
        profile["num_threads"] = threads
    with rasterio.open(path, "w", **profile) as dataset:
        for window, elevation_m in blocks:
            dataset.write(elevation_m, 1, window=window)


def write_roads(path: Path, roads: gpd.GeoDataFrame) -> None:
    """Write road lines as a GeoPackage (layer ``roads``), replacing ``path``; GDAL's change
    timestamp is pinned so that the same roads give the same bytes."""
    import pyogrio

    path.unlink(missing_ok=True)
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": GPKG_DATE})
    try:
        roads.to_file(path, layer=ROADS_LAYER, driver="GPKG")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})


def config_text(
    template: str, root: Path, output_dir: str, inputs: Mapping[str, Path | None]
) -> str:
    """A ``gapmap.toml`` from ``template`` (a ``str.format`` template such as the demo's): each
    input's path relative to ``root``, ``output_dir`` as given; the lines of inputs that are
    ``None`` are left out (the text is otherwise unchanged)."""
    paths = {
        key: ABSENT if path is None else path.relative_to(root).as_posix()
        for key, path in inputs.items()
    }
    text = template.format(output_dir=output_dir, **paths)
    if ABSENT not in text:
        return text
    return "".join(line for line in text.splitlines(keepends=True) if ABSENT not in line)
