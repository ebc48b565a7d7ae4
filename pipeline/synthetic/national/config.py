"""``gapmap.toml`` of the national set: the demo's config with the set's paths and figures."""

from __future__ import annotations

import re

from pipeline.synthetic.demo import DEMO_CONFIG
from pipeline.synthetic.national.dataset import NationalDataset
from pipeline.synthetic.writers import config_text

CONFIG_HEADER = (
    "# gapmap config for the national-scale synthetic input set, written by\n"
    "# gapmap build-national (synthetic data on real SSB cells and kommune borders).\n"
)


def national_config_text(dataset: NationalDataset, name: str, tolerance_m: float) -> str:
    """The demo's template with the set's paths inside its folder, its run ``name`` and the
    snap ``tolerance_m``; the set has no kommune cost factors, and a road network only with
    ``--roads``: the lines for what is absent are left out."""
    inputs = {
        "kommuner": dataset.kommuner,
        "addresses": dataset.addresses,
        "offers": dataset.offers,
        "dtm": dataset.dtm,
        "sites": dataset.sites,
        "fibre": dataset.fibre,
        "roads": dataset.roads,
        "cost_factors": None,
        "planned_areas": None,
        "funded_areas": None,
        "obligation_5g": None,
        "buildings": None,  # no building points in the national set: "husstander = adresser"
    }
    text = config_text(DEMO_CONFIG, dataset.root, "out", inputs)
    edits = (
        (r'^name = "demo"$', f'name = "{name}"'),
        (r"^tolerance_m = [0-9.]+", f"tolerance_m = {tolerance_m:.1f}"),
    )
    for pattern, replacement in edits:
        text, count = re.subn(pattern, replacement, text, count=1, flags=re.MULTILINE)
        if count != 1:
            msg = f"pipeline/synthetic/demo.py DEMO_CONFIG changed: no line matches {pattern!r}"
            raise RuntimeError(msg)
    lines = [line for line in text.splitlines() if "built-in demo region" not in line]
    return CONFIG_HEADER + "\n".join(lines) + "\n"


def write_config(dataset: NationalDataset, name: str, tolerance_m: float) -> None:
    """Write :func:`national_config_text` to ``dataset.config``."""
    dataset.config.write_text(national_config_text(dataset, name, tolerance_m), encoding="utf-8")
