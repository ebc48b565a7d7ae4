"""layers/nkom_list_files.py: Nkom's list files as they come: Windows-1252 or UTF-8 (mojibake
refused), CSV or KML, plain or zipped.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from pyproj import Transformer

import layers.nkom_list_files
from layers.errors import InputError
from layers.nkom_lists import read_lacking_list
from tests.fixtures import write_lines


def test_windows_1252_list_is_decoded_and_the_encoding_recorded(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "Mangler_30Mbit.csv",
        [
            "adresseId,adresse,nord,ost",
            "1,Ørstavegen 1 Ørsta,6900000,100000",
            "2,Åfjordvegen 2 Åfjord,7100000,270000",
            "3,Bøgata 3 Bø,7600000,450000",
        ],
        encoding="cp1252",
    )
    result = read_lacking_list(path, lacking_mbps=30)
    assert result.encoding == "cp1252"
    assert result.accepted["address_text"].tolist() == [
        "Ørstavegen 1 Ørsta",
        "Åfjordvegen 2 Åfjord",
        "Bøgata 3 Bø",
    ]


def test_mojibake_is_refused_naming_the_file_and_line(tmp_path: Path) -> None:
    garbled = "Ørsta".encode().decode("cp1252")  # "Ã˜rsta": UTF-8 read as Windows-1252
    path = write_lines(
        tmp_path / "Mangler_30Mbit.csv",
        ["adresseid;adresse;nord;øst", "1;Vik 1;6900000;100000", f"2;Vik 2 {garbled};6900000;1"],
    )
    with pytest.raises(InputError, match=r"Mangler_30Mbit.csv:3: got 'Ã˜'.*Windows-1252"):
        read_lacking_list(path, lacking_mbps=30)
    bo = write_lines(
        tmp_path / "bo.csv", ["adresseid;adresse", "1;" + "Bø".encode().decode("cp1252")]
    )
    with pytest.raises(InputError, match=r"bo\.csv:2: got 'Ã¸'"):
        read_lacking_list(bo, lacking_mbps=30)


KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Folder><name>1520 Ørsta</name>
<Placemark><name>Vikegata 1, Ørsta</name>
  <ExtendedData><Data name="adresseid"><value>300000001</value></Data></ExtendedData>
  <Point><coordinates>6.1314567,62.1930812,0</coordinates></Point></Placemark>
<Placemark><name>Bøvegen 2, Bø</name>
  <ExtendedData><Data name="adresseid"><value>300000002</value></Data></ExtendedData>
  <LineString><coordinates>6.1,62.1 6.2,62.2</coordinates></LineString></Placemark>
</Folder>
<Folder><name>5058 Åfjord</name>
<Placemark><name>300000003</name><Point><coordinates>10.2,63.96</coordinates></Point></Placemark>
</Folder>
</Document></kml>
"""


def test_kml_placemarks_give_ids_from_extended_data_or_name(tmp_path: Path) -> None:
    path = tmp_path / "Mangler_100Mbit.kml"
    path.write_text(KML, encoding="utf-8")
    result = read_lacking_list(path, lacking_mbps=100)
    accepted = result.accepted
    assert result.encoding == "kml" and result.rows_read == 3
    assert accepted["address_id"].tolist() == [300000001, 300000003]
    assert accepted["address_text"].tolist() == ["Vikegata 1, Ørsta", ""]
    q = result.quarantine
    assert q["row_number"].tolist() == [2]
    assert q["reason"].iloc[0] == "geometry: got LineString, expected a Point"
    x_expected, y_expected = Transformer.from_crs(4326, 25833, always_xy=True).transform(
        6.1314567, 62.1930812
    )
    assert abs(accepted["x_m"].iloc[0] - x_expected) < 0.01
    assert abs(accepted["y_m"].iloc[0] - y_expected) < 0.01


def test_kml_with_ids_only_in_names_and_zipped(tmp_path: Path) -> None:
    kml = KML.replace(
        '<ExtendedData><Data name="adresseid"><value>300000001</value></Data></ExtendedData>', ""
    ).replace("<name>Vikegata 1, Ørsta</name>", "<name>300000001</name>")
    archive = tmp_path / "Mangler_100Mbit_kml.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("Mangler_100Mbit.kml", kml)
    accepted = read_lacking_list(archive, lacking_mbps=100).accepted
    assert accepted["address_id"].tolist() == [300000001, 300000003]
    assert accepted["address_text"].tolist() == ["", ""]


def test_kml_without_a_kml_driver_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "liste.kml"
    path.write_text(KML, encoding="utf-8")
    monkeypatch.setattr(layers.nkom_list_files.pyogrio, "list_drivers", lambda: {"GPKG": "rw"})
    with pytest.raises(InputError, match=r"liste\.kml: this GDAL has no KML driver"):
        read_lacking_list(path, lacking_mbps=100)
