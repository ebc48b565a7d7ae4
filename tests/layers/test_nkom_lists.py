"""layers/nkom_lists.py: Nkom's lists of addresses lacking a speed, read into EPSG:25833 with
ids, texts and reasons."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import CRS, Transformer

from layers.errors import ConfigError, InputError
from layers.nkom_lists import read_lacking_list
from tests.fixtures import write_lines

NKOM_HEADER = (
    "adresseid;adressenavn;nummer;bokstav;postnummer;poststed;kommunenummer;gardsnummer;"
    "bruksnummer;festenummer;nord;øst"
)


def test_utf8_list_with_bom_and_crlf_is_read(tmp_path: Path) -> None:
    path = tmp_path / "Mangler_100Mbit.csv"
    lines = [
        NKOM_HEADER,
        "300123456;Vikegata;1;B;6150;Ørsta;1520;10;2;0;6900100,5;100200,25",
        "300123457;Strandvegen;12;;7170;Åfjord;5058;1;1;0;7100000;270000",
    ]
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8"))
    result = read_lacking_list(path, lacking_mbps=100)
    accepted = result.accepted
    assert result.encoding == "utf-8" and len(result.quarantine) == 0
    assert accepted["address_id"].dtype == "Int64"
    assert accepted["address_id"].tolist() == [300123456, 300123457]
    assert accepted["address_text"].tolist() == [
        "Vikegata 1B, 6150 Ørsta",
        "Strandvegen 12, 7170 Åfjord",
    ]
    assert accepted["x_m"].tolist() == [100200.25, 270000] and accepted["y_m"].iloc[0] == 6900100.5
    assert (accepted["lacking_mbps"] == 100).all() and accepted.crs.to_epsg() == 25833
    assert accepted["row_number"].tolist() == [2, 3]


@pytest.mark.parametrize(("epsg_column", "epsg"), [(None, 4258), ("4326", 4326), ("4258", 4258)])
def test_lat_lon_list_is_reprojected_to_25833_within_1_cm(
    tmp_path: Path, epsg_column: str | None, epsg: int
) -> None:
    lat, lon = 62.1930812, 6.1314567  # Ørsta
    header = "adresseid,lat,lon" + (",epsg" if epsg_column else "")
    row = f"7,{lat},{lon}" + (f",{epsg_column}" if epsg_column else "")
    path = write_lines(tmp_path / "liste.csv", [header, row])
    got = read_lacking_list(path, lacking_mbps=100).accepted.iloc[0]
    to_utm33 = Transformer.from_crs(CRS.from_epsg(epsg), CRS.from_epsg(25833), always_xy=True)
    x_expected, y_expected = to_utm33.transform(lon, lat)
    assert abs(got["x_m"] - x_expected) < 0.01 and abs(got["y_m"] - y_expected) < 0.01
    assert got.geometry.x == got["x_m"]


def test_list_rows_need_an_id_or_coordinates(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "liste.csv",
        [
            "adresseid;adresse;nord;øst;epsg",
            ";Uten id;6900000;100000;",  # 2: kept, no id
            "11;Uten koordinater;;;",  # 3: kept, no point
            "12;Halv;6900000;;",  # 4: one coordinate
            ";;;;",  # 5: nothing
            "1x;Feil id;6900000;100000;",  # 6
            "13;Feil EPSG;6900000;100000;3857",  # 7
            "14;Byttet;10.5;59.9;4258",  # 8: lat/lon swapped: lands in the Gulf of Guinea
            "11;Dobbel;6900000;100000;",  # 9
            "15;UTM 32;6650000;597000;25832",  # 10: kept, reprojected
        ],
    )
    result = read_lacking_list(path, lacking_mbps=30)
    accepted, q = result.accepted, result.quarantine.set_index("row_number")
    assert accepted["row_number"].tolist() == [2, 3, 10]
    assert pd.isna(accepted["address_id"].iloc[0]) and accepted["address_id"].iloc[1] == 11
    assert accepted.geometry.iloc[1] is None and np.isnan(accepted["x_m"].iloc[1])
    assert q.loc[4, "reason"] == "nord/øst: got 6900000/<empty>, expected two numbers"
    assert q.loc[5, "reason"].startswith("adresseid and nord/øst: both empty")
    assert q.loc[6, "reason"] == "adresseid: got 1x, expected an integer"
    assert q.loc[7, "reason"].startswith("epsg: got 3857, expected one of [25832")
    assert "outside Norway; swapped latitude/longitude" in q.loc[8, "reason"]
    assert q.loc[9, "reason"] == "adresseid: duplicate of an earlier row"
    assert q.loc[9, "key"] == "11" and q.loc[5, "key"] == ""
    x_expected, _ = Transformer.from_crs(25832, 25833, always_xy=True).transform(597000, 6650000)
    assert accepted["x_m"].iloc[2] == pytest.approx(x_expected, abs=0.01)


def test_list_without_id_or_coordinates_or_with_bad_arguments_is_refused(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "liste.csv", ["navn;sted", "a;b"])
    with pytest.raises(InputError, match=r"liste.csv: no address id column \['adresseid'"):
        read_lacking_list(path, lacking_mbps=30)
    latlon = write_lines(tmp_path / "latlon.csv", ["lat;lon", "60;10"])
    with pytest.raises(ConfigError, match="hold latitude/longitude but epsg=25833"):
        read_lacking_list(latlon, lacking_mbps=30, epsg=25833)
    with pytest.raises(ConfigError, match="lacking_mbps: got 0"):
        read_lacking_list(latlon, lacking_mbps=0)
    with pytest.raises(InputError, match="not found"):
        read_lacking_list(tmp_path / "borte.csv", lacking_mbps=30)


_CELLS = {
    "id": st.sampled_from(["", "17", "18", "x9", "1.5", "300000001"]),
    "north": st.sampled_from(["", "6900000", "6900000,5", "nord", "60.1", "-5"]),
    "east": st.sampled_from(["", "100000", "3", "øst"]),
    "epsg": st.sampled_from(["", "25833", "25832", "4258", "9999"]),
}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.fixed_dictionaries(_CELLS), max_size=25),
    encoding=st.sampled_from(["utf-8", "cp1252"]),
)
def test_rows_in_equal_accepted_plus_quarantined(
    tmp_path: Path, rows: list[dict[str, str]], encoding: str
) -> None:
    lines = ["adresseid;adresse;nord;øst;epsg"] + [
        f"{r['id']};Bø {i};{r['north']};{r['east']};{r['epsg']}" for i, r in enumerate(rows)
    ]
    path = write_lines(tmp_path / "liste.csv", lines, encoding=encoding)
    result = read_lacking_list(path, lacking_mbps=30)
    assert result.rows_read == len(rows)
    assert len(result.accepted) + len(result.quarantine) == len(rows)
    numbers = sorted([*result.accepted["row_number"], *result.quarantine["row_number"]])
    assert numbers == list(range(2, len(rows) + 2))
    assert result.accepted["address_text"].str.startswith("Bø ").all()


def test_row_numbers_count_blank_lines_in_a_cp1252_list(tmp_path: Path) -> None:
    path = tmp_path / "Mangler_30Mbit.csv"
    lines = [
        NKOM_HEADER,
        "",
        "300123456;Vikegata;1;B;6150;Ørsta;1520;10;2;0;6900100,5;100200,25",
        "",
        "abc;Strandvegen;12;;7170;Åfjord;5058;1;1;0;;",
    ]
    path.write_bytes("\r\n".join(lines).encode("cp1252"))
    result = read_lacking_list(path, lacking_mbps=30)
    assert result.encoding == "cp1252"
    assert result.accepted["row_number"].tolist() == [3]
    assert result.quarantine["row_number"].tolist() == [5]


def test_list_rows_carry_the_lists_date(tmp_path: Path) -> None:
    """Nkom's own files carry no date: the config gives the list's date (or the file name);
    a date column, where a list has one, wins per row, and a bad one is quarantined."""
    row = "300123456;Vikegata;1;B;6150;Ørsta;1520;10;2;0;6900100,5;100200,25"
    plain = tmp_path / "Mangler_100Mbit.csv"
    plain.write_text(f"{NKOM_HEADER}\n{row}\n", encoding="utf-8")
    assert read_lacking_list(plain, 100).accepted["source_date"].isna().all()
    dated = read_lacking_list(plain, 100, source_date=date(2024, 6, 30)).accepted
    assert dated["source_date"].astype("string").tolist() == ["2024-06-30"]
    named = tmp_path / "Mangler_100Mbit_2025-06-30.csv"
    named.write_text(f"{NKOM_HEADER}\n{row}\n", encoding="utf-8")
    by_name = read_lacking_list(named, 100).accepted
    assert by_name["source_date"].astype("string").tolist() == ["2025-06-30"]
    own = tmp_path / "med_dato.csv"
    own.write_text(
        f"{NKOM_HEADER};dato\n{row};15.08.2025\n"
        "300123457;Strandvegen;12;;7170;Åfjord;5058;1;1;0;7100000;270000;i fjor\n",
        encoding="utf-8",
    )
    result = read_lacking_list(own, 100, source_date=date(2024, 6, 30))
    assert result.accepted["source_date"].astype("string").tolist() == ["2025-08-15"]
    assert result.quarantine["reason"].tolist() == [
        "dato: got i fjor, expected a date as YYYY-MM-DD or DD.MM.YYYY"
    ]
