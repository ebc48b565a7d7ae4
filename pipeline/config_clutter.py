"""The ``[wireless.clutter]`` sub-table: the rules that judge a path over a surface model
(DOM) or through forest polygons (:mod:`pipeline.radio.clutter`). Part of the configuration
schema (:mod:`pipeline.config_schema`; import from :mod:`pipeline.config`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from layers.errors import ConfigError

# the largest value each rule accepts: none of them is meant to reach beyond a building or a
# forest stand (Norway's tallest trees are about 45 m)
CLUTTER_LIMITS_M = {
    "clear_radius_m": 100.0,
    "on_structure_above_m": 50.0,
    "roof_mount_m": 30.0,
    "canopy_height_m": 60.0,
}


@dataclass(frozen=True)
class ClutterSettings:
    """``[wireless.clutter]``: where a CPE stands over a DOM, and how tall the forest is.
    Used only with ``[inputs] dom`` or ``forest``; sources in the README, "Clutter:
    buildings and forest"."""

    # m: samples this near either end read the DTM, not the DOM: the roof the CPE is mounted
    # on and the mast's own structure do not block (a detached house is ~10 m across)
    clear_radius_m: float = 10.0
    # m: the CPE stands on the roof where the DOM at the address is more than this above
    # the DTM (a storey is ~2.5-3 m); otherwise it stands in the open at cpe_height_m
    on_structure_above_m: float = 2.5
    roof_mount_m: float = 2.0  # m above the roof (DOM) of a CPE on a roof; assumption
    # m: a forest cell counts where the path passes lower than this above the ground;
    # assumption: a grown Norwegian spruce or pine stand is 15-25 m tall, birch 10-15 m
    canopy_height_m: float = 15.0

    def __post_init__(self) -> None:
        for rule in fields(self):
            value, most_m = getattr(self, rule.name), CLUTTER_LIMITS_M[rule.name]
            if not isinstance(value, int | float) or isinstance(value, bool):
                msg = f"[wireless.clutter].{rule.name}: got {value!r}, expected metres (a number)"
                raise ConfigError(msg)
            if not (math.isfinite(value) and 0.0 <= value <= most_m):
                msg = (
                    f"[wireless.clutter].{rule.name}: got {value}, expected metres from 0 to"
                    f" {most_m:g}"
                )
                raise ConfigError(msg)
