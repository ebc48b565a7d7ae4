"""Predicted wireless throughput per address from its best site, distance and line of sight.

A documented, deliberately simple model (no path-loss simulation): the site's advertised
speeds, scaled down with distance, and with a penalty when the path is not clear.

.. math::

    g(d) = \\begin{cases}
        1 & d \\le d_{full} = f_{full} R \\\\
        1 - (1 - g_{edge}) \\frac{d - d_{full}}{R - d_{full}} & d_{full} < d \\le R \\\\
        0 & d > R
    \\end{cases}

    v_{down} = v_{site,down} \\cdot g(d) \\cdot p, \\quad
    v_{up} = v_{site,up} \\cdot g(d) \\cdot p

with :math:`R` the site's ``max_range_m`` and :math:`p = 1` with line of sight, otherwise
:math:`p` = ``nlos_share`` for mobile (4G/5G diffract and reflect around obstacles) and 0 for
fixed wireless (an FWA link needs a clear path to its CPE).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Share of the site's speeds kept at the edge of its range, and the share of the range over
# which the full speed holds (assumptions, see the README).
EDGE_SHARE = 0.3
FULL_SHARE = 0.5
NLOS_SHARE = {"fwa": 0.0, "mobile_4g": 0.25, "mobile_5g": 0.15}


def distance_scale(distance_m: np.ndarray, max_range_m: np.ndarray) -> np.ndarray:
    """:math:`g(d)` of the module docstring: 1 near the site, ``EDGE_SHARE`` at its range."""
    full_m = FULL_SHARE * max_range_m
    falling = 1.0 - (1.0 - EDGE_SHARE) * (distance_m - full_m) / (max_range_m - full_m)
    return np.select([distance_m <= full_m, distance_m <= max_range_m], [1.0, falling], default=0.0)


def predicted_speeds_mbps(
    technology: np.ndarray,
    site_down_mbps: np.ndarray,
    site_up_mbps: np.ndarray,
    distance_m: np.ndarray,
    max_range_m: np.ndarray,
    has_los: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Predicted (down, up) Mbit/s per address (module docstring); 0 without a site."""
    nlos_share = pd.Series(technology).map(NLOS_SHARE).fillna(0.0).to_numpy(dtype="float64")
    penalty = np.where(has_los, 1.0, nlos_share)
    scale = distance_scale(distance_m, max_range_m) * penalty
    return site_down_mbps * scale, site_up_mbps * scale
