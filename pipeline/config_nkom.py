"""The ``[nkom]`` section: how Nkom's own address-level tables are read into coverage.

The tables themselves are ``[inputs]`` keys (``nkom_addresses``, ``nkom_fixed``,
``nkom_mobile``; :mod:`layers.nkom_address_data`). Loaded by :mod:`pipeline.config` like every
section; :func:`check_nkom` validates what a single key cannot.
"""

from __future__ import annotations

from dataclasses import dataclass

from layers.errors import ConfigError
from layers.vocabulary import TECHNOLOGIES


@dataclass(frozen=True)
class NkomSettings:
    """``[nkom]``: policy for Nkom's fixed-broadband table (``fbb``)."""

    # policy: does a fibre that only passes a home (hc = false, "homes passed") count as
    # coverage? Default true, Nkom's practice: its coverage figures count both the homes that
    # subscribe and those that can connect to the network (nkom.no, "God tilgang på bredbånd
    # er avhengig av hvor du bor i Norge", 2021). false: only hc = true fibre rows count.
    count_homes_passed: bool = True
    # the technology of fbb rows with tek = "annet" (other). Assumption: the one large fixed
    # technology Nkom's list does not name is copper (xDSL), so "xdsl"; one of the vocabulary
    # (fiber, hfc, xdsl, fwa, mobile_5g, mobile_4g, satellite)
    annet_technology: str = "xdsl"


def check_nkom(settings: NkomSettings) -> None:
    """Refuse an ``annet_technology`` outside the technology vocabulary."""
    if settings.annet_technology not in TECHNOLOGIES:
        msg = (
            f"[nkom].annet_technology: got {settings.annet_technology!r}, expected one of"
            f" {list(TECHNOLOGIES)}"
        )
        raise ConfigError(msg)
