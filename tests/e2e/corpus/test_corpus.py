"""Every case of the corpus through the real CLI (``python -m pipeline.cli run`` in a child).

Each asserts the exit code; for an error, one line on stderr that names the file, row or key and
no traceback, and ``current`` untouched; for a success, the quarantined rows of the named reason
and rows read = accepted + merged + quarantined in every layer; then ``gapmap runs`` opens the
store. A killed run (SIGKILL inside a stage, with :mod:`tests.e2e.test_run_killed`'s helper)
leaves ``current`` and the store for the next run.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from tests.e2e.corpus.cases import CASES, Case, Fails, Succeeds
from tests.e2e.test_run_killed import _kill_a_run
from tests.fixtures import REPO_ROOT

PATCHED = """
import errno, sys
import pipeline.{module} as target

def broken(*args, **kwargs):
    raise {exception}

target.{name} = broken
sys.argv = ["gapmap", "run", "--config", sys.argv[1]]
from pipeline.cli import main
main()
"""


def run_cli(
    config: Path, patch: tuple[str, str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``gapmap run --config config`` in a child process (with a function replaced by one that
    raises, for a fault injection)."""
    if patch:
        module, name, exception = patch
        code = PATCHED.format(module=module, name=name, exception=exception)
        command = [sys.executable, "-c", code, str(config)]
    else:
        command = [sys.executable, "-m", "pipeline.cli", "run", "--config", str(config)]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "COLUMNS": "400"}
    return subprocess.run(
        command, capture_output=True, text=True, timeout=180, cwd=REPO_ROOT, env=env
    )


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def check_success(root: Path, before: str, expect: Succeeds) -> None:
    assert os.readlink(root / "current") != before, "a success publishes a new run"
    tables = root / "current" / "tables"
    for row in rows_of(tables / "layer_counts.csv"):
        reconciled = sum(int(row[k]) for k in ("rows_accepted", "rows_merged", "rows_quarantined"))
        assert int(row["rows_read"]) == reconciled, row
    quarantine = rows_of(tables / "quarantine.csv")
    for (layer, piece), count in expect.quarantined.items():
        found = [r for r in quarantine if r["layer"] == layer and piece in r["reason"]]
        assert len(found) == count, (layer, piece, [r["reason"] for r in quarantine])
    for (layer, piece), line in expect.line.items():
        found = [r for r in quarantine if r["layer"] == layer and piece in r["reason"]]
        assert found and found[0]["row_number"] == str(line), found


def _param(case: Case) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
    if case.base == "real":
        marks.append(pytest.mark.realdata)
    return pytest.param(case, id=case.name, marks=marks)


@pytest.mark.parametrize("case", [_param(case) for case in CASES])
def test_damaged_input_gets_its_clear_answer(
    case: Case, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    base = request.getfixturevalue(f"corpus_{case.base}_base")
    root = tmp_path / "case"
    shutil.copytree(base, root, symlinks=True)
    config = root / "data" / "gapmap.toml"
    before = os.readlink(root / "current")
    shutil.copy(config, root / "data" / "undamaged.toml")  # for ``gapmap runs`` afterwards
    try:
        cleanup = case.damage(root)
    except PermissionError as exc:
        pytest.skip(f"cannot set up the fault: {exc}")
    try:
        done = run_cli(config, case.patch)
    finally:
        if cleanup:
            cleanup()
    expect = case.expect
    if isinstance(expect, Fails):
        assert (done.returncode, "Traceback" in done.stderr) == (expect.code, False), done.stderr
        message = done.stderr.strip()
        assert len(message.splitlines()) == 1, message
        assert expect.text in message, message
        assert os.readlink(root / "current") == before
    else:
        assert done.returncode == 0, done.stderr + done.stdout[-2000:]
        check_success(root, before, expect)
        if expect.outside is not None:
            assert f"{expect.outside} outside every polygon" in done.stdout, done.stdout[-3000:]
    undamaged = root / "data" / "undamaged.toml"
    listed = CliRunner().invoke(app, ["runs", "--config", str(undamaged)])
    assert listed.exit_code == case.runs_exit, listed.output


def test_a_killed_run_leaves_current_and_the_store_for_the_next(
    corpus_demo_base: Path, tmp_path: Path
) -> None:
    root = tmp_path / "case"
    shutil.copytree(corpus_demo_base, root, symlinks=True)
    config = root / "data" / "gapmap.toml"
    before = os.readlink(root / "current")
    _kill_a_run(config, "cost")
    assert os.readlink(root / "current") == before
    done = run_cli(config)
    assert done.returncode == 0, done.stderr
    check_success(root, before, Succeeds())
    listed = CliRunner().invoke(app, ["runs", "--config", str(config)])
    assert listed.exit_code == 0 and "aborted" in listed.output, listed.output
