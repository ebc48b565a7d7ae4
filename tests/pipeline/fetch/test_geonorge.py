"""pipeline/fetch/geonorge.py: Geonorge names and URLs, the fetch manifest.

Downloads go to a real HTTP server on 127.0.0.1 (:mod:`tests.fake_geonorge`); how a single
file is downloaded (resume, retries, zip checks) is tested in ``test_download.py``, its cache in
``test_cache.py``, the ``gapmap fetch`` command in ``tests/pipeline/cli/test_tools.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from layers.addresses import read_addresses
from layers.errors import ConfigError, InputError
from layers.kommuner import read_kommuner
from pipeline.fetch.geonorge import (
    MANIFEST_NAME,
    FetchSettings,
    fetch_kommuner,
    geonorge_name,
    kommune_urls,
    parse_kommune_spec,
    resolve_kommuner,
)
from tests.fake_geonorge import FakeGeonorge, kommuner_zip, serve_kommune
from tests.fixtures import sha256_hex


@pytest.mark.parametrize(
    ("official", "geonorge"),
    [
        ("Oslo", "Oslo"),
        ("Trondheim - Tråante", "Trondheim"),
        ("Kárášjohka - Karasjok", "Karasjok"),
        ("Gáivuotna - Kåfjord - Kaivuono", "Kafjord"),
        ("Porsanger - Porsáŋgu - Porsanki", "Porsanger"),
        ("Ålesund", "Alesund"),
        ("Bodø", "Bodo"),
        ("Bærum", "Berum"),
        ("Nordre Follo", "Nordre_Follo"),
        ("Indre Østfold", "Indre_Ostfold"),
        ("Sør-Varanger", "Sor-Varanger"),
    ],
)
def test_geonorge_name(official: str, geonorge: str) -> None:
    assert geonorge_name(official) == geonorge
    assert geonorge_name(geonorge) == geonorge  # idempotent


@pytest.mark.realdata
def test_every_2024_kommune_name_becomes_a_plain_file_name(realdata: Path) -> None:
    table = read_kommuner(realdata / "kommuner-robhop" / "Kommuner-S.geojson").accepted
    names = dict(zip(table["kommunenummer"], map(geonorge_name, table["kommunenavn"]), strict=True))
    odd = {knr: name for knr, name in names.items() if not re.fullmatch(r"[A-Za-z_-]+", name)}
    assert len(names) == 357 and odd == {}
    assert names["5001"] == "Trondheim" and names["5610"] == "Karasjok"


def test_kommune_spec_parsing() -> None:
    assert parse_kommune_spec("0301") == ("0301", None)
    assert parse_kommune_spec("301=Oslo") == ("0301", "Oslo")
    assert parse_kommune_spec(" 4204 = Kristiansand ") == ("4204", "Kristiansand")
    for bad in ("Oslo", "03011", "0301=", ""):
        with pytest.raises(ConfigError, match="expected a 4-digit kommunenummer"):
            parse_kommune_spec(bad)


def test_names_are_looked_up_in_a_boundary_file(tmp_path: Path) -> None:
    names = tmp_path / "Basisdata_0000_Norge_25833_Kommuner_GeoJSON.zip"
    kommuner_zip(names, {"0301": "Oslo", "5001": "Trondheim - Tråante", "1508": "Ålesund"})
    resolved = resolve_kommuner(["5001", "1508", "4204=Kristiansand", "5001"], names)
    assert resolved == [("5001", "Trondheim"), ("1508", "Alesund"), ("4204", "Kristiansand")]
    with pytest.raises(InputError, match=r"not \['9999'\].*--kommune 9999=Name"):
        resolve_kommuner(["9999"], names)


def test_a_number_without_name_or_names_file_is_refused() -> None:
    with pytest.raises(ConfigError, match="--kommune 0301: no name given and no --names-from"):
        resolve_kommuner(["0301"])


def test_settings_are_validated_when_made() -> None:
    with pytest.raises(ConfigError, match="retries: got -1; expected >= 0"):
        FetchSettings(retries=-1)
    with pytest.raises(ConfigError, match=r"kommuner_template: .*\{knr\} and \{navn\}"):
        FetchSettings(kommuner_template="Kommuner/{kommune}.zip")
    with pytest.raises(ConfigError, match="base_url: got 'ftp://x'"):
        FetchSettings(base_url="ftp://x")


def test_default_urls_follow_the_geonorge_pattern() -> None:
    urls = kommune_urls("5001", "Trondheim - Tråante", FetchSettings())
    assert urls["addresses"] == (
        "https://nedlasting.geonorge.no/geonorge/Basisdata/MatrikkelenAdresse/CSV/"
        "Basisdata_5001_Trondheim_25833_MatrikkelenAdresse_CSV.zip"
    )
    assert urls["kommuner"].endswith(
        "/Kommuner/GeoJSON/Basisdata_5001_Trondheim_25833_Kommuner_GeoJSON.zip"
    )


def test_manifest_records_are_merged_across_calls(site: FakeGeonorge, tmp_path: Path) -> None:
    served = serve_kommune(site, tmp_path, "0301", "Oslo")
    served |= serve_kommune(site, tmp_path, "4204", "Kristiansand")
    fast = FetchSettings(base_url=site.base_url, retries=1, backoff_s=0.01)
    data = tmp_path / "data"
    first = fetch_kommuner([("0301", "Oslo")], data, fast)
    second = fetch_kommuner([("4204", "Kristiansand"), ("0301", "Oslo")], data, fast)
    assert len(first) == 2 and [r.from_cache for r in second] == [False, False, True, True]
    records = json.loads((data / MANIFEST_NAME).read_text())["records"]
    assert set(records) == {site.base_url + path for path in served}
    for url, entry in records.items():
        body = served[url.removeprefix(site.base_url)]
        assert entry["sha256"] == sha256_hex(body) and entry["bytes"] == len(body)
        assert (data / entry["path"]).read_bytes() == body  # relative to the data folder
    assert {e["layer"] for e in records.values()} == {"addresses", "kommuner"}
    assert read_addresses(first[0].path).accepted["kommunenummer"].eq("0301").all()
    assert read_kommuner(first[1].path).accepted["kommunenummer"].tolist() == ["0301"]


def test_a_shared_cache_dir_holds_the_files_and_the_manifest_their_paths(
    site: FakeGeonorge, tmp_path: Path
) -> None:
    served = serve_kommune(site, tmp_path, "0301", "Oslo")
    cache = tmp_path / "cache"
    shared = FetchSettings(base_url=site.base_url, cache_dir=cache, backoff_s=0.01)
    fetch_kommuner([("0301", "Oslo")], tmp_path / "march", shared)
    again = fetch_kommuner([("0301", "Oslo")], tmp_path / "april", shared)
    assert all(record.from_cache for record in again) and len(site.requests) == len(served)
    records = json.loads((tmp_path / "april" / MANIFEST_NAME).read_text())["records"]
    assert {Path(entry["path"]).parent for entry in records.values()} == {cache}


def test_one_missing_kommune_fails_after_the_others_are_recorded(
    site: FakeGeonorge, tmp_path: Path
) -> None:
    serve_kommune(site, tmp_path, "0301", "Oslo")
    fast = FetchSettings(base_url=site.base_url, retries=1, backoff_s=0.01)
    with pytest.raises(
        InputError, match=r"2 download\(s\) failed: .*HTTP 404.*--kommune 3201=Name"
    ):
        fetch_kommuner([("3201", "Bærum"), ("0301", "Oslo")], tmp_path / "data", fast)
    records = json.loads((tmp_path / "data" / MANIFEST_NAME).read_text())["records"]
    assert len(records) == 2 and all("_0301_Oslo_" in url for url in records)


def test_a_broken_manifest_is_refused_before_any_download(
    site: FakeGeonorge, tmp_path: Path
) -> None:
    (tmp_path / MANIFEST_NAME).write_text("{not json")
    with pytest.raises(InputError, match=r"fetch_manifest\.json: not a fetch manifest"):
        fetch_kommuner([("0301", "Oslo")], tmp_path, FetchSettings(base_url=site.base_url))
    assert site.requests == []
