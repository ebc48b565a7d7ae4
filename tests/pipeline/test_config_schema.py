"""pipeline/config_schema.py: the settings as plain data, their digest, copies with fields
replaced, targets by name."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from pathlib import Path

import pytest

from layers.errors import ConfigError
from pipeline.config import (
    Config,
    CostSettings,
    Inputs,
    RunSettings,
    config_from_dict,
    replace_nested,
    to_dict,
)
from pipeline.config_schema import DEFAULT_TARGETS, Target, with_default_wording
from tests.fixtures import MINIMAL_INPUTS


def test_the_plain_data_form_nests_the_sub_tables(tmp_path: Path) -> None:
    data = to_dict(config_from_dict(MINIMAL_INPUTS, tmp_path))
    assert data["cost"]["fibre"]["trench_nok_per_m"] == 450.0
    assert data["cost"]["new_site"]["enabled"] is True
    assert data["cost"]["target"] == "gigabit2030"
    assert json.loads(json.dumps(data)) == data


def test_digest_changes_with_a_parameter(tmp_path: Path) -> None:
    base = config_from_dict(MINIMAL_INPUTS, tmp_path)
    dearer = {"cost": {"fibre": {"trench_nok_per_m": 451}}}
    changed = config_from_dict({**MINIMAL_INPUTS, **dearer}, tmp_path)
    assert base.digest() != changed.digest()
    assert base.digest() == config_from_dict(MINIMAL_INPUTS, tmp_path).digest()


def test_replace_nested_changes_only_the_fields_named_and_leaves_the_original() -> None:
    cost = CostSettings()
    changed = replace_nested(
        cost, {"fibre.trench_nok_per_m": 520.0, "new_site.enabled": False, "choose_by": "lifetime"}
    )
    assert (changed.fibre.trench_nok_per_m, changed.new_site.enabled, changed.choose_by) == (
        520.0,
        False,
        "lifetime",
    )
    assert changed.fibre == dataclasses.replace(cost.fibre, trench_nok_per_m=520.0)
    assert changed.satellite == cost.satellite and changed.target == cost.target
    assert cost == CostSettings()  # frozen: the original is untouched
    with pytest.raises(TypeError, match="no_such_key"):
        replace_nested(cost, {"fibre.no_such_key": 1.0})


def test_targets_are_found_by_name_and_an_unknown_one_is_named() -> None:
    config = Config(inputs=Inputs(Path("k"), Path("a"), Path("o")))
    assert config.target("gigabit2030").down_mbps == 1000.0
    assert config.target("gigabit2030").up_mbps is None
    with pytest.raises(ConfigError, match=r"unknown target 'no2030'; expected one of \['no2025'"):
        config.target("no2030")


def test_the_store_lives_in_the_output_folder_unless_given() -> None:
    inputs = Inputs(Path("k"), Path("a"), Path("o"))
    assert Config(inputs=inputs, run=RunSettings(output_dir=Path("ut"))).store_path == Path(
        "ut/gapmap.duckdb"
    )
    elsewhere = RunSettings(output_dir=Path("ut"), store_path=Path("/var/gapmap/store.duckdb"))
    assert Config(inputs=inputs, run=elsewhere).store_path == Path("/var/gapmap/store.duckdb")


def test_every_default_target_carries_its_wording_and_source() -> None:
    sources = {
        "no2025": "Meld. St. 28 (2020–2021) «Vår felles digitale grunnmur»",
        "gigabit2030": "«Fremtidens digitale Norge» 2024–2030",
        "eu_vhcn": "BoR (20) 165",
        "subsidy30": "Nasjonale retningslinjer for bredbåndsstøtten",
    }
    for target in DEFAULT_TARGETS:
        assert sources[target.name] in target.source, target.name
        assert target.wording_nb.endswith(".") and len(target.wording_nb) > 40, target.name
        assert len(target.label_nb) <= 30, target.name  # short: map legends, table headers
    by_name = {t.name: t for t in DEFAULT_TARGETS}
    # both national goals are worded on download alone
    assert by_name["no2025"].up_mbps is None and by_name["gigabit2030"].up_mbps is None
    assert "100 Mbit/s" in by_name["no2025"].wording_nb
    assert "innen utgangen av 2025" in by_name["no2025"].wording_nb
    assert "1 Gbit/s" in by_name["gigabit2030"].wording_nb
    assert (by_name["eu_vhcn"].down_mbps, by_name["eu_vhcn"].up_mbps) == (1000.0, 200.0)


def test_default_wording_fills_only_a_default_target_of_the_same_speeds() -> None:
    filled = with_default_wording(Target("gigabit2030", 1000.0, None, "1 Gbit/s"))
    assert filled.wording_nb == DEFAULT_TARGETS[1].wording_nb and filled.label_nb == "1 Gbit/s"
    other_speeds = Target("no2025", 100.0, 10.0, "100/10")
    assert with_default_wording(other_speeds) == other_speeds


def test_the_targets_wording_and_source_are_in_the_manifest_form(tmp_path: Path) -> None:
    data = to_dict(config_from_dict(MINIMAL_INPUTS, tmp_path))
    assert data["targets"]["no2025"]["source"].startswith("Meld. St. 28")
    assert data["classify"]["unknown_upload"] == "fails" and data["classify"]["count_copper"]


def test_publish_workers_default_to_the_cores_and_must_be_whole_and_positive(
    tmp_path: Path,
) -> None:
    default = config_from_dict(MINIMAL_INPUTS, tmp_path)
    assert default.run.workers is None and default.run.worker_count == (os.cpu_count() or 1)
    three = config_from_dict({**MINIMAL_INPUTS, "run": {"workers": 3}}, tmp_path)
    assert three.run.worker_count == 3
    for bad in (0, 1.5, "2"):
        with pytest.raises(ConfigError, match=r"\[run\]\.workers: got .*, expected a whole number"):
            config_from_dict({**MINIMAL_INPUTS, "run": {"workers": bad}}, tmp_path)


def test_the_executor_is_local_or_dask_and_a_scheduler_needs_dask(tmp_path: Path) -> None:
    default = config_from_dict(MINIMAL_INPUTS, tmp_path).run
    assert (default.executor, default.scheduler, default.scheduler_timeout_s) == ("local", "", 10)
    run = {"executor": "dask", "scheduler": "tcp://10.0.0.5:8786", "scheduler_timeout_s": 30}
    dask = config_from_dict({**MINIMAL_INPUTS, "run": run}, tmp_path).run
    assert (dask.executor, dask.scheduler, dask.scheduler_timeout_s) == (
        "dask",
        "tcp://10.0.0.5:8786",
        30.0,
    )
    refused = {
        r"\[run\]\.executor: got 'spark', expected one of local, dask": {"executor": "spark"},
        r"\[run\]\.scheduler: got 'tcp://10\.0\.0\.5:8786' with executor = 'local'; a scheduler"
        r" needs executor = \"dask\"": {"scheduler": "tcp://10.0.0.5:8786"},
        r"\[run\]\.scheduler: got 'my-cluster', expected a Dask scheduler address such as"
        r" \"tcp://10\.0\.0\.5:8786\"": {"executor": "dask", "scheduler": "my-cluster"},
        r"\[run\]\.scheduler_timeout_s: got 0\.0, expected > 0": {"scheduler_timeout_s": 0},
    }
    for message, bad in refused.items():
        with pytest.raises(ConfigError, match=message):
            config_from_dict({**MINIMAL_INPUTS, "run": bad}, tmp_path)


def test_dask_without_dask_installed_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    with pytest.raises(
        ConfigError,
        match=r"\[run\]\.executor: got \"dask\", but dask\.distributed is not installed; install"
        r" it with pip install 'gapmap\[dask\]'",
    ):
        config_from_dict({**MINIMAL_INPUTS, "run": {"executor": "dask"}}, tmp_path)
    assert config_from_dict(MINIMAL_INPUTS, tmp_path).run.executor == "local"  # not needed


def test_where_the_work_runs_leaves_the_digest_alone(tmp_path: Path) -> None:
    base = config_from_dict(MINIMAL_INPUTS, tmp_path)
    run = {"executor": "dask", "scheduler": "tcp://10.0.0.5:8786", "workers": 7}
    elsewhere = config_from_dict(
        {**MINIMAL_INPUTS, "run": run | {"scheduler_timeout_s": 3}}, tmp_path
    )
    assert elsewhere.digest() == base.digest()
    assert to_dict(elsewhere)["run"]["executor"] == "dask"  # the manifest still says how
    cdn = config_from_dict({**MINIMAL_INPUTS, "run": {"map_assets": "cdn"}}, tmp_path)
    assert cdn.digest() != base.digest()  # what is published still counts
