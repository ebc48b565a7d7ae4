"""pipeline/freshness.py: a monthly input identical to the last succeeded run's, or older than
``[freshness].max_age_days``, refuses the run (exit 79) unless told to go on."""

from __future__ import annotations

import dataclasses
import os
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from layers.checksums import input_checksums
from layers.errors import StaleInputError
from pipeline import store
from pipeline.config import Config, config_from_dict
from pipeline.config_refresh import FreshnessConfig
from pipeline.freshness import (
    check_freshness,
    data_date,
    previous_checksums,
    stale_reasons,
)

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def _region(tmp_path: Path, monthly: tuple[str, ...], max_age_days: float = 45.0) -> Config:
    """Offers and addresses files dated 2026-11-30 (one day before NOW) and a config reading
    them, with ``monthly`` as its monthly inputs."""
    for name, text in (("o.csv", "offers v1\n"), ("a.csv", "addresses v1\n"), ("k.geojson", "{}")):
        (tmp_path / name).write_text(text, encoding="utf-8")
        stamp = datetime(2026, 11, 30, tzinfo=UTC).timestamp()
        os.utime(tmp_path / name, (stamp, stamp))
    raw = {
        "inputs": {"kommuner": "k.geojson", "addresses": "a.csv", "offers": "o.csv"},
        "freshness": {"monthly_inputs": list(monthly), "max_age_days": max_age_days},
    }
    return config_from_dict(raw, tmp_path)


def _checksums(config: Config) -> dict[str, dict[str, object]]:
    return input_checksums(vars(config.inputs))


def test_the_data_date_of_a_zip_is_its_newest_member(tmp_path: Path) -> None:
    path = tmp_path / "Basisdata_0301_Oslo_25833_MatrikkelenAdresse_CSV.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("a/old.txt", (2025, 3, 1, 12, 0, 0)), "x")
        archive.writestr(zipfile.ZipInfo("a/new.csv", (2025, 10, 2, 4, 30, 0)), "y")
    assert data_date(path) == datetime(2025, 10, 2, 4, 30, tzinfo=UTC)


def test_the_data_date_of_another_file_or_a_broken_zip_is_its_modification_time(
    tmp_path: Path,
) -> None:
    stamp = datetime(2024, 5, 17, 8, 0, tzinfo=UTC)
    for name in ("offers.csv", "broken.zip"):
        (tmp_path / name).write_bytes(b"not a zip")
        os.utime(tmp_path / name, (stamp.timestamp(), stamp.timestamp()))
        assert data_date(tmp_path / name) == stamp


def test_an_input_identical_to_the_last_succeeded_run_is_stale(tmp_path: Path) -> None:
    config = _region(tmp_path, ("offers", "addresses"))
    before = _checksums(config)
    (tmp_path / "a.csv").write_text("addresses v2\n", encoding="utf-8")  # a new month's
    os.utime(tmp_path / "a.csv", (NOW.timestamp(), NOW.timestamp()))
    reasons = stale_reasons(config, _checksums(config), ("jan", before), NOW)
    assert len(reasons) == 1
    assert reasons[0].startswith(f"[inputs].offers ({tmp_path / 'o.csv'}) is identical to the")
    assert "last succeeded run jan's (sha256 " in reasons[0]


def test_an_input_not_in_the_monthly_list_or_never_run_before_is_not_judged_identical(
    tmp_path: Path,
) -> None:
    config = _region(tmp_path, ("addresses",))
    checksums = _checksums(config)
    assert stale_reasons(config, checksums, ("jan", checksums), NOW) != []
    assert stale_reasons(config, checksums, None, NOW) == []  # the first run
    without = {k: v for k, v in checksums.items() if k != "addresses"}
    assert stale_reasons(config, checksums, ("jan", without), NOW) == []  # new input


def test_an_input_renamed_with_the_same_bytes_is_still_identical(tmp_path: Path) -> None:
    config = _region(tmp_path, ("offers",))
    before = _checksums(config)
    (tmp_path / "o.csv").rename(tmp_path / "o-2026-12.csv")
    renamed = dataclasses.replace(
        config, inputs=dataclasses.replace(config.inputs, offers=tmp_path / "o-2026-12.csv")
    )
    assert len(stale_reasons(renamed, _checksums(renamed), ("jan", before), NOW)) == 1


def test_an_input_older_than_max_age_days_is_stale(tmp_path: Path) -> None:
    config = _region(tmp_path, ("offers", "addresses"), max_age_days=45)
    old = datetime(2026, 10, 1, tzinfo=UTC).timestamp()  # 61.125 days before NOW
    os.utime(tmp_path / "o.csv", (old, old))
    reasons = stale_reasons(config, _checksums(config), None, NOW)
    assert reasons == [
        f"[inputs].offers ({tmp_path / 'o.csv'}) holds data of 2026-10-01, 61 days old;"
        " expected at most 45 days ([freshness].max_age_days)"
    ]
    # 0 turns the age check off; 62 days allow it
    for days in (0.0, 62.0):
        relaxed = dataclasses.replace(config, freshness=FreshnessConfig(("offers",), days))
        assert stale_reasons(relaxed, _checksums(config), None, NOW) == []


def test_every_file_of_a_folder_input_is_judged(tmp_path: Path) -> None:
    config = _region(tmp_path, ("addresses",))
    folder = tmp_path / "adresser"
    folder.mkdir()
    for knr, month in (("0301", 11), ("4204", 6)):
        with zipfile.ZipFile(folder / f"Basisdata_{knr}_x.zip", "w") as archive:
            archive.writestr(zipfile.ZipInfo("a.csv", (2026, month, 28, 0, 0, 0)), knr)
    inputs = dataclasses.replace(config.inputs, addresses=folder)
    config = dataclasses.replace(config, inputs=inputs)
    reasons = stale_reasons(config, _checksums(config), None, NOW)
    assert len(reasons) == 1 and "Basisdata_4204_x.zip) holds data of 2026-06-28" in reasons[0]
    # the same two files again: identical as a whole
    again = stale_reasons(config, _checksums(config), ("nov", _checksums(config)), NOW)
    assert sum("is identical" in r for r in again) == 1


def _store_with_run(tmp_path: Path, config: Config, status: str) -> Path:
    path = tmp_path / "gapmap.duckdb"
    with store.open_store(path) as connection:
        store.begin_run(connection, "nov", "cfg", {}, _checksums(config), "test")
        store.finish_run(connection, "nov", status, None)
    return path


def test_the_previous_checksums_are_the_latest_succeeded_runs(tmp_path: Path) -> None:
    config = _region(tmp_path, ("offers",))
    path = _store_with_run(tmp_path, config, "failed")
    with store.open_store(path) as connection:
        assert previous_checksums(connection) is None  # a failed run is no month
        connection.execute("UPDATE runs SET status = 'succeeded'")
        assert previous_checksums(connection) == ("nov", _checksums(config))


def test_check_freshness_refuses_unless_allowed(tmp_path: Path) -> None:
    config = _region(tmp_path, ("offers",))
    path = _store_with_run(tmp_path, config, "succeeded")
    with store.open_store(path) as connection:
        with pytest.raises(StaleInputError) as refused:
            check_freshness(connection, config, _checksums(config), "dec")
        assert refused.value.exit_code == 79
        text = str(refused.value)
        assert text.startswith("run dec: refused to publish: [inputs].offers (")
        assert "`gapmap run --allow-stale`" in text and "\n" not in text
        allowed = check_freshness(connection, config, _checksums(config), "dec", True)
        assert len(allowed) == 1 and "is identical" in allowed[0]
        by_config = dataclasses.replace(config, freshness=FreshnessConfig(("offers",), 45, True))
        assert check_freshness(connection, by_config, _checksums(config), "dec") == allowed
        nothing = dataclasses.replace(config, freshness=FreshnessConfig())
        assert check_freshness(connection, nothing, _checksums(config), "dec") == []
