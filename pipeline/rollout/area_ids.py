"""Stable project area ids: named after a member, so the same area keeps its id run after run.

A project area is the part of one kommune of a planning cluster (single linkage,
:mod:`pipeline.rollout.trees`). The cluster numbers come from the order of the addresses and
change whenever an address is added or removed anywhere before them; an area's published id
does not use them. The rule:

.. math:: \\text{area\\_id}(A) = k(A) \\,\\text{"-"}\\, \\min_{a \\in A} \\text{address\\_id}(a)

the kommunenummer and the smallest address id (Kartverket's ``adresseId``) of its members,
e.g. ``"4204-312004567"``. Each address is in one area, so no two areas of a run share an id.
What keeps an id:

- the same members, in any order and in any run: the same id;
- an added household: the same id unless its address id is smaller than every member's
  (the Matrikkel gives new addresses new, larger ids, so a new house keeps its area's id);
- a removed member other than the one that names the area: the same id;
- two areas that merge: the merged area keeps the smaller of the two ids; an area that splits:
  the part with the naming member keeps the id, the other part is named by its own smallest id.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def area_ids(
    kommunenummer: np.ndarray, cluster_id: np.ndarray, address_id: np.ndarray
) -> np.ndarray:
    """The project area id of each address (module docstring); None where ``cluster_id`` < 0.

    >>> area_ids(np.array(["4204", "4204", "4204"]), np.array([0, 0, -1]), np.array([9, 7, 1]))
    array(['4204-7', '4204-7', None], dtype=object)
    """
    frame = pd.DataFrame(
        {
            "kommunenummer": np.asarray(kommunenummer).astype(str),
            "cluster_id": np.asarray(cluster_id, dtype=np.int64),
            "address_id": np.asarray(address_id, dtype=np.int64),
        }
    )
    member = (frame["cluster_id"] >= 0).to_numpy()
    ids = np.full(len(frame), None, dtype=object)
    if member.any():
        members = frame.loc[member]
        canonical = members.groupby(["kommunenummer", "cluster_id"])["address_id"].transform("min")
        ids[member] = (members["kommunenummer"] + "-" + canonical.astype(str)).to_numpy()
    return ids
