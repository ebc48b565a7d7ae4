"""scripts/monthly_refresh.sh, the cron wrapper, run as cron runs it: it publishes, refuses to
overlap a running refresh and keeps the published output when a run fails.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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
