"""The [premises] section: defaults follow Nkom, names and tolerance are checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from layers.errors import ConfigError
from pipeline.config import config_from_dict
from pipeline.config_premises import PremisesSettings, check_premises

INPUTS = {"kommuner": "k.geojson", "addresses": "a.csv", "offers": "o.csv"}


def test_defaults_count_and_cost_households_only() -> None:
    config = config_from_dict({"inputs": INPUTS}, Path("."))
    assert config.premises.counted_classes == ("dwelling",)
    assert config.premises.costed_classes == ("dwelling",)
    assert config.premises.link_tolerance_m == 50.0
    assert config.inputs.buildings is None


def test_the_section_and_the_buildings_input_load() -> None:
    raw = {
        "inputs": INPUTS | {"buildings": "bygg.gpkg"},
        "premises": {"counted_classes": ["dwelling", "business"], "link_tolerance_m": 25.0},
    }
    config = config_from_dict(raw, Path("/data"))
    assert config.premises.counted_classes == ("dwelling", "business")
    assert config.inputs.buildings == Path("/data/bygg.gpkg")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (PremisesSettings(counted_classes=("cabin",)), "counted_classes: got 'cabin'"),
        (PremisesSettings(costed_classes=("no_premises",)), "costed_classes: got 'no_premises'"),
        (PremisesSettings(counted_classes=()), "expected at least one class"),
        (PremisesSettings(link_tolerance_m=-1.0), "link_tolerance_m: got -1.0, expected >= 0"),
        (PremisesSettings(unlinked_as="cabin"), "unlinked_as: got 'cabin'"),
    ],
)
def test_bad_policy_is_refused(settings: PremisesSettings, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        check_premises(settings)


def test_unknown_key_is_refused_with_the_nearest() -> None:
    raw = {"inputs": INPUTS, "premises": {"link_tolerance": 25.0}}
    with pytest.raises(ConfigError, match="link_tolerance_m"):
        config_from_dict(raw, Path("."))
