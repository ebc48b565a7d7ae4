"""scripts/monthly_refresh.sh, the cron wrapper, run as cron runs it: it fetches the inputs its
config names (from a local fake Geonorge), publishes, refuses last month's inputs (79), stops on a
failed fetch (69), refuses to overlap a running refresh and keeps the published output when a run
fails.
"""

from __future__ import annotations

import fcntl
import io
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import duckdb
import pytest

from tests.fake_geonorge import ADDRESS_DIR, KOMMUNER_DIR, FakeGeonorge, kommuner_zip
from tests.fixtures import REPO_ROOT

GAPMAP = Path(sys.executable).parent / "gapmap"


@pytest.mark.skipif(shutil.which("flock") is None, reason="flock (util-linux) not installed")
def test_monthly_refresh_wrapper_publishes_refuses_overlap_and_keeps_output_on_failure(
    tmp_path: Path, tiny_region: Path
) -> None:
    if not GAPMAP.exists():
        pytest.skip(f"{GAPMAP} not installed (pip install -e .)")
    config = tiny_region
    env = {**os.environ, "GAPMAP": str(GAPMAP), "GAPMAP_LOCK": str(tmp_path / "lock")}
    script = REPO_ROOT / "scripts" / "monthly_refresh.sh"
    ok = subprocess.run(["bash", str(script), str(config)], env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    current = (config.parent / "out" / "current").resolve()
    assert (current / "index.html").is_file()

    with open(tmp_path / "lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        busy = subprocess.run(
            ["bash", str(script), str(config)], env=env, capture_output=True, text=True
        )
    assert busy.returncode == 75 and "another run holds" in busy.stderr

    (config.parent / "adresser.csv").write_text("not;a;kartverket;file\n", encoding="utf-8")
    failed = subprocess.run(
        ["bash", str(script), str(config)], env=env, capture_output=True, text=True
    )
    assert failed.returncode == 2
    assert "missing columns" in failed.stderr  # the error line goes to stderr
    assert (config.parent / "out" / "current").resolve() == current


def _address_zip(csv_text: str) -> bytes:
    """The region's address CSV as Geonorge ships it: a zip, packed now, one CSV in a folder."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        member = zipfile.ZipInfo(f"{STEM}_MatrikkelenAdresse_CSV/matrikkelenAdresse.csv")
        member.date_time = time.gmtime()[:6]
        archive.writestr(member, csv_text)
    return buffer.getvalue()


STEM = "Basisdata_9901_Vestvik_25833"
ADDRESS_ZIP = f"{STEM}_MatrikkelenAdresse_CSV.zip"


def _refresh_config(region: Path, base_url: str) -> Path:
    """The region's config reading its addresses from the fetched zip, fetching them from
    ``base_url`` and expecting them to change monthly."""
    text = (region / "gapmap.toml").read_text(encoding="utf-8")
    text = text.replace('addresses = "adresser.csv"', f'addresses = "geonorge/{ADDRESS_ZIP}"')
    text += (
        f'\n[fetch]\nkommuner = ["9901=Vestvik"]\nfolder = "geonorge"\nbase_url = "{base_url}"\n'
        'max_age_days = 0\n[freshness]\nmonthly_inputs = ["addresses"]\nmax_age_days = 45\n'
    )
    config = region / "refresh.toml"
    config.write_text(text, encoding="utf-8")
    return config


@pytest.mark.skipif(shutil.which("flock") is None, reason="flock (util-linux) not installed")
def test_the_refresh_fetches_refuses_last_months_data_and_stops_on_a_failed_fetch(
    tmp_path: Path, tiny_region: Path, site: FakeGeonorge
) -> None:
    if not GAPMAP.exists():
        pytest.skip(f"{GAPMAP} not installed (pip install -e .)")
    region = tiny_region.parent
    config = _refresh_config(region, site.base_url)
    csv_text = (region / "adresser.csv").read_text(encoding="utf-8")
    served = site.add(f"{ADDRESS_DIR}/{ADDRESS_ZIP}", _address_zip(csv_text))
    site.add(
        f"{KOMMUNER_DIR}/{STEM}_Kommuner_GeoJSON.zip",
        kommuner_zip(tmp_path / "k.zip", {"9901": "Vestvik"}),
    )
    env = {**os.environ, "GAPMAP": str(GAPMAP), "GAPMAP_LOCK": str(tmp_path / "lock")}

    def refresh(*options: str) -> subprocess.CompletedProcess[str]:
        command = ["bash", str(REPO_ROOT / "scripts" / "monthly_refresh.sh"), str(config)]
        return subprocess.run([*command, *options], env=env, capture_output=True, text=True)

    first = refresh()
    assert first.returncode == 0, first.stderr
    assert (region / "geonorge" / ADDRESS_ZIP).is_file()
    assert (region / "geonorge" / "fetch_manifest.json").is_file()
    current = (region / "out" / "current").resolve()
    assert (current / "index.html").is_file()

    again = refresh()  # Geonorge still serves last month's file: fetched anew, refused
    assert again.returncode == 79
    assert len(site.requests_to(served)) == 2
    errors = [line for line in again.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "Traceback" not in again.stderr
    assert (
        f"refused to publish: [inputs].addresses ({region / 'geonorge' / ADDRESS_ZIP})"
        in (errors[0])
    )
    assert "refused to publish stale inputs" in again.stderr
    assert (region / "out" / "current").resolve() == current

    allowed = refresh("--allow-stale")  # the operator's override passes through the script
    assert allowed.returncode == 0, allowed.stderr
    current = (region / "out" / "current").resolve()

    site.add(f"{ADDRESS_DIR}/{ADDRESS_ZIP}", _address_zip(csv_text.replace("Gate 1 ", "Veg 1 ")))
    new_month = refresh()
    assert new_month.returncode == 0, new_month.stderr
    assert (region / "out" / "current").resolve() != current
    current = (region / "out" / "current").resolve()

    del site.routes[f"{ADDRESS_DIR}/{ADDRESS_ZIP}"]  # Geonorge answers 404
    failed = refresh()
    assert failed.returncode == 69
    assert "HTTP 404" in failed.stdout + failed.stderr
    assert "fetch failed (gapmap fetch exit code 2); not running" in failed.stderr
    assert (region / "out" / "current").resolve() == current
    with duckdb.connect(str(region / "out" / "gapmap.duckdb"), read_only=True) as connection:
        rows = connection.execute("SELECT status FROM runs ORDER BY started_at").fetchall()
    statuses = [status for (status,) in rows]
    assert statuses == ["succeeded", "failed", "succeeded", "succeeded"]  # no run after the 404
