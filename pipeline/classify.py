"""Stage 6, classify: served / underserved / unserved per address and target.

For a target with speeds (D, U) and the basic floor (D0, U0), over the counted offers of an
address:

- ``served``: some offer has down >= D and up >= U (U omitted: no upload condition);
- ``underserved``: not served, but some offer has down >= D0 and up >= U0 (U0 = 0: no upload
  condition);
- ``unserved``: neither (including an address with no offer at all).

Each condition must hold for one offer: 200/5 from one operator and 50/50 from another do not
make 100/10.

An offer whose upload is unknown (NaN: a speed square whose class states none) meets an upload
condition ``up >= U`` only under ``[classify].unknown_upload = "meets"``; under ``"fails"`` (the
default) it meets none, exactly as an offer of 0 Mbit/s up would. Conditions on download alone
(U omitted) never look at the upload.

Copper switched off: ``class_no_copper_<target>`` is the same classification over the counted
offers without xDSL (what the gap table reports beside the ordinary figures).

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
# the class texts by code (0 unserved, 1 underserved, 2 served): an Arrow ``take`` of these
# builds a class column without converting a NumPy string per address (5.7 of 10.5 s at
# 300,000 addresses × 4 targets × 2 passes when the columns were NumPy strings)
_CLASS_BY_CODE = pd.array(["unserved", "underserved", "served"], dtype="str")


def offer_meets(
    offers: pd.DataFrame, down_mbps: float, up_mbps: float | None, unknown_upload: str = "fails"
) -> np.ndarray:
    """Per offer row: it meets both speeds (``unknown_upload``: ``"meets"`` or ``"fails"``,
    how a NaN upload is judged when ``up_mbps`` is set)."""
    meets = offers["down_mbps"].to_numpy("float64") >= down_mbps
    if up_mbps is not None:
        up = offers["up_mbps"].to_numpy("float64")
        meets &= (up >= up_mbps) | (np.isnan(up) & (unknown_upload == "meets"))
    return meets


def _address_codes(address_ids: pd.Series, offers: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """One integer code per distinct id over both tables (one factorisation, not one string
    search per target): the addresses' codes and the offers' codes."""
    ids, offer_ids = address_ids.to_numpy(), offers["address_id"].to_numpy()
    if not (ids.dtype.kind in "iu" and offer_ids.dtype.kind in "iu"):  # integer ids hash fast
        ids, offer_ids = ids.astype(object), offer_ids.astype(object)
    codes, _ = pd.factorize(
        np.concatenate([ids, offer_ids]),
        use_na_sentinel=False,  # a missing id is a value of its own, never another address's
    )
    return codes[: len(address_ids)], codes[len(address_ids) :]


def _any_offer(address_codes: np.ndarray, offer_codes: np.ndarray, meets: np.ndarray) -> np.ndarray:
    """Per address: at least one of its offers meets (``meets`` aligned to the offers)."""
    hit = np.zeros(int(max(address_codes.max(initial=-1), offer_codes.max(initial=-1))) + 1, bool)
    hit[offer_codes[meets]] = True
    served: np.ndarray = hit[address_codes]
    return served


def classify_addresses(
    offers: pd.DataFrame,
    address_ids: pd.Series,
    targets: Sequence[Target],
    floor_down_mbps: float,
    floor_up_mbps: float,
    lacking_mbps: np.ndarray | None = None,
    unknown_upload: str = "fails",
) -> pd.DataFrame:
    """One ``class_<target>`` column per target, aligned to ``address_ids``' index.

    ``lacking_mbps`` (aligned to ``address_ids``, NaN where not listed) caps the classes as the
    module docstring says; ``unknown_upload`` judges NaN uploads against the targets' and the
    floor's upload speeds.
    """
    address_codes, offer_codes = _address_codes(address_ids, offers)
    lacking = np.full(len(address_codes), np.nan) if lacking_mbps is None else lacking_mbps
    floor_up = floor_up_mbps if floor_up_mbps > 0 else None  # 0: the floor is download only
    floor_meets = offer_meets(offers, floor_down_mbps, floor_up, unknown_upload)
    above_floor = _any_offer(address_codes, offer_codes, floor_meets)
    above_floor &= ~(lacking <= floor_down_mbps)
    columns = {}
    for target in targets:
        meets = offer_meets(offers, target.down_mbps, target.up_mbps, unknown_upload)
        served = _any_offer(address_codes, offer_codes, meets) & ~(lacking <= target.down_mbps)
        code = np.where(served, 2, np.where(above_floor, 1, 0))
        columns[f"class_{target.name}"] = _CLASS_BY_CODE.take(code)
    return pd.DataFrame(columns, index=address_ids.index)


def without_copper(offers: pd.DataFrame) -> pd.DataFrame:
    """The offers that still count when the copper network is switched off (no xDSL)."""
    return offers.loc[offers["technology"] != "xdsl"]


def no_copper_columns(classes: pd.DataFrame) -> pd.DataFrame:
    """``class_<target>`` columns renamed ``class_no_copper_<target>``."""
    return classes.rename(columns=lambda c: c.replace("class_", "class_no_copper_", 1))


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
    """Classes per target (``class_<target>``), which households below each target the
    predicted wireless reach meets (``wireless_<target>``) and the classes with copper switched
    off (``class_no_copper_<target>``), aligned to the addresses."""

    classes: pd.DataFrame
    reachable: pd.DataFrame
    no_copper: pd.DataFrame

    def frames(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """The per-address columns of the stage, for the results table."""
        return self.classes, self.reachable, self.no_copper

    def detail(self, config: Config) -> dict[str, str]:
        """The stage's line on the console: addresses unserved for the map target."""
        target = config.classify.map_target
        unserved = self.classes[f"class_{target}"] == "unserved"
        return {f"unserved_{target}": str(int(unserved.sum()))}

    def counts(self, config: Config) -> dict[str, int]:
        """Addresses below the map target that wireless could reach, and that copper alone
        keeps at the target (for the manifest)."""
        target = config.classify.map_target
        served = self.classes[f"class_{target}"] == "served"
        lost = served & (self.no_copper[f"class_no_copper_{target}"] != "served")
        reachable = self.reachable[f"wireless_{target}"]
        return {
            f"reachable_by_wireless_below_{target}": int(reachable.sum()),
            f"served_by_copper_only_{target}": int(lost.sum()),
        }


def _classes(
    config: Config, addresses: pd.DataFrame, covered: Coverage, offers: pd.DataFrame
) -> pd.DataFrame:
    """:func:`classify_addresses` of ``offers`` under the run's settings."""
    trusted = config.coverage.trust_lacking_lists
    return classify_addresses(
        offers,
        addresses["address_id"],
        config.targets,
        config.classify.floor_down_mbps,
        config.classify.floor_up_mbps,
        covered.columns["nkom_lacking_mbps"].to_numpy() if trusted else None,
        config.classify.unknown_upload,
    )


def _wireless_served(
    config: Config, classes: pd.DataFrame, reachable: pd.DataFrame, prefix: str
) -> pd.DataFrame:
    """With ``[wireless].count_as_served``, wireless reach counts as served."""
    if not config.wireless.count_as_served:
        return classes
    classes = classes.copy()
    for target in config.targets:
        column = f"{prefix}{target.name}"
        classes[column] = classes[column].mask(reachable[f"wireless_{target.name}"], "served")
    return classes


def classify_stage(
    config: Config, addresses: pd.DataFrame, covered: Coverage, reach: pd.DataFrame
) -> Classified:
    """The classify stage: classes per target (Nkom's lacking lists capping them when
    trusted, unknown uploads judged by ``[classify].unknown_upload``), the same without
    copper, and wireless reach below each target; with ``[wireless].count_as_served``,
    wireless reach counts as served."""
    classes = _classes(config, addresses, covered, covered.offers)
    no_copper = no_copper_columns(
        _classes(config, addresses, covered, without_copper(covered.offers))
    )
    reachable = reachable_by_wireless(
        classes,
        reach["wireless_down_mbps"].to_numpy(),
        reach["wireless_up_mbps"].to_numpy(),
        config.targets,
    )
    no_copper_reachable = reachable_by_wireless(
        no_copper.rename(columns=lambda c: c.replace("class_no_copper_", "class_", 1)),
        reach["wireless_down_mbps"].to_numpy(),
        reach["wireless_up_mbps"].to_numpy(),
        config.targets,
    )
    return Classified(
        _wireless_served(config, classes, reachable, "class_"),
        reachable,
        _wireless_served(config, no_copper, no_copper_reachable, "class_no_copper_"),
    )
