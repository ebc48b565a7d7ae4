"""pipeline/ingest.py: every input layer read and reconciled; rows naming an address the address
layer does not hold go to quarantine, and each layer's rows read = accepted + merged +
quarantined. On the tiny region (``tests.fixtures.write_tiny_region``) with two Nkom lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from layers.addresses import KARTVERKET_COLUMNS
from layers.errors import ConfigError, InputError
from pipeline.config import config_from_dict, load_config
from pipeline.ingest import ingest
from tests.fixtures import (
    MINIMAL_INPUTS,
    OFFERS_HEADER,
    TINY_X0,
    TINY_Y0,
    address_row,
    write_plane_dtm,
)


def _with_lacking_lists(config: Path) -> Path:
    """The tiny region with Nkom's lists: 1001 and 1002 lack 30 Mbit/s (a third row has no id),
    1001 lacks 100 Mbit/s too and so does 777, an address the region does not have."""
    folder = config.parent
    (folder / "mangler30.csv").write_text(
        "adresseid;adresse\n1001;Gate 1\n1002;Gate 2\n;Uten id\n", encoding="utf-8"
    )
    (folder / "mangler100.csv").write_text(
        "adresseid;adresse\n1001;Gate 1\n777;Ukjent\n", encoding="utf-8"
    )
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text + 'lacking_30 = "mangler30.csv"\nlacking_100 = "mangler100.csv"\n', encoding="utf-8"
    )
    return config


def test_every_layer_reconciles_and_unknown_addresses_are_quarantined(tiny_region: Path) -> None:
    ingested = ingest(load_config(_with_lacking_lists(tiny_region)))
    counts = ingested.counts.set_index("layer")
    assert counts.index.tolist() == [
        "kommuner",
        "addresses",
        "offers",
        "nkom_lacking",
        "nkom_lacking",
        "fibre",
    ]
    # (read, accepted, merged, quarantined, outside a preview): 2 bad addresses; the dsl-ish
    # offer and the offer for address 9999999; the list row without an id; 777, not in the
    # address layer
    assert counts.values.tolist() == [
        [2, 2, 0, 0, 0],
        [20, 18, 0, 2, 0],
        [17, 15, 0, 2, 0],
        [3, 2, 0, 1, 0],
        [2, 1, 0, 1, 0],
        [1, 1, 0, 0, 0],
    ]
    quarantine = ingested.quarantine
    assert len(quarantine) == counts["rows_quarantined"].sum()
    unknown = quarantine.loc[quarantine["key"].isin(["9999999", "777"])]
    assert (
        unknown["reason"].tolist()
        == ["address_id: not in the address layer (or quarantined there)"] * 2
    )
    no_id = quarantine.loc[(quarantine["layer"] == "nkom_lacking") & (quarantine["key"] == "")]
    assert no_id["row_number"].tolist() == [4]


def test_every_list_row_is_kept_with_its_date(tiny_region: Path) -> None:
    """One row per list row (pipeline.coverage takes the lowest speed of the rows that no
    newer offer overrides); undated lists give NaT, a dated one the config's date."""
    ingested = ingest(load_config(_with_lacking_lists(tiny_region)))
    lacking = ingested.lacking
    assert lacking[["address_id", "lacking_mbps"]].to_dict("records") == [
        {"address_id": 1001, "lacking_mbps": 30.0},
        {"address_id": 1002, "lacking_mbps": 30.0},
        {"address_id": 1001, "lacking_mbps": 100.0},
    ]
    assert lacking["source_date"].isna().all()
    config = tiny_region  # the lists are configured already
    config.write_text(
        config.read_text(encoding="utf-8") + 'lacking_100_date = "2025-06-30"\n', encoding="utf-8"
    )
    dated = ingest(load_config(config)).lacking
    assert dated["source_date"].astype("string").fillna("").tolist() == ["", "", "2025-06-30"]


def test_what_is_not_configured_is_none_and_fylker_get_a_name(tiny_region: Path) -> None:
    ingested = ingest(load_config(tiny_region))
    assert ingested.sites is None and ingested.roads is None and ingested.areas is None
    assert ingested.cost_factors is None
    assert len(ingested.fibre) == 1 and len(ingested.offers) == 15
    assert ingested.lacking.empty
    # no fylke file and no 2024 fylke 99: the number stands for the name
    assert ingested.fylker.to_dict("records") == [{"fylkesnummer": "99", "fylkesnavn": "Fylke 99"}]


def test_an_offers_file_with_only_its_header_stops_the_run(tiny_region: Path) -> None:
    (tiny_region.parent / "dekning.csv").write_text(OFFERS_HEADER + "\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        ingest(load_config(tiny_region))
    message = str(raised.value)
    assert "dekning.csv): 0 of 18 addresses (0.0%) have an offer row" in message
    assert "lower [checks].min_addresses_with_offer_share to go on anyway" in message
    tiny_region.write_text(
        tiny_region.read_text(encoding="utf-8")
        + "[checks]\nmin_addresses_with_offer_share = 0.0\n",
        encoding="utf-8",
    )
    assert len(ingest(load_config(tiny_region)).offers) == 0  # told to go on, it goes on


def test_a_layer_that_loses_too_many_rows_stops_the_run_naming_the_usual_reason(
    tiny_region: Path,
) -> None:
    addresses = tiny_region.parent / "adresser.csv"
    text = addresses.read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    header, first = lines[0], lines[1].split(";")
    bad = []
    for n in range(12):  # twelve rows without coordinates: 14 of 32 rows quarantined, 44 %
        fields = list(first)
        fields[header.split(";").index("adresseId")] = str(5000 + n)
        fields[header.split(";").index("Nord")] = ""
        bad.append(";".join(fields))
    addresses.write_text("\n".join([*lines, *bad]) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        ingest(load_config(tiny_region))
    message = str(raised.value)
    assert "addresses (" in message and "adresser.csv" in message
    assert "14 of 32 rows (44%) are quarantined, most often 'Nord/Øst" in message
    assert "raise [checks].max_quarantined_share to go on anyway" in message


def test_check_shares_are_shares(tmp_path: Path) -> None:
    raw = {**MINIMAL_INPUTS, "checks": {"max_quarantined_share": 25}}
    with pytest.raises(ConfigError, match=r"\[checks\]\.max_quarantined_share: got 25.0"):
        config_from_dict(raw, tmp_path)


def _swap_positions(addresses: Path) -> None:
    """Exchange Nord and Øst in every row of the tiny region's address file."""
    lines = addresses.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(";")
    nord, ost = header.index("Nord"), header.index("Øst")
    swapped = [lines[0]]
    for line in lines[1:]:
        fields = line.split(";")
        fields[nord], fields[ost] = fields[ost], fields[nord]
        swapped.append(";".join(fields))
    addresses.write_text("\n".join(swapped) + "\n", encoding="utf-8")


def test_a_file_of_swapped_positions_stops_the_run_naming_the_swap_once(tiny_region: Path) -> None:
    addresses = tiny_region.parent / "adresser.csv"
    original = addresses.read_text(encoding="utf-8-sig").splitlines()
    _swap_positions(addresses)
    with pytest.raises(InputError) as raised:
        ingest(load_config(tiny_region))
    message = str(raised.value)
    assert "no rows accepted of 20 read, 20 quarantined, most often 'Nord/Øst: got …" in message
    assert "Nord and Øst look exchanged' (18 rows; the first, row 2: 'Nord/Øst: got " in message
    swapped = addresses.read_text(encoding="utf-8").splitlines()
    addresses.write_text("\n".join([*original[:2], *swapped[2:]]) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:  # one row kept: the share stops the run
        ingest(load_config(tiny_region))
    message = str(raised.value)
    assert "19 of 20 rows (95%) are quarantined, most often 'Nord/Øst: got …, outside" in message
    assert (
        "look exchanged' (17 rows; the first, row 3: 'Nord/Øst: got 270300.0/7011000.0 with"
        in message
    )


def test_svalbard_and_jan_mayen_are_kept_only_when_the_config_says_so(tiny_region: Path) -> None:
    addresses = tiny_region.parent / "adresser.csv"
    with addresses.open("a", encoding="utf-8") as file:
        for n, (north, east) in enumerate(((78.22, 15.65), (71.0, -8.5))):
            row = {**address_row(3000 + n, "9901", "Arktis", east, north, epsg=4258)}
            file.write(";".join(str(row.get(c, "")) for c in KARTVERKET_COLUMNS) + "\r\n")
    quarantine = ingest(load_config(tiny_region)).quarantine
    assert quarantine["key"].tolist().count("3000") == 1
    assert quarantine["key"].tolist().count("3001") == 1
    tiny_region.write_text(
        tiny_region.read_text(encoding="utf-8") + "\n[checks]\nallow_svalbard_jan_mayen = true\n",
        encoding="utf-8",
    )
    quarantine = ingest(load_config(tiny_region)).quarantine
    assert "3000" not in quarantine["key"].tolist() and "3001" not in quarantine["key"].tolist()


def test_allow_svalbard_jan_mayen_must_be_true_or_false(tmp_path: Path) -> None:
    raw = {**MINIMAL_INPUTS, "checks": {"allow_svalbard_jan_mayen": 1}}
    with pytest.raises(ConfigError, match=r"allow_svalbard_jan_mayen: got 1, expected true or"):
        config_from_dict(raw, tmp_path)
    raw = {**MINIMAL_INPUTS, "checks": {"allow_svalbard_jan_mayen": True}}
    assert config_from_dict(raw, tmp_path).checks.allow_svalbard_jan_mayen is True


def test_a_dtm_over_none_of_the_addresses_stops_the_run_and_a_share_can_be_asked(
    tiny_region: Path,
) -> None:
    dtm = tiny_region.parent / "terreng.tif"
    # the tiny region's DTM moved 100 km north, as a tile of another place would be
    write_plane_dtm(dtm, origin=(TINY_X0, TINY_Y0 + 100_000.0))
    with pytest.raises(InputError, match=r"terreng\.tif: the DTM covers none of the 18 addresses"):
        ingest(load_config(tiny_region))
    # a 1 km DTM over the south-west corner covers addresses 1000-1004 (x0+100 … x0+900) only
    write_plane_dtm(dtm, origin=(TINY_X0, TINY_Y0 + 1_000.0))
    ingest(load_config(tiny_region))  # 5 of 18: partial cover is allowed by default
    tiny_region.write_text(
        tiny_region.read_text(encoding="utf-8") + "[checks]\nmin_addresses_on_dtm_share = 0.5\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"covers 5 of the 18 addresses \(27\.8%\)"):
        ingest(load_config(tiny_region))
