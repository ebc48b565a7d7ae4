"""pipeline/synthetic/national/offers.py: the set's offers read cleanly, in the vocabulary."""

from __future__ import annotations

from typing import Any

import pytest

from layers.addresses import read_addresses
from layers.offers import read_offers
from layers.vocabulary import TECHNOLOGIES


@pytest.mark.realdata
def test_offers_read_cleanly_with_the_technology_vocabulary(built: Any) -> None:
    offers = read_offers(built.offers)
    addresses = read_addresses(built.addresses).accepted

    assert len(offers.quarantine) == 0
    assert set(offers.accepted["technology"]) <= set(TECHNOLOGIES)
    assert {"fiber", "xdsl", "mobile_4g"} <= set(offers.accepted["technology"])
    assert offers.accepted["address_id"].isin(addresses["address_id"]).all()
