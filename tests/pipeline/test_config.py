"""pipeline/config.py: loading and validating the TOML config; a wrong key or value names the key,
what was got and what was expected."""

from __future__ import annotations

import dataclasses
import re
import typing
from pathlib import Path

import pytest

from layers.errors import ConfigError
from pipeline.config import (
    DEFAULT_TARGETS,
    CostSettings,
    config_from_dict,
    load_config,
)
from tests.fixtures import MINIMAL_INPUTS, MINIMAL_INPUTS_TOML, REPO_ROOT


def _nested(section: str, values: dict[str, object]) -> dict[str, object]:
    """``{"cost": {"fibre": values}}`` for ``"cost.fibre"``, as tomllib reads sub-tables."""
    table: dict[str, object] = values
    for name in reversed(section.split(".")):
        table = {name: table}
    return {**MINIMAL_INPUTS, **table}


def _former_cost_keys() -> list[tuple[str, str, str]]:
    """(flat key of before the nesting, sub-table, key there) for every field of every
    ``[cost]`` sub-table: a renamed field names its flat key in its class's ``FORMER_KEYS``."""
    hints = typing.get_type_hints(CostSettings)
    moved = []
    for table in dataclasses.fields(CostSettings):
        cls = hints[table.name]
        if dataclasses.is_dataclass(cls):
            former = getattr(cls, "FORMER_KEYS", {})
            moved += [
                (former.get(f.name, f.name), table.name, f.name) for f in dataclasses.fields(cls)
            ]
    return moved


MOVED = _former_cost_keys()


def test_minimal_config_gets_design_defaults(tmp_path: Path) -> None:
    config = config_from_dict(MINIMAL_INPUTS, tmp_path)
    assert config.targets == DEFAULT_TARGETS
    # the 2025 goal is worded on download alone
    assert config.target("no2025").down_mbps == 100 and config.target("no2025").up_mbps is None
    assert config.target("gigabit2030").up_mbps is None
    assert config.inputs.kommuner == tmp_path / "k.geojson"
    assert config.cost.fibre.route_factor == 1.3
    assert config.cost == CostSettings()


def test_a_sub_table_sets_its_keys_and_leaves_the_others_at_their_defaults(tmp_path: Path) -> None:
    cost = {
        "target": "no2025",
        "fibre": {"trench_nok_per_m": 600, "splitter_ports": 16},
        "new_site": {"enabled": False},  # a sub-table with the name of a flat key of before
    }
    config = config_from_dict({**MINIMAL_INPUTS, "cost": cost}, tmp_path)
    assert config.cost.target == "no2025"
    assert config.cost.fibre.trench_nok_per_m == 600.0
    assert config.cost.fibre.splitter_ports == 16
    assert config.cost.fibre.cable_nok_per_m == CostSettings().fibre.cable_nok_per_m
    assert config.cost.new_site.enabled is False
    assert config.cost.lifetime == CostSettings().lifetime


def test_unknown_key_names_the_key_and_the_nearest_known_key(tmp_path: Path) -> None:
    raw = _nested("cost.fibre", {"trench_nok_per_meter": 500})
    with pytest.raises(
        ConfigError,
        match=r"\[cost\.fibre\]: unknown key 'trench_nok_per_meter'.*'trench_nok_per_m'",
    ):
        config_from_dict(raw, tmp_path)


def test_a_misspelt_flat_cost_key_is_pointed_to_its_new_place(tmp_path: Path) -> None:
    raw = _nested("cost", {"trench_nok_per_meter": 500})
    with pytest.raises(
        ConfigError,
        match=r"\[cost\]: unknown key 'trench_nok_per_meter' \(did you mean "
        r"\[cost\.fibre\]\.trench_nok_per_m\?\)",
    ):
        config_from_dict(raw, tmp_path)


def test_unknown_sub_table_is_refused_with_the_nearest(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[cost\]: unknown key 'fiber'.*did you mean 'fibre'"):
        config_from_dict(_nested("cost.fiber", {"trench_nok_per_m": 500}), tmp_path)


def test_a_sub_table_given_as_a_value_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[cost\.fibre\]: got 3, expected a table"):
        config_from_dict(_nested("cost", {"fibre": 3}), tmp_path)


@pytest.mark.parametrize(("old", "table", "key"), MOVED, ids=[old for old, _, _ in MOVED])
def test_a_flat_cost_key_of_before_the_nesting_names_its_new_place(
    tmp_path: Path, old: str, table: str, key: str
) -> None:
    value = getattr(getattr(CostSettings(), table), key)
    expected = f"[cost].{old} has moved to [cost.{table}].{key}"
    with pytest.raises(ConfigError, match=re.escape(expected)):
        config_from_dict(_nested("cost", {old: value}), tmp_path)
    moved = config_from_dict(_nested(f"cost.{table}", {key: value}), tmp_path)
    assert getattr(getattr(moved.cost, table), key) == value


def test_a_flat_cost_table_names_every_moved_key_at_once(tmp_path: Path) -> None:
    flat = {old: getattr(getattr(CostSettings(), table), key) for old, table, key in MOVED}
    with pytest.raises(ConfigError) as raised:
        config_from_dict(_nested("cost", flat), tmp_path)
    message = str(raised.value)
    for old, table, key in MOVED:
        assert f"[cost].{old} has moved to [cost.{table}].{key}" in message
    assert f"({len(MOVED)} keys of the flat [cost] table" in message


def test_every_flat_cost_key_has_one_place() -> None:
    olds = [old for old, _, _ in MOVED]
    assert len(olds) == len(set(olds))
    kept = [f.name for f in dataclasses.fields(CostSettings)]
    assert kept[:4] == [
        "target",
        "choose_by",
        "max_replan_rounds",
        "commercially_viable_nok_per_household",
    ]
    # the 39 keys of the flat [cost] table: 4 kept, the rest moved (none lost, none added);
    # plus [cost.sea]'s 2 keys (new since the nesting, with flat names of their own)
    assert len(olds) + 4 == 39 + 2 and not set(olds) & set(kept[:4])


def test_unknown_section_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown key 'costs'.*did you mean 'cost'"):
        config_from_dict({**MINIMAL_INPUTS, "costs": {}}, tmp_path)


@pytest.mark.parametrize(
    ("section", "key", "value", "expected"),
    [
        ("cost.fibre", "route_factor", "high", "expected a number"),
        ("cost.fibre", "trench_nok_per_m", -1, "expected a number >= 0"),
        ("cost.fibre", "splitter_ports", 0, "expected a whole number >= 1"),
        ("cost.new_site", "enabled", "yes", "expected true or false"),
        ("classify", "count_mobile", "yes", "expected true or false"),
        ("classify", "map_target", "no2030", "expected one of the targets"),
        ("cost.fibre", "route_factor", 0.5, "expected >= 1.0"),
        ("cost.lifetime", "discount_rate", 1.5, "expected a share below 1"),
        ("cost.lifetime", "years", 0, "expected > 0"),
        ("cost", "choose_by", "npv", "expected 'capex' or 'lifetime'"),
        ("cost", "target", "no2030", "expected one of the targets"),
        ("run", "map_assets", "offline", "expected one of inline, cdn, local"),
    ],
)
def test_bad_values_say_what_was_got_and_expected(
    tmp_path: Path, section: str, key: str, value: object, expected: str
) -> None:
    with pytest.raises(ConfigError, match=rf"\[{re.escape(section)}\]\.{key}: got .*{expected}"):
        config_from_dict(_nested(section, {key: value}), tmp_path)


def test_missing_required_input_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[inputs\]: missing required keys \['offers'\]"):
        config_from_dict({"inputs": {"kommuner": "k", "addresses": "a"}}, tmp_path)


def test_custom_targets_replace_defaults(tmp_path: Path) -> None:
    raw = {
        **MINIMAL_INPUTS,
        "targets": {"t50": {"down_mbps": 50, "up_mbps": 5}},
        "classify": {"map_target": "t50"},
        "cost": {"target": "t50"},
    }
    config = config_from_dict(raw, tmp_path)
    assert [t.name for t in config.targets] == ["t50"]


def test_old_style_targets_without_wording_still_load(tmp_path: Path) -> None:
    path = tmp_path / "gapmap.toml"
    path.write_text(
        MINIMAL_INPUTS_TOML + '[targets.no2025]\ndown_mbps = 100\nlabel_nb = "100 Mbit/s"\n'
        "[targets.no2025_100_10]\ndown_mbps = 100\nup_mbps = 10\n"
        '[targets.gigabit2030]\ndown_mbps = 1000\nwording_nb = "Egen ordlyd"\n'
        'source = "Egen kilde"\n',
        encoding="utf-8",
    )
    targets = {t.name: t for t in load_config(path).targets}
    # a default target's name and speeds: its wording and source are filled in
    assert targets["no2025"].label_nb == "100 Mbit/s"
    assert targets["no2025"].wording_nb == DEFAULT_TARGETS[0].wording_nb
    assert "Meld. St. 28 (2020–2021)" in targets["no2025"].source
    # a target of the run's own: no wording, no source (the about sheet says so)
    assert (targets["no2025_100_10"].wording_nb, targets["no2025_100_10"].source) == ("", "")
    assert targets["no2025_100_10"].label_nb == "no2025_100_10"
    # given wording wins
    assert targets["gigabit2030"].wording_nb == "Egen ordlyd"
    assert targets["gigabit2030"].source == "Egen kilde"


def test_a_target_wording_must_be_text(tmp_path: Path) -> None:
    raw = {**MINIMAL_INPUTS, "targets": {"no2025": {"down_mbps": 100, "wording_nb": 5}}}
    with pytest.raises(ConfigError, match=r"\[targets.no2025\].wording_nb: got 5, expected a str"):
        config_from_dict(raw, tmp_path)


def test_classify_policies_load_and_a_wrong_one_is_named(tmp_path: Path) -> None:
    raw = {**MINIMAL_INPUTS, "classify": {"unknown_upload": "meets", "count_copper": False}}
    settings = config_from_dict(raw, tmp_path).classify
    assert (settings.unknown_upload, settings.count_copper) == ("meets", False)
    assert config_from_dict(MINIMAL_INPUTS, tmp_path).classify.unknown_upload == "fails"
    raw = {**MINIMAL_INPUTS, "classify": {"unknown_upload": "yes"}}
    with pytest.raises(
        ConfigError, match=r"unknown_upload: got 'yes', expected one of fails, meets"
    ):
        config_from_dict(raw, tmp_path)


def test_load_config_reports_bad_toml_with_the_path(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[inputs\nkommuner = 1", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.toml: not valid TOML"):
        load_config(path)


def test_load_config_reads_sub_tables_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "gapmap.toml"
    path.write_text(
        MINIMAL_INPUTS_TOML + "[cost]\nmax_replan_rounds = 3\n[cost.terrain]\nfactor_max = 2.0\n"
        "[cost.satellite]\nmeets_target = true\n",
        encoding="utf-8",
    )
    cost = load_config(path).cost
    assert (cost.max_replan_rounds, cost.terrain.factor_max, cost.satellite.meets_target) == (
        3,
        2.0,
        True,
    )


def test_the_readme_cost_table_names_every_cost_key() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| key | default | unit | source |") :]
    named = set()
    for row in table[: table.index("\n\n")].splitlines()[2:]:
        cell = row.split("|")[1]
        section = re.match(r" `\[(cost[.\w]*)\] ", cell)
        assert section, row
        named |= {(section.group(1), key) for key in re.findall(r"(\w+)`", cell)}
    expected = {(f"cost.{table}", key) for _, table, key in MOVED}
    top = [f.name for f in dataclasses.fields(CostSettings)][1:4]  # target: Configuration
    assert expected | {("cost", key) for key in top} <= named


def test_a_vector_inputs_crs_is_named_per_input_and_checked(tmp_path: Path) -> None:
    inputs = {**MINIMAL_INPUTS["inputs"], "fibre_crs": "EPSG:25832", "roads_crs": "EPSG:4258"}
    config = config_from_dict({"inputs": inputs}, tmp_path)
    assert (config.inputs.fibre_crs, config.inputs.roads_crs) == ("EPSG:25832", "EPSG:4258")
    assert config.inputs.kommuner_crs == "" and config.locate.max_kommune_overlap_share == 0.001
    with pytest.raises(ConfigError) as raised:
        config_from_dict({"inputs": {**inputs, "fibre_crs": "UTM 32"}}, tmp_path)
    assert str(raised.value) == (
        "[inputs].fibre_crs: got 'UTM 32', expected a CRS such as \"EPSG:25833\" or"
        ' "EPSG:25832" (or "" for the file\'s own)'
    )
    with pytest.raises(ConfigError, match=r"\[inputs\].roads_crs: got 25833, expected a string"):
        config_from_dict({"inputs": {**inputs, "roads_crs": 25833}}, tmp_path)


def test_the_kommune_overlap_share_is_a_share(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError,
        match=r"\[locate\].max_kommune_overlap_share: got 2.0, expected a share from 0 to 1",
    ):
        config_from_dict({**MINIMAL_INPUTS, "locate": {"max_kommune_overlap_share": 2}}, tmp_path)
