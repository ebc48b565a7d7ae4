"""scripts/benchmark_changes.py on a small synthetic store: it runs and reports every part."""

from __future__ import annotations

import subprocess
import sys

from tests.fixtures import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "benchmark_changes.py"


def test_benchmark_times_each_part_and_counts_the_causes() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--addresses", "5000"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for part in ("address_changes", "summary", "trend", "total"):
        assert f"{part}:" in done.stdout
    for cause in ("offer_added", "offer_removed", "lacking_list_changed", "premises_changed",
                  "address_added", "address_removed"):  # fmt: skip
        assert cause in done.stdout
