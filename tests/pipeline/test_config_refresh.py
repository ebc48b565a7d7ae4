"""pipeline/config_refresh.py: the ``[fetch]`` and ``[freshness]`` sections, their defaults and
their validation at load (each message names the key, what was got and what was expected)."""

from __future__ import annotations

from pathlib import Path

import pytest

from layers.errors import ConfigError
from pipeline.config import config_from_dict
from pipeline.config_refresh import FetchConfig, fetch_options
from tests.fixtures import MINIMAL_INPUTS


def _config(tmp_path: Path, **sections: dict[str, object]) -> object:
    return config_from_dict({**MINIMAL_INPUTS, **sections}, tmp_path)


def test_without_the_sections_nothing_is_fetched_or_checked(tmp_path: Path) -> None:
    config = config_from_dict(dict(MINIMAL_INPUTS), tmp_path)
    assert config.fetch.kommuner == () and config.fetch.folder is None
    assert config.freshness.monthly_inputs == () and not config.freshness.allow_stale
    assert config.freshness.max_age_days == 45.0


def test_the_sections_are_read_and_the_folder_resolves_against_the_config(tmp_path: Path) -> None:
    config = config_from_dict(
        {
            **MINIMAL_INPUTS,
            "fetch": {"kommuner": ["4204=Kristiansand"], "folder": "geonorge", "max_age_days": 0},
            "freshness": {"monthly_inputs": ["offers", "addresses"], "max_age_days": 31},
        },
        tmp_path,
    )
    assert config.fetch.kommuner == ("4204=Kristiansand",)
    assert config.fetch.folder == tmp_path / "geonorge"
    assert config.fetch.max_age_days == 0.0
    assert config.freshness.monthly_inputs == ("offers", "addresses")
    assert config.freshness.max_age_days == 31.0


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        (
            {"freshness": {"monthly_inputs": ["ofers"]}},
            "[freshness].monthly_inputs: got 'ofers' (did you mean 'offers'?); expected keys of"
            " [inputs] that name files",
        ),
        (
            {"freshness": {"monthly_inputs": ["roads_layer"]}},
            "[freshness].monthly_inputs: got 'roads_layer'",
        ),
        (
            {"freshness": {"monthly_inputs": ["sites"]}},
            "[freshness].monthly_inputs: got 'sites', but [inputs].sites is not set",
        ),
        (
            {"freshness": {"monthly_inputs": "offers, addresses"}},
            "[freshness].monthly_inputs: got 'offers, addresses'",
        ),
        (
            {"freshness": {"max_age_days": -3}},
            "[freshness].max_age_days: got -3, expected a number >= 0",
        ),
        (
            {"freshness": {"allow_stale": "yes"}},
            "[freshness].allow_stale: got 'yes', expected true or false",
        ),
        (
            {"freshness": {"monthly_input": ["offers"]}},
            "[freshness]: unknown key 'monthly_input' (did you mean 'monthly_inputs'?)",
        ),
        (
            {"fetch": {"kommuner": ["4204=Kristiansand"]}},
            "[fetch].folder: not set, but [fetch].kommuner is ['4204=Kristiansand']",
        ),
        (
            {"fetch": {"kommuner": ["0301"], "folder": "g", "base_url": "ftp://x"}},
            "[fetch].base_url: got 'ftp://x'; expected an http(s):// URL",
        ),
        (
            {"fetch": {"kommune": ["0301"]}},
            "[fetch]: unknown key 'kommune' (did you mean 'kommuner'?)",
        ),
    ],
)
def test_a_wrong_key_or_value_is_refused_naming_it(
    tmp_path: Path, sections: dict[str, dict[str, object]], message: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        _config(tmp_path, **sections)
    # the "monthly_inputs" that is a string: a string is one value, not a key of [inputs]
    assert message in str(refused.value)


def test_a_monthly_input_that_is_a_list_of_files_is_accepted(tmp_path: Path) -> None:
    inputs = {**MINIMAL_INPUTS["inputs"], "speed_squares": ["a.shp", "b.shp"]}
    config = config_from_dict(
        {"inputs": inputs, "freshness": {"monthly_inputs": ["speed_squares"]}}, tmp_path
    )
    assert config.freshness.monthly_inputs == ("speed_squares",)


def test_fetch_options_take_the_options_given_else_the_config(tmp_path: Path) -> None:
    planned = FetchConfig(
        kommuner=("4204=Kristiansand",),
        folder=tmp_path / "g",
        max_age_days=1.0,
        base_url="http://127.0.0.1:1",
    )
    assert fetch_options(planned, None, None, None, None) == (
        ["4204=Kristiansand"],
        tmp_path / "g",
        "http://127.0.0.1:1",
        1.0,
    )
    given = fetch_options(planned, ["0301=Oslo"], tmp_path / "o", "http://h", 0.0)
    assert given == (["0301=Oslo"], tmp_path / "o", "http://h", 0.0)
    assert fetch_options(FetchConfig(), None, tmp_path, None, None) == ([], tmp_path, None, 1.0)
    assert fetch_options(FetchConfig(), None, None, None, None) == ([], Path(), None, 1.0)
    assert fetch_options(None, ["0301"], tmp_path, None, None) == (["0301"], tmp_path, None, None)


def test_fetch_options_without_any_folder_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"--out: not given; expected the folder"):
        fetch_options(None, ["0301=Oslo"], None, None, None)
