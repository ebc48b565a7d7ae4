"""Stage 5, classify: served / underserved / unserved per address and target.

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

import numpy as np
import pandas as pd

from pipeline.config import Target

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
