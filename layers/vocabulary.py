"""The words every floor shares: technology names and the canonical CRS.

Nkom counts fixed wireless (``fwa``) as fixed coverage and excludes satellite; mobile counts
only where a policy setting says so (:class:`pipeline.config.ClassifySettings`).
"""

from __future__ import annotations

from typing import Final

CRS_EPSG: Final = 25833  # every canonical table is in ETRS89 / UTM 33N

FIXED_TECHNOLOGIES: Final = ("fiber", "hfc", "xdsl", "fwa")
MOBILE_TECHNOLOGIES: Final = ("mobile_5g", "mobile_4g")
TECHNOLOGIES: Final = (*FIXED_TECHNOLOGIES, *MOBILE_TECHNOLOGIES, "satellite")
WIRELESS_TECHNOLOGIES: Final = ("fwa", *MOBILE_TECHNOLOGIES)
