"""pipeline/fetch/cache.py: a file fetched once is served from the cache until it changes on
disk or expires; against a real HTTP server on 127.0.0.1 (:mod:`tests.fake_geonorge`).
"""

from __future__ import annotations

from pathlib import Path

from pipeline.fetch.download import DownloadSettings, fetch_file
from tests.fake_geonorge import FakeGeonorge


def test_second_fetch_is_served_from_cache_without_a_request(
    site: FakeGeonorge, download_settings: DownloadSettings, oslo_zip: bytes, tmp_path: Path
) -> None:
    url = site.add("/a/Oslo.zip", oslo_zip)
    first = fetch_file(url, tmp_path / "Oslo.zip", download_settings)
    second = fetch_file(url, tmp_path / "Oslo.zip", download_settings)
    assert len(site.requests) == 1
    assert second.from_cache and second.attempts == 0
    assert (second.sha256, second.fetched_at) == (first.sha256, first.fetched_at)


def test_changed_file_on_disk_is_downloaded_again(
    site: FakeGeonorge, download_settings: DownloadSettings, oslo_zip: bytes, tmp_path: Path
) -> None:
    url = site.add("/a/Oslo.zip", oslo_zip)
    dest = tmp_path / "Oslo.zip"
    fetch_file(url, dest, download_settings)
    dest.write_bytes(b"X" * len(oslo_zip))  # same size, other bytes: the checksum decides
    record = fetch_file(url, dest, download_settings)
    assert not record.from_cache and len(site.requests) == 2
    assert dest.read_bytes() == oslo_zip


def test_expired_cache_is_downloaded_again(
    site: FakeGeonorge, download_settings: DownloadSettings, oslo_zip: bytes, tmp_path: Path
) -> None:
    url = site.add("/a/Oslo.zip", oslo_zip)
    fetch_file(url, tmp_path / "Oslo.zip", download_settings)
    fetch_file(url, tmp_path / "Oslo.zip", DownloadSettings(max_age_days=0))
    assert len(site.requests) == 2
