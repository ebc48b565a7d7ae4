"""A kept workbook stamped with this run's clock, as if openpyxl had just written it.

openpyxl writes the time a workbook was made and saved into ``docProps/core.xml``
(``dcterms:created``, ``dcterms:modified``, UTC, W3CDTF) and the zip members' times. A
workbook kept between runs (:mod:`maps.piece_cache`) carries the run that made it; before it is
published again it gets this run's time in both places, so it says when it was published, as
a workbook written now would.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime

CORE_PROPERTIES = "docProps/core.xml"
CLOCK = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def restamped_xlsx(data: bytes, when: datetime | None = None) -> bytes:
    """``data`` (an XLSX) with its created and modified times and its members' times set to
    ``when`` (default: now)."""
    when = when or datetime.now(UTC)
    stamp = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as target,
    ):
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == CORE_PROPERTIES:
                body = CLOCK.sub(lambda m: m.group(1) + stamp + m.group(3), body)
            target.writestr(info.filename, body)  # the member's time: now, as openpyxl
    return out.getvalue()
