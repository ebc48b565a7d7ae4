"""maps/cost_curve_png.py: the cost curve drawn as a PNG, its ticks in Norwegian."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from layers.errors import InputError
from maps.cost_curve_png import CostCurveImage, format_tick_nb, plot_cost_curve
from pipeline.planning.cost_curve import cost_curve
from tests.fixtures import FOUR_COSTED


def test_cost_curve_plot_is_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = plot_cost_curve(cost_curve(FOUR_COSTED), tmp_path / "kurve.png", "Kostnadskurve")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_one_reused_figure_draws_each_kommune_curve_at_480_by_300(tmp_path: Path) -> None:
    from PIL import Image

    image = CostCurveImage()
    two = cost_curve(
        pd.concat(
            [
                FOUR_COSTED,
                FOUR_COSTED.assign(kommunenummer="4205", cost_nok=FOUR_COSTED["cost_nok"] * 40),
            ]
        )
    )
    pngs = [image.png(rows, f"Kostnadskurve, {knr}") for knr, rows in two.groupby("kommunenummer")]
    long_name = image.png(two.head(1), "Kostnadskurve, Storfjord - Omasvuotna - Omasvuono $x$")
    for png in [*pngs, long_name]:
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        with Image.open(io.BytesIO(png)) as decoded:
            assert decoded.size == (CostCurveImage.WIDTH_PX, CostCurveImage.HEIGHT_PX)
    assert pngs[0] != pngs[1]  # the reused figure really redraws (other limits, other title)
    assert image.png(two[two["kommunenummer"] == "4204"], "Kostnadskurve, 4204") == pngs[0]
    with pytest.raises(InputError, match="no costed households"):
        image.png(two.iloc[0:0], "tom")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.0, "0"),
        (-0.0, "0"),
        (2.5, "2,5"),
        (0.004, "0,004"),
        (1200.0, "1 200"),
        (12_000, "12 000"),
        (0.1 + 0.2, "0,3"),
        (1e-17, "0"),
    ],
)
def test_axis_ticks_are_norwegian_numbers(value: float, expected: str) -> None:
    assert format_tick_nb(value) == expected
