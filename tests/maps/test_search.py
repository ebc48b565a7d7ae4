"""maps/search.py: the address search box finds by text or adresseId, by keyboard or click."""

from __future__ import annotations

from pathlib import Path

import folium
import pytest

from maps.kommune import KommuneMapInputs
from maps.publish import MapPaths
from maps.search import MAX_LISTED, AddressSearch
from tests.browser import OfflineBrowser, screenshot
from tests.maps.address_pages import open_ready


def test_search_box_is_a_labelled_combobox() -> None:
    fmap = folium.Map()
    AddressSearch().add_to(fmap)
    page = fmap.get_root().render()
    assert 'role="combobox"' in page and 'role="listbox"' in page
    assert "Søk etter adresse eller adresse-ID" in page
    assert f"var MAX = {MAX_LISTED};" in page


@pytest.mark.browser
def test_typing_finds_case_insensitive_with_norwegian_letters_and_enter_opens_the_popup(
    browser: OfflineBrowser, big_map: tuple[Path, KommuneMapInputs]
) -> None:
    path, inputs = big_map
    addresses = inputs.addresses
    wanted = addresses.loc[addresses["address_text"].str.startswith("Ærfuglbakken 12B")]
    assert len(wanted)
    page, report, _ = open_ready(browser, path.as_uri())
    box = page.locator("#gapmap-search-input")
    box.click()
    box.press_sequentially("ÆRFUGLBAKKEN 12b", delay=10)
    options = page.locator("#gapmap-search-list li")
    # the list of the whole text, not of a prefix typed before it (the list lags by 80 ms)
    options.first.filter(has_text="Ærfuglbakken 12B").wait_for(timeout=5_000)
    texts = options.all_text_contents()
    assert 0 < len(texts) <= MAX_LISTED
    assert all(t.lower().startswith("ærfuglbakken 12b") for t in texts), texts
    screenshot(page, "addr-search-list.png")
    box.press("ArrowDown")
    assert options.first.get_attribute("aria-selected") == "true"
    box.press("Enter")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    assert (popup.locator("b").first.text_content() or "").startswith("Ærfuglbakken 12B")
    assert page.evaluate("() => window.gapmapAddresses.state().mode") == "points"
    screenshot(page, "addr-search-popup.png")
    assert report.problems() == []
    page.context.close()


@pytest.mark.browser
def test_enter_right_after_typing_opens_what_is_typed_not_the_older_list(
    browser: OfflineBrowser, big_map: tuple[Path, KommuneMapInputs]
) -> None:
    """A fast typist: the list shows matches of "Ærfuglbakken 1", then "2B" is typed and Enter
    pressed before the list catches up; the popup is Ærfuglbakken 12B's, not the older list's
    first match."""
    path, _ = big_map
    page, report, _ = open_ready(browser, path.as_uri())
    box = page.locator("#gapmap-search-input")
    box.fill("Ærfuglbakken 1")
    options = page.locator("#gapmap-search-list li")
    options.first.wait_for(timeout=5_000)
    older_first = options.first.text_content() or ""
    assert not older_first.startswith("Ærfuglbakken 12B"), (
        older_first
    )  # else the test proves nothing
    box.press_sequentially("2B", delay=0)
    box.press("Enter")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    assert (popup.locator("b").first.text_content() or "").startswith("Ærfuglbakken 12B")
    assert report.problems() == []
    page.context.close()


@pytest.mark.browser
def test_an_adresse_id_is_found_and_a_click_opens_it(
    browser: OfflineBrowser, written: MapPaths
) -> None:
    page, report, _ = open_ready(browser, written.kommuner["5001"].as_uri())
    box = page.locator("#gapmap-search-input")
    box.fill("12")
    options = page.locator("#gapmap-search-list li")
    options.first.wait_for(timeout=5_000)
    assert "Bygdeveien 12 (12)" in options.all_text_contents()[0]
    options.first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    assert "Bygdeveien 12" in (popup.text_content() or "")
    box.fill("finnes ikke")
    page.locator(".gapmap-search-status", has_text="Ingen treff").wait_for(timeout=5_000)
    assert report.problems() == []
    page.context.close()


@pytest.mark.browser
def test_search_ranks_the_adresse_id_first_and_finds_house_numbers_alone(
    browser: OfflineBrowser, big_map: tuple[Path, KommuneMapInputs]
) -> None:
    path, inputs = big_map
    page, report, _ = open_ready(browser, path.as_uri())
    found = page.evaluate(
        """queries => queries.map(q => {
            const G = window.gapmapAddresses, hits = G.search(q);
            return [hits.length, hits.slice(0, 50).map(i => [G.idText(i), G.text(i)])];
        })""",
        ["300000123", "3000001", "12b", "kirkegata 1"],
    )
    by_id, id_prefix, number, street_number = found
    assert by_id[1][0][0] == "300000123" and by_id[0] == 1
    assert id_prefix[0] == 100 and all(i.startswith("3000001") for i, _ in id_prefix[1])
    texts = inputs.addresses["address_text"].str.lower()
    assert number[0] == int(texts.str.contains("12b", regex=False).sum())
    assert all("12b" in t.lower() for _, t in number[1])
    assert street_number[0] == int(texts.str.contains("kirkegata 1", regex=False).sum())
    assert street_number[1][0][1] == "Kirkegata 1"  # starts with it: first, in number order
    assert report.problems() == []
    page.context.close()
