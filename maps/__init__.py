"""Folium map products built from the published tables: overview, kommune maps, index page.

The pipeline's publish stage calls :func:`write_maps`; the targets come as :class:`TargetSpec`.
"""

from maps.publish import MapPaths, write_maps
from maps.style import TargetSpec

__all__ = ["MapPaths", "TargetSpec", "write_maps"]
