"""layers/kommuner.py: kommune boundaries in any of their formats, reprojected and repaired;
kommunenummer with its leading zero, fylke names."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from layers.errors import InputError
from layers.kommuner import normalise_kommunenummer, read_kommuner
from tests.fixtures import write_feature_collection


def _square(lon: float, lat: float, size: float = 0.1) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_integer_kommunenummer_gets_its_leading_zero() -> None:
    import pandas as pd

    assert normalise_kommunenummer(pd.Series([301, "301", "0301", 301.0, 4204])).tolist() == [
        "0301",
        "0301",
        "0301",
        "0301",
        "4204",
    ]


def test_wgs84_geojson_is_reprojected_and_fylke_derived(tmp_path: Path) -> None:
    path = write_feature_collection(
        tmp_path / "k.geojson",
        [
            {
                "type": "Feature",
                "properties": {"kommunenummer": 301, "kommunenavn": "Oslo"},
                "geometry": _square(10.7, 59.9),
            },
        ],
    )
    result = read_kommuner(path)
    row = result.accepted.iloc[0]
    assert (row["kommunenummer"], row["fylkesnummer"], row["kommunenavn"]) == ("0301", "03", "Oslo")
    assert result.accepted.crs.to_epsg() == 25833
    assert 50 < row.geometry.area / 1e6 < 70  # 0.1° × 0.1° at 60° N ≈ 5.6 km × 11.1 km


def test_a_spike_is_repaired_and_a_bowtie_quarantined(tmp_path: Path) -> None:
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[10, 60], [10.1, 60.1], [10.1, 60], [10, 60.1], [10, 60]]],
    }
    spike = {  # a square with a dangling spike on its top edge: the spike has no area
        "type": "Polygon",
        "coordinates": [
            [
                [11, 60],
                [11.1, 60],
                [11.1, 60.1],
                [11.05, 60.1],
                [11.05, 60.2],
                [11.05, 60.1],
                [11, 60.1],
                [11, 60],
            ]
        ],
    }
    path = write_feature_collection(
        tmp_path / "k.geojson",
        [
            {
                "type": "Feature",
                "properties": {"kommunenummer": "3401", "kommunenavn": "Sløyfe"},
                "geometry": bowtie,
            },
            {
                "type": "Feature",
                "properties": {"kommunenummer": "3402", "kommunenavn": "Pigg"},
                "geometry": spike,
            },
        ],
    )
    result = read_kommuner(path)
    assert result.accepted["kommunenummer"].tolist() == ["3402"]
    assert result.accepted.is_valid.all() and result.metadata == {"geometries_repaired": 1}
    assert result.quarantine[["row_number", "key"]].to_dict("records") == [
        {"row_number": 1, "key": "3401"}
    ]
    assert result.quarantine["reason"].iloc[0].startswith("geometry: invalid (Self-intersection")


def test_duplicate_number_goes_to_quarantine(tmp_path: Path) -> None:
    path = write_feature_collection(
        tmp_path / "k.geojson",
        [
            {
                "type": "Feature",
                "properties": {"kommunenummer": "3401", "kommunenavn": "A"},
                "geometry": _square(10, 60),
            },
            {
                "type": "Feature",
                "properties": {"kommunenummer": "3401", "kommunenavn": "B"},
                "geometry": _square(11, 60),
            },
        ],
    )
    result = read_kommuner(path)
    assert len(result.accepted) == 1 and result.quarantine["row_number"].tolist() == [2]


def test_basisdata_nested_geojson_is_read(tmp_path: Path) -> None:
    polygon = shapely.box(262000, 6650000, 272000, 6660000)
    collection = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "EPSG:25833"}},
        "features": [
            {
                "type": "Feature",
                "properties": {"kommunenummer": "0301", "kommunenavn": "Oslo"},
                "geometry": shapely.geometry.mapping(polygon),
            }
        ],
    }
    path = tmp_path / "Basisdata_0301_Oslo_25833_Kommuner_GeoJSON.geojson"
    path.write_text(
        json.dumps({"Kommune": collection, "Grense": {"type": "FeatureCollection", "features": []}})
    )
    accepted = read_kommuner(path).accepted
    assert accepted.geometry.iloc[0].equals_exact(polygon, 1e-6)


def test_missing_number_column_is_named(tmp_path: Path) -> None:
    path = write_feature_collection(
        tmp_path / "k.geojson",
        [{"type": "Feature", "properties": {"navn": "X"}, "geometry": _square(10, 60)}],
    )
    with pytest.raises(InputError, match="no kommunenummer column"):
        read_kommuner(path)


@pytest.mark.realdata
@pytest.mark.parametrize("name", ["Kommuner-S.geojson", "Kommuner-M.geojson"])
def test_real_2024_kommuner_all_357_valid(realdata: Path, name: str) -> None:
    result = read_kommuner(realdata / "kommuner-robhop" / name)
    kommuner = result.accepted
    assert len(kommuner) == 357 and len(result.quarantine) == 0
    assert kommuner.is_valid.all()
    assert kommuner["fylkesnummer"].nunique() == 15
    assert "0301" in set(kommuner["kommunenummer"])


@pytest.mark.realdata
def test_real_kristiansand_addresses_fall_in_4204(realdata: Path) -> None:
    from layers.addresses import read_addresses
    from pipeline.locate import locate_addresses

    kommuner = read_kommuner(realdata / "kommuner-robhop" / "Kommuner-M.geojson").accepted
    addresses = read_addresses(
        realdata / "kartverket-adresse" / "matrikkelen.sample-kristiansand.csv"
    ).accepted
    located = locate_addresses(addresses, kommuner, 0.0, "sample")
    assert (located.addresses["kommunenummer"] == "4204").all()
    assert located.counts["in_polygon"] == 47 and located.counts["disagree_with_file"] == 0
    assert isinstance(located.addresses, gpd.GeoDataFrame)


@pytest.mark.realdata
@pytest.mark.parametrize(
    "name", ["Fylker-S.geojson", "Basisdata_0000_Norge_25833_Fylker_GeoJSON.zip"]
)
def test_real_fylker_give_the_15_names_of_2024(realdata: Path, name: str) -> None:
    from layers.kommuner import FYLKER_2024, read_fylker

    result = read_fylker(realdata / "kommuner-robhop" / name)
    names = dict(zip(result.accepted["fylkesnummer"], result.accepted["fylkesnavn"], strict=True))
    assert set(names) == set(FYLKER_2024)
    assert names["42"] == "Agder" and names["03"] == "Oslo"


def test_fylke_names_fall_back_to_the_2024_list_then_the_number() -> None:
    import pandas as pd

    from layers.kommuner import fylke_names

    given = pd.DataFrame({"fylkesnummer": ["50"], "fylkesnavn": ["Trøndelag - Trööndelage"]})
    names = fylke_names(given, pd.Series(["50", "42", "99"]))
    assert names.tolist() == ["Trøndelag - Trööndelage", "Agder", "Fylke 99"]


@pytest.mark.parametrize(("suffix", "driver"), [(".gpkg", "GPKG"), (".gml", "GML")])
def test_geopackage_and_gml_in_utm32_are_read_and_reprojected(
    tmp_path: Path, suffix: str, driver: str
) -> None:
    polygon32 = shapely.box(590_000, 6_640_000, 600_000, 6_650_000)  # near Oslo, EPSG:25832
    frame = gpd.GeoDataFrame(
        {"kommunenummer": [301], "navn": ["Oslo"]}, geometry=[polygon32], crs=25832
    )
    path = tmp_path / f"kommuner{suffix}"
    frame.to_file(path, driver=driver)
    accepted = read_kommuner(path).accepted
    assert accepted["kommunenummer"].tolist() == ["0301"]
    assert accepted.crs.to_epsg() == 25833
    expected = frame.to_crs(25833).geometry.iloc[0]
    assert accepted.geometry.iloc[0].symmetric_difference(expected).area < 1.0


def test_metres_in_a_geojson_with_a_null_crs_are_read_in_the_crs_the_config_names(
    tmp_path: Path,
) -> None:
    ring = [[270_000, 7_010_000], [272_000, 7_010_000], [272_000, 7_012_000], [270_000, 7_010_000]]
    path = tmp_path / "k.geojson"
    feature = {
        "type": "Feature",
        "properties": {"kommunenummer": "9901", "kommunenavn": "A"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    path.write_text(
        json.dumps({"type": "FeatureCollection", "crs": None, "features": [feature]}),
        encoding="utf-8",
    )
    with pytest.raises(InputError) as raised:
        read_kommuner(path)
    assert str(raised.value).startswith(f"{path}: coordinates up to (272,000, 7,012,000)")
    assert str(raised.value).endswith('[inputs].kommuner_crs = "EPSG:25833"')
    accepted = read_kommuner(path, crs="EPSG:25833").accepted
    assert accepted.geometry.iloc[0].area == pytest.approx(2_000_000)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "kommuner.geojson: empty; expected a GeoJSON document"),
        ('{"type": "FeatureCollection", "features": [{"type": "Fea', "not valid JSON at line 1"),
    ],
)
def test_an_empty_or_truncated_geojson_is_an_input_error_naming_the_file(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "kommuner.geojson"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(expected)):
        read_kommuner(path)


def test_a_basisdata_kommune_with_an_unbuildable_ring_is_quarantined_the_rest_kept(
    tmp_path: Path,
) -> None:
    """A ring of two points in Basisdata: GEOS cannot build it; "fix" closes it to three
    points, which make_valid cannot make a polygon of: quarantined, the other kommune kept."""
    features = [
        {
            "type": "Feature",
            "properties": {"kommunenummer": "0301", "kommunenavn": "Oslo"},
            "geometry": _square(10.7, 59.9),
        },
        {
            "type": "Feature",
            "properties": {"kommunenummer": "3201", "kommunenavn": "Bærum"},
            "geometry": {"type": "Polygon", "coordinates": [[[10.5, 59.9], [10.6, 59.95]]]},
        },
    ]
    document = {"Kommune": {"type": "FeatureCollection", "features": features}}
    path = tmp_path / "Basisdata_0000_Norge_4258_Kommuner_GeoJSON.geojson"
    path.write_text(json.dumps(document))
    result = read_kommuner(path)
    assert result.accepted["kommunenummer"].tolist() == ["0301"]
    (row,) = result.quarantine.to_dict("records")
    assert (row["row_number"], row["key"]) == (2, "3201")
    assert row["reason"].startswith("geometry: invalid (Too few points")


def test_degrees_labelled_utm_are_refused_naming_the_file(tmp_path: Path) -> None:
    path = write_feature_collection(
        tmp_path / "kommuner.geojson",
        [
            {
                "type": "Feature",
                "properties": {"kommunenummer": "0301", "kommunenavn": "Oslo"},
                "geometry": _square(10.7, 59.9),
            }
        ],
    )
    collection = json.loads(path.read_text())
    collection["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25833"}}
    path.write_text(json.dumps(collection))
    with pytest.raises(InputError) as raised:
        read_kommuner(path)
    assert str(raised.value).startswith(
        f"{path}: coordinates look like degrees (longitude/latitude) although the file says"
        " EPSG:25833 (got bounds (10.7000, 59.9000, 10.8000, 60.0000), expected metres in Norway"
    )
    # the config names the CRS the coordinates are in: read
    assert read_kommuner(path, crs="EPSG:4326").accepted["kommunenummer"].tolist() == ["0301"]
