"""``[scenarios.<name>]``: "what if" questions a run answers beside its own figures.

Each scenario changes some of what decides a class or a cost, and the run computes its stages
from classify onward again on the same inputs (:mod:`pipeline.scenarios`, no new ingest)::

    [scenarios.kobber_av]
    label_nb = "Kobbernettet slått av"
    copper_off = true                 # xDSL offers are not counted

    [scenarios.planer_levert]
    label_nb = "Planlagte og støttede utbygginger levert innen 2027"
    planned_delivered = true          # addresses in planned areas get the delivered offer
    funded_delivered = true           # … and in funded areas
    delivered_by = "2027-12-31"       # only areas whose build date is on or before it
    delivered_down_mbps = 1000.0      # the delivered offer (fibre 1000/1000 by default)
    delivered_up_mbps = 1000.0

    [scenarios.mobil_teller]
    count_mobile = true               # mobile offers count (and count_satellite)

    [scenarios.gigabit_2025]
    target_speeds = { no2025 = [1000, 100] }   # a target's speeds changed (down, up)

    [scenarios.budsjett_50]
    budget_nok = 50_000_000           # what NOK 50 M reaches, cheapest households first

A scenario may combine any of these. Names are lower-case letters, digits and ``_``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from layers.errors import ConfigError
from layers.vocabulary import MAX_PLAUSIBLE_MBPS, TECHNOLOGIES

NAME: Final = re.compile(r"[a-z][a-z0-9_]{0,39}")
BASE: Final = "base"  # the run itself, in the comparison tables
BASE_LABEL_NB: Final = "Dagens data"


@dataclass(frozen=True)
class Scenario:
    """One ``[scenarios.<name>]`` table (module docstring)."""

    name: str
    label_nb: str = ""
    copper_off: bool = False
    count_mobile: bool | None = None  # None: as [classify]
    count_satellite: bool | None = None
    planned_delivered: bool = False
    funded_delivered: bool = False
    delivered_by: str = ""  # YYYY-MM-DD; "" = every area, dated or not
    delivered_down_mbps: float = 1000.0
    delivered_up_mbps: float = 1000.0
    delivered_technology: str = "fiber"
    target_speeds: tuple[tuple[str, float, float | None], ...] = ()
    budget_nok: float | None = None

    @property
    def label(self) -> str:
        return self.label_nb or self.name

    @property
    def delivered_by_date(self) -> date | None:
        return date.fromisoformat(self.delivered_by) if self.delivered_by else None


_BOOLS: Final = ("copper_off", "planned_delivered", "funded_delivered")
_OPTIONAL_BOOLS: Final = ("count_mobile", "count_satellite")
_SPEEDS: Final = ("delivered_down_mbps", "delivered_up_mbps")
KEYS: Final = (
    "label_nb",
    *_BOOLS,
    *_OPTIONAL_BOOLS,
    "delivered_by",
    *_SPEEDS,
    "delivered_technology",
    "target_speeds",
    "budget_nok",
)


def _flag(where: str, value: Any) -> bool:
    if not isinstance(value, bool):
        msg = f"{where}: got {value!r}, expected true or false"
        raise ConfigError(msg)
    return value


def _speed(where: str, value: Any, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not (0 < value <= MAX_PLAUSIBLE_MBPS)
    ):
        msg = f"{where}: got {value!r}, expected a speed above 0 and at most 100000 Mbit/s"
        raise ConfigError(msg)
    return float(value)


def _target_speeds(
    where: str, value: Any, targets: Sequence[str]
) -> tuple[tuple[str, float, float | None], ...]:
    """``{ no2025 = [1000, 100] }`` → ``(("no2025", 1000.0, 100.0),)``."""
    if not isinstance(value, dict) or not value:
        msg = f"{where}: got {value!r}, expected a table such as {{ no2025 = [1000, 100] }}"
        raise ConfigError(msg)
    speeds = []
    for name, pair in value.items():
        if name not in targets:
            msg = f"{where}: got target {name!r}, expected one of the targets {list(targets)}"
            raise ConfigError(msg)
        if not isinstance(pair, list) or len(pair) not in (1, 2):
            msg = f"{where}.{name}: got {pair!r}, expected [down_mbps, up_mbps] or [down_mbps]"
            raise ConfigError(msg)
        down = _speed(f"{where}.{name}", pair[0])
        up = _speed(f"{where}.{name}", pair[1]) if len(pair) == 2 else None
        speeds.append((name, float(down or 0.0), up))
    return tuple(speeds)


def _delivered_by(where: str, value: Any) -> str:
    if not isinstance(value, str):
        msg = f'{where}: got {value!r}, expected a date as "YYYY-MM-DD"'
        raise ConfigError(msg)
    if value:
        try:
            date.fromisoformat(value)
        except ValueError:
            msg = f'{where}: got {value!r}, expected a date as "YYYY-MM-DD"'
            raise ConfigError(msg) from None
    return value


def _scenario(name: str, given: Any, targets: Sequence[str]) -> Scenario:
    where = f"[scenarios.{name}]"
    if not NAME.fullmatch(name) or name == BASE:
        msg = f"{where}: got the name {name!r}, expected lower-case letters, digits and _"
        raise ConfigError(msg)
    if not isinstance(given, dict):
        msg = f"{where}: got {given!r}, expected a table of keys"
        raise ConfigError(msg)
    unknown = [k for k in given if k not in KEYS]
    if unknown:
        msg = f"{where}: unknown key {unknown[0]!r}; expected one of {list(KEYS)}"
        raise ConfigError(msg)
    values: dict[str, Any] = {}
    for key, value in given.items():
        at = f"{where}.{key}"
        if key in _BOOLS or key in _OPTIONAL_BOOLS:
            values[key] = _flag(at, value)
        elif key in _SPEEDS:
            values[key] = _speed(at, value)
        elif key == "target_speeds":
            values[key] = _target_speeds(at, value, targets)
        elif key == "delivered_by":
            values[key] = _delivered_by(at, value)
        elif key == "budget_nok":
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                msg = f"{at}: got {value!r}, expected an amount of kroner above 0"
                raise ConfigError(msg)
            values[key] = float(value)
        elif key == "delivered_technology":
            if value not in TECHNOLOGIES:
                msg = f"{at}: got {value!r}, expected one of {list(TECHNOLOGIES)}"
                raise ConfigError(msg)
            values[key] = value
        elif not isinstance(value, str):
            msg = f"{at}: got {value!r}, expected a string"
            raise ConfigError(msg)
        else:
            values[key] = value
    scenario = Scenario(name, **values)
    if scenario == Scenario(name, label_nb=scenario.label_nb):
        msg = f"{where}: changes nothing; expected at least one of {list(KEYS[1:])}"
        raise ConfigError(msg)
    return scenario


def build_scenarios(given: Any, targets: Sequence[str]) -> tuple[Scenario, ...]:
    """The ``[scenarios]`` tables, in the config's order; :class:`ConfigError` names the key."""
    if not isinstance(given, Mapping):
        msg = f"[scenarios]: got {given!r}, expected tables [scenarios.<name>]"
        raise ConfigError(msg)
    return tuple(_scenario(str(name), spec, targets) for name, spec in given.items())
