"""The SQL every per-target summary shares: kommune, fylke and total rows from one
``GROUPING SETS`` over the run's kommuner and targets (:mod:`pipeline.aggregate`, the gap
summary; :mod:`pipeline.aggregate_copper`, the households below target without copper), so
the fylke and total rows are sums of the kommune rows.
"""

from __future__ import annotations

LEVEL = """CASE WHEN grouping(k.kommunenummer) = 0 THEN 'kommune'
                WHEN grouping(k.fylkesnummer) = 0 THEN 'fylke' ELSE 'total' END"""


def kommune_target_rollup(per: str) -> str:
    """The ``FROM … GROUP BY`` of a summary whose ``SELECT`` sums the columns of ``p``: the
    relation ``per`` (rows with ``kommunenummer`` and ``target``) joined to every kommune and
    target of run ``$run_id`` (a kommune without rows gets NULL sums), grouped by kommune and
    target, by fylke and target, and by target."""
    return f"""FROM kommuner k
JOIN targets t ON t.run_id = k.run_id
LEFT JOIN {per} p ON p.kommunenummer = k.kommunenummer AND p.target = t.target
WHERE k.run_id = $run_id
GROUP BY GROUPING SETS ((k.fylkesnummer, k.kommunenummer, t.target),
                        (k.fylkesnummer, t.target), (t.target))
"""
