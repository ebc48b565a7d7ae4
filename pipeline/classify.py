"""Stage 6, classify: served / underserved / unserved per address and target.

For a target with speeds (D, U) and the basic floor (D0, U0), over the counted offers of an
address:

- ``served``: some offer has down >= D and up >= U (U omitted: no upload condition);
- ``underserved``: not served, but some offer has down >= D0 and up >= U0;
- ``unserved``: neither (including an address with no offer at all).

Each condition must hold for one offer: 200/5 from one operator and 50/50 from another do not
make 100/10.

With ``lacking_mbps`` (Nkom's lists of addresses lacking 30 / 100 Mbit/s, when trusted), an
address listed as lacking L Mbit/s is not served for any target with D >= L, and is below the
floor when D0 >= L, whatever the offers say.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.config import Config, Target
from pipeline.coverage import Coverage

CLASSES = ("served", "underserved", "unserved")


def addresses_meeting(offers: pd.DataFrame, down_mbps: float, up_mbps: float | None) -> np.ndarray:
    """Address ids with at least one offer meeting both speeds."""
    meets = offers["down_mbps"] >= down_mbps
    if up_mbps is not None:
        meets &= offers["up_mbps"] >= up_mbps
    return offers.loc[meets, "address_id"].unique()


def classify_addresses(
    offers: pd.DataFrame,
    address_ids: pd.Series,
    targets: Sequence[Target],
    floor_down_mbps: float,
    floor_up_mbps: float,
    lacking_mbps: np.ndarray | None = None,
) -> pd.DataFrame:
    """One ``class_<target>`` column per target, aligned to ``address_ids``' index.

    ``lacking_mbps`` (aligned to ``address_ids``, NaN where not listed) caps the classes as the
    module docstring says.
    """
    ids = address_ids.to_numpy()
    lacking = np.full(len(ids), np.nan) if lacking_mbps is None else lacking_mbps
    above_floor = np.isin(ids, addresses_meeting(offers, floor_down_mbps, floor_up_mbps))
    above_floor &= ~(lacking <= floor_down_mbps)
    columns = {}
    for target in targets:
        served = np.isin(ids, addresses_meeting(offers, target.down_mbps, target.up_mbps))
        served &= ~(lacking <= target.down_mbps)
        columns[f"class_{target.name}"] = np.select(
            [served, above_floor], ["served", "underserved"], default="unserved"
        )
    return pd.DataFrame(columns, index=address_ids.index)


def reachable_by_wireless(
    classes: pd.DataFrame, down_mbps: np.ndarray, up_mbps: np.ndarray, targets: Sequence[Target]
) -> pd.DataFrame:
    """``wireless_<target>``: below the target by fixed offers, but the predicted wireless
    speeds meet it ("kan nås trådløst")."""
    columns = {}
    for target in targets:
        meets = down_mbps >= target.down_mbps
        if target.up_mbps is not None:
            meets &= up_mbps >= target.up_mbps
        below = (classes[f"class_{target.name}"] != "served").to_numpy()
        columns[f"wireless_{target.name}"] = below & meets
    return pd.DataFrame(columns, index=classes.index)


@dataclass(frozen=True)
class Classified:
    """Classes per target (``class_<target>``) and which households below each target the
    predicted wireless reach meets (``wireless_<target>``), aligned to the addresses."""

    classes: pd.DataFrame
    reachable: pd.DataFrame

    def frames(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The per-address columns of the stage, for the results table."""
        return self.classes, self.reachable

    def detail(self, config: Config) -> dict[str, str]:
        """The stage's line on the console: addresses unserved for the map target."""
        target = config.classify.map_target
        unserved = self.classes[f"class_{target}"] == "unserved"
        return {f"unserved_{target}": str(int(unserved.sum()))}

    def counts(self, config: Config) -> dict[str, int]:
        """Addresses below the map target that wireless could reach (for the manifest)."""
        target = config.classify.map_target
        return {
            f"reachable_by_wireless_below_{target}": int(self.reachable[f"wireless_{target}"].sum())
        }


def classify_stage(
    config: Config, addresses: pd.DataFrame, covered: Coverage, reach: pd.DataFrame
) -> Classified:
    """The classify stage: classes per target (Nkom's lacking lists capping them when
    trusted) and wireless reach below each target; with ``[wireless].count_as_served``,
    wireless reach counts as served."""
    trusted = config.coverage.trust_lacking_lists
    classes = classify_addresses(
        covered.offers,
        addresses["address_id"],
        config.targets,
        config.classify.floor_down_mbps,
        config.classify.floor_up_mbps,
        covered.columns["nkom_lacking_mbps"].to_numpy() if trusted else None,
    )
    reachable = reachable_by_wireless(
        classes,
        reach["wireless_down_mbps"].to_numpy(),
        reach["wireless_up_mbps"].to_numpy(),
        config.targets,
    )
    if config.wireless.count_as_served:
        for target in config.targets:
            column = f"class_{target.name}"
            classes[column] = classes[column].mask(reachable[f"wireless_{target.name}"], "served")
    return Classified(classes, reachable)
