"""Two runs of a small region with a hand-made change for every cause: the changes, the summary,
the trend and what the index page and the kommune maps show of them.

The region is the tiny one (:func:`tests.fixtures.write_tiny_region`: addresses 1000–1008 in
9901 "Vestvik", 1009–1017 in 9902) with two targets (no2025 100/10, gigabit2030 1000), a
``households`` column, Nkom's list of addresses lacking 100 Mbit/s and one mobile offer. Run 1:

- 1000–1003 fibre 1000/1000 (served); 1004–1011 DSL 40/5 (underserved); 1012–1014 DSL 10/1
  (unserved; 1013 also mobile 5G 200/50, not counted); 1015–1017 no offer (unserved; 1017 on
  the lacking list); 1005 has 2 households.

Run 2, one change per cause:

- 1012 gets fibre 1000/1000 (offer added): newly served for both targets;
- 1000 loses its fibre (offer removed): newly below both targets, unserved;
- 1004's DSL goes 40/5 → 200/20 (speed changed): newly served for no2025 only;
- 1001 is put on the list lacking 100 Mbit/s: served → underserved for both;
- 1005 has 3 households (premises): households changed, class the same;
- 1018 is a new address (no offer), 1016 is gone from the register;
- ``[classify] count_mobile = true`` (config): 1013 newly served for no2025, unserved →
  underserved for gigabit2030.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

from pipeline.config import load_config
from pipeline.run import RunResult, run_pipeline
from tests.browser import OfflineBrowser, map_variable, screenshot
from tests.fixtures import (
    OFFERS_HEADER,
    TINY_X0,
    TINY_Y0,
    address_row,
    region_config_toml,
    write_matrikkel_csv,
    write_tiny_region,
)

TARGETS_TOML = (
    '[targets.no2025]\ndown_mbps = 100.0\nup_mbps = 10.0\nlabel_nb = "100 Mbit/s (mål 2025)"\n'
    '[targets.gigabit2030]\ndown_mbps = 1000.0\nlabel_nb = "1 Gbit/s (mål 2030)"\n'
)
LACKING_INPUT = 'lacking_100 = "mangler100.csv"\n'  # in [inputs], after region_config_toml's keys
FIBRE = "Nytt tilbud: Fjordnett, fiber 1 000/1 000 Mbit/s"
FIBRE_GONE = "Tilbud borte: Fjordnett, fiber 1 000/1 000 Mbit/s"
DSL_FASTER = "Endret hastighet: Kobber, DSL fra 40/5 Mbit/s til 200/20 Mbit/s"
LISTED = "Ført opp på Nkoms liste over adresser som mangler 100 Mbit/s"
MOBILE = "Innstilling endret: classify.count_mobile endret fra false til true"
# (address_id, target, change, before, after, households before, after, cause, cause_nb)
EXPECTED = [
    (1000, "gigabit2030", "newly_below_target", "served", "unserved", 1, 1, "offer_removed",
     FIBRE_GONE),
    (1000, "no2025", "newly_below_target", "served", "unserved", 1, 1, "offer_removed",
     FIBRE_GONE),
    (1001, "gigabit2030", "newly_below_target", "served", "underserved", 1, 1,
     "lacking_list_changed", LISTED),
    (1001, "no2025", "newly_below_target", "served", "underserved", 1, 1,
     "lacking_list_changed", LISTED),
    (1004, "no2025", "newly_served", "underserved", "served", 1, 1, "offer_speed_changed",
     DSL_FASTER),
    (1005, "gigabit2030", "households_changed", "underserved", "underserved", 2, 3,
     "premises_changed", "Antall husstander endret fra 2 til 3"),
    (1005, "no2025", "households_changed", "underserved", "underserved", 2, 3,
     "premises_changed", "Antall husstander endret fra 2 til 3"),
    (1012, "gigabit2030", "newly_served", "unserved", "served", 1, 1, "offer_added", FIBRE),
    (1012, "no2025", "newly_served", "unserved", "served", 1, 1, "offer_added", FIBRE),
    (1013, "gigabit2030", "class_changed", "unserved", "underserved", 1, 1, "config_changed",
     MOBILE),
    (1013, "no2025", "newly_served", "unserved", "served", 1, 1, "config_changed", MOBILE),
    (1016, "gigabit2030", "address_gone", "unserved", None, 1, None, "address_removed",
     "Adressen er ikke lenger i adresseregisteret"),
    (1016, "no2025", "address_gone", "unserved", None, 1, None, "address_removed",
     "Adressen er ikke lenger i adresseregisteret"),
    (1018, "gigabit2030", "new_address", None, "unserved", None, 1, "address_added",
     "Ny adresse i adresseregisteret"),
    (1018, "no2025", "new_address", None, "unserved", None, 1, "address_added",
     "Ny adresse i adresseregisteret"),
]  # fmt: skip


def _write_addresses(folder: Path, ids: list[int], households: dict[int, int]) -> None:
    """The tiny region's addresses ``ids`` (1018: a new one in 9902), with households."""
    rows = []
    for address_id in ids:
        i = address_id - 1000
        knr = "9901" if i < 9 else "9902"
        x = TINY_X0 + 100 + (i % 9) * 200 + (0 if i < 9 else 2000)
        y = TINY_Y0 + (1500 if address_id == 1018 else 1000)
        row = address_row(address_id, knr, f"Gate {i} <script>x</script>", x, y)
        row["households"] = households.get(address_id, 1)
        rows.append(row)
    write_matrikkel_csv(folder / "adresser.csv", rows, extra_columns=["households"])


def _write_offers(folder: Path, offers: list[str]) -> None:
    (folder / "dekning.csv").write_text("\n".join([OFFERS_HEADER, *offers]) + "\n", "utf-8")


def _write_config(config: Path, classify: str = "") -> None:
    text = region_config_toml(LACKING_INPUT + classify + TARGETS_TOML)
    config.write_text(text, encoding="utf-8")


def _first_month(folder: Path) -> Path:
    config = write_tiny_region(folder)
    _write_addresses(folder, list(range(1000, 1018)), {1005: 2})
    offers = [f"{1000 + i},Fjordnett,fiber,1000,1000" for i in range(0, 4)]
    offers += [f"{1000 + i},Kobber,xdsl,40,5" for i in range(4, 12)]
    offers += [f"{1000 + i},Kobber,xdsl,10,1" for i in range(12, 15)]
    _write_offers(folder, [*offers, "1013,Mobil,mobile_5g,200,50"])
    (folder / "mangler100.csv").write_text("adresseid;adresse\n1017;Gate 17\n", "utf-8")
    _write_config(config)
    return config


def _second_month(config: Path) -> None:
    folder = config.parent
    ids = [i for i in range(1000, 1019) if i != 1016]
    _write_addresses(folder, ids, {1005: 3})
    offers = [f"{1000 + i},Fjordnett,fiber,1000,1000" for i in range(1, 4)]
    offers += ["1004,Kobber,xdsl,200,20"]
    offers += [f"{1000 + i},Kobber,xdsl,40,5" for i in range(5, 12)]
    offers += [f"{1000 + i},Kobber,xdsl,10,1" for i in range(12, 15)]
    offers += ["1012,Fjordnett,fiber,1000,1000", "1013,Mobil,mobile_5g,200,50"]
    _write_offers(folder, offers)
    (folder / "mangler100.csv").write_text(
        "adresseid;adresse\n1017;Gate 17\n1001;Gate 1\n", "utf-8"
    )
    _write_config(config, "[classify]\ncount_mobile = true\n")


TwoRuns = tuple[RunResult, RunResult, Path]


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> TwoRuns:
    """The region run in its first month, then again after the hand-made changes."""
    config = _first_month(tmp_path_factory.mktemp("changes") / "region")
    first = run_pipeline(load_config(config), Console(quiet=True))
    _second_month(config)
    second = run_pipeline(load_config(config), Console(quiet=True))
    return first, second, config


def _csv(result: RunResult, name: str) -> pd.DataFrame:
    return pd.read_csv(
        result.published / "tables" / f"{name}.csv",
        dtype={"kommunenummer": str, "fylkesnummer": str},
        keep_default_na=False,
        na_values=[""],
    )


def test_every_cause_gives_the_rows_written_by_hand(two_runs: TwoRuns) -> None:
    _, second, _ = two_runs
    changes = _csv(second, "changes")
    columns = ["address_id", "target", "change", "class_before", "class_after",
               "households_before", "households_after", "cause", "cause_nb"]  # fmt: skip
    got = [
        tuple(None if pd.isna(v) else (int(v) if isinstance(v, float) else v) for v in row)
        for row in changes[columns].itertuples(index=False)
    ]
    assert got == EXPECTED
    assert (
        changes.loc[changes["address_id"] == 1018, "kommunenavn"].tolist() == ["Østby & Co <b>"] * 2
    )
    manifest = json.loads((second.published / "manifest.json").read_text("utf-8"))
    block = manifest["changes"]
    assert block["previous_run_id"] == two_runs[0].run_id
    assert block["rows"] == 15
    assert block["rows_by_cause"] == {
        "offer_removed": 2, "lacking_list_changed": 2, "offer_speed_changed": 1,
        "premises_changed": 2, "offer_added": 2, "config_changed": 2, "address_removed": 2,
        "address_added": 2,
    }  # fmt: skip


def test_summary_reconciles_with_both_gap_tables_and_the_change_rows(two_runs: TwoRuns) -> None:
    first, second, _ = two_runs
    summary = _csv(second, "changes_summary")
    assert (summary["households_before"] + summary["households_change"]).equals(
        summary["households_after"]
    )
    assert set(summary["previous_run_id"]) == {first.run_id}
    keys = ["level", "fylkesnummer", "kommunenummer"]
    for result, column in ((first, "households_before"), (second, "households_after")):
        gap = result.gap_table.set_index(keys)
        for row in summary.to_dict("records"):
            key = (row["level"], row["fylkesnummer"], row["kommunenummer"])
            key = tuple(None if pd.isna(v) else v for v in key)
            expected = gap.loc[[key], f"{row['class']}_households_{row['target']}"].iloc[0]
            assert row[column] == expected, (key, row["target"], row["class"], column)
    # every household moved is explained by a change row: +after to the class after, −before
    changes = _csv(second, "changes")
    moved = pd.concat(
        [
            changes[["kommunenummer", "target", "class_after", "households_after"]].set_axis(
                ["kommunenummer", "target", "class", "households"], axis=1
            ),
            changes[["kommunenummer", "target", "class_before", "households_before"]]
            .set_axis(["kommunenummer", "target", "class", "households"], axis=1)
            .assign(households=lambda f: -f["households"]),
        ]
    ).dropna()
    by_row = moved.groupby(["kommunenummer", "target", "class"])["households"].sum()
    kommuner = summary[summary["level"] == "kommune"].set_index(
        ["kommunenummer", "target", "class"]
    )["households_change"]
    assert by_row.reindex(kommuner.index, fill_value=0).astype(int).equals(kommuner.astype(int))
    total = summary[(summary["level"] == "total") & (summary["target"] == "no2025")]
    assert total.set_index("class")["households_change"].to_dict() == {
        "served": 3 - 2,  # 1004, 1012, 1013 in; 1000, 1001 out
        "underserved": 1 - 1 + 1,  # 1001 in, 1004 out; 1005 one more household
        "unserved": -2 - 1 + 1 + 1,  # 1012, 1013 out, 1016 gone; 1000 in, 1018 new
    }


def test_trend_has_a_row_per_run_level_kommune_and_target(two_runs: TwoRuns) -> None:
    first, second, _ = two_runs
    trend = _csv(second, "trend")
    assert trend["run_id"].drop_duplicates().tolist() == [first.run_id, second.run_id]
    assert len(trend) == 2 * (2 + 1 + 1) * 2  # runs × (kommuner + fylke + total) × targets
    vestvik = trend[(trend["kommunenummer"] == "9901") & (trend["target"] == "no2025")]
    assert vestvik["served_share"].round(6).tolist() == [round(4 / 10, 6), round(3 / 11, 6)]
    assert vestvik["kommunenavn"].tolist() == ["Vestvik", "Vestvik"]
    assert set(trend.loc[trend["level"] == "total", "kommunenavn"]) == {"Totalt"}


def test_first_run_publishes_empty_tables_and_says_so(two_runs: TwoRuns) -> None:
    first, _, _ = two_runs
    assert len(_csv(first, "changes")) == 0
    assert len(_csv(first, "changes_summary")) == 0
    assert len(_csv(first, "trend")) == 4 * 2
    manifest = json.loads((first.published.parent / first.run_id / "manifest.json").read_text())
    assert manifest["changes"]["previous_run_id"] is None
    assert manifest["changes"]["note_nb"] == "ingen tidligere kjøring"
    index = (first.published.parent / first.run_id / "index.html").read_text("utf-8")
    assert "Endringer siden forrige kjøring" in index and "Ingen tidligere kjøring." in index


def test_index_page_counts_the_households_per_kommune(two_runs: TwoRuns) -> None:
    _, second, _ = two_runs
    index = (second.published / "index.html").read_text("utf-8")
    section = index[index.index('<section class="changes">') :]
    # no2025: Vestvik 1004 newly served, 1000 and 1001 below; Østby 1012, 1013 served
    assert '<td>9901</td><td class="num">1</td><td class="num">2</td>' in section
    assert '<td>9902</td><td class="num">2</td><td class="num">0</td>' in section
    assert "Østby &amp; Co &lt;b&gt;" in section and "<b>x" not in section


def test_another_target_set_is_not_compared(two_runs: TwoRuns) -> None:
    config = two_runs[2]
    text = config.read_text("utf-8") + "[targets.subsidy30]\ndown_mbps = 30.0\n"
    config.write_text(text, "utf-8")
    third = run_pipeline(load_config(config), Console(quiet=True))
    assert third.manifest["changes"]["previous_run_id"] is None
    assert len(_csv(third, "changes")) == 0


@pytest.mark.browser
def test_kommune_map_has_the_changes_layer_and_the_trend_chart(
    browser: OfflineBrowser, two_runs: TwoRuns
) -> None:
    _, second, _ = two_runs
    page, report = browser.open((second.published / "maps" / "kommune" / "9901.html").as_uri())
    map_variable(page)
    labels = [
        label.strip()
        for label in page.locator(".leaflet-control-layers-overlays label").all_text_contents()
    ]
    assert "Endringer siden forrige kjøring (3)" in labels  # 1004 served; 1000, 1001 below
    assert page.locator("path.gapmap-change").count() == 3
    fills = page.locator("path.gapmap-change").evaluate_all(
        "els => els.map(e => e.getAttribute('fill')).sort()"
    )
    assert fills == ["#009E73", "#D55E00", "#D55E00"]
    page.locator("path.gapmap-change").first.dispatch_event("click")
    popup = page.locator(".gapmap-change-popup").first.text_content() or ""
    assert "Årsak" in popup
    chart = page.locator("svg.gapmap-trend-chart")
    assert chart.count() == 1
    for target in ("no2025", "gigabit2030"):
        dots = chart.locator(f'[data-gapmap-trend-target="{target}"] circle')
        assert dots.count() == 2, target
    panel = page.locator(".gapmap-changes").text_content() or ""
    assert "Fikk dekning: 1 husstand" in panel and "Falt under målet: 2 husstander" in panel
    screenshot(page, "kommune-9901-changes.png")
    assert report.problems() == []
    page.context.close()
