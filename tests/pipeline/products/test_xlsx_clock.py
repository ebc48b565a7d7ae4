"""A kept workbook gets this run's time in its properties and nothing else changes."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

import openpyxl

from pipeline.products.xlsx_clock import CORE_PROPERTIES, restamped_xlsx


def _workbook() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["Adresse", "Kostnad (kr)"])
    book.active.append(["Storgata 1", 148000.5])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return {info.filename: book.read(info.filename) for info in book.infolist()}


def test_the_times_are_this_runs_and_every_other_byte_of_every_member_is_kept() -> None:
    data = _workbook()
    when = datetime(2026, 12, 7, 5, 0, 9, tzinfo=UTC)
    stamped = restamped_xlsx(data, when)
    before, after = _members(data), _members(stamped)
    assert list(after) == list(before)
    core = after.pop(CORE_PROPERTIES).decode()
    assert (
        '<dcterms:created xsi:type="dcterms:W3CDTF">2026-12-07T05:00:09Z</dcterms:created>' in core
    )
    assert (
        '<dcterms:modified xsi:type="dcterms:W3CDTF">2026-12-07T05:00:09Z</dcterms:modified>'
        in core
    )
    before.pop(CORE_PROPERTIES)
    assert after == before
    book = openpyxl.load_workbook(io.BytesIO(stamped))
    assert book.properties.created == datetime(2026, 12, 7, 5, 0, 9)
    assert [c.value for c in book.active[2]] == ["Storgata 1", 148000.5]
