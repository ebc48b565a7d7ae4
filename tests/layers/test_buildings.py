"""Matrikkelen Bygningspunkt points: canonical columns and the quarantine reconciliation."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from layers.buildings import read_buildings
from layers.errors import InputError

X0, Y0 = 270_000.0, 7_010_000.0


def write_bygningspunkt(path: Path, rows: list[dict[str, object]], crs: int = 25833) -> Path:
    """A GeoPackage in the Bygningspunkt attribute layout (every attribute as text, as a
    flattened GML export gives it; ``geometry`` a shapely point or None)."""
    geometry = [row.pop("geometry") for row in rows]
    frame = gpd.GeoDataFrame(pd.DataFrame(rows).astype("string"), geometry=geometry, crs=crs)
    frame.to_file(path, driver="GPKG", layer="bygning")
    return path


def row(nr: object, btype: object, x: float, **extra: object) -> dict[str, object]:
    base: dict[str, object] = {
        "bygningsnummer": nr,
        "bygningstype": btype,
        "bygningsstatus": "TB",
        "kommunenummer": "301",
        "gardsnummer": "12",
        "bruksnummer": "3",
        "festenummer": "",
        "seksjonsnummer": "",
        "geometry": shapely.Point(x, Y0),
    }
    return base | extra


def test_rows_in_equal_accepted_plus_quarantined(tmp_path: Path) -> None:
    rows = [
        row(1001, "111", X0),
        row(1002, "181", X0 + 10),
        row(1003, "11", X0 + 20),  # not 3 digits
        row(1001, "161", X0 + 30),  # duplicate bygningsnummer
        row("x7", "111", X0 + 40),  # not an integer
        row(1006, "241", X0 + 50, gardsnummer="12a"),  # gnr not a number
        row(1007, "111", X0 + 60, geometry=None),  # no point
        row(1008, "311", X0 + 70, kommunenummer="03011"),  # 5 digits
    ]
    result = read_buildings(write_bygningspunkt(tmp_path / "bygg.gpkg", rows))
    assert result.rows_read == 8
    assert len(result.accepted) == 2 and len(result.quarantine) == 6
    reasons = dict(zip(result.quarantine["row_number"], result.quarantine["reason"], strict=True))
    assert reasons[3] == "bygningstype: got 11, expected a 3-digit SSB bygningstype code"
    assert reasons[4] == "bygningsnummer: duplicate of an earlier feature"
    assert reasons[5] == "bygningsnummer: got x7, expected an integer"
    assert reasons[6] == "gardsnummer: got 12a, expected a whole number from 0 to 99,999"
    assert reasons[7] == "geometry: got none or an empty one, expected a Point"
    assert reasons[8] == "kommunenummer: got 03011, expected 1-4 digits"


def test_canonical_columns_in_25833(tmp_path: Path) -> None:
    rows = [
        row(2001, "141", 10.75, bruksenheter="12", geometry=shapely.Point(10.75, 59.91)),
        row(2002, "161", 10.76, festenummer="4", geometry=shapely.Point(10.76, 59.91)),
    ]
    result = read_buildings(write_bygningspunkt(tmp_path / "bygg.gpkg", rows, crs=4326))
    table = result.accepted
    assert table["building_id"].tolist() == [2001, 2002]
    assert table["kommunenummer"].tolist() == ["0301", "0301"]
    assert table["building_type"].tolist() == ["141", "161"]
    assert table["gnr"].tolist() == [12, 12] and table["bnr"].tolist() == [3, 3]
    assert table["fnr"].tolist() == [0, 4]  # empty festenummer = 0
    assert table["snr"].tolist() == [0, 0]
    assert table["dwellings"].iloc[0] == 12 and pd.isna(table["dwellings"].iloc[1])
    assert pd.isna(table["address_id"]).all()
    assert table.crs.to_epsg() == 25833
    assert 255_000 < table.geometry.x.iloc[0] < 270_000  # Oslo in UTM 33 (UTM 32: ~597 km)


def test_a_file_without_bygningstype_is_refused(tmp_path: Path) -> None:
    rows = [row(1, "111", X0)]
    rows[0].pop("bygningstype")
    path = write_bygningspunkt(tmp_path / "bygg.gpkg", rows)
    with pytest.raises(InputError, match="no bygningstype column"):
        read_buildings(path)
