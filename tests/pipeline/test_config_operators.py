"""pipeline/config_operators.py: the ``[operators]`` section and the operator keys."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd
import pytest

from layers.errors import ConfigError
from pipeline.config import config_from_dict
from pipeline.config_operators import normalised_names, operator_keys
from tests.fixtures import MINIMAL_INPUTS


def test_the_aliases_are_read_from_an_inline_table(tmp_path: Path) -> None:
    raw = tomllib.loads('[operators]\naliases = { "Telenor Norge AS" = "telenor" }\n')
    config = config_from_dict({**MINIMAL_INPUTS, **raw}, tmp_path)
    assert config.operators.aliases == {"Telenor Norge AS": "telenor"}
    assert config_from_dict(dict(MINIMAL_INPUTS), tmp_path).operators.aliases == {}
    config.digest()  # the config stays plain data


@pytest.mark.parametrize(
    ("aliases", "message"),
    [
        ("telenor", "[operators].aliases: got 'telenor', expected a table of names"),
        ({"Telenor Norge AS": ""}, "expected a non-empty operator name"),
        ({"Telenor Norge AS": 3}, "expected a non-empty operator name"),
    ],
)
def test_a_wrong_alias_table_is_refused_naming_it(
    tmp_path: Path, aliases: object, message: str
) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        config_from_dict({**MINIMAL_INPUTS, "operators": {"aliases": aliases}}, tmp_path)


def test_names_match_case_and_space_insensitively() -> None:
    names = pd.Series(["Telenor Norge AS", " telenor ", "TELENOR  norge\tas", None])
    assert normalised_names(names).tolist() == [
        "telenornorgeas",
        "telenor",
        "telenornorgeas",
        "",
    ]
    aliases = {"telenor norge AS": "Telenor"}
    assert operator_keys(names, aliases).tolist() == ["telenor", "telenor", "telenor", ""]
