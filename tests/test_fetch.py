"""gapmap fetch against a real HTTP server on 127.0.0.1 that misbehaves on request.

The server (``FakeGeonorge``) serves fixture zips built here, honours ``Range`` / ``If-Range``
like a real file server, and follows a per-file script of faults, one per request: ``500``,
``slow`` (no answer before the client's timeout), ``truncate`` (announce the full length, send
half, close), ``stall`` (send half, then nothing until the client's timeout).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import random
import re
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from typer.testing import CliRunner

from layers.addresses import KARTVERKET_HEADER_LINE, read_addresses
from layers.kommuner import read_kommuner
from pipeline.cli import app
from pipeline.errors import ConfigError, InputError
from pipeline.fetch import (
    MANIFEST_NAME,
    FetchError,
    FetchProgress,
    FetchSettings,
    fetch_file,
    fetch_kommuner,
    geonorge_name,
    kommune_urls,
    parse_kommune_spec,
    resolve_kommuner,
)

ADDRESS_DIR = "/MatrikkelenAdresse/CSV"
KOMMUNER_DIR = "/Kommuner/GeoJSON"
TIMEOUT_S = 2.0  # generous, so that a busy test machine never times out by accident
SHORT_TIMEOUT_S = 0.4  # for the tests of timeouts
SLOW_S = 1.5  # the server's delay for "slow" and "stall": longer than SHORT_TIMEOUT_S
runner = CliRunner()


# ---------------------------------------------------------------- fixtures built in code


def address_zip(path: Path, knr: str, navn: str, rows: int = 1500) -> bytes:
    """A Geonorge-like address zip: one folder with a 46-column Matrikkelen Adresse CSV."""
    draw = random.Random(int(knr))
    columns = KARTVERKET_HEADER_LINE.split(";")
    lines = [KARTVERKET_HEADER_LINE]
    for row in range(rows):
        values = dict.fromkeys(columns, "")
        values.update(
            {
                "kommunenummer": knr,
                "kommunenavn": navn.upper(),
                "adresseTekst": f"Testveien {row + 1}",
                "EPSG-kode": "25833",
                "Nord": f"{6_640_000 + draw.uniform(0, 9000):.2f}",
                "Øst": f"{260_000 + draw.uniform(0, 9000):.2f}",
                "adresseId": str(300_000_000 + row),
                "uuidAdresse": f"{draw.getrandbits(128):032x}",
            }
        )
        lines.append(";".join(values[c] for c in columns))
    stem = f"Basisdata_{knr}_{navn}_25833_MatrikkelenAdresse_CSV"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{stem}/matrikkelenAdresse.csv", "\r\n".join(lines) + "\r\n")
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def kommuner_zip(path: Path, kommuner: dict[str, str]) -> bytes:
    """A Kartverket Basisdata kommune GeoJSON zip: ``{"Kommune": FC, "Grense": FC}``."""
    features = [
        {
            "type": "Feature",
            "properties": {"kommunenummer": knr, "kommunenavn": name},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[x, 0], [x + 9000, 0], [x + 9000, 9000], [x, 9000], [x, 0]]],
            },
        }
        for x, (knr, name) in zip(range(0, 10**6, 10_000), kommuner.items(), strict=False)
    ]
    crs = {"type": "name", "properties": {"name": "EPSG:25833"}}
    document = {
        "Kommune": {"type": "FeatureCollection", "crs": crs, "features": features},
        "Grense": {"type": "FeatureCollection", "crs": crs, "features": []},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(path.with_suffix(".geojson").name, json.dumps(document))
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def corrupt(data: bytes) -> bytes:
    """The zip with bytes flipped inside its compressed data (CRC or inflate fails)."""
    middle = len(data) // 2
    return data[:middle] + bytes(b ^ 0xFF for b in data[middle : middle + 64]) + data[middle + 64 :]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- the local server


@dataclass
class Route:
    body: bytes
    faults: list[str] = field(default_factory=list)
    honour_range: bool = True

    @property
    def etag(self) -> str:
        return f'"{sha256(self.body)[:16]}"'


@dataclass
class FakeGeonorge:
    """Routes by path, a log of every request's path and headers, faults consumed in order."""

    base_url: str = ""
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, path: str, body: bytes, faults: list[str] | None = None) -> str:
        self.routes[path] = Route(body, list(faults or []))
        return self.base_url + path

    def requests_to(self, url: str) -> list[dict[str, str]]:
        path = urlsplit(url).path
        return [headers for p, headers in self.requests if p == path]


class Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        site: FakeGeonorge = self.server.site  # type: ignore[attr-defined]
        path = urlsplit(self.path).path
        with site.lock:
            site.requests.append((path, dict(self.headers.items())))
            route = site.routes.get(path)
            fault = route.faults.pop(0) if route and route.faults else None
        # the client may have given up (timeout): as a real server, carry on
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._answer(route, fault)

    def _answer(self, route: Route | None, fault: str | None) -> None:
        if route is None:
            self.send_error(404, "Not Found")
            return
        if fault == "500":
            self.send_error(500, "Internal Server Error")
            return
        if fault == "slow":
            time.sleep(SLOW_S)
        status, start = self._range(route)
        body = route.body[start:]
        if status == 416:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{len(route.body)}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(status)
        self.send_header("Content-Type", "application/zip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", route.etag)
        self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header(
                "Content-Range", f"bytes {start}-{len(route.body) - 1}/{len(route.body)}"
            )
        self.end_headers()
        if fault in ("truncate", "stall"):
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            if fault == "stall":
                time.sleep(SLOW_S)
            else:
                return  # HTTP/1.0: the connection closes, short of Content-Length
        self.wfile.write(body[len(body) // 2 :] if fault == "stall" else body)

    def _range(self, route: Route) -> tuple[int, int]:
        """(status, first byte) honouring ``Range: bytes=N-`` and ``If-Range``."""
        requested = self.headers.get("Range", "")
        if_range = self.headers.get("If-Range")
        if not (route.honour_range and requested.startswith("bytes=") and requested.endswith("-")):
            return 200, 0
        if if_range is not None and if_range != route.etag:
            return 200, 0
        start = int(requested[len("bytes=") : -1])
        return (416, 0) if start >= len(route.body) else (206, start)


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGeonorge]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake = FakeGeonorge(base_url=f"http://127.0.0.1:{server.server_address[1]}")
    server.site = fake  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def settings() -> FetchSettings:
    return FetchSettings(timeout_s=TIMEOUT_S, retries=3, backoff_s=0.01, chunk_bytes=4096)


@pytest.fixture
def oslo_zip(tmp_path: Path) -> bytes:
    return address_zip(tmp_path / "fixture_0301.zip", "0301", "Oslo")


# ---------------------------------------------------------------- fetch_file


def test_download_is_byte_identical_and_recorded(
    site: FakeGeonorge, settings: FetchSettings, oslo_zip: bytes, tmp_path: Path
) -> None:
    url = site.add("/a/Oslo.zip", oslo_zip)
    dest = tmp_path / "out" / "Oslo.zip"
    events: list[FetchProgress] = []
    record = fetch_file(url, dest, settings, on_progress=events.append)
    assert dest.read_bytes() == oslo_zip
    assert record.sha256 == sha256(oslo_zip) and record.bytes == len(oslo_zip)
    assert (record.attempts, record.from_cache, record.resumed) == (1, False, False)
    assert record.fetched_at.endswith("+00:00") and record.etag == site.routes["/a/Oslo.zip"].etag
    assert not dest.with_name("Oslo.zip.part").exists()
    assert events[0].stage == "start" and events[-1].done_bytes == len(oslo_zip)
    assert len(events) > 2  # one per 4 kB chunk


def test_second_fetch_is_served_from_cache_without_a_request(
    site: FakeGeonorge, settings: FetchSettings, oslo_zip: bytes, tmp_path: Path
) -> None:
    url = site.add("/a/Oslo.zip", oslo_zip)
    first = fetch_file(url, tmp_path / "Oslo.zip", settings)
    second = fetch_file(url, tmp_path / "Oslo.zip", settings)
    assert len(site.requests) == 1
    assert second.from_cache and second.attempts == 0
    assert (second.sha256, second.fetched_at) == (first.sha256, first.fetched_at)


def test_changed_file_on_disk_is_downloaded_again(
    site: FakeGeonorge, settings: FetchSettings, oslo_zip: bytes, tmp_path: Path
) -> None:
    url = site.add("/a/Oslo.zip", oslo_zip)
    dest = tmp_path / "Oslo.zip"
    fetch_file(url, dest, settings)
    dest.write_bytes(b"X" * len(oslo_zip))  # same size, other bytes: the checksum decides
    record = fetch_file(url, dest, settings)
    assert not record.from_cache and len(site.requests) == 2
    assert dest.read_bytes() == oslo_zip


def test_expired_cache_is_downloaded_again(
    site: FakeGeonorge, settings: FetchSettings, oslo_zip: bytes, tmp_path: Path
) -> None:
    url = site.add("/a/Oslo.zip", oslo_zip)
    fetch_file(url, tmp_path / "Oslo.zip", settings)
    fetch_file(url, tmp_path / "Oslo.zip", FetchSettings(max_age_days=0))
    assert len(site.requests) == 2


def test_500_twice_then_success_takes_three_attempts(
    site: FakeGeonorge, settings: FetchSettings, oslo_zip: bytes, tmp_path: Path
) -> None:
    url = site.add("/a/Oslo.zip", oslo_zip, faults=["500", "500"])
    events: list[FetchProgress] = []
    record = fetch_file(url, tmp_path / "Oslo.zip", settings, on_progress=events.append)
    assert record.attempts == 3 and len(site.requests) == 3
    assert record.sha256 == sha256(oslo_zip)
    assert events[0].attempt == 3 and "HTTP 500" in (events[0].retry_reason or "")


def test_persistent_500_gives_up_after_retries_plus_one(
    site: FakeGeonorge, settings: FetchSettings, oslo_zip: bytes, tmp_path: Path
) -> None:
    url = site.add("/a/Oslo.zip", oslo_zip, faults=["500"] * 10)
    with pytest.raises(FetchError, match="gave up after 4 attempts; last error: HTTP 500"):
        fetch_file(url, tmp_path / "Oslo.zip", settings)
    assert len(site.requests) == 4 and not (tmp_path / "Oslo.zip").exists()


def test_404_fails_at_once_naming_url_and_status(
    site: FakeGeonorge, settings: FetchSettings, tmp_path: Path
) -> None:
    url = f"{site.base_url}/a/Nowhere.zip"
    started = time.perf_counter()
    with pytest.raises(InputError) as caught:
        fetch_file(url, tmp_path / "Nowhere.zip", settings)
    assert url in str(caught.value) and "HTTP 404" in str(caught.value)
    assert len(site.requests) == 1 and time.perf_counter() - started < 1
    assert not list(tmp_path.iterdir())


def test_truncated_body_is_never_accepted(
    site: FakeGeonorge, settings: FetchSettings, oslo_zip: bytes, tmp_path: Path
) -> None:
    url = site.add("/a/Oslo.zip", oslo_zip, faults=["truncate"] * 10)
    dest = tmp_path / "Oslo.zip"
    with pytest.raises(FetchError, match=r"truncated body: got [\d,]+ of [\d,]+ bytes"):
        fetch_file(url, dest, settings)
    assert not dest.exists() and not dest.with_name("Oslo.zip.fetch.json").exists()
    part = dest.with_name("Oslo.zip.part")
    assert 0 < part.stat().st_size < len(oslo_zip)  # kept, to resume
    assert len(site.requests) == settings.retries + 1


def test_truncated_body_is_resumed_with_range_within_one_call(
    site: FakeGeonorge, settings: FetchSettings, oslo_zip: bytes, tmp_path: Path
) -> None:
    url = site.add("/a/Oslo.zip", oslo_zip, faults=["truncate"])
    record = fetch_file(url, tmp_path / "Oslo.zip", settings)
    first, second = site.requests_to(url)
    assert "Range" not in first
    assert second["Range"] == f"bytes={len(oslo_zip) // 2}-"
    assert second["If-Range"] == site.routes["/a/Oslo.zip"].etag
    assert record.resumed and record.attempts == 2
    assert (tmp_path / "Oslo.zip").read_bytes() == oslo_zip


def test_interrupted_download_resumes_in_a_later_call(
    site: FakeGeonorge, settings: FetchSettings, oslo_zip: bytes, tmp_path: Path
) -> None:
    url = site.add("/a/Oslo.zip", oslo_zip, faults=["truncate"])
    dest = tmp_path / "Oslo.zip"
    with pytest.raises(FetchError):
        fetch_file(url, dest, FetchSettings(retries=0, timeout_s=TIMEOUT_S))
    on_disk = dest.with_name("Oslo.zip.part").stat().st_size
    record = fetch_file(url, dest, settings)
    assert site.requests_to(url)[-1]["Range"] == f"bytes={on_disk}-"
    assert record.resumed and record.attempts == 1
    assert sha256(dest.read_bytes()) == sha256(oslo_zip)


def test_server_ignoring_range_restarts_from_zero(
    site: FakeGeonorge, settings: FetchSettings, oslo_zip: bytes, tmp_path: Path
) -> None:
    url = site.add("/a/Oslo.zip", oslo_zip, faults=["truncate"])
    dest = tmp_path / "Oslo.zip"
    with pytest.raises(FetchError):
        fetch_file(url, dest, FetchSettings(retries=0, timeout_s=TIMEOUT_S))
    site.routes["/a/Oslo.zip"].honour_range = False
    record = fetch_file(url, dest, settings)
    assert "Range" in site.requests_to(url)[-1]  # asked for the rest, got a 200 with all
    assert not record.resumed and dest.read_bytes() == oslo_zip


def test_file_changed_on_server_is_not_spliced(
    site: FakeGeonorge, settings: FetchSettings, oslo_zip: bytes, tmp_path: Path
) -> None:
    url = site.add("/a/Oslo.zip", oslo_zip, faults=["truncate"])
    dest = tmp_path / "Oslo.zip"
    with pytest.raises(FetchError):
        fetch_file(url, dest, FetchSettings(retries=0, timeout_s=TIMEOUT_S))
    old_etag = site.routes["/a/Oslo.zip"].etag
    newer = address_zip(tmp_path / "newer.zip", "0301", "Oslo", rows=1600)
    site.routes["/a/Oslo.zip"].body = newer
    record = fetch_file(url, dest, settings)
    assert site.requests_to(url)[-1]["If-Range"] == old_etag
    assert not record.resumed and dest.read_bytes() == newer


def test_complete_part_left_before_rename_is_finished_with_one_416(
    site: FakeGeonorge, settings: FetchSettings, oslo_zip: bytes, tmp_path: Path
) -> None:
    url = site.add("/a/Oslo.zip", oslo_zip)
    dest = tmp_path / "Oslo.zip"
    dest.with_name("Oslo.zip.part").write_bytes(oslo_zip)  # killed between last byte and rename
    record = fetch_file(url, dest, settings)
    assert len(site.requests) == 1 and dest.read_bytes() == oslo_zip
    assert record.sha256 == sha256(oslo_zip)


def test_slow_response_times_out_and_the_retry_succeeds(
    site: FakeGeonorge, settings: FetchSettings, oslo_zip: bytes, tmp_path: Path
) -> None:
    url = site.add("/a/Oslo.zip", oslo_zip, faults=["slow"])
    started = time.perf_counter()
    record = fetch_file(url, tmp_path / "Oslo.zip", replace(settings, timeout_s=SHORT_TIMEOUT_S))
    assert record.attempts == 2 and record.sha256 == sha256(oslo_zip)
    assert time.perf_counter() - started < SLOW_S  # did not wait for the slow answer


def test_stalled_body_times_out_and_resumes(
    site: FakeGeonorge, settings: FetchSettings, oslo_zip: bytes, tmp_path: Path
) -> None:
    url = site.add("/a/Oslo.zip", oslo_zip, faults=["stall"])
    record = fetch_file(url, tmp_path / "Oslo.zip", replace(settings, timeout_s=SHORT_TIMEOUT_S))
    assert record.attempts == 2 and record.resumed
    resumed_at = int(site.requests_to(url)[1]["Range"].removeprefix("bytes=").rstrip("-"))
    assert 0 < resumed_at <= len(oslo_zip) // 2
    assert (tmp_path / "Oslo.zip").read_bytes() == oslo_zip


def test_corrupt_zip_is_deleted_and_reported(
    site: FakeGeonorge, settings: FetchSettings, oslo_zip: bytes, tmp_path: Path
) -> None:
    url = site.add("/a/Oslo.zip", corrupt(oslo_zip))
    dest = tmp_path / "Oslo.zip"
    with pytest.raises(InputError, match="corrupt zip") as caught:
        fetch_file(url, dest, settings)
    assert url in str(caught.value)
    assert len(site.requests) == 2  # downloaded once more from zero, then given up
    assert not dest.exists() and not dest.with_name("Oslo.zip.part").exists()


def test_error_page_instead_of_a_zip_is_reported(
    site: FakeGeonorge, settings: FetchSettings, tmp_path: Path
) -> None:
    url = site.add("/a/Oslo.zip", b"<html><body>Vedlikehold</body></html>")
    with pytest.raises(InputError, match=r"not a readable zip .*starts with b'<html>"):
        fetch_file(url, tmp_path / "Oslo.zip", settings)
    assert not (tmp_path / "Oslo.zip").exists()


def test_corrupt_zip_once_then_good_succeeds(
    site: FakeGeonorge, settings: FetchSettings, oslo_zip: bytes, tmp_path: Path
) -> None:
    url = site.add("/a/Oslo.zip", corrupt(oslo_zip))
    events: list[FetchProgress] = []

    def repair(event: FetchProgress) -> None:  # the server's file is fixed meanwhile
        events.append(event)
        site.routes["/a/Oslo.zip"].body = oslo_zip

    record = fetch_file(url, tmp_path / "Oslo.zip", settings, on_progress=repair)
    assert record.attempts == 2 and record.sha256 == sha256(oslo_zip)
    assert "corrupt zip" in (events[-1].retry_reason or "")


# ---------------------------------------------------------------- names and kommuner


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


def serve_kommune(site: FakeGeonorge, tmp_path: Path, knr: str, navn: str) -> dict[str, bytes]:
    """Put a kommune's address zip and boundary zip where the default templates point."""
    stem = f"Basisdata_{knr}_{navn}_25833"
    files = {
        f"{ADDRESS_DIR}/{stem}_MatrikkelenAdresse_CSV.zip": address_zip(
            tmp_path / f"{stem}_a.zip", knr, navn, rows=300
        ),
        f"{KOMMUNER_DIR}/{stem}_Kommuner_GeoJSON.zip": kommuner_zip(
            tmp_path / f"{stem}_Kommuner_GeoJSON.zip", {knr: navn}
        ),
    }
    for path, body in files.items():
        site.add(path, body)
    return files


def test_manifest_records_are_merged_across_calls(
    site: FakeGeonorge, settings: FetchSettings, tmp_path: Path
) -> None:
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
        assert entry["sha256"] == sha256(body) and entry["bytes"] == len(body)
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


# ---------------------------------------------------------------- the command


def test_fetch_command_has_help() -> None:
    result = runner.invoke(app, ["fetch", "--help"])
    assert (
        result.exit_code == 0 and "--kommune" in result.output and "--names-from" in result.output
    )


def test_fetch_command_end_to_end(site: FakeGeonorge, tmp_path: Path) -> None:
    served = serve_kommune(site, tmp_path, "5001", "Trondheim")
    served |= serve_kommune(site, tmp_path, "4204", "Kristiansand")
    names = tmp_path / "names.zip"
    kommuner_zip(names, {"5001": "Trondheim - Tråante", "0301": "Oslo"})
    data = tmp_path / "data"
    args = ["fetch", "-k", "5001", "--kommune", "4204=Kristiansand", "--out", str(data)]
    args += ["--names-from", str(names), "--base-url", site.base_url, "--retries", "1"]
    args += ["--timeout", "5"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    for body in served.values():
        assert sha256(body)[:12] in result.output
    assert "downloaded" in result.output and "manifest:" in result.output
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and again.output.count("cached") >= 4
    assert len(site.requests) == 4


def test_fetch_command_404_is_one_line_and_exit_code_2(site: FakeGeonorge, tmp_path: Path) -> None:
    args = ["fetch", "--kommune", "9999=Nowhere", "--out", str(tmp_path / "data")]
    result = runner.invoke(app, [*args, "--base-url", site.base_url])
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "HTTP 404" in errors[0] and "Basisdata_9999_Nowhere" in errors[0]
    assert "Traceback" not in result.output


def test_fetch_command_bad_kommune_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["fetch", "--kommune", "Oslo", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.startswith("error: --kommune 'Oslo'") and result.output.count("\n") == 1
