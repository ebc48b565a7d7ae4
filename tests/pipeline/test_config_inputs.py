"""The ``[inputs]`` section: required paths, optional layers off by default, relative paths."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from layers.errors import ConfigError
from pipeline.config import load_config
from pipeline.config_inputs import Inputs


def test_only_kommuner_addresses_and_offers_are_required() -> None:
    required = [
        f.name
        for f in dataclasses.fields(Inputs)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    assert required == ["kommuner", "addresses", "offers"]


def test_relative_input_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "gapmap.toml"
    path.parent.mkdir()
    path.write_text(
        '[inputs]\nkommuner = "k.geojson"\naddresses = "a.csv"\noffers = "../o.csv"\n',
        encoding="utf-8",
    )
    inputs = load_config(path).inputs
    assert inputs.kommuner == tmp_path / "sub" / "k.geojson"
    assert inputs.offers.resolve() == (tmp_path / "o.csv").resolve()
    assert inputs.dtm is None and inputs.speed_squares == ()


def test_a_missing_required_input_is_named(tmp_path: Path) -> None:
    path = tmp_path / "gapmap.toml"
    path.write_text('[inputs]\nkommuner = "k.geojson"\naddresses = "a.csv"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="offers"):
        load_config(path)


def test_the_clutter_inputs_load_and_resolve(tmp_path: Path) -> None:
    path = tmp_path / "gapmap.toml"
    path.write_text(
        '[inputs]\nkommuner = "k.geojson"\naddresses = "a.csv"\noffers = "o.csv"\n'
        'forest = "ar50.gpkg"\nforest_column = "artype"\nforest_values = ["30"]\n',
        encoding="utf-8",
    )
    inputs = load_config(path).inputs
    assert inputs.forest == tmp_path / "ar50.gpkg"
    assert (inputs.forest_column, inputs.forest_values, inputs.dom) == ("artype", ("30",), None)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('dom = "dom"\nforest = "skog.gpkg"\n', r"got both dom and forest, expected one"),
        ('forest = "s.gpkg"\nforest_column = "artype"\n', r"forest_column = 'artype'.*both"),
        ('forest = "s.gpkg"\nforest_values = ["30"]\n', r"forest_values = \['30'\].*both"),
        ('forest = "s.gpkg"\nforest_column = "a"\nforest_values = [30]\n', r"list of strings"),
    ],
)
def test_clutter_inputs_that_cannot_work_are_refused(
    tmp_path: Path, extra: str, message: str
) -> None:
    path = tmp_path / "gapmap.toml"
    path.write_text(
        '[inputs]\nkommuner = "k.geojson"\naddresses = "a.csv"\noffers = "o.csv"\n' + extra,
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=message):
        load_config(path)
