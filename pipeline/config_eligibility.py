"""The ``[eligibility]`` section: which premises the broadband support scheme can fund.

Loaded by :mod:`pipeline.config` like every section; :func:`check_eligibility` validates what a
single key cannot (rule names, the reference date). The rules themselves and their sources are
in :mod:`pipeline.eligibility`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from layers.errors import ConfigError

# the rules in the order they are tried; an address fails the first that applies to it
RULES = ("has_network", "planned", "funded", "upgradable", "obligation_5g")


@dataclass(frozen=True)
class EligibilitySettings:
    """``[eligibility]``: the support scheme's rules (bredbåndsstøtte under GBER art. 52)."""

    # Mbit/s down; an address with a counted offer at least this fast already has the network
    # the scheme would fund. Default 100: Nkom's consultation for the 2024 round (GBER as
    # amended 2023) maps premises lacking 100 Mbit/s (and those lacking 30); support goes to
    # premises without an offer of that speed (nkom.no, "Høring bredbånd støtteordning 2024")
    scheme_down_mbps: float = 100.0
    # years after the reference date; a planned build dated later does not count (the
    # consultation asks for operators' plans "de neste tre årene", GBER art. 52: three years)
    plan_horizon_years: float = 3.0
    # a planned area without a date (no date nor year column): counts as within the horizon
    undated_plans_count: bool = True
    # ISO date (YYYY-MM-DD) the horizon runs from; "" = the day of the run
    reference_date: str = ""
    # the rules that apply, any of RULES (tried in RULES' order whatever the order here)
    rules: tuple[str, ...] = RULES
    # metres; an address this close to a line of the existing fibre layer ([inputs].fibre) is
    # passed by fibre and so "upgradable" even without a fibre offer row; 0 = offer rows only
    fibre_passes_within_m: float = 0.0
    # metres; a row of the 5G obligation list with only coordinates names the nearest address
    # within this distance (Nkom's lists place a point at the building, the address point may
    # lie at the road)
    obligation_link_m: float = 50.0

    def reference(self, today: date) -> date:
        """The date the plan horizon runs from: ``reference_date``, else ``today``."""
        return date.fromisoformat(self.reference_date) if self.reference_date else today


def check_eligibility(settings: EligibilitySettings) -> None:
    """Refuse rule names outside :data:`RULES` and a reference date that is not ISO."""
    unknown = [rule for rule in settings.rules if rule not in RULES]
    if unknown:
        msg = f"[eligibility].rules: got {unknown}, expected some of {list(RULES)}"
        raise ConfigError(msg)
    if settings.reference_date:
        try:
            date.fromisoformat(settings.reference_date)
        except ValueError as exc:
            msg = (
                f"[eligibility].reference_date: got {settings.reference_date!r}, expected a"
                ' date YYYY-MM-DD or ""'
            )
            raise ConfigError(msg) from exc
    if not settings.scheme_down_mbps > 0:
        msg = f"[eligibility].scheme_down_mbps: got {settings.scheme_down_mbps}, expected > 0"
        raise ConfigError(msg)
