"""Issue 16: ``gapmap run --kommune`` previews one kommune (:mod:`pipeline.preview`).

The demo runs once nationally (it fills the caches), then ``gapmap run --kommune 9901`` runs as
a user types it. The preview must give the kommune the national run's figures (its gap-table
row, its project areas, masts, FWA claims and per-address download), publish only the
kommune's rows (no fylke or total under the fylke's name), leave the national publication,
store and caches as they were, and keep rows read = accepted + merged + quarantined + outside.
Fjordvik (9901) has project areas that cross into a neighbour, so a preview that costed only
its own addresses would differ (48.5 against 50.5 MNOK when first built).
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.synthetic.demo import prepare_demo

runner = CliRunner()
KOMMUNE = "9901"


def _digests(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` (links followed), by relative path."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _kommune_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a published table that belong to :data:`KOMMUNE` (kommune level)."""
    return [
        row
        for row in _rows(path)
        if row.get("kommunenummer") == KOMMUNE and row.get("level", "kommune") == "kommune"
    ]


@pytest.fixture(scope="module")
def previewed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The demo run nationally, what it published and cached, then the preview of 9901."""
    base = tmp_path_factory.mktemp("preview")
    config = prepare_demo(base / "demo", 2025)
    national = runner.invoke(app, ["run", "-c", str(config), "--allow-stale", "--progress", "off"])
    assert national.exit_code == 0, national.output
    out = base / "demo"
    before = {
        "current": _digests(out / "current"),
        "cache": set(_digests(out / "cache")),
        "runs": _store_runs(out / "gapmap.duckdb"),
    }
    preview = runner.invoke(app, ["run", "-c", str(config), "--kommune", KOMMUNE])
    return {"out": out, "config": config, "before": before, "preview": preview}


def _store_runs(path: Path) -> list[tuple[str, str]]:
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute("SELECT run_id, status FROM runs ORDER BY run_id").fetchall()


def _published(previewed: dict[str, object]) -> Path:
    return Path(str(previewed["out"])) / "kommuner" / KOMMUNE / "current"


def test_the_preview_prints_its_kommune_and_where_it_is(previewed: dict[str, object]) -> None:
    result = previewed["preview"]
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    printed = result.output  # type: ignore[attr-defined]
    assert "Fjordvik" in printed and "Fylke 99" not in printed and "Totalt" not in printed
    assert f"kommuner/{KOMMUNE}/current" in printed.replace("\n", "")
    assert "Forhåndsvisning av én kommune" in printed


@pytest.mark.parametrize(
    "table", ["gap_table.csv", "project_areas.csv", "new_sites.csv", "fwa_challenge.csv"]
)
def test_the_kommune_gets_the_national_runs_figures(
    previewed: dict[str, object], table: str
) -> None:
    national = _kommune_rows(Path(str(previewed["out"])) / "current" / "tables" / table)
    preview = _rows(_published(previewed) / "tables" / table)
    assert national, f"the demo's national {table} has no rows of {KOMMUNE}: a weak test"
    assert preview == national


def test_the_per_address_download_is_the_national_runs(previewed: dict[str, object]) -> None:
    relative = Path("tables") / "kommuner" / f"{KOMMUNE}.csv"
    national = (Path(str(previewed["out"])) / "current" / relative).read_bytes()
    assert (_published(previewed) / relative).read_bytes() == national


def test_only_the_kommunes_rows_are_published(previewed: dict[str, object]) -> None:
    tables = _published(previewed) / "tables"
    for name in ("gap_table.csv", "gap_reasons.csv", "changes_summary.csv", "trend.csv"):
        levels = {row["level"] for row in _rows(tables / name)}
        assert levels <= {"kommune"}, (name, levels)
    assert [p.name for p in (_published(previewed) / "briefs").glob("*.html")] == ["9901.html"]
    manifest = json.loads((_published(previewed) / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["scope"]["kommunenummer"] == KOMMUNE


def test_the_layer_counts_reconcile(previewed: dict[str, object]) -> None:
    tables = _published(previewed) / "tables"
    counts = {
        row["layer"]: {k: int(v) for k, v in row.items() if k != "layer"}
        for row in _rows(tables / "layer_counts.csv")
    }
    for layer, row in counts.items():
        parts = ("rows_accepted", "rows_merged", "rows_quarantined", "rows_outside")
        assert row["rows_read"] == sum(row[p] for p in parts), layer
    kommune_rows = len(_rows(tables / "kommuner" / f"{KOMMUNE}.csv"))
    assert counts["addresses"]["rows_accepted"] == kommune_rows
    assert counts["addresses"]["rows_outside"] > 0


def test_the_national_publication_store_and_caches_stay(previewed: dict[str, object]) -> None:
    out = Path(str(previewed["out"]))
    before = previewed["before"]
    assert isinstance(before, dict)
    assert _digests(out / "current") == before["current"]
    assert _store_runs(out / "gapmap.duckdb") == before["runs"]
    assert before["cache"] <= set(_digests(out / "cache"))  # read and added to, never pruned
    assert not (out / "kommuner" / KOMMUNE / "cache").exists()


def test_a_second_preview_compares_with_the_first(previewed: dict[str, object]) -> None:
    again = runner.invoke(app, ["run", "-c", str(previewed["config"]), "--kommune", KOMMUNE])
    assert again.exit_code == 0, again.output
    listed = _store_runs(Path(str(previewed["out"])) / "kommuner" / KOMMUNE / "gapmap.duckdb")
    assert [status for _, status in listed] == ["succeeded", "succeeded"]
    trend = _rows(_published(previewed) / "tables" / "trend.csv")
    assert {row["run_id"] for row in trend} == {run_id for run_id, _ in listed}
    shown = runner.invoke(app, ["runs", "-c", str(previewed["config"]), "--kommune", KOMMUNE])
    assert shown.exit_code == 0 and shown.output.count("succeeded") == 2, shown.output
    national = runner.invoke(app, ["runs", "-c", str(previewed["config"])])
    assert national.output.count("succeeded") == 1, national.output  # previews not among them


@pytest.mark.parametrize(
    ("kommune", "expected"),
    [
        ("1234", "expected a kommunenummer of"),
        ("../x", "expected a kommunenummer of four digits"),
    ],
)
def test_an_unknown_kommune_is_one_line_exit_2_and_leaves_nothing(
    previewed: dict[str, object], kommune: str, expected: str
) -> None:
    result = runner.invoke(app, ["run", "-c", str(previewed["config"]), "--kommune", kommune])
    assert result.exit_code == 2
    assert expected in result.output and "Traceback" not in result.output
    out = Path(str(previewed["out"]))
    assert sorted(p.name for p in (out / "kommuner").iterdir()) == [KOMMUNE]
    assert not (out.parent / "x").exists()


def _with_an_empty_kommune(config: Path) -> Path:
    """A copy of the demo config whose kommune layer has a sixth kommune, 9909, far out to
    sea from every address."""
    data = config.parent
    layer = json.loads((data / "kommuner.geojson").read_text(encoding="utf-8"))
    far = json.loads(json.dumps(layer["features"][0]))
    far["properties"] |= {"kommunenummer": "9909", "kommunenavn": "Tomvik"}

    def shifted(ring: list[Any]) -> list[Any]:  # nested coordinate lists
        return [shifted(p) if isinstance(p[0], list) else [p[0] + 0.9, p[1]] for p in ring]

    far["geometry"]["coordinates"] = shifted(far["geometry"]["coordinates"])
    layer["features"].append(far)
    (data / "kommuner_9909.geojson").write_text(json.dumps(layer), encoding="utf-8")
    text = config.read_text(encoding="utf-8").replace(
        '"kommuner.geojson"', '"kommuner_9909.geojson"'
    )
    copy = data / "gapmap_9909.toml"
    copy.write_text(text, encoding="utf-8")
    return copy


def test_a_kommune_without_addresses_is_one_line_exit_2(previewed: dict[str, object]) -> None:
    config = _with_an_empty_kommune(Path(str(previewed["config"])))
    result = runner.invoke(app, ["run", "-c", str(config), "--kommune", "9909"])
    assert result.exit_code == 2, result.output
    assert "--kommune 9909: none of the" in result.output and "lies in or near it" in result.output
    kommuner = Path(str(previewed["out"])) / "kommuner"
    assert sorted(p.name for p in kommuner.iterdir()) == [KOMMUNE]
