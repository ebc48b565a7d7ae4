"""pipeline/config_eligibility.py: the ``[eligibility]`` section, its defaults (with their
sources in the field comments) and its validation at load."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from layers.errors import ConfigError
from pipeline.config import config_from_dict
from pipeline.config_eligibility import RULES
from tests.fixtures import MINIMAL_INPUTS


def test_defaults_apply_every_rule_at_100_mbits_over_three_years(tmp_path: Path) -> None:
    settings = config_from_dict(dict(MINIMAL_INPUTS), tmp_path).eligibility
    assert settings.scheme_down_mbps == 100.0 and settings.plan_horizon_years == 3.0
    assert settings.rules == RULES and settings.undated_plans_count
    assert settings.fibre_passes_within_m == 0.0
    assert settings.reference(date(2026, 12, 7)) == date(2026, 12, 7)


def test_the_section_is_read(tmp_path: Path) -> None:
    raw = {
        **MINIMAL_INPUTS,
        "eligibility": {
            "scheme_down_mbps": 30.0,
            "rules": ["funded", "planned"],
            "reference_date": "2026-01-01",
        },
    }
    settings = config_from_dict(raw, tmp_path).eligibility
    assert settings.scheme_down_mbps == 30.0 and settings.rules == ("funded", "planned")
    assert settings.reference(date(2030, 1, 1)) == date(2026, 1, 1)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("rules", ["has_network", "cabins"], r"\[eligibility\]\.rules: got \['cabins'\]"),
        ("reference_date", "1.1.2026", r"\[eligibility\]\.reference_date: got '1.1.2026'"),
        ("scheme_down_mbps", 0.0, r"\[eligibility\]\.scheme_down_mbps: got 0.0"),
        ("horizon_years", 3.0, "unknown key 'horizon_years'"),
    ],
)
def test_bad_values_are_refused_naming_the_key(
    tmp_path: Path, key: str, value: object, expected: str
) -> None:
    with pytest.raises(ConfigError, match=expected):
        config_from_dict({**MINIMAL_INPUTS, "eligibility": {key: value}}, tmp_path)
