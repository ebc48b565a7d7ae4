"""pipeline/products/columns_nb.py: every published column has a Norwegian header with its
unit and a definition; an unknown column fails."""

from __future__ import annotations

import pytest

from pipeline.config import Config
from pipeline.products.columns_nb import (
    UnknownColumnError,
    describe,
    describe_all,
    target_label,
)
from tests.pipeline.products.conftest import hand_gap_table

# looked up by hand: every fixed column, one target's family and one share's family
EXPECTED_HEADERS = {
    "level": "Nivå",
    "fylkesnummer": "Fylkesnr.",
    "fylkesnavn": "Fylke",
    "kommunenummer": "Kommunenr.",
    "kommunenavn": "Navn",
    "addresses": "Adresser (antall)",
    "households": "Husstander (antall)",
    "served_households_no2025": "Husstander dekket (100 Mbit/s, mål 2025)",
    "underserved_households_no2025": "Husstander underdekket (100 Mbit/s, mål 2025)",
    "unserved_households_no2025": "Husstander udekket (100 Mbit/s, mål 2025)",
    "funded_households_no2025": "Husstander under mål i område med tilskudd (100 Mbit/s, mål 2025)",
    "planned_households_no2025": "Husstander under mål i planlagt område (100 Mbit/s, mål 2025)",
    "wireless_reachable_households_no2025": "Husstander under mål nåbare trådløst "
    "(100 Mbit/s, mål 2025)",
    "below_target_share_no2025": "Andel under mål (100 Mbit/s, mål 2025) (%)",
    "below_target_share_gigabit2030": "Andel under mål (1 Gbit/s, mål 2030) (%)",
    "households_below_cost_target": "Husstander kostnadsberegnet (antall)",
    "cost_nok": "Kostnad (kr)",
    "routes_capped": "Adresser med avkortet fiberrute (antall)",
    "fwa_doubtful_households": "Husstander med tvilsomt FWA-tilbud (antall)",
    "cost_per_household_nok": "Kostnad per husstand (kr)",
    "last_1pct_households": "Husstander, dyreste 1 % (antall)",
    "last_1pct_cost_nok": "Kostnad, dyreste 1 % (kr)",
    "last_1pct_cost_per_household_nok": "Kostnad per husstand, dyreste 1 % (kr)",
    "median_cost_per_household_nok": "Median kostnad per husstand (kr)",
    "subsidy_need_nok": "Tilskuddsbehov (kr)",
}


def test_the_copper_switched_off_column_has_a_header_per_target(config: Config) -> None:
    column = describe("below_target_households_no_copper_no2025", config.targets)
    assert column.header == "Husstander under mål uten kobber (100 Mbit/s, mål 2025)"
    assert "kobbernettet" in column.definition and column.kind == "count"


def test_every_gap_table_column_has_a_norwegian_header_and_definition(config: Config) -> None:
    table = hand_gap_table(config)
    described = describe_all(list(table.columns), config.targets)
    assert [c.name for c in described] == list(table.columns)
    headers = {c.name: c.header for c in described}
    for name, header in EXPECTED_HEADERS.items():
        assert headers[name] == header, name
    assert all(c.definition.endswith(".") and len(c.definition) > 20 for c in described)
    assert len({c.header for c in described}) == len(described)  # one header per column
    kinds = {c.name: c.kind for c in described}
    assert kinds["cost_nok"] == "nok" and kinds["below_target_share_eu_vhcn"] == "share"
    assert kinds["last_5pct_households"] == "households" and kinds["kommunenummer"] == "code"


def test_last_share_households_are_said_to_be_whole_and_rounded_up(config: Config) -> None:
    column = describe("last_10pct_households", config.targets)
    assert column.header == "Husstander, dyreste 10 % (antall)"
    assert "Hele husstander" in column.definition and "avrundet opp" in column.definition
    half = describe("last_0_5pct_cost_nok", config.targets)
    assert half.header == "Kostnad, dyreste 0,5 % (kr)"


def test_an_unknown_column_fails_naming_it(config: Config) -> None:
    with pytest.raises(UnknownColumnError, match=r"'households_in_2031'.*columns_nb\.py"):
        describe_all(["households", "households_in_2031"], config.targets)
    with pytest.raises(UnknownColumnError, match="served_households_no2040"):
        describe("served_households_no2040", config.targets)  # not a target of this run
    with pytest.raises(UnknownColumnError, match="address table"):
        describe("subsidy_need_nok", config.targets, "address")  # a gap column only


def test_address_download_columns_have_headers(config: Config) -> None:
    names = ["address_id", "address_text", "class_no2025", "best_down_mbps", "cost_nok"]
    described = describe_all(names, config.targets, "address")
    assert [c.header for c in described] == [
        "Adresse-ID",
        "Adresse",
        "Klasse (100 Mbit/s, mål 2025)",
        "Beste tilbud: ned (Mbit/s)",
        "Kostnad (kr)",
    ]
    assert described[-1].definition != describe("cost_nok", config.targets).definition


def test_target_labels_lose_their_brackets(config: Config) -> None:
    labels = [target_label(t) for t in config.targets]
    assert labels == [
        "100 Mbit/s, mål 2025",
        "1 Gbit/s, mål 2030",
        "1000/200 Mbit/s, EU VHCN",
        "30 Mbit/s, støtteklasse a",
    ]
