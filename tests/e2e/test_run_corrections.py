"""Issue 14, point 2: a kommune's corrections, applied by the next run, listed, withdrawn.

The demo runs once without corrections (the base). From the base's own store the test picks
the addresses of five hand cases, writes them as a kommune would (a Norwegian ``;`` CSV, as
Excel saves it), adds them with ``gapmap corrections add`` and runs again; then withdraws one
and runs a third time. Between the runs nothing else changes, so every difference in the gap
table must be the corrections' own, which the gap table's new columns must say exactly.

Hand cases (all in Fjordvik, 9901, at the 2025 target 100/10):

- ``no_service``: a served address whose every offer meeting the target is Fjordnett's;
- ``offer_missing``: an unserved dwelling gets Fjordnett fibre 1000/1000;
- ``cabin``: an unserved dwelling of one household is a holiday home;
- ``address_missing``: a new house of 3 households, 40 m from an unserved address, no offer;
- an adresseId that the address file lacks: quarantined with its reason, not applied.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.synthetic.demo import prepare_demo

runner = CliRunner()
KOMMUNE = "9901"
TARGET = "no2025"
HEADER = (
    "adresseId;korreksjon;tilbyder;teknologi;ned_mbps;opp_mbps;nord;øst;epsg;husstander;"
    "adressetekst;innsender;dato;begrunnelse"
)


def _rows(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    """A published CSV's rows (``;``: the Norwegian ones)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def _query(store: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(store), read_only=True) as connection:
        return connection.execute(sql, list(params)).fetchall()


def _last_run(store: Path) -> str:
    rows = _query(store, "SELECT max(run_id) FROM runs WHERE status = 'succeeded'")
    return str(rows[0][0])


PICK_SQL = """
WITH a AS (
    SELECT a.address_id, a.households, a.x_m, a.y_m, c.class, a.premises_class
    FROM addresses a
    JOIN address_classes c USING (run_id, address_id)
    WHERE a.run_id = $1 AND c.target = $2 AND a.kommunenummer = $3
),
meeting AS (  -- offers at or above 100/10
    SELECT address_id, list(DISTINCT operator) AS operators
    FROM offers WHERE run_id = $1 AND down_mbps >= 100 AND up_mbps >= 10
    GROUP BY address_id
)
SELECT a.address_id, a.households, a.x_m, a.y_m, a.class, a.premises_class, m.operators
FROM a LEFT JOIN meeting m USING (address_id)
ORDER BY a.address_id
"""


def _pick(store: Path, run_id: str) -> dict[str, dict[str, Any]]:
    """The base run's addresses for the hand cases (module docstring)."""
    rows = [
        dict(zip(("id", "households", "x", "y", "class", "premises", "operators"), r, strict=True))
        for r in _query(store, PICK_SQL, run_id, TARGET, KOMMUNE)
    ]
    served = [
        r
        for r in rows
        if r["class"] == "served" and r["operators"] == ["Fjordnett"] and r["households"] >= 1
    ]
    unserved = [
        r
        for r in rows
        if r["class"] == "unserved" and r["households"] == 1 and r["premises"] == "dwelling"
    ]
    assert served and len(unserved) >= 3, "the demo lacks addresses for the hand cases"
    return {
        "no_service": served[0],
        "offer_missing": unserved[0],
        "cabin": unserved[1],
        "near_new": unserved[2],
    }


def _corrections_csv(path: Path, picked: dict[str, dict[str, Any]]) -> Path:
    near = picked["near_new"]
    lines = [
        HEADER,
        f"{picked['no_service']['id']};ingen dekning;Fjordnett;;;;;;;;;Ola Nordmann, Fjordvik"
        " kommune;01.11.2026;Befaring 30.10.2026: ingen fiber i bakken",
        f"{picked['offer_missing']['id']};tilbud mangler;Fjordnett;fiber;1000;1000;;;;;;Kari"
        " Dahl;2026-11-02;Kontrakt signert 15.10.2026",
        f"{picked['cabin']['id']};fritidsbolig;;;;;;;;;;Kari Dahl;2026-11-02;"
        '=HYPERLINK("http://x")',
        f";adresse mangler;;;;;{near['y'] + 40:.2f};{near['x']:.2f};25833;3;Nyveien 1;Kari"
        " Dahl;2026-11-02;Ferdigattest 2026-09",
        "999999999;tilbudet finnes ikke;Fjordnett;;;;;;;;;Kari Dahl;2026-11-02;Ukjent adresse",
    ]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8-sig")
    return path


def _run(config: Path) -> None:
    result = runner.invoke(app, ["run", "-c", str(config), "--allow-stale", "--progress", "off"])
    assert result.exit_code == 0, result.output


def _gap(folder: Path) -> dict[tuple[str, str], dict[str, str]]:
    rows = _rows(folder / "tables" / "gap_table.csv")
    return {(r["level"], r["kommunenummer"] or r["fylkesnummer"]): r for r in rows}


@pytest.fixture(scope="module")
def corrected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The base run, the run with the corrections, and the run after one is withdrawn."""
    base = tmp_path_factory.mktemp("corrections")
    config = prepare_demo(base / "demo", 2025)
    out = base / "demo"
    store = out / "gapmap.duckdb"
    _run(config)
    base_run = _last_run(store)
    runs = {"base": out / "runs" / base_run}
    picked = _pick(store, base_run)
    path = _corrections_csv(base / "rettinger.csv", picked)
    added = runner.invoke(app, ["corrections", "add", str(path), "-c", str(config)])
    assert added.exit_code == 0, added.output
    _run(config)
    runs["corrected"] = out / "runs" / _last_run(store)
    listed = runner.invoke(app, ["corrections", "list", "-c", str(config)])
    withdrawn = runner.invoke(
        app, ["corrections", "withdraw", "1", "-c", str(config), "--reason", "Feil adresse"]
    )
    assert withdrawn.exit_code == 0, withdrawn.output
    _run(config)
    runs["withdrawn"] = out / "runs" / _last_run(store)
    preview = runner.invoke(app, ["run", "-c", str(config), "--kommune", KOMMUNE])
    assert preview.exit_code == 0, preview.output
    return {
        "config": config,
        "store": store,
        "runs": runs,
        "picked": picked,
        "added": added.output,
        "listed": listed.output,
    }


def _class(store: Path, run_folder: Path, address_id: int) -> tuple[str, int]:
    rows = _query(
        store,
        "SELECT c.class, a.households FROM address_classes c JOIN addresses a"
        " USING (run_id, address_id) WHERE run_id = ? AND address_id = ? AND target = ?",
        run_folder.name,
        address_id,
        TARGET,
    )
    assert len(rows) == 1, (run_folder.name, address_id)
    return str(rows[0][0]), int(rows[0][1])


def test_add_reports_what_it_recorded_and_what_it_refused(corrected: dict[str, Any]) -> None:
    printed = " ".join(corrected["added"].split())
    assert "recorded 5 corrections (1–5) as batch 1" in printed
    assert "rows read 5, accepted 5, quarantined 0" in printed


def test_each_correction_flips_its_address(corrected: dict[str, Any]) -> None:
    store, runs, picked = corrected["store"], corrected["runs"], corrected["picked"]
    assert _class(store, runs["base"], picked["no_service"]["id"])[0] == "served"
    assert _class(store, runs["corrected"], picked["no_service"]["id"])[0] != "served"
    assert _class(store, runs["corrected"], picked["offer_missing"]["id"]) == ("served", 1)
    assert _class(store, runs["corrected"], picked["cabin"]["id"]) == ("unserved", 0)
    new = _query(
        store,
        "SELECT address_id, kommunenummer, households, address_text FROM addresses"
        " WHERE run_id = ? AND address_id < 0",
        runs["corrected"].name,
    )
    assert new == [(-4, KOMMUNE, 3, "Nyveien 1")]
    assert _class(store, runs["corrected"], -4) == ("unserved", 3)


def test_the_gap_table_says_what_the_corrections_changed(corrected: dict[str, Any]) -> None:
    """Nothing but the corrections changed between the runs: each level's households below
    the target moved by exactly its ``below_target_households_by_corrections``."""
    runs, picked = corrected["runs"], corrected["picked"]
    before, after = _gap(runs["base"]), _gap(runs["corrected"])
    expected_kommune = picked["no_service"]["households"] - 1 - 1 + 3
    for key, row in after.items():
        for target in ("no2025", "gigabit2030", "eu_vhcn", "subsidy30"):
            below = [
                int(r[f"underserved_households_{target}"]) + int(r[f"unserved_households_{target}"])
                for r in (before[key], row)
            ]
            assert below[1] - below[0] == int(
                row[f"below_target_households_by_corrections_{target}"]
            ), (key, target)
    kommune = after[("kommune", KOMMUNE)]
    assert int(kommune[f"below_target_households_by_corrections_{TARGET}"]) == expected_kommune
    assert int(kommune["corrections_applied"]) == 4
    assert int(after[("total", "")]["corrections_applied"]) == 4
    assert all(int(before[k]["corrections_applied"]) == 0 for k in before)


def test_corrections_csv_lists_each_with_its_submitter_and_outcome(
    corrected: dict[str, Any],
) -> None:
    rows = _rows(corrected["runs"]["corrected"] / "tables" / "corrections.csv")
    assert [r["correction_id"] for r in rows] == ["1", "2", "3", "4", "5"]
    assert rows[0]["submitter"] == "Ola Nordmann, Fjordvik kommune"
    assert rows[0]["claim_nb"] == "ingen dekning i virkeligheten"
    assert [r["applied"] for r in rows] == ["True", "True", "True", "True", "False"]
    assert rows[4]["outcome"].startswith("no such address")
    assert rows[2]["evidence"] == '\'=HYPERLINK("http://x")'  # text, never a formula
    quarantine = _rows(corrected["runs"]["corrected"] / "tables" / "quarantine.csv")
    refused = [r for r in quarantine if r["layer"] == "corrections"]
    assert [(r["row_number"], r["key"]) for r in refused] == [("6", "korreksjon 5")]
    counts = {
        r["layer"]: r for r in _rows(corrected["runs"]["corrected"] / "tables" / "layer_counts.csv")
    }
    assert (counts["corrections"]["rows_read"], counts["corrections"]["rows_accepted"]) == (
        "5",
        "4",
    )
    assert counts["corrections"]["rows_quarantined"] == "1"


def test_the_list_names_the_submitters_and_the_runs(corrected: dict[str, Any]) -> None:
    printed = corrected["listed"]
    assert "Ola Nordmann" in printed and "Kari Dahl" in printed
    assert "i kraft" in printed


def test_the_changes_name_the_correction(corrected: dict[str, Any]) -> None:
    picked = corrected["picked"]
    rows = _rows(corrected["runs"]["corrected"] / "tables" / "changes.csv")
    by_address = {(r["address_id"], r["target"]): r for r in rows}
    flipped = by_address[(str(picked["no_service"]["id"]), TARGET)]
    assert flipped["change"] == "newly_below_target"
    assert flipped["cause"] == "correction_applied"
    assert "nr. 1: ingen dekning i virkeligheten, Fjordnett (Ola Nordmann" in flipped["cause_nb"]
    assert by_address[("-4", TARGET)]["cause"] == "correction_applied"


def test_a_withdrawn_correction_stops_applying(corrected: dict[str, Any]) -> None:
    store, runs, picked = corrected["store"], corrected["runs"], corrected["picked"]
    assert _class(store, runs["withdrawn"], picked["no_service"]["id"])[0] == "served"
    used = _query(
        store,
        "SELECT correction_id FROM correction_uses WHERE run_id = ? AND applied ORDER BY 1",
        runs["withdrawn"].name,
    )
    assert used == [(2,), (3,), (4,)]
    rows = _rows(runs["withdrawn"] / "tables" / "changes.csv")
    back = [r for r in rows if r["address_id"] == str(picked["no_service"]["id"])]
    assert back and all(r["cause"] == "correction_withdrawn" for r in back)
    assert all(r["change"] == "newly_served" for r in back)


def test_the_challenge_export_of_an_operator_holds_exactly_its_claims(
    corrected: dict[str, Any],
) -> None:
    tables = corrected["runs"]["corrected"] / "tables"
    picked = corrected["picked"]
    fjordnett = _rows(tables / "utfordringer" / "fjordnett.csv", ";")
    assert sorted((r["Adresse-ID"], r["Grunnlag"]) for r in fjordnett) == sorted(
        [
            (str(picked["no_service"]["id"]), "korreksjon"),
            (str(picked["offer_missing"]["id"]), "korreksjon"),
        ]
    )
    luftlinje = _rows(tables / "utfordringer" / "luftlinje.csv", ";")
    fwa = [r for r in _rows(tables / "fwa_challenge.csv") if r["claimed_operator"] == "Luftlinje"]
    assert fwa and sorted(r["Adresse-ID"] for r in luftlinje) == sorted(
        r["address_id"] for r in fwa
    )
    assert {r["Grunnlag"] for r in luftlinje} == {"terreng"}
    every = _rows(tables / "challenges.csv")
    assert len(every) == len(fjordnett) + len(luftlinje)


def test_the_workbook_lists_the_corrections_in_norwegian(corrected: dict[str, Any]) -> None:
    from openpyxl import load_workbook

    book = load_workbook(corrected["runs"]["corrected"] / "tables" / "gap_table.xlsx")
    rows = list(book["Korreksjoner"].iter_rows(values_only=True))
    header, body = rows[0], [r for r in rows[1:] if any(v is not None for v in r)]
    assert header[:2] == ("Nr.", "Korreksjon") and header[-1].startswith("Endring under mål")
    assert [r[0] for r in body] == [1, 2, 3, 4, 5]
    assert body[0][9] == "01.11.2026" and body[0][11] == "brukt"
    assert body[4][11].startswith("ikke brukt: ingen slik adresse")
    assert body[2][10] == '=HYPERLINK("http://x")'  # shown as written: a text cell
    assert book["Korreksjoner"].cell(row=4, column=11).data_type == "s"


def test_a_preview_applies_the_national_register(corrected: dict[str, Any]) -> None:
    """A kommune preview reads the national corrections register: its kommune row (the
    corrections' columns included) and its corrections table are the national run's."""
    national = corrected["runs"]["withdrawn"]
    preview = corrected["store"].parent / "kommuner" / KOMMUNE / "current" / "tables"
    row = _gap(national)[("kommune", KOMMUNE)]
    assert [r for r in _rows(preview / "gap_table.csv") if r["level"] == "kommune"] == [row]
    assert int(row["corrections_applied"]) == 3
    assert _rows(preview / "corrections.csv") == [
        r for r in _rows(national / "tables" / "corrections.csv") if r["kommunenummer"] == KOMMUNE
    ]
