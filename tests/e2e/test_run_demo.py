"""The whole pipeline on the built-in demo region, checked the way policy staff would check it."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest

from layers.checksums import sha256_of
from pipeline.config import load_config
from pipeline.run import RunResult
from pipeline.synthetic.region import BAD_ADDRESS_IDS, PIER_TEXTS
from tests.maps.address_pages import page_addresses

CLASSES = ("served", "underserved", "unserved")


def _gap(result: RunResult) -> pd.DataFrame:
    return pd.read_csv(
        result.published / "tables" / "gap_table.csv",
        dtype={"kommunenummer": str, "fylkesnummer": str},
    )


def test_classes_add_up_to_households_for_every_target_and_row(demo_run) -> None:
    result, config_path = demo_run
    table = _gap(result)
    for target in load_config(config_path).targets:
        parts = table[[f"{c}_households_{target.name}" for c in CLASSES]].sum(axis=1)
        assert (parts == table["households"]).all(), target.name


def test_kommune_rows_sum_to_the_fylke_and_total_rows(demo_run) -> None:
    table = _gap(demo_run[0])
    kommuner = table[table["level"] == "kommune"]
    assert sorted(kommuner["kommunenummer"]) == ["9901", "9902", "9903", "9904", "9905"]
    # the costliest shares are per row (a fylke's are the costliest of its own curve): they do
    # not add up over the kommuner, and each is ceil(share × the row's costed households)
    numeric = [
        c
        for c in table.columns
        if (c.endswith("_households") or "_households_" in c) and not c.startswith("last_")
    ]
    numeric += ["households", "addresses", "cost_nok"]
    total = table[table["level"] == "total"].iloc[0]
    fylke = table[table["level"] == "fylke"].iloc[0]
    for column in numeric:
        assert kommuner[column].sum() == pytest.approx(total[column]), column
        assert kommuner[column].sum() == pytest.approx(fylke[column]), column
    for label, share in (("1pct", 0.01), ("5pct", 0.05), ("10pct", 0.10)):
        whole = np.ceil(np.round(share * table["households_below_cost_target"], 9))
        assert table[f"last_{label}_households"].tolist() == whole.astype(int).tolist(), label


def test_copper_switched_off_figures_sit_beside_the_ordinary_ones(demo_run) -> None:
    result, config_path = demo_run
    config = load_config(config_path)
    total = _gap(result).set_index("level").loc["total"]
    with duckdb.connect(str(config.store_path), read_only=True) as connection:
        for target in config.targets:
            below = total[f"underserved_households_{target.name}"]
            below += total[f"unserved_households_{target.name}"]
            no_copper = total[f"below_target_households_no_copper_{target.name}"]
            # the same sum straight from the per-address classes without xDSL
            (expected,) = connection.execute(
                "SELECT sum(a.households) FROM address_classes_no_copper n"
                " JOIN addresses a USING (run_id, address_id)"
                " WHERE n.run_id = ? AND n.target = ? AND n.class <> 'served'",
                [result.run_id, target.name],
            ).fetchone()
            assert no_copper == expected >= below, target.name


def test_xlsx_holds_the_same_numbers_as_the_csv(demo_run) -> None:
    """Each sheet of the people's XLSX, its Norwegian headers turned back into machine names
    by its own "Kolonnenavn" sheet, equals the machine CSV (the codes of "Nivå" in words)."""
    result = demo_run[0]
    path = result.published / "tables" / "gap_table.xlsx"
    names = pd.read_excel(path, sheet_name="Kolonnenavn")
    machine_name = dict(zip(names["Kolonne"], names["Maskinnavn (CSV)"], strict=True))
    csv = _gap(result)
    csv["level"] = csv["level"].map({"kommune": "Kommune", "fylke": "Fylke", "total": "Nasjonalt"})
    shown: set[str] = set()
    for sheet in ("Dekningsgap", "Detaljer per mål", "Kostnad"):
        xlsx = pd.read_excel(
            path, sheet_name=sheet, dtype={"Kommunenr.": str, "Fylkesnr.": str}
        ).rename(columns=machine_name)
        pd.testing.assert_frame_equal(xlsx, csv[list(xlsx.columns)], check_dtype=False)
        shown |= set(xlsx.columns)
    assert shown == set(csv.columns)
    assert len(pd.read_csv(result.published / "tables" / "gap_table_nb.csv", sep=";")) == len(csv)


def test_manifest_checksums_match_the_inputs(demo_run) -> None:
    result, _ = demo_run
    manifest = json.loads((result.published / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["inputs"]) == {
        *("kommuner", "addresses", "offers", "dtm", "sites", "fibre", "roads"),
        "kommune_cost_factors",
        *("planned_areas", "funded_areas", "obligation_5g"),  # eligibility for support
        "buildings",  # premises: the demo's building points
    }
    for layer, info in manifest["inputs"].items():
        path = Path(info["path"])
        assert info["sha256"] == sha256_of(path), layer
        assert info["bytes"] == path.stat().st_size, layer
    no2025 = manifest["targets"]["no2025"]
    assert (no2025["down_mbps"], no2025["up_mbps"]) == (100.0, None)
    assert no2025["label_nb"] == "100 Mbit/s (mål 2025)"
    assert no2025["wording_nb"].startswith("Alle husstander og virksomheter skal ha tilbud")
    assert no2025["source"].startswith("Meld. St. 28 (2020–2021)")
    assert manifest["stage_timings"][-1]["stage"] == "publish"
    assert manifest["terrain"]["without_terrain"] == len(PIER_TEXTS)
    assert manifest["input_metadata"]["addresses"]["latest_oppdateringsdato"] is not None


def test_every_deliberately_bad_row_is_quarantined_and_rows_reconcile(demo_run) -> None:
    result, _ = demo_run
    quarantine = pd.read_csv(result.published / "tables" / "quarantine.csv", dtype={"key": str})
    bad = set(quarantine.loc[quarantine["layer"] == "addresses", "key"])
    assert {str(i) for i in BAD_ADDRESS_IDS} <= bad
    assert len(quarantine[quarantine["layer"] == "offers"]) == 2
    counts = result.layer_counts
    reconciled = counts["rows_accepted"] + counts["rows_merged"] + counts["rows_quarantined"]
    assert (counts["rows_read"] == reconciled).all()
    assert result.locate_counts["disagree_with_file"] == 5


def test_island_is_unserved_and_piers_have_no_terrain(demo_run) -> None:
    result, config_path = demo_run
    store_path = load_config(config_path).store_path
    with duckdb.connect(str(store_path), read_only=True) as connection:
        piers = connection.execute(
            "SELECT r.has_terrain, r.elevation_m FROM address_results r"
            " JOIN addresses a USING (run_id, address_id)"
            " WHERE a.run_id = ? AND a.address_text IN (SELECT unnest(?))",
            [result.run_id, list(PIER_TEXTS)],
        ).fetchall()
        island = connection.execute(
            "SELECT count(*), count(*) FILTER (WHERE c.class = 'unserved') FROM addresses a"
            " JOIN address_classes c USING (run_id, address_id)"
            " WHERE a.run_id = ? AND c.target = 'no2025' AND a.kommunenummer = '9904'"
            " AND a.x_m < 263000 AND a.y_m < 7008000",
            [result.run_id],
        ).fetchone()
    assert len(piers) == 3 and all(not has and elevation is None for has, elevation in piers)
    assert island is not None and island[0] >= 30 and island[0] == island[1]


def test_valley_behind_the_ridge_is_blocked_and_its_fwa_claims_are_doubtful(demo_run) -> None:
    result, config_path = demo_run
    with duckdb.connect(str(load_config(config_path).store_path), read_only=True) as connection:
        valley = connection.execute(
            "SELECT count(*), count(*) FILTER (WHERE fwa_doubtful),"
            " count(*) FILTER (WHERE has_los AND wireless_technology = 'fwa')"
            " FROM address_results r JOIN addresses a USING (run_id, address_id)"
            " WHERE r.run_id = ? AND a.x_m BETWEEN 292000 AND 294000"
            " AND a.y_m BETWEEN 7011000 AND 7020000",
            [result.run_id],
        ).fetchone()
    assert valley is not None and valley[0] >= 50
    assert valley[1] == valley[0] and valley[2] == 0  # every claim doubtful, no FWA site seen
    challenge = pd.read_csv(result.published / "tables" / "fwa_challenge.csv")
    assert len(challenge) == result.manifest["wireless"]["fwa_doubtful"]
    assert set(challenge["claimed_operator"]) == {"Luftlinje"}
    # issue 15: only the claimant's own FWA sites are cited (never one of the mobile masts)
    sites = pd.read_csv(config_path.parent / "master.csv")
    own = sites.loc[(sites["technology"] == "fwa") & (sites["operator"] == "Luftlinje")]
    assert set(challenge["fwa_site_id"]) <= set(own["site_id"])
    assert (challenge["dtm_file"] == "terreng.tif").all()


def test_island_is_reachable_across_water(demo_run) -> None:
    result, config_path = demo_run
    with duckdb.connect(str(load_config(config_path).store_path), read_only=True) as connection:
        island = connection.execute(
            "SELECT count(*), count(*) FILTER (WHERE has_los),"
            " count(DISTINCT los_site_id) FILTER (WHERE has_los)"
            " FROM address_results r JOIN addresses a USING (run_id, address_id)"
            " WHERE r.run_id = ? AND a.kommunenummer = '9904'"
            " AND a.x_m < 263000 AND a.y_m < 7008000",
            [result.run_id],
        ).fetchone()
    assert island is not None and island[1] > 0  # sight lines over the sea (nodata = sea level)
    assert island[2] == 1
    table = _gap(result).set_index("kommunenavn")
    assert "wireless_reachable_households_no2025" in table.columns


def test_kommune_map_popups_carry_the_wireless_line(demo_run) -> None:
    html = (demo_run[0].published / "maps" / "kommune" / "9903.html").read_text(encoding="utf-8")
    wireless = " ".join(page_addresses(html)["texts"]["wireless"])  # the page's gzip'd columns
    assert "oppgitt FWA-dekning er tvilsom" in wireless
    assert "Sikt til mast" in wireless


def _costed_rows(config, run_id: str) -> pd.DataFrame:
    """The stored per-address cost rows of a run, with their coordinates."""
    with duckdb.connect(str(config.store_path), read_only=True) as connection:
        return connection.execute(
            "SELECT r.address_id, r.kommunenummer, r.households, a.x_m, a.y_m, r.cost_nok,"
            " r.cost_option, r.cluster_id, r.new_site_id, r.eligible FROM address_results r"
            " JOIN addresses a USING (run_id, address_id) WHERE r.run_id = ?",
            [run_id],
        ).df()


def test_subsidy_need_in_the_gap_table_matches_the_project_areas(demo_run) -> None:
    from pipeline.planning.areas import project_areas
    from pipeline.planning.cost_curve import subsidy_case

    result, config_path = demo_run
    config = load_config(config_path)
    results = subsidy_case(_costed_rows(config, result.run_id))  # eligible for support only
    areas = project_areas(results, config.cost.commercially_viable_nok_per_household)
    table = _gap(result)
    per_kommune = areas.groupby("kommunenummer")["subsidy_need_nok"].sum()
    kommuner = table[table["level"] == "kommune"].set_index("kommunenummer")
    for knr, need in per_kommune.items():
        assert kommuner.loc[knr, "subsidy_need_nok"] == pytest.approx(need)
    total = table[table["level"] == "total"].iloc[0]
    assert total["subsidy_need_nok"] == pytest.approx(areas["subsidy_need_nok"].sum())
    assert total["subsidy_need_nok"] <= total["cost_nok"]


def test_costs_reconcile_to_the_krone_from_address_to_area_kommune_and_mast(demo_run) -> None:
    from pipeline.planning.areas import project_areas

    result, config_path = demo_run
    config = load_config(config_path)
    results = _costed_rows(config, result.run_id)
    costed = results.loc[results["cost_nok"].notna()]
    assert costed["cost_option"].notna().all() and (costed["cluster_id"] >= 0).all()
    areas = project_areas(results, config.cost.commercially_viable_nok_per_household)
    by_area = costed.groupby(["kommunenummer", "cluster_id"])["cost_nok"].sum()
    area_cost = areas.set_index(["kommunenummer", "cluster_id"])["cost_nok"]
    assert area_cost.sort_index().to_numpy() == pytest.approx(by_area.sort_index().to_numpy())
    kommuner = _gap(result).query("level == 'kommune'").set_index("kommunenummer")["cost_nok"]
    by_kommune = costed.groupby("kommunenummer")["cost_nok"].sum()
    assert (kommuner.loc[by_kommune.index] - by_kommune).abs().max() < 1.0  # to the krone
    masts = pd.read_csv(result.published / "tables" / "new_sites.csv")
    takers = costed.loc[costed["cost_option"] == "fwa_new_site"]
    built = masts.loc[masts["households_taking"] > 0]
    assert len(built) > 0 and set(built["site_id"]) == set(takers["new_site_id"])
    expected = (
        built["fixed_cost_nok"].sum() + takers["households"].sum() * config.cost.wireless.cpe_nok
    )
    assert abs(takers["cost_nok"].sum() - expected) < 1.0


def test_published_project_areas_carry_the_gap_tables_subsidy_need(demo_run) -> None:
    result, _ = demo_run
    areas = pd.read_csv(
        result.published / "tables" / "project_areas.csv", dtype={"kommunenummer": str}
    )
    assert areas["area_id"].is_unique
    table = _gap(result)
    kommuner = table[table["level"] == "kommune"].set_index("kommunenummer")
    per_kommune = areas.groupby("kommunenummer")[["subsidy_need_nok", "households"]].sum()
    assert per_kommune["subsidy_need_nok"].to_dict() == pytest.approx(
        kommuner.loc[per_kommune.index, "subsidy_need_nok"].to_dict()
    )
    assert (areas["subsidy_need_nok"] <= areas["cost_nok"]).all()
    layers = dict(pyogrio.list_layers(result.published / "gapmap.gpkg"))
    assert layers == {
        "adresser_under_mal": "Point",
        "nye_master": "Point",
        "master": "Point",
        "fiber": "MultiLineString",
        "prosjektomrader": "MultiPolygon",
        "kommuner": "MultiPolygon",
        "layer_styles": None,
    }
    polygons = gpd.read_file(result.published / "gapmap.gpkg", layer="prosjektomrader")
    assert sorted(polygons["area_id"]) == sorted(areas["area_id"])
    assert polygons.crs.to_epsg() == 25833
