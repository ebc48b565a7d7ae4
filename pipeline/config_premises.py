"""The ``[premises]`` section: who lives at an address, what counts toward the targets, what
is costed (:mod:`pipeline.premises`).

Defaults follow Nkom's practice: Nkom's broadband survey (bredbåndskartlegging) reports
*husstander* (households: dwellings, from the population register) and, apart, *fritidsboliger*
(holiday homes); households are what the coverage figures and the subsidy scheme count. The 2025
goal (Meld. St. 28 (2020–2021)) names households *and businesses* (husstander og virksomheter);
businesses are reported apart in the gap table, not added to the households. A config may count
or cost holiday homes and businesses too. Loaded by :mod:`pipeline.config` like every section;
:func:`check_premises` validates the class names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from layers.errors import ConfigError

# the premises classes of an address (pipeline/premises.py)
PREMISES_CLASSES: Final[tuple[str, ...]] = ("dwelling", "holiday_home", "business", "no_premises")
# classes that may count toward the targets or be costed (no_premises has nothing to count)
POLICY_CLASSES: Final[tuple[str, ...]] = ("dwelling", "holiday_home", "business")
UNLINKED_AS: Final[tuple[str, ...]] = ("dwelling", "no_premises")


@dataclass(frozen=True)
class PremisesSettings:
    """``[premises]``: linking addresses to buildings and the counting policy."""

    # classes whose units make up ``households`` (the figure every target counts); default:
    # Nkom's households only. "holiday_home" adds each holiday home as one unit, "business"
    # each business building as one unit
    counted_classes: tuple[str, ...] = ("dwelling",)
    # classes whose addresses the cost stage costs (when below the cost target)
    costed_classes: tuple[str, ...] = ("dwelling",)
    # m; a building that no address shares its cadastral unit with links to the nearest
    # address within this distance (assumption: a building point lies within ~50 m of its
    # address point on a rural plot); 0 = cadastral links only
    link_tolerance_m: float = 50.0
    # an address that no building links to: "dwelling" keeps the address file's households
    # (counted as unlinked in the manifest), "no_premises" counts nothing there
    unlinked_as: str = "dwelling"


def check_premises(settings: PremisesSettings) -> None:
    """Refuse class names outside :data:`POLICY_CLASSES`, a negative tolerance, and an
    ``unlinked_as`` outside :data:`UNLINKED_AS`."""
    for key in ("counted_classes", "costed_classes"):
        for name in getattr(settings, key):
            if name not in POLICY_CLASSES:
                msg = f"[premises].{key}: got {name!r}, expected some of {list(POLICY_CLASSES)}"
                raise ConfigError(msg)
    if not settings.counted_classes:
        msg = '[premises].counted_classes: got [], expected at least one class ("dwelling")'
        raise ConfigError(msg)
    if settings.link_tolerance_m < 0:
        msg = f"[premises].link_tolerance_m: got {settings.link_tolerance_m}, expected >= 0"
        raise ConfigError(msg)
    if settings.unlinked_as not in UNLINKED_AS:
        msg = (
            f"[premises].unlinked_as: got {settings.unlinked_as!r},"
            f" expected one of {list(UNLINKED_AS)}"
        )
        raise ConfigError(msg)
