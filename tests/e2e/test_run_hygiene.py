"""Run hygiene as an operator meets it, with real processes: two runs at once, a refresh while
a plain run holds the store, a full disk during publish, and pruning old publications.

The run held "inside a stage" is a real ``gapmap run`` in a child process whose cost stage waits
for a file to appear; the full disk is a real tmpfs when this machine lets the test mount one
(root), and else an ``ENOSPC`` raised by the map writer inside a child ``gapmap run``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.fixtures import REPO_ROOT

GAPMAP = Path(sys.executable).parent / "gapmap"
REFRESH = REPO_ROOT / "scripts" / "monthly_refresh.sh"
# `gapmap run --config CONFIG` whose cost stage says "inside cost" and waits for RELEASE
HELD_RUN = """
import sys, time
from pathlib import Path
import pipeline.cost as target
real, release = target.cost_stage, Path(sys.argv[2])
def held(*args, **kwargs):
    print("inside cost", flush=True)
    while not release.exists():
        time.sleep(0.05)
    return real(*args, **kwargs)
target.cost_stage = held
from pipeline.cli import main
sys.argv = ["gapmap", "run", "--config", sys.argv[1]]
main()
"""
# `gapmap run --config CONFIG` whose map writer finds the disk full
DISK_FULL_RUN = """
import errno, sys
import pipeline.publish as target
def full(folder, *args, **kwargs):
    path = folder / "maps" / "kommune" / "9901.html"
    raise OSError(errno.ENOSPC, "No space left on device", str(path))
target._write_map_products = full
from pipeline.cli import main
sys.argv = ["gapmap", "run", "--config", sys.argv[1]]
main()
"""


def _gapmap(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(GAPMAP), *args], capture_output=True, text=True, timeout=300, check=False
    )


def _one_error_line(stderr: str) -> str:
    errors = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "Traceback" not in stderr, stderr
    return errors[0]


def _runs(store_path: Path) -> list[tuple[str, str, str | None]]:
    with duckdb.connect(str(store_path), read_only=True) as connection:
        rows = connection.execute("SELECT run_id, status, message FROM runs ORDER BY started_at")
        return [(str(r), str(s), m) for r, s, m in rows.fetchall()]


def _address_rows(store_path: Path) -> dict[str, int]:
    with duckdb.connect(str(store_path), read_only=True) as connection:
        rows = connection.execute("SELECT run_id, count(*) FROM addresses GROUP BY run_id")
        return {str(run_id): int(n) for run_id, n in rows.fetchall()}


@pytest.fixture
def gapmap_installed() -> None:
    if not GAPMAP.exists():
        pytest.skip(f"{GAPMAP} not installed (pip install -e .)")


@pytest.fixture
def held_run(tiny_region: Path, gapmap_installed: None) -> Iterator[subprocess.Popen[str]]:
    """A plain ``gapmap run`` on the tiny region, held inside its cost stage (the store open)
    until the test is done with it; it then finishes."""
    release = tiny_region.parent / "release"
    child = subprocess.Popen(
        [sys.executable, "-c", HELD_RUN, str(tiny_region), str(release)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    deadline = time.monotonic() + 120
    while "inside cost" not in child.stdout.readline():
        assert child.poll() is None and time.monotonic() < deadline, child.stderr
    try:
        yield child
    finally:
        release.touch()
        child.wait(timeout=120)


@pytest.mark.usefixtures("gapmap_installed")
def test_a_second_plain_run_while_one_is_inside_a_stage_is_one_line_exit_75(
    tiny_region: Path, held_run: subprocess.Popen[str]
) -> None:
    second = _gapmap("run", "--config", str(tiny_region))
    assert second.returncode == 75
    line = _one_error_line(second.stderr)
    store_path = tiny_region.parent / "out" / "gapmap.duckdb"
    assert line.startswith(f"error: {store_path}: the store is in use by another gapmap process")
    (tiny_region.parent / "release").touch()
    assert held_run.wait(timeout=120) == 0
    assert [status for _, status, _ in _runs(store_path)] == ["succeeded"]  # one run, recorded


@pytest.mark.skipif(shutil.which("flock") is None, reason="flock (util-linux) not installed")
def test_a_refresh_while_a_plain_run_holds_the_store_passes_exit_75_through(
    tiny_region: Path, held_run: subprocess.Popen[str], tmp_path: Path
) -> None:
    env = {**os.environ, "GAPMAP": str(GAPMAP), "GAPMAP_LOCK": str(tmp_path / "lock")}
    refresh = subprocess.run(
        ["bash", str(REFRESH), str(tiny_region)], env=env, capture_output=True, text=True
    )
    assert refresh.returncode == 75
    assert "the store is in use by another gapmap process" in _one_error_line(refresh.stderr)
    assert "another run holds" not in refresh.stderr  # the script's flock did not see it
    assert "finished with exit code 75" in refresh.stdout


@pytest.mark.usefixtures("gapmap_installed")
def test_a_full_disk_during_publish_fails_the_run_and_keeps_current(tiny_region: Path) -> None:
    out = tiny_region.parent / "out"
    assert _gapmap("run", "--config", str(tiny_region)).returncode == 0
    current = (out / "current").resolve()
    full = subprocess.run(
        [sys.executable, "-c", DISK_FULL_RUN, str(tiny_region)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert full.returncode == 74
    line = _one_error_line(full.stderr)
    failed_id, status, message = _runs(out / "gapmap.duckdb")[-1]
    kommune_map = out / "runs" / failed_id / "maps" / "kommune" / "9901.html"
    where = f"run {failed_id} after changes"
    assert line == f"error: {where}: cannot write: {kommune_map}: the disk is full"
    assert status == "failed" and message == line.removeprefix("error: ")
    assert (out / "runs" / f"{failed_id}.failed").is_dir()
    assert (out / "current").resolve() == current
    assert failed_id not in _address_rows(out / "gapmap.duckdb")
    assert _gapmap("run", "--config", str(tiny_region)).returncode == 0  # the store opens


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs of 640 KiB more than the tiny region's first run fills, mounted at a folder of
    ``tmp_path`` (root only; skipped where mounting is not allowed)."""
    folder = tmp_path / "full"
    folder.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    yield folder


def _mount_tmpfs(folder: Path, size_kib: int) -> None:
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")


@pytest.mark.usefixtures("gapmap_installed")
def test_a_real_full_disk_during_publish_is_one_line_recorded_and_keeps_current(
    tiny_region: Path, small_tmpfs: Path
) -> None:
    assert _gapmap("run", "--config", str(tiny_region)).returncode == 0
    out = tiny_region.parent / "out"
    used_kib = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) // 1024
    _mount_tmpfs(small_tmpfs, used_kib + 640)
    try:
        shutil.copytree(out, small_tmpfs / "out", symlinks=True)
        config = tiny_region.with_name("full.toml")
        text = tiny_region.read_text(encoding="utf-8")
        config.write_text(text.replace('"out"', f'"{small_tmpfs / "out"}"'), encoding="utf-8")
        current = (small_tmpfs / "out" / "current").resolve()
        full = _gapmap("run", "--config", str(config))
        assert full.returncode == 74, full.stderr
        assert "cannot write" in _one_error_line(full.stderr)
        assert "the disk is full" in full.stderr
        runs = _runs(small_tmpfs / "out" / "gapmap.duckdb")  # the store opens
        failed_id, status, _ = runs[-1]
        assert status == "failed" and len(runs) == 2
        assert (small_tmpfs / "out" / "runs" / f"{failed_id}.failed").is_dir()
        assert (small_tmpfs / "out" / "current").resolve() == current
        assert (current / "index.html").is_file()
    finally:
        subprocess.run(["umount", str(small_tmpfs)], check=False)


@pytest.mark.usefixtures("gapmap_installed")
def test_prune_keeps_n_publications_and_every_runs_rows(tiny_region: Path) -> None:
    out = tiny_region.parent / "out"
    for _ in range(3):
        assert _gapmap("run", "--config", str(tiny_region)).returncode == 0
    ids = [run_id for run_id, _, _ in _runs(out / "gapmap.duckdb")]
    pruned = _gapmap("runs", "--config", str(tiny_region), "--prune", "--keep", "2")
    assert pruned.returncode == 0, pruned.stderr
    assert sorted(p.name for p in (out / "runs").iterdir()) == ids[1:]
    assert (out / "current").resolve().name == ids[2]
    assert _address_rows(out / "gapmap.duckdb") == dict.fromkeys(ids, 18)
