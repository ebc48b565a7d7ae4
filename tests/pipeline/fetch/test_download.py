"""pipeline/fetch/download.py against a real HTTP server on 127.0.0.1 that misbehaves on request.

The server (:class:`tests.fake_geonorge.FakeGeonorge`) serves fixture zips built in code,
honours ``Range`` / ``If-Range`` like a real file server, and follows a per-file script of
faults, one per request: ``500``, ``slow``, ``truncate``, ``stall``.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from layers.errors import InputError
from pipeline.fetch.download import DownloadSettings, FetchError, FetchProgress, fetch_file
from tests.fake_geonorge import SLOW_S, FakeGeonorge, address_zip, corrupt
from tests.fixtures import sha256_hex

SHORT_TIMEOUT_S = 0.4  # for the tests of timeouts: shorter than the server's SLOW_S


def interrupted_download(
    site: FakeGeonorge, body: bytes, tmp_path: Path, timeout_s: float
) -> tuple[str, Path]:
    """Serve ``body`` once cut off halfway and fetch it without retries: the URL and ``dest``.

    ``dest.part`` is left with the first half, as after an interrupted ``gapmap fetch``.
    """
    url = site.add("/a/Oslo.zip", body, faults=["truncate"])
    dest = tmp_path / "Oslo.zip"
    with pytest.raises(FetchError):
        fetch_file(url, dest, DownloadSettings(retries=0, timeout_s=timeout_s))
    return url, dest


def test_download_is_byte_identical_and_recorded(
    site: FakeGeonorge, download_settings: DownloadSettings, oslo_zip: bytes, tmp_path: Path
) -> None:
    url = site.add("/a/Oslo.zip", oslo_zip)
    dest = tmp_path / "out" / "Oslo.zip"
    events: list[FetchProgress] = []
    record = fetch_file(url, dest, download_settings, on_progress=events.append)
    assert dest.read_bytes() == oslo_zip
    assert record.sha256 == sha256_hex(oslo_zip) and record.bytes == len(oslo_zip)
    assert (record.attempts, record.from_cache, record.resumed) == (1, False, False)
    assert record.fetched_at.endswith("+00:00") and record.etag == site.routes["/a/Oslo.zip"].etag
    assert not dest.with_name("Oslo.zip.part").exists()
    assert events[0].stage == "start" and events[-1].done_bytes == len(oslo_zip)
    assert len(events) > 2  # one per 4 kB chunk


def test_500_twice_then_success_takes_three_attempts(
    site: FakeGeonorge, download_settings: DownloadSettings, oslo_zip: bytes, tmp_path: Path
) -> None:
    url = site.add("/a/Oslo.zip", oslo_zip, faults=["500", "500"])
    events: list[FetchProgress] = []
    record = fetch_file(url, tmp_path / "Oslo.zip", download_settings, on_progress=events.append)
    assert record.attempts == 3 and len(site.requests) == 3
    assert record.sha256 == sha256_hex(oslo_zip)
    assert events[0].attempt == 3 and "HTTP 500" in (events[0].retry_reason or "")


def test_persistent_500_gives_up_after_retries_plus_one(
    site: FakeGeonorge, download_settings: DownloadSettings, oslo_zip: bytes, tmp_path: Path
) -> None:
    url = site.add("/a/Oslo.zip", oslo_zip, faults=["500"] * 10)
    with pytest.raises(FetchError, match="gave up after 4 attempts; last error: HTTP 500"):
        fetch_file(url, tmp_path / "Oslo.zip", download_settings)
    assert len(site.requests) == 4 and not (tmp_path / "Oslo.zip").exists()


def test_404_fails_at_once_naming_url_and_status(
    site: FakeGeonorge, download_settings: DownloadSettings, tmp_path: Path
) -> None:
    url = f"{site.base_url}/a/Nowhere.zip"
    started = time.perf_counter()
    with pytest.raises(InputError) as caught:
        fetch_file(url, tmp_path / "Nowhere.zip", download_settings)
    assert url in str(caught.value) and "HTTP 404" in str(caught.value)
    assert len(site.requests) == 1 and time.perf_counter() - started < 1
    assert not list(tmp_path.iterdir())


def test_truncated_body_is_never_accepted(
    site: FakeGeonorge, download_settings: DownloadSettings, oslo_zip: bytes, tmp_path: Path
) -> None:
    url = site.add("/a/Oslo.zip", oslo_zip, faults=["truncate"] * 10)
    dest = tmp_path / "Oslo.zip"
    with pytest.raises(FetchError, match=r"truncated body: got [\d,]+ of [\d,]+ bytes"):
        fetch_file(url, dest, download_settings)
    assert not dest.exists() and not dest.with_name("Oslo.zip.fetch.json").exists()
    part = dest.with_name("Oslo.zip.part")
    assert 0 < part.stat().st_size < len(oslo_zip)  # kept, to resume
    assert len(site.requests) == download_settings.retries + 1


def test_truncated_body_is_resumed_with_range_within_one_call(
    site: FakeGeonorge, download_settings: DownloadSettings, oslo_zip: bytes, tmp_path: Path
) -> None:
    url = site.add("/a/Oslo.zip", oslo_zip, faults=["truncate"])
    record = fetch_file(url, tmp_path / "Oslo.zip", download_settings)
    first, second = site.requests_to(url)
    assert "Range" not in first
    assert second["Range"] == f"bytes={len(oslo_zip) // 2}-"
    assert second["If-Range"] == site.routes["/a/Oslo.zip"].etag
    assert record.resumed and record.attempts == 2
    assert (tmp_path / "Oslo.zip").read_bytes() == oslo_zip


def test_interrupted_download_resumes_in_a_later_call(
    site: FakeGeonorge, download_settings: DownloadSettings, oslo_zip: bytes, tmp_path: Path
) -> None:
    url, dest = interrupted_download(site, oslo_zip, tmp_path, download_settings.timeout_s)
    on_disk = dest.with_name("Oslo.zip.part").stat().st_size
    record = fetch_file(url, dest, download_settings)
    assert site.requests_to(url)[-1]["Range"] == f"bytes={on_disk}-"
    assert record.resumed and record.attempts == 1
    assert sha256_hex(dest.read_bytes()) == sha256_hex(oslo_zip)


def test_server_ignoring_range_restarts_from_zero(
    site: FakeGeonorge, download_settings: DownloadSettings, oslo_zip: bytes, tmp_path: Path
) -> None:
    url, dest = interrupted_download(site, oslo_zip, tmp_path, download_settings.timeout_s)
    site.routes["/a/Oslo.zip"].honour_range = False
    record = fetch_file(url, dest, download_settings)
    assert "Range" in site.requests_to(url)[-1]  # asked for the rest, got a 200 with all
    assert not record.resumed and dest.read_bytes() == oslo_zip


def test_file_changed_on_server_is_not_spliced(
    site: FakeGeonorge, download_settings: DownloadSettings, oslo_zip: bytes, tmp_path: Path
) -> None:
    url, dest = interrupted_download(site, oslo_zip, tmp_path, download_settings.timeout_s)
    old_etag = site.routes["/a/Oslo.zip"].etag
    newer = address_zip(tmp_path / "newer.zip", "0301", "Oslo", rows=1600)
    site.routes["/a/Oslo.zip"].body = newer
    record = fetch_file(url, dest, download_settings)
    assert site.requests_to(url)[-1]["If-Range"] == old_etag
    assert not record.resumed and dest.read_bytes() == newer


def test_complete_part_left_before_rename_is_finished_with_one_416(
    site: FakeGeonorge, download_settings: DownloadSettings, oslo_zip: bytes, tmp_path: Path
) -> None:
    url = site.add("/a/Oslo.zip", oslo_zip)
    dest = tmp_path / "Oslo.zip"
    dest.with_name("Oslo.zip.part").write_bytes(oslo_zip)  # killed between last byte and rename
    record = fetch_file(url, dest, download_settings)
    assert len(site.requests) == 1 and dest.read_bytes() == oslo_zip
    assert record.sha256 == sha256_hex(oslo_zip)


def test_slow_response_times_out_and_the_retry_succeeds(
    site: FakeGeonorge, download_settings: DownloadSettings, oslo_zip: bytes, tmp_path: Path
) -> None:
    url = site.add("/a/Oslo.zip", oslo_zip, faults=["slow"])
    started = time.perf_counter()
    record = fetch_file(
        url, tmp_path / "Oslo.zip", replace(download_settings, timeout_s=SHORT_TIMEOUT_S)
    )
    assert record.attempts == 2 and record.sha256 == sha256_hex(oslo_zip)
    assert time.perf_counter() - started < SLOW_S  # did not wait for the slow answer


def test_stalled_body_times_out_and_resumes(
    site: FakeGeonorge, download_settings: DownloadSettings, oslo_zip: bytes, tmp_path: Path
) -> None:
    url = site.add("/a/Oslo.zip", oslo_zip, faults=["stall"])
    record = fetch_file(
        url, tmp_path / "Oslo.zip", replace(download_settings, timeout_s=SHORT_TIMEOUT_S)
    )
    assert record.attempts == 2 and record.resumed
    resumed_at = int(site.requests_to(url)[1]["Range"].removeprefix("bytes=").rstrip("-"))
    assert 0 < resumed_at <= len(oslo_zip) // 2
    assert (tmp_path / "Oslo.zip").read_bytes() == oslo_zip


def test_corrupt_zip_is_deleted_and_reported(
    site: FakeGeonorge, download_settings: DownloadSettings, oslo_zip: bytes, tmp_path: Path
) -> None:
    url = site.add("/a/Oslo.zip", corrupt(oslo_zip))
    dest = tmp_path / "Oslo.zip"
    with pytest.raises(InputError, match="corrupt zip") as caught:
        fetch_file(url, dest, download_settings)
    assert url in str(caught.value)
    assert len(site.requests) == 2  # downloaded once more from zero, then given up
    assert not dest.exists() and not dest.with_name("Oslo.zip.part").exists()


def test_error_page_instead_of_a_zip_is_reported(
    site: FakeGeonorge, download_settings: DownloadSettings, tmp_path: Path
) -> None:
    url = site.add("/a/Oslo.zip", b"<html><body>Vedlikehold</body></html>")
    with pytest.raises(InputError, match=r"not a readable zip .*starts with b'<html>"):
        fetch_file(url, tmp_path / "Oslo.zip", download_settings)
    assert not (tmp_path / "Oslo.zip").exists()


def test_corrupt_zip_once_then_good_succeeds(
    site: FakeGeonorge, download_settings: DownloadSettings, oslo_zip: bytes, tmp_path: Path
) -> None:
    url = site.add("/a/Oslo.zip", corrupt(oslo_zip))
    events: list[FetchProgress] = []

    def repair(event: FetchProgress) -> None:  # the server's file is fixed meanwhile
        events.append(event)
        site.routes["/a/Oslo.zip"].body = oslo_zip

    record = fetch_file(url, tmp_path / "Oslo.zip", download_settings, on_progress=repair)
    assert record.attempts == 2 and record.sha256 == sha256_hex(oslo_zip)
    assert "corrupt zip" in (events[-1].retry_reason or "")
