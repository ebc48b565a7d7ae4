"""scripts/benchmark_refresh.py: warm run, one kommune's addresses moved, full run; the address
file put back as it was.

Run as a subprocess (as a user runs it) on the demo region; the figures written with ``--json``
are checked, and the file it moved addresses in is compared with its original bytes.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from pipeline.config import load_config
from pipeline.synthetic.demo import prepare_demo
from tests.fixtures import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "benchmark_refresh.py"


def test_the_refresh_and_the_full_run_are_timed_and_the_inputs_put_back(tmp_path: Path) -> None:
    config = prepare_demo(tmp_path)
    addresses = load_config(config).inputs.addresses
    before = hashlib.sha256(addresses.read_bytes()).hexdigest()
    out = tmp_path / "refresh.json"
    command = [sys.executable, str(SCRIPT), "--config", str(config), "--kommune", "9902"]
    done = subprocess.run(
        [*command, "--json", str(out)], capture_output=True, text=True, cwd=REPO_ROOT, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["moved"] == 3
    runs = figures["runs"]
    assert list(runs) == ["warm", "refresh", "full"]
    stages = [list(run["stages"]) for run in runs.values()]
    assert stages[0] == stages[1] == stages[2]
    assert {"ingest", "wireless", "publish"} <= set(stages[0])
    assert all(run["wall_s"] > run["stages"]["publish"] > 0 for run in runs.values())
    assert "whole run: refresh" in done.stdout
    assert hashlib.sha256(addresses.read_bytes()).hexdigest() == before  # put back
    assert not list(config.parent.glob(".*.benchmark.toml"))  # its temporary config removed
