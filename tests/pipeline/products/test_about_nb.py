"""pipeline/products/about_nb.py: the "Om tabellen" sheet names the run, the targets and their
source, the floor, the cost target and each input's file, date and licence; "Kolonnenavn"."""

from __future__ import annotations

import dataclasses

from pipeline.config import Config, Target
from pipeline.products.about_nb import about_rows, column_rows, source_rows
from pipeline.products.columns_nb import ColumnNb

CHECKSUMS = {
    "addresses": {
        "path": "/srv/gapmap/data/Basisdata_0000_Norge_25833_MatrikkelenAdresse_CSV.csv",
        "sha256": "ab" * 32,
        "modified": "2026-11-30T10:00:00+00:00",
    },
    "kommuner": {
        "path": "/srv/gapmap/data/kommuner.geojson",
        "sha256": "cd" * 32,
        "modified": "2026-10-01T08:00:00+00:00",
    },
    "offers": {"path": "/srv/gapmap/data/dekning.csv", "sha256": "ef" * 32},
    "speed_squares/100mbit.csv": {"path": "/srv/x/100mbit.csv", "sha256": "01" * 32},
    "sites": {"path": "/srv/x/master.csv", "sha256": "02" * 32},
    "something_new": {"path": "/srv/x/ny.csv", "sha256": "03" * 32},
}
METADATA = {
    "addresses": {
        "latest_oppdateringsdato": "2024-12-18T01:40:10",
        "datauttaksdato": "2025-01-02T05:31:12",
        "files": ["/srv/gapmap/data/a.csv"],
    }
}


def test_the_about_sheet_names_run_targets_floor_and_cost_target(config: Config) -> None:
    about = about_rows(config, "r1", "gapmap 0.1.0", CHECKSUMS, METADATA)
    rows = dict(zip(about["Felt"], about["Verdi"], strict=True))
    assert rows["Kjøring"] == "r1" and rows["Kodeversjon"] == "gapmap 0.1.0"
    no2025 = rows["Mål: 100 Mbit/s, mål 2025"]
    assert no2025.startswith("ned ≥ 100 Mbit/s. «Alle husstander og virksomheter skal ha")
    assert "innen utgangen av 2025" in no2025 and "Meld. St. 28 (2020–2021)" in no2025
    gigabit = rows["Mål: 1 Gbit/s, mål 2030"]
    assert gigabit.startswith("ned ≥ 1000 Mbit/s. ") and "innen utgangen av 2030" in gigabit
    assert "Fremtidens digitale Norge" in gigabit
    assert rows["Mål: 1000/200 Mbit/s, EU VHCN"].startswith("ned ≥ 1000 Mbit/s, opp ≥ 200")
    assert "BoR (20) 165" in rows["Mål: 1000/200 Mbit/s, EU VHCN"]
    assert "nasjonale retningslinjer" in rows["Mål: 30 Mbit/s, støtteklasse a"].lower()
    # the floor: 30 Mbit/s down has a source, the 5 Mbit/s upload is named an assumption
    floor = rows["Grunnkrav"]
    assert floor.startswith("30/5 Mbit/s: under dette er en husstand udekket. 30 Mbit/s ned er")
    assert "bredbåndsstøtten" in floor
    assert floor.endswith("opp ≥ 5 Mbit/s er en forutsetning i oppsettet for kjøringen, uten kilde")
    assert rows["Ukjent opplasting"].startswith("Tilbud uten oppgitt opplasting")
    assert "under kravet" in rows["Ukjent opplasting"]
    assert rows["Kobber (xDSL)"].startswith("Kobbernettet telles som dekning")
    assert rows["Kostnadsmål"].startswith("1 Gbit/s, mål 2030: ")
    assert "avrundet" in rows["Avrunding"]
    assert "«Kolonnenavn»" in rows["Kolonner"]


def test_a_run_of_its_own_targets_and_floor_says_so(config: Config) -> None:
    own = dataclasses.replace(
        config,
        targets=(Target("t50", 50.0, 5.0, "50/5 Mbit/s"),),
        classify=dataclasses.replace(
            config.classify,
            floor_down_mbps=20.0,
            floor_up_mbps=0.0,
            count_copper=False,
            unknown_upload="meets",
            map_target="t50",
        ),
    )
    rows = dict(about_rows(own, "r1", "v", {}, {}).itertuples(index=False, name=None))
    assert (
        rows["Mål: 50/5 Mbit/s"]
        == "ned ≥ 50 Mbit/s, opp ≥ 5 Mbit/s. Mål satt i oppsettet for kjøringen"
    )
    assert rows["Grunnkrav"] == (
        "20/0 Mbit/s: under dette er en husstand udekket. 20 Mbit/s ned er en forutsetning i"
        " oppsettet for kjøringen, uten kilde; ingen krav til opplasting"
    )
    assert "over kravet" in rows["Ukjent opplasting"]
    assert rows["Kobber (xDSL)"].startswith("Kobbernettet telles ikke som dekning")


def test_each_source_has_its_file_name_date_and_licence_never_a_server_path() -> None:
    rows = dict(source_rows(CHECKSUMS, METADATA))
    addresses = rows["Kilde: Adresser (Matrikkelen)"]
    assert addresses.startswith(
        "Fil Basisdata_0000_Norge_25833_MatrikkelenAdresse_CSV.csv;"
        " data: datauttak 2025-01-02, sist oppdatert 2024-12-18; Kartverket, CC BY 4.0;"
        " oppgi «© Kartverket»"
    )
    assert addresses.endswith("SHA-256 " + "ab" * 32)
    kommuner = rows["Kilde: Kommunegrenser"]
    assert "data: filens endringsdato 2026-10-01 (dataene har ingen dato)" in kommuner
    assert "data: ukjent" in rows["Kilde: Bredbåndstilbud per adresse"]
    assert "Nkom oppgis som kilde" in rows["Kilde: Bredbåndstilbud per adresse"]
    assert "Fil 100mbit.csv" in rows["Kilde: Nkoms hastighetsruter (100 m)"]
    assert "etter avtale" in rows["Kilde: Master"]
    assert "etter avtale" in rows["Kilde: something_new"]  # unknown layer: no licence invented
    assert not [text for text in rows.values() if "/srv/" in text]


def test_a_run_without_recorded_sources_says_so() -> None:
    assert source_rows({}, {}) == [("Kilder", "Kildefilene er ikke registrert for denne kjøringen")]


def test_the_column_sheet_maps_header_to_machine_name_and_definition() -> None:
    columns = [ColumnNb("cost_nok", "Kostnad (kr)", "nok", "Sum investering.")]
    sheet = column_rows(columns)
    assert sheet.to_dict("records") == [
        {
            "Kolonne": "Kostnad (kr)",
            "Maskinnavn (CSV)": "cost_nok",
            "Definisjon": "Sum investering.",
        }
    ]
