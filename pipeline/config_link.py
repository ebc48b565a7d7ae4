"""The ``[wireless.link]`` sub-table: the link budget's settings that are about the place and
the load, not the radio (the radios' own figures are :data:`pipeline.radio.throughput.RADIOS`).
Part of the configuration schema (:mod:`pipeline.config_schema`; import from
:mod:`pipeline.config`).
"""

from __future__ import annotations

from dataclasses import dataclass

from layers.errors import ConfigError


@dataclass(frozen=True)
class LinkSettings:
    """``[wireless.link]``: what the link budget of :mod:`pipeline.radio.throughput` assumes
    about rain, trees, interference and how many households share a sector. Sources in the
    README, "Predicted speeds: a link budget"."""

    # mm/h, rain rate the budget plans for (exceeded 0.01 % of the year); assumption: ITU-R
    # P.837-1 Table 1 gives 22 mm/h in climate zone E and 28 in F, and Norwegian gauges show
    # the rate rising since 1967 (Radio Science 49, 2014, doi:10.1002/2014RS005477)
    rain_rate_mm_per_h: float = 25.0
    # m of trees in every path (Weissberger); assumption: one row of garden or roadside trees
    # (the DTM carries no forest)
    foliage_depth_m: float = 5.0
    # dB taken off every SINR for other cells' interference; assumption
    interference_margin_db: float = 3.0
    # share of a sector's households downloading at the same moment in the busy hour; each
    # gets an equal share of the sector's time; assumption (BEREC's VHCN speeds are busy-hour)
    busy_hour_active_share: float = 0.2
    # share of the households an existing site covers that take its service (a new mast is
    # taken by every household below target it reaches); assumption
    take_up_share: float = 0.25
    sectors_per_site: int = 3  # sectors per site, households spread evenly; assumption

    def __post_init__(self) -> None:
        for key in ("busy_hour_active_share", "take_up_share"):
            share = getattr(self, key)
            if not 0.0 < share <= 1.0:
                msg = f"[wireless.link].{key}: got {share}, expected a share > 0 and <= 1"
                raise ConfigError(msg)
        if self.foliage_depth_m > 400.0:
            msg = (
                f"[wireless.link].foliage_depth_m: got {self.foliage_depth_m}, expected at most"
                " 400 m (the range of Weissberger's model)"
            )
            raise ConfigError(msg)
        if self.sectors_per_site < 1:
            msg = f"[wireless.link].sectors_per_site: got {self.sectors_per_site}, expected >= 1"
            raise ConfigError(msg)
