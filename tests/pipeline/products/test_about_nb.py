"""pipeline/products/about_nb.py: the "Om tabellen" sheet names the run, the targets and their
source, the floor, the cost target and each input's file, date and licence; "Kolonnenavn"."""

from __future__ import annotations

from pipeline.config import Config
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
    no2025 = rows["Mål: 100/10 Mbit/s, mål 2025"]
    assert no2025.startswith("ned ≥ 100 Mbit/s, opp ≥ 10 Mbit/s. Nasjonalt bredbåndsmål")
    assert "innen utgangen av 2025" in no2025 and "Meld. St. 28 (2020–2021)" in no2025
    gigabit = rows["Mål: 1 Gbit/s, mål 2030"]
    assert gigabit.startswith("ned ≥ 1000 Mbit/s. ") and "innen utgangen av 2030" in gigabit
    assert rows["Mål: 30 Mbit/s, støtteklasse"].endswith("Mål satt i oppsettet for kjøringen")
    assert rows["Grunnkrav"] == "30/5 Mbit/s: under dette er en husstand udekket"
    assert rows["Kostnadsmål"].startswith("1 Gbit/s, mål 2030: ")
    assert "avrundet" in rows["Avrunding"]
    assert "«Kolonnenavn»" in rows["Kolonner"]


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
