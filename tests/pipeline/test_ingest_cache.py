"""pipeline/ingest_cache.py: a layer read back from the ingest cache is the layer its reader
parses (frame-equal with exact values, the same dtypes and index, None where None was, the
same geometry and CRS), the quarantine and counts come back too, and any change to the file,
its path, the reader's settings or the code under the reader makes a new key."""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from geopandas.testing import assert_geodataframe_equal

from layers.addresses import read_addresses
from layers.checksums import input_checksums, sha256_of
from layers.kommuner import read_kommuner
from layers.network import read_network
from layers.offers import read_offers
from layers.quarantine import LayerResult
from layers.sites import read_sites
from pipeline.config import load_config
from pipeline.ingest import Ingested, ingest
from pipeline.ingest_cache import IngestCache, module_files
from pipeline.synthetic.demo import prepare_demo
from pipeline.synthetic.region import DemoRegion

Reader = Callable[..., LayerResult]


def assert_frames_identical(left: pd.DataFrame, right: pd.DataFrame) -> None:
    """Equal tables: class, dtypes, index, exact values, and the same kind of missing value
    (None, NaN, NA, NaT) in every cell of an object column."""
    assert type(left) is type(right)
    if isinstance(left, gpd.GeoDataFrame):
        assert isinstance(right, gpd.GeoDataFrame)
        assert left.geometry.name == right.geometry.name
        assert left.crs == right.crs
        assert_geodataframe_equal(left, right, check_crs=True, check_less_precise=False)
        assert left.geometry.to_wkb().tolist() == right.geometry.to_wkb().tolist()
        shapes = [c for c, t in left.dtypes.items() if isinstance(t, gpd.array.GeometryDtype)]
        left, right = (
            pd.DataFrame(left).drop(columns=shapes),
            pd.DataFrame(right).drop(columns=shapes),
        )
    assert left.dtypes.to_dict() == right.dtypes.to_dict()
    pd.testing.assert_frame_equal(left, right, check_exact=True, check_column_type=True)
    for column in left.columns[[pd.api.types.is_object_dtype(t) for t in left.dtypes]]:
        assert [type(v) for v in left[column]] == [type(v) for v in right[column]], column


def assert_layers_identical(left: LayerResult, right: LayerResult) -> None:
    assert (left.layer, left.rows_read, left.rows_merged) == (
        right.layer,
        right.rows_read,
        right.rows_merged,
    )
    assert left.metadata == right.metadata
    assert_frames_identical(left.accepted, right.accepted)
    assert_frames_identical(left.quarantine, right.quarantine)


def assert_ingested_identical(left: Ingested, right: Ingested) -> None:
    for name in (f.name for f in dataclasses.fields(Ingested)):
        a, b = getattr(left, name), getattr(right, name)
        if isinstance(a, pd.DataFrame):
            assert_frames_identical(a, b)
        else:
            assert a == b, name


def _readers(paths: dict[str, Path]) -> list[tuple[str, Reader, Path, tuple[Any, ...]]]:
    """(input key, reader, file, settings) of every reader the ingest stage caches."""
    readers: list[tuple[str, Reader, tuple[Any, ...]]] = [
        ("kommuner", read_kommuner, ("", 0.001)),
        ("addresses", read_addresses, (False,)),
        ("offers", read_offers, (date(2026, 11, 1),)),
        ("sites", read_sites, (False,)),
        ("fibre", read_network, ("",)),
    ]
    return [
        (key, reader, paths[key], settings) for key, reader, settings in readers if key in paths
    ]


def _read_twice(folder: Path, paths: dict[str, Path]) -> None:
    """Each reader's result parsed, then through an empty cache (parsed and kept), then through
    a new cache on the same folder (read back): all three identical."""
    checksums = {key: {"sha256": sha256_of(path)} for key, path in paths.items()}
    for key, reader, path, settings in _readers(paths):
        parsed = reader(path, *settings)
        first, second = IngestCache(folder, checksums), IngestCache(folder, checksums)
        kept = first.read(key, reader, path, *settings)
        read_back = second.read(key, reader, path, *settings)
        assert (first.take_counts(), second.take_counts()) == ((0, 1), (1, 0)), key
        assert_layers_identical(parsed, kept)
        assert_layers_identical(parsed, read_back)
        counted = len(read_back.accepted) + read_back.rows_merged + len(read_back.quarantine)
        assert counted == read_back.rows_read


def test_the_demo_layers_read_back_equal_the_parsed_ones(
    demo_region: DemoRegion, tmp_path: Path
) -> None:
    region = demo_region
    paths = {
        "kommuner": region.kommuner,
        "addresses": region.addresses,
        "offers": region.offers,
        "sites": region.sites,
        "fibre": region.fibre,
    }
    _read_twice(tmp_path / "cache", paths)
    kept = [json.loads(p.read_text()) for p in (tmp_path / "cache").glob("*.json")]
    points = sorted(about["layer"] for about in kept if about["points"])
    assert points == ["addresses", "sites"]  # kept as x and y; kommuner and fibre as GeoParquet


def test_the_tiny_region_with_its_quarantine_reads_back_equal(
    tiny_region: Path, tmp_path: Path
) -> None:
    inputs = load_config(tiny_region).inputs
    assert inputs.sites is None and inputs.fibre is not None  # the region has no sites
    paths = {
        "kommuner": inputs.kommuner,
        "addresses": inputs.addresses,
        "offers": inputs.offers,
        "fibre": inputs.fibre,
    }
    _read_twice(tmp_path / "cache", paths)
    quarantined = read_addresses(inputs.addresses).quarantine
    assert len(quarantined) == 2  # 2000 without Nord, 2001 with EPSG 1: the test sees some


def test_ingest_through_the_cache_equals_ingest_without(tiny_region: Path, tmp_path: Path) -> None:
    config = load_config(tiny_region)
    checksums = input_checksums(vars(config.inputs))
    parsed = ingest(config)
    cache = IngestCache(tmp_path / "cache", checksums)
    kept = ingest(config, cache)
    assert cache.take_counts() == (0, 4)  # kommuner, addresses, offers, fibre
    read_back = ingest(config, IngestCache(tmp_path / "cache", checksums))
    assert_ingested_identical(parsed, kept)
    assert_ingested_identical(parsed, read_back)
    counts = read_back.counts.set_index("layer")
    assert (
        counts["rows_read"]
        == counts["rows_accepted"] + counts["rows_merged"] + counts["rows_quarantined"]
    ).all()


def test_a_changed_file_is_parsed_again_and_the_others_read_back(
    tiny_region: Path, tmp_path: Path
) -> None:
    config = load_config(tiny_region)
    folder = tmp_path / "cache"
    ingest(config, IngestCache(folder, input_checksums(vars(config.inputs))))
    with config.inputs.offers.open("a", encoding="utf-8") as offers:
        offers.write("1015,Fjordnett,fiber,500,500\n")
    cache = IngestCache(folder, input_checksums(vars(config.inputs)))
    changed = ingest(config, cache)
    assert cache.take_counts() == (3, 1)  # the offers parsed, the three others read back
    assert_ingested_identical(changed, ingest(config))
    assert 1015 in changed.offers["address_id"].tolist()


def test_a_file_moved_a_setting_changed_or_the_reader_changed_makes_a_new_key(
    tiny_region: Path, tmp_path: Path
) -> None:
    offers = load_config(tiny_region).inputs.offers
    cache = IngestCache(tmp_path / "cache", {})
    key = cache.key(read_offers, "abc", offers, (None,))
    assert key == cache.key(read_offers, "abc", offers, (None,))
    assert key != cache.key(read_offers, "abd", offers, (None,))
    assert key != cache.key(read_offers, "abc", offers.with_name("x.csv"), (None,))
    assert key != cache.key(read_offers, "abc", offers, (date(2026, 1, 1),))
    assert key != cache.key(read_sites, "abc", offers, (None,))


def test_the_code_key_covers_every_layers_module_under_the_reader() -> None:
    names = {p.name for p in module_files("layers.addresses")}
    # addresses → vector → crs_fit / geometry_checks …, quarantine, tables, text_numbers
    assert {"addresses.py", "vector.py", "quarantine.py", "tables.py", "coordinates.py"} <= names
    assert "dtm.py" not in names  # the DTM reader is not under the address reader
    assert "ingest.py" not in names


def test_a_file_the_checksums_do_not_name_is_parsed_and_not_kept(
    tiny_region: Path, tmp_path: Path
) -> None:
    offers = load_config(tiny_region).inputs.offers
    cache = IngestCache(tmp_path / "cache", {})
    assert_layers_identical(cache.read("offers", read_offers, offers, None), read_offers(offers))
    assert cache.take_counts() == (0, 0)
    assert not (tmp_path / "cache").exists()


def test_metadata_that_is_not_plain_json_is_not_kept(tmp_path: Path) -> None:
    empty = pd.DataFrame({"a": pd.Series([], dtype="int64")})
    result = LayerResult("x", empty, empty.iloc[:0], rows_read=0, metadata={"v": (1, 2)})
    cache = IngestCache(tmp_path, {})
    assert cache.save("k", result) is False  # a tuple would come back as a list
    assert cache.load("k") is None


def test_prune_keeps_the_entries_used_and_removes_the_rest(
    tiny_region: Path, tmp_path: Path
) -> None:
    config = load_config(tiny_region)
    folder = tmp_path / "cache"
    ingest(config, IngestCache(folder, input_checksums(vars(config.inputs))))
    before = sorted(p.name for p in folder.iterdir())
    assert len(before) == 12  # four layers × (rows, quarantine, description)
    (folder / ".left.parquet.123.part").write_bytes(b"")
    shutil.copy(folder / before[0], folder / ("0" * 64 + ".json"))
    cache = IngestCache(folder, input_checksums(vars(config.inputs)))
    ingest(config, cache)
    assert cache.prune() == 2
    assert sorted(p.name for p in folder.iterdir()) == before
    assert IngestCache(folder, {}).prune() == 12


def test_a_result_whose_files_are_not_all_there_is_parsed_again(
    tiny_region: Path, tmp_path: Path
) -> None:
    config = load_config(tiny_region)
    folder = tmp_path / "cache"
    checksums = input_checksums(vars(config.inputs))
    ingest(config, IngestCache(folder, checksums))
    for path in folder.glob("*.json"):
        path.unlink()  # a run killed before the description of each entry was written
    cache = IngestCache(folder, checksums)
    assert_ingested_identical(ingest(config, cache), ingest(config))
    assert cache.take_counts() == (0, 4)


def test_a_preview_reads_the_same_rows_parsed_kept_or_read_back(tmp_path: Path) -> None:
    """``ingest(..., kommune=)`` (a kommune preview) keeps the same rows whether the files are
    parsed, parsed and kept, or read back (where the rows are cut before the points are made),
    and every layer reconciles with its rows outside the preview counted."""
    config = load_config(prepare_demo(tmp_path / "demo", 2025))
    locate = dataclasses.replace(config.locate, tolerance_m=50.0)
    fibre = dataclasses.replace(config.cost.fibre, cluster_distance_m=0.0)
    config = dataclasses.replace(
        config, locate=locate, cost=dataclasses.replace(config.cost, fibre=fibre)
    )
    checksums = input_checksums(vars(config.inputs))
    whole = ingest(config)
    parsed = ingest(config, None, "9904")
    kept = ingest(config, IngestCache(tmp_path / "cache", checksums), "9904")
    read_back = ingest(config, IngestCache(tmp_path / "cache", checksums), "9904")
    assert_ingested_identical(parsed, kept)
    assert_ingested_identical(parsed, read_back)
    counts = read_back.counts.set_index("layer")
    parts = ["rows_accepted", "rows_merged", "rows_quarantined", "rows_outside"]
    assert (counts["rows_read"] == counts[parts].sum(axis=1)).all()
    assert 0 < len(read_back.addresses) < len(whole.addresses)
    assert counts.loc["addresses", "rows_outside"] == len(whole.addresses) - len(
        read_back.addresses
    )
    wanted = whole.offers["address_id"].isin(read_back.addresses["address_id"])
    assert len(read_back.offers) == int(wanted.sum())
