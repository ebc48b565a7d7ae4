"""The orchestrator on a tiny generated region: records, reconciliation, atomic publish."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import duckdb
import pytest
from rich.console import Console

from layers.checksums import sha256_of
from layers.errors import InputError, InternalError, WriteError
from pipeline import publish as publish_module
from pipeline.config import load_config
from pipeline.run import run_pipeline
from tests.fixtures import (
    TINY_X0,
    TINY_Y0,
    polygon_feature,
    write_feature_collection,
)


def _quiet() -> Console:
    return Console(quiet=True)


def test_run_records_reconciles_and_publishes(tiny_region: Path) -> None:
    config = load_config(tiny_region)
    result = run_pipeline(config, _quiet())
    counts = result.layer_counts.set_index("layer")
    assert counts.loc["addresses"].tolist() == [20, 18, 0, 2, 0]
    assert counts.loc["offers"].tolist() == [17, 15, 0, 2, 0]
    reconciled = counts["rows_accepted"] + counts["rows_merged"] + counts["rows_quarantined"]
    assert (counts["rows_read"] == reconciled).all()
    table = result.gap_table.set_index("kommunenavn")
    assert table.loc["Totalt", "households"] == 18
    assert table.loc["Vestvik", "served_households_no2025"] == 4
    assert table.loc["Vestvik", "underserved_households_no2025"] == 5
    assert table.loc["Totalt", "unserved_households_no2025"] == 18 - 4 - 8
    published = result.published
    assert published == (config.run.output_dir / "current").resolve()
    for relative in (
        "tables/gap_table.csv",
        "tables/gap_table.xlsx",
        "tables/quarantine.csv",
        "manifest.json",
        "index.html",
        "maps/oversikt.html",
        "maps/kommune/9901.html",
        "gapmap.gpkg",
    ):
        assert (published / relative).is_file(), relative
    manifest = json.loads((published / "manifest.json").read_text())
    for layer, info in manifest["inputs"].items():
        assert info["sha256"] == sha256_of(Path(info["path"])), layer
    assert {s["stage"] for s in manifest["stage_timings"]} >= {"ingest", "publish"}
    with duckdb.connect(str(config.store_path), read_only=True) as connection:
        status = connection.execute("SELECT status, config_hash FROM runs").fetchall()
        assert status == [("succeeded", config.digest())]
        n = connection.execute(
            "SELECT count(*) FROM quarantine WHERE run_id = ?", [result.run_id]
        ).fetchone()
        assert n == (4,)


def test_escaped_names_in_html(tiny_region: Path) -> None:
    result = run_pipeline(load_config(tiny_region), _quiet())
    for page in result.published.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script>x</script>" not in text, page
        assert "Østby & Co <b>" not in text, page


def test_failed_run_leaves_the_published_output_untouched(tiny_region: Path, monkeypatch) -> None:
    config = load_config(tiny_region)
    first = run_pipeline(config, _quiet())
    before = {p: p.read_bytes() for p in first.published.rglob("*") if p.is_file()}

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", "maps/kommune/9901.html")

    monkeypatch.setattr(publish_module, "_write_map_products", disk_full)
    with pytest.raises(WriteError, match=r"after changes: cannot write: .*the disk is full"):
        run_pipeline(config, _quiet())
    current = (config.run.output_dir / "current").resolve()
    assert current == first.published
    assert {p: p.read_bytes() for p in current.rglob("*") if p.is_file()} == before
    with duckdb.connect(str(config.store_path), read_only=True) as connection:
        runs = connection.execute("SELECT status FROM runs ORDER BY started_at").fetchall()
        assert runs == [("succeeded",), ("failed",)]
        leaked = connection.execute(
            "SELECT count(*) FROM addresses WHERE run_id NOT IN"
            " (SELECT run_id FROM runs WHERE status = 'succeeded')"
        ).fetchone()
        assert leaked == (0,)


def test_bad_input_fails_clearly_and_keeps_history(tiny_region: Path) -> None:
    config = load_config(tiny_region)
    run_pipeline(config, _quiet())
    (tiny_region.parent / "dekning.csv").write_text("id;x\n1;2\n", encoding="utf-8")
    config = load_config(tiny_region)
    with pytest.raises(InputError, match=r"dekning.csv: missing columns"):
        run_pipeline(config, _quiet())
    with duckdb.connect(str(config.store_path), read_only=True) as connection:
        assert connection.execute(
            "SELECT count(*) FROM runs WHERE status = 'failed'"
        ).fetchone() == (1,)


def test_two_runs_keep_history(tiny_region: Path) -> None:
    config = load_config(tiny_region)
    first = run_pipeline(config, _quiet())
    second = run_pipeline(config, _quiet())
    assert first.run_id != second.run_id
    with duckdb.connect(str(config.store_path), read_only=True) as connection:
        per_run = connection.execute(
            "SELECT run_id, sum(households) FROM gap_summary"
            " WHERE level = 'total' AND target = 'no2025' GROUP BY run_id"
        ).fetchall()
    assert sorted(v for _, v in per_run) == [18, 18]


def test_squares_lacking_lists_and_funded_areas_join_the_run(tiny_region: Path) -> None:
    """Addresses 1015-1017 have no offer; a 100 m square over 1015 says 100/10 (xDSL); the
    Nkom list says 1000 lacks 100 Mbit/s (its offers say 1000/1000: a conflict, and the list
    wins); a funded area covers 1012's position, so it is not costed."""
    x0, y0 = TINY_X0, TINY_Y0
    folder = tiny_region.parent
    x1015 = x0 + 100 + (15 % 9) * 200 + 2000
    square = {"ssbid": "1", "hastighetsklasse": "100/10"}
    box_1015 = (x1015 - 50, y0 + 950, x1015 + 50, y0 + 1050)
    write_feature_collection(folder / "ruter.geojson", [polygon_feature(square, box_1015)])
    (folder / "mangler100.csv").write_text(
        "adresseid;adresse;nord;øst\n1000;Gate 0;7011000;270100\n424242;Ukjent;7011000;270100\n",
        encoding="utf-8",
    )
    x1012 = x0 + 100 + (12 % 9) * 200 + 2000
    funded = {"navn": "Støtte 2025", "aar": 2025}
    box_1012 = (x1012 - 30, y0 + 970, x1012 + 30, y0 + 1030)
    write_feature_collection(folder / "tildelt.geojson", [polygon_feature(funded, box_1012)])
    text = tiny_region.read_text(encoding="utf-8") + (
        'speed_squares = ["ruter.geojson"]\nlacking_100 = "mangler100.csv"\n'
        'funded_areas = "tildelt.geojson"\n[coverage]\nsquares_technology = "xdsl"\n'
    )
    tiny_region.write_text(text, encoding="utf-8")
    config = load_config(tiny_region)
    result = run_pipeline(config, _quiet())
    manifest = result.manifest
    assert manifest["coverage"]["on_lacking_lists"] == 1
    assert manifest["coverage"]["offers_meet_listed_lacking_speed"] == 1
    assert manifest["coverage"]["in_funded_areas"] == 1
    table = result.gap_table.set_index("kommunenavn")
    # 1000 drops from served to underserved (its fibre is on the list of lacking 100 Mbit/s)
    assert table.loc["Vestvik", "served_households_no2025"] == 3
    # 1015 is served for 100/10 by its square
    assert table.loc["Østby & Co <b>", "served_households_no2025"] == 1
    assert table.loc["Totalt", "funded_households_gigabit2030"] == 1
    with duckdb.connect(str(config.store_path), read_only=True) as connection:
        cost_1012 = connection.execute(
            "SELECT cost_nok, area_status FROM address_results WHERE address_id = 1012"
        ).fetchone()
        quarantined = connection.execute(
            "SELECT reason FROM quarantine WHERE layer = 'nkom_lacking'"
        ).fetchall()
    assert cost_1012 is not None and cost_1012[0] is None and cost_1012[1] == "funded"
    assert quarantined == [("address_id: not in the address layer (or quarantined there)",)]
    counts = result.layer_counts
    reconciled = counts["rows_accepted"] + counts["rows_merged"] + counts["rows_quarantined"]
    assert (counts["rows_read"] == reconciled).all()


def test_a_bug_is_reported_as_one_and_the_run_marked_failed(tiny_region: Path, monkeypatch) -> None:
    config = load_config(tiny_region)

    def bug(*args, **kwargs):
        raise KeyError("class_no2025")

    monkeypatch.setattr("pipeline.cost.cost_stage", bug)
    expected = r"after eligibility: internal error KeyError"
    with pytest.raises(InternalError, match=expected) as raised:
        run_pipeline(config, _quiet())
    assert "a bug in gapmap; run again with --debug" in str(raised.value)
    assert raised.value.exit_code == 70
    assert not (config.run.output_dir / "current").exists()
    with duckdb.connect(str(config.store_path), read_only=True) as connection:
        runs = connection.execute("SELECT status, message FROM runs").fetchall()
    assert [status for status, _ in runs] == ["failed"]
    assert "KeyError" in runs[0][1]
