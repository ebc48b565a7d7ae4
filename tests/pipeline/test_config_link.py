"""pipeline/config_link.py: the [wireless.link] sub-table, checked when set and read from TOML."""

from __future__ import annotations

from pathlib import Path

import pytest

from layers.errors import ConfigError
from pipeline.config import LinkSettings, config_from_dict
from tests.pipeline.test_config import MINIMAL_INPUTS


def test_link_settings_refuse_values_out_of_range() -> None:
    with pytest.raises(ConfigError, match=r"busy_hour_active_share: got 0.0, expected a share"):
        LinkSettings(busy_hour_active_share=0.0)
    with pytest.raises(ConfigError, match=r"take_up_share: got 1.5, expected a share > 0"):
        LinkSettings(take_up_share=1.5)
    with pytest.raises(ConfigError, match=r"foliage_depth_m: got 500.0, expected at most 400"):
        LinkSettings(foliage_depth_m=500.0)


def test_the_link_sub_table_is_read_under_wireless(tmp_path: Path) -> None:
    raw = {**MINIMAL_INPUTS, "wireless": {"link": {"rain_rate_mm_per_h": 40.0}}}
    link = config_from_dict(raw, tmp_path).wireless.link
    assert (link.rain_rate_mm_per_h, link.foliage_depth_m) == (40.0, 5.0)
    with pytest.raises(ConfigError, match=r"\[wireless.link\]: unknown key 'rain_mm'"):
        config_from_dict({**MINIMAL_INPUTS, "wireless": {"link": {"rain_mm": 1.0}}}, tmp_path)
