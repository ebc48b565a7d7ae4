"""Small damages on a copied run folder (``root``: ``data/`` with ``gapmap.toml``, the store,
``runs/`` and ``current``), each used by one or more cases in :mod:`cases`.

A damage may return a clean-up (undo a mount, an immutable flag, stop a lock holder), which the
test calls after the run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import rasterio.windows

ADDRESSES = "Basisdata_9900_Demoregion_25833_MatrikkelenAdresse_CSV.csv"
Cleanup = Callable[[], None] | None


def data(root: Path) -> Path:
    return root / "data"


def config(root: Path) -> Path:
    return data(root) / "gapmap.toml"


def edit_config(root: Path, old: str, new: str) -> None:
    text = config(root).read_text(encoding="utf-8")
    assert old in text, old
    config(root).write_text(text.replace(old, new, 1), encoding="utf-8")


def append_config(root: Path, text: str) -> None:
    with config(root).open("a", encoding="utf-8") as handle:
        handle.write("\n" + text + "\n")


def lines(path: Path, encoding: str = "utf-8-sig") -> list[str]:
    return path.read_text(encoding=encoding).splitlines()


def write_lines(path: Path, rows: list[str], bom: bool = False) -> None:
    path.write_text(("\ufeff" if bom else "") + "\n".join(rows) + "\n", encoding="utf-8")


def edit_csv_rows(
    path: Path, sep: str, rows: range | list[int], column: str, value: str, bom: bool
) -> None:
    """Set ``column`` to ``value`` on the data rows ``rows`` (0: the first under the header)."""
    text = lines(path)
    header = text[0].split(sep)
    at = header.index(column)
    for row in rows:
        cells = text[row + 1].split(sep)
        cells[at] = value
        text[row + 1] = sep.join(cells)
    write_lines(path, text, bom)


def address_rows(root: Path, rows: range | list[int], column: str, value: str) -> None:
    edit_csv_rows(data(root) / ADDRESSES, ";", rows, column, value, bom=True)


def swap_address_axes(root: Path, rows: range) -> None:
    path = data(root) / ADDRESSES
    text = lines(path)
    header = text[0].split(";")
    north, east = header.index("Nord"), header.index("Øst")
    for row in rows:
        cells = text[row + 1].split(";")
        cells[north], cells[east] = cells[east], cells[north]
        text[row + 1] = ";".join(cells)
    write_lines(path, text, bom=True)


def offer_rows(root: Path, rows: range | list[int], column: str, value: str) -> None:
    edit_csv_rows(data(root) / "dekning.csv", ",", rows, column, value, bom=False)


def site_rows(root: Path, rows: range | list[int], column: str, value: str) -> None:
    edit_csv_rows(data(root) / "master.csv", ",", rows, column, value, bom=False)


def truncate(path: Path, share: float = 0.5) -> None:
    raw = path.read_bytes()
    path.write_bytes(raw[: int(len(raw) * share)])


def geojson(path: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def write_geojson(path: Path, collection: dict) -> None:  # type: ignore[type-arg]
    path.write_text(json.dumps(collection), encoding="utf-8")


def without_crs_member(path: Path) -> None:
    collection = geojson(path)
    collection.pop("crs", None)
    write_geojson(path, collection)


def retag_dtm_crs(path: Path, epsg: int) -> None:
    with rasterio.open(path, "r+") as raster:
        raster.crs = rasterio.crs.CRS.from_epsg(epsg)


def replace_with_folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


def _call(command: list[str]) -> None:
    subprocess.run(command, check=True)


def make_read_only(folder: Path) -> Cleanup:
    """``folder`` read-only: an immutable flag as root (root ignores the mode bits), else 0o555."""
    if os.geteuid() == 0 and shutil.which("chattr"):
        subprocess.run(["chattr", "+i", str(folder)], check=True)
        return lambda: _call(["chattr", "-i", str(folder)])
    folder.chmod(0o555)
    return lambda: folder.chmod(0o755)


def fill_small_filesystem(root: Path) -> Cleanup:
    """The output folder on a tmpfs just large enough for the last publication and the store, so
    the next run's writes find the disk full. Needs root (mount); else None (the case skips)."""
    out = root / "small"
    out.mkdir()
    used = sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and "data" not in p.parts)
    size_kb = used // 1024 + 1024
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(out)],
        capture_output=True,
    )
    if mounted.returncode != 0:
        raise PermissionError("cannot mount a small tmpfs (not root)")
    shutil.copytree(root / "runs", out / "runs", symlinks=True)
    shutil.copy2(root / "gapmap.duckdb", out / "gapmap.duckdb")
    os.symlink(os.readlink(root / "current"), out / "current")
    edit_config(root, 'output_dir = ".."', 'output_dir = "../small"')
    return lambda: _call(["umount", "-l", str(out)])


LOCKER = """
import sys, time, duckdb
connection = duckdb.connect(sys.argv[1])
print("locked", flush=True)
time.sleep(120)
"""


def lock_store(root: Path) -> Cleanup:
    """Another process holds the store open for writing (DuckDB's file lock)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(root / "gapmap.duckdb")],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "locked"

    def release() -> None:
        holder.kill()
        holder.wait(timeout=30)
        time.sleep(0.1)

    return release


def corrupt_store(root: Path) -> None:
    path = root / "gapmap.duckdb"
    raw = bytearray(path.read_bytes())
    raw[:4096] = np.random.default_rng(12).integers(0, 255, 4096, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(raw))


def reproject_geojson(path: Path, epsg: int, crs_member: str | None) -> None:
    """Coordinates moved from degrees to ``epsg``; the ``crs`` member set to ``crs_member``
    (an OGC URN) or left out."""
    from pyproj import Transformer

    to = Transformer.from_crs(4326, epsg, always_xy=True)
    collection = geojson(path)

    def move(coords: list) -> list:  # type: ignore[type-arg]
        if coords and isinstance(coords[0], int | float):
            return list(to.transform(coords[0], coords[1]))
        return [move(c) for c in coords]

    for feature in collection["features"]:
        feature["geometry"]["coordinates"] = move(feature["geometry"]["coordinates"])
    collection.pop("crs", None)
    if crs_member:
        collection["crs"] = {"type": "name", "properties": {"name": crs_member}}
    write_geojson(path, collection)


def set_crs_member(path: Path, crs_member: str) -> None:
    collection = geojson(path)
    collection["crs"] = {"type": "name", "properties": {"name": crs_member}}
    write_geojson(path, collection)


def feature_properties(path: Path, rename: dict[str, str]) -> None:
    collection = geojson(path)
    for feature in collection["features"]:
        props = feature["properties"]
        for old, new in rename.items():
            props[new] = props.pop(old)
    write_geojson(path, collection)


def duplicate_feature(path: Path, index: int, properties: dict[str, str]) -> None:
    collection = geojson(path)
    twin = json.loads(json.dumps(collection["features"][index]))
    twin["properties"].update(properties)
    collection["features"].append(twin)
    write_geojson(path, collection)


def break_geometry(path: Path, index: int, geometry: dict) -> None:  # type: ignore[type-arg]
    collection = geojson(path)
    collection["features"][index]["geometry"] = geometry
    write_geojson(path, collection)


def empty_collection(path: Path) -> None:
    write_geojson(path, {"type": "FeatureCollection", "features": []})


def twist_ring(path: Path, index: int, at: int) -> None:
    """Swap vertices ``at`` and ``at + 1`` of feature ``index``'s outer ring: a self-intersection
    (a small bow tie) in an otherwise right polygon."""
    collection = geojson(path)
    geometry = collection["features"][index]["geometry"]
    ring = (
        geometry["coordinates"][0]
        if geometry["type"] == "Polygon"
        else geometry["coordinates"][0][0]
    )
    ring[at], ring[at + 1] = ring[at + 1], ring[at]
    write_geojson(path, collection)


def swap_geojson_axes(path: Path) -> None:
    """Every coordinate written latitude first (a GeoJSON in lat/lon order)."""
    collection = geojson(path)

    def swap(coords: list) -> list:  # type: ignore[type-arg]
        if coords and isinstance(coords[0], int | float):
            return [coords[1], coords[0], *coords[2:]]
        return [swap(c) for c in coords]

    for feature in collection["features"]:
        feature["geometry"]["coordinates"] = swap(feature["geometry"]["coordinates"])
    write_geojson(path, collection)


def gpkg_in_degrees_labelled(path: Path, epsg: int) -> None:
    """A GeoPackage's features moved to longitude/latitude but labelled ``epsg``."""
    frame = gpd.read_file(path).to_crs(4326).set_crs(epsg, allow_override=True)
    path.unlink()
    frame.to_file(path)


def dtm_nodata_only(path: Path) -> None:
    """Every cell of the DTM set to its nodata value."""
    with rasterio.open(path, "r+") as raster:
        nodata = raster.nodata if raster.nodata is not None else -9999.0
        raster.nodata = nodata
        raster.write(np.full((raster.height, raster.width), nodata, raster.dtypes[0]), 1)


def dtm_west_part(path: Path, share: float) -> None:
    """The DTM cut to its western ``share`` of columns (a tile that covers part of the region)."""
    with rasterio.open(path) as raster:
        width = int(raster.width * share)
        window = rasterio.windows.Window(0, 0, width, raster.height)
        values = raster.read(1, window=window)
        profile = raster.profile | {
            "width": width,
            "transform": raster.window_transform(window),
        }
    profile.pop("blockxsize", None)
    profile.pop("blockysize", None)
    profile["tiled"] = False
    with rasterio.open(path, "w", **profile) as out:
        out.write(values, 1)
