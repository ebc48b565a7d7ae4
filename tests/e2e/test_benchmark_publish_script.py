"""scripts/benchmark_publish.py times publish per product, on a whole run and on saved tables.

Run as a subprocess (as a user runs it) on 300 synthetic addresses in the demo region's five
kommuner: once with ``--save`` (the driver's run), once with ``--load`` on what was saved
(publish alone, in this process); the figures written with ``--json`` are checked.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from pipeline.synthetic.region import DemoRegion
from tests.fixtures import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "benchmark_publish.py"
LOOPS = ("kommune downloads", "kommune maps", "briefs")  # and "brief PDFs" with a Chromium


def _run(arguments: list[str], out: Path) -> dict[str, Any]:
    command = [sys.executable, str(SCRIPT), *arguments, "--json", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    figures: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return figures


def test_publish_alone_on_saved_tables_times_each_kommune_loop(
    demo_region: DemoRegion, tmp_path: Path
) -> None:
    saved = tmp_path / "tables.pickle"
    arguments = ["--kommuner", str(demo_region.kommuner), "--addresses", "300", "--workers", "1"]
    whole = _run([*arguments, "--save", str(saved)], tmp_path / "run.json")
    alone = _run(["--load", str(saved), "--workers", "1"], tmp_path / "alone.json")
    for figures in (whole, alone):
        rows = {row["product"]: row for row in figures["rows"]}
        kommuner = figures["kommuner"]
        assert kommuner == 5
        for loop in (*LOOPS, *(["brief PDFs"] if "brief PDFs" in rows else [])):
            assert rows[loop]["items"] == kommuner, loop
        parts = sum(row["seconds"] for name, row in rows.items() if name != "publish")
        assert abs(parts - rows["publish"]["seconds"]) < 1e-6  # the rest is the remainder
        assert all(row["seconds"] >= 0 for row in rows.values())
    assert alone["cpu_s"] > 0
