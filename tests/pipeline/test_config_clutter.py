"""pipeline/config_clutter.py: the ``[wireless.clutter]`` rules, read from the config into the
run's clutter, and refused by key when out of range."""

from __future__ import annotations

from pathlib import Path

import pytest

from layers.errors import ConfigError
from pipeline.config import ClutterSettings, load_config
from pipeline.wireless import clutter_of


def test_the_clutter_rules_come_from_wireless_clutter(tmp_path: Path) -> None:
    path = tmp_path / "gapmap.toml"
    path.write_text(
        '[inputs]\nkommuner = "k.geojson"\naddresses = "a.csv"\noffers = "o.csv"\n'
        'forest = "ar50.gpkg"\n[wireless.clutter]\ncanopy_height_m = 22\nroof_mount_m = 1.5\n',
        encoding="utf-8",
    )
    clutter = clutter_of(load_config(path))
    assert (clutter.canopy_height_m, clutter.roof_mount_m) == (22.0, 1.5)
    assert (clutter.clear_radius_m, clutter.on_structure_above_m) == (10.0, 2.5)  # defaults


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("canopy_height_m = -1", r"canopy_height_m: got -1, expected a number >= 0"),
        ("canopy_height_m = 80", r"canopy_height_m: got 80.0, expected metres from 0 to 60"),
        ("clear_radius_m = 500", r"clear_radius_m: got 500.0, expected metres from 0 to 100"),
        ('roof_mount_m = "2 m"', r"roof_mount_m: got '2 m', expected a number"),
        ("on_structure_above_m = nan", r"on_structure_above_m: got nan, expected metres"),
    ],
)
def test_a_clutter_rule_out_of_range_is_refused_by_key(
    tmp_path: Path, line: str, message: str
) -> None:
    path = tmp_path / "gapmap.toml"
    path.write_text(
        '[inputs]\nkommuner = "k.geojson"\naddresses = "a.csv"\noffers = "o.csv"\n'
        f"[wireless.clutter]\n{line}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=rf"\[wireless\.clutter\]\.{message}"):
        load_config(path)


def test_a_rule_set_in_code_is_checked_too() -> None:
    with pytest.raises(ConfigError, match=r"canopy_height_m: got inf, expected metres from 0"):
        ClutterSettings(canopy_height_m=float("inf"))
    with pytest.raises(ConfigError, match=r"roof_mount_m: got '2', expected metres \(a number\)"):
        ClutterSettings(roof_mount_m="2")  # type: ignore[arg-type]
