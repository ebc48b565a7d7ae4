"""pipeline/config_nkom.py: the ``[nkom]`` section, its defaults (Nkom's practice) and its
validation at load; the ``[inputs]`` keys of Nkom's tables resolve against the config."""

from __future__ import annotations

from pathlib import Path

import pytest

from layers.errors import ConfigError
from pipeline.config import config_from_dict
from tests.fixtures import MINIMAL_INPUTS


def test_defaults_count_homes_passed_and_read_annet_as_copper(tmp_path: Path) -> None:
    config = config_from_dict(dict(MINIMAL_INPUTS), tmp_path)
    assert config.nkom.count_homes_passed is True
    assert config.nkom.annet_technology == "xdsl"
    assert config.inputs.nkom_addresses is None and config.inputs.nkom_fixed is None


def test_section_and_inputs_are_read(tmp_path: Path) -> None:
    inputs = {
        **MINIMAL_INPUTS["inputs"],
        "nkom_addresses": "nkom/adr.parquet",
        "nkom_fixed": "nkom/fbb.parquet",
        "nkom_mobile": "nkom/mob.csv",
    }
    raw = {"inputs": inputs, "nkom": {"count_homes_passed": False, "annet_technology": "fwa"}}
    config = config_from_dict(raw, tmp_path)
    assert config.nkom.count_homes_passed is False
    assert config.nkom.annet_technology == "fwa"
    assert config.inputs.nkom_addresses == tmp_path / "nkom" / "adr.parquet"
    assert config.inputs.nkom_mobile == tmp_path / "nkom" / "mob.csv"


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"annet_technology": "dsl"}, r"\[nkom\]\.annet_technology: got 'dsl', expected one of"),
        ({"count_homes_passed": "ja"}, r"\[nkom\]\.count_homes_passed: got 'ja', expected true"),
        ({"count_passed": True}, r"\[nkom\]: unknown key 'count_passed' \(did you mean"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, section: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        config_from_dict({**MINIMAL_INPUTS, "nkom": section}, tmp_path)
