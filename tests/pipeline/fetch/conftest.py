"""What the download and cache tests share: quick settings and an address zip to serve."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.fetch.download import DownloadSettings
from tests.fake_geonorge import address_zip


@pytest.fixture
def download_settings() -> DownloadSettings:
    """Quick retries; a timeout generous enough that a busy test machine never hits it."""
    return DownloadSettings(timeout_s=2.0, retries=3, backoff_s=0.01, chunk_bytes=4096)


@pytest.fixture
def oslo_zip(tmp_path: Path) -> bytes:
    return address_zip(tmp_path / "fixture_0301.zip", "0301", "Oslo")
