"""pipeline/synthetic/national/kommuner.py: the kommuner to build and the grid cells they need;
the selected kommuner's boundaries copied into the set."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from layers.errors import InputError
from pipeline.synthetic.national.kommuner import cells_to_build, load_kommuner, write_kommuner
from tests.fixtures import polygon_feature, write_feature_collection

X0, Y0 = 300_000.0, 6_600_000.0


def _two_kommuner(path: Path) -> Path:
    """0301 "Oslo" (2 × 2 km) and 3201 "Bærum" east of it, in lon/lat (``name`` as in
    Kommuner-M.geojson)."""
    return write_feature_collection(
        path,
        [
            polygon_feature(
                {"kommunenummer": "0301", "name": "Oslo"}, (X0, Y0, X0 + 2000, Y0 + 2000)
            ),
            polygon_feature(
                {"kommunenummer": "3201", "name": "Bærum"}, (X0 + 2000, Y0, X0 + 4000, Y0 + 2000)
            ),
        ],
    )


def test_the_limit_selects_kommuner_and_names_are_kept(tmp_path: Path) -> None:
    kommuner = load_kommuner(_two_kommuner(tmp_path / "k.geojson"), ("3201",))
    assert kommuner.frame["kommunenummer"].tolist() == ["0301", "3201"]
    assert kommuner.selected.tolist() == [False, True]
    assert kommuner.display_name == {"0301": "Oslo", "3201": "Bærum"}
    assert load_kommuner(tmp_path / "k.geojson", ()).selected.tolist() == [True, True]


def test_an_unknown_kommune_or_another_file_is_named(tmp_path: Path) -> None:
    path = _two_kommuner(tmp_path / "k.geojson")
    with pytest.raises(InputError, match=r"--limit-kommuner: got kommunenummer \['9999'\]"):
        load_kommuner(path, ("9999", "0301"))
    other = tmp_path / "f.geojson"
    other.write_text(json.dumps({"type": "Feature", "properties": {}}), encoding="utf-8")
    with pytest.raises(InputError, match=r"f\.geojson: got a JSON document of type 'Feature'"):
        load_kommuner(other, ())


def test_cells_touching_a_selected_kommune_or_nearest_to_one_are_built(tmp_path: Path) -> None:
    kommuner = load_kommuner(_two_kommuner(tmp_path / "k.geojson"), ("0301",))
    grid = pd.DataFrame(
        {
            # in 0301; in 3201; offshore 1 km west of 0301; offshore 1 km east of 3201
            "x_m": [X0 + 500, X0 + 3000, X0 - 1250, X0 + 5000],
            "y_m": [Y0 + 500, Y0 + 500, Y0 + 500, Y0 + 500],
            "people": 10,
        }
    )
    assert cells_to_build(grid, kommuner).tolist() == [True, False, True, False]


def test_only_the_selected_kommuner_are_copied(tmp_path: Path) -> None:
    source = _two_kommuner(tmp_path / "k.geojson")
    write_kommuner(tmp_path / "one.geojson", source, load_kommuner(source, ("3201",)))
    copied = json.loads((tmp_path / "one.geojson").read_text(encoding="utf-8"))
    assert [f["properties"]["kommunenummer"] for f in copied["features"]] == ["3201"]
    write_kommuner(tmp_path / "all.geojson", source, load_kommuner(source, ()))
    assert (tmp_path / "all.geojson").read_bytes() == source.read_bytes()
