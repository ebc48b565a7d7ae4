"""pipeline/products/brief_sources.py: a brief made from the publication cut by kommune is the
brief made from the whole publication, for every kommune of the hand-made publication."""

from __future__ import annotations

from pathlib import Path

from maps.brief import render_brief_html
from pipeline.products.brief_sources import KommuneShares
from pipeline.products.briefs import BriefPictures, brief_content, read_publication
from tests.pipeline.products.brief_publication import write_publication


def test_each_kommune_share_makes_the_brief_of_the_whole_publication(tmp_path: Path) -> None:
    publication = read_publication(write_publication(tmp_path / "run"))
    shares, pictures = KommuneShares(publication), BriefPictures()
    numbers = publication.kommunenummer()
    assert len(numbers) == 3
    for knr in numbers:
        share = shares.of(knr)
        assert share.areas is not None and set(share.areas["kommunenummer"]) <= {knr}
        whole = render_brief_html(brief_content(publication, knr))
        cut = brief_content(share, knr, pictures)
        assert render_brief_html(cut) == whole
