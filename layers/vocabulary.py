"""The words every floor shares: technology names, the CRSs, the plausible speeds.

Nkom counts fixed wireless (``fwa``) as fixed coverage and excludes satellite; mobile counts
only where a policy setting says so (:class:`pipeline.config.ClassifySettings`).
"""

from __future__ import annotations

from typing import Final

CRS_EPSG: Final = 25833  # every canonical table is in ETRS89 / UTM 33N
# the CRSs a row may name (Kartverket's EPSG-kode): UTM 32/33/35 on ETRS89, and lon/lat
SUPPORTED_EPSG: Final = (25832, 25833, 25835, 4258, 4326)
# no offer or radio is faster than this (100 Gbit/s): a larger figure is a unit or typing error
MAX_PLAUSIBLE_MBPS: Final = 100_000.0

FIXED_TECHNOLOGIES: Final = ("fiber", "hfc", "xdsl", "fwa")
MOBILE_TECHNOLOGIES: Final = ("mobile_5g", "mobile_4g")
TECHNOLOGIES: Final = (*FIXED_TECHNOLOGIES, *MOBILE_TECHNOLOGIES, "satellite")
WIRELESS_TECHNOLOGIES: Final = ("fwa", *MOBILE_TECHNOLOGIES)
