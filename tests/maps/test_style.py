"""maps/style.py: targets, layer names and technology labels in Norwegian."""

from __future__ import annotations

import pytest

from maps import style
from maps.areas import area_popup_html
from maps.style import TargetSpec
from tests.maps.map_inputs import TARGETS, two_areas


def test_target_spec_rejects_bad_values() -> None:
    with pytest.raises(ValueError, match="down_mbps"):
        TargetSpec("x", 0.0, None, "x")
    with pytest.raises(ValueError, match="not valid"):
        TargetSpec("no 2025", 100.0, 10.0, "x")


def test_target_speed_labels_are_norwegian() -> None:
    assert TARGETS[0].speed_label_nb == "100/10 Mbit/s"
    assert TARGETS[1].speed_label_nb == "1 000 Mbit/s"


def test_new_mast_cost_option_has_its_label_and_unknown_options_show_escaped() -> None:
    areas = two_areas()
    areas["technology"] = ["fwa_new_site", "<i>laser</i>"]
    new_mast, unknown = (area_popup_html(r) for r in areas.to_dict("records"))
    assert '<td>Teknologi</td><td class="num">Fast trådløst, ny mast</td>' in new_mast
    assert "&lt;i&gt;laser&lt;/i&gt;" in unknown and "<i>" not in unknown
    assert style.technology_label_nb("fwa_new_site") == "Fast trådløst, ny mast"
    assert style.technology_label_nb("satellite") == "Satellitt"
    assert style.technology_label_nb("laser") == "laser"
    assert style.technology_label_nb(None) is None
    no_option = area_popup_html({**areas.iloc[0].to_dict(), "technology": None})
    assert '<td>Teknologi</td><td class="num">–</td>' in no_option
