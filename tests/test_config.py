from __future__ import annotations

from pathlib import Path

import pytest

from layers.errors import ConfigError
from pipeline.config import DEFAULT_TARGETS, config_from_dict, load_config

MINIMAL = {"inputs": {"kommuner": "k.geojson", "addresses": "a.csv", "offers": "o.csv"}}


def test_minimal_config_gets_design_defaults(tmp_path: Path) -> None:
    config = config_from_dict(MINIMAL, tmp_path)
    assert config.targets == DEFAULT_TARGETS
    assert config.target("no2025").down_mbps == 100 and config.target("no2025").up_mbps == 10
    assert config.target("gigabit2030").up_mbps is None
    assert config.inputs.kommuner == tmp_path / "k.geojson"
    assert config.cost.route_factor == 1.3


def test_unknown_key_names_the_key_and_the_nearest_known_key(tmp_path: Path) -> None:
    raw = {**MINIMAL, "cost": {"trench_nok_per_meter": 500}}
    with pytest.raises(
        ConfigError, match=r"\[cost\]: unknown key 'trench_nok_per_meter'.*'trench_nok_per_m'"
    ):
        config_from_dict(raw, tmp_path)


def test_unknown_section_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown key 'costs'.*did you mean 'cost'"):
        config_from_dict({**MINIMAL, "costs": {}}, tmp_path)


@pytest.mark.parametrize(
    ("section", "key", "value", "expected"),
    [
        ("cost", "route_factor", "high", "expected a number"),
        ("cost", "trench_nok_per_m", -1, "expected a number >= 0"),
        ("classify", "count_mobile", "yes", "expected true or false"),
        ("classify", "map_target", "no2030", "expected one of the targets"),
        ("cost", "route_factor", 0.5, "expected >= 1.0"),
        ("run", "map_assets", "offline", "expected 'cdn' or 'local'"),
    ],
)
def test_bad_values_say_what_was_got_and_expected(
    tmp_path: Path, section: str, key: str, value: object, expected: str
) -> None:
    raw = {**MINIMAL, section: {key: value}}
    with pytest.raises(ConfigError, match=rf"\[{section}\].{key}: got .*{expected}"):
        config_from_dict(raw, tmp_path)


def test_missing_required_input_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[inputs\]: missing required keys \['offers'\]"):
        config_from_dict({"inputs": {"kommuner": "k", "addresses": "a"}}, tmp_path)


def test_custom_targets_replace_defaults(tmp_path: Path) -> None:
    raw = {
        **MINIMAL,
        "targets": {"t50": {"down_mbps": 50, "up_mbps": 5}},
        "classify": {"map_target": "t50"},
        "cost": {"target": "t50"},
    }
    config = config_from_dict(raw, tmp_path)
    assert [t.name for t in config.targets] == ["t50"]


def test_load_config_reports_bad_toml_with_the_path(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[inputs\nkommuner = 1", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.toml: not valid TOML"):
        load_config(path)


def test_digest_changes_with_a_parameter(tmp_path: Path) -> None:
    base = config_from_dict(MINIMAL, tmp_path)
    changed = config_from_dict({**MINIMAL, "cost": {"trench_nok_per_m": 451}}, tmp_path)
    assert base.digest() != changed.digest()
    assert base.digest() == config_from_dict(MINIMAL, tmp_path).digest()
