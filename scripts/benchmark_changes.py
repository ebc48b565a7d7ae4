"""Time the changes stage on a synthetic store of national size (2.6 M addresses, 4 targets).

Builds a DuckDB store in a temporary folder with two succeeded-style runs generated in SQL:
357 kommuner in 15 fylker, ``--addresses`` addresses (1–3 households), one or two offers each,
classes for four targets from the best offer, then a second month in which 1 % of the
addresses gain fibre, 0.5 % lose their offers, 0.2 % are put on Nkom's list lacking 100 Mbit/s,
0.1 % have more households, 0.1 % are new and 0.1 % gone, and ``count_mobile`` flips for
nobody (the config is the same). Then it runs :func:`pipeline.changes.changes_stage` on the
second run and prints the time of each part and the rows per cause.

Usage::

    python scripts/benchmark_changes.py [--addresses 2600000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb

from pipeline import store
from pipeline.aggregate import aggregate_run
from pipeline.changes import previous_run, write_address_changes
from pipeline.changes_summary import changes_summary, trend_table

TARGETS_SQL = """
INSERT INTO targets SELECT $run_id, * FROM (VALUES
    ('no2025', 100.0, 10.0, '100/10'), ('gigabit2030', 1000.0, NULL, '1G'),
    ('eu_vhcn', 1000.0, 200.0, 'VHCN'), ('subsidy30', 30.0, NULL, '30'))
"""
KOMMUNER_SQL = """
INSERT INTO kommuner (run_id, kommunenummer, kommunenavn, fylkesnummer)
SELECT $run_id, lpad((1000 + i)::VARCHAR, 4, '0'), 'Kommune ' || i,
       lpad((i % 15 + 1)::VARCHAR, 2, '0')
FROM range(357) t(i)
"""
FYLKER_SQL = """
INSERT INTO fylker SELECT $run_id, lpad((i + 1)::VARCHAR, 2, '0'), 'Fylke ' || i FROM range(15) t(i)
"""
# month 2: a share of the ids by their hash
PICK = "hash(i) % 10000"
ADDRESSES_SQL = f"""
INSERT INTO addresses (run_id, address_id, kommunenummer, kommunenavn, address_text, households,
                       x_m, y_m)
SELECT $run_id, i, lpad((1000 + i % 357)::VARCHAR, 4, '0'), 'Kommune ' || (i % 357),
       'Gate ' || i, 1 + i % 3 + CASE WHEN $month = 2 AND {PICK} BETWEEN 170 AND 179 THEN 1
                                       ELSE 0 END,
       200000.0 + i % 100000, 6600000.0 + i // 100000
FROM range($n + CASE WHEN $month = 2 THEN $n // 1000 ELSE 0 END) t(i)
WHERE NOT ($month = 2 AND {PICK} BETWEEN 180 AND 189)
  AND (i < $n OR $month = 2)
"""
OFFERS_SQL = f"""
INSERT INTO offers (run_id, address_id, operator, technology, down_mbps, up_mbps, source)
SELECT $run_id, address_id, operator, technology, down_mbps, up_mbps, 'operator'
FROM (
    SELECT i AS address_id, 'Op' || (i % 7) AS operator,
           ['fiber', 'hfc', 'xdsl', 'fwa'][1 + i % 4] AS technology,
           [1000.0, 500.0, 40.0, 50.0][1 + i % 4] AS down_mbps,
           [1000.0, 50.0, 5.0, 10.0][1 + i % 4] AS up_mbps
    FROM range($n) t(i)
    WHERE NOT ($month = 2 AND {PICK} BETWEEN 100 AND 149)
    UNION ALL
    SELECT i, 'Kobber', 'xdsl', 20.0, 2.0 FROM range($n) t(i) WHERE i % 3 = 0
      AND NOT ($month = 2 AND {PICK} BETWEEN 100 AND 149)
    UNION ALL
    SELECT i, 'Nyfiber', 'fiber', 1000.0, 1000.0 FROM range($n) t(i)
    WHERE $month = 2 AND {PICK} < 100
)
WHERE address_id IN (SELECT address_id FROM addresses WHERE run_id = $run_id)
"""
RESULTS_SQL = """
INSERT INTO address_results (run_id, address_id, kommunenummer, households, nkom_lacking_mbps)
SELECT $run_id, address_id, kommunenummer, households,
       CASE WHEN $month = 2 AND hash(address_id) % 10000 BETWEEN 150 AND 169 THEN 100.0 END
FROM addresses WHERE run_id = $run_id
"""
CLASSES_SQL = """
INSERT INTO address_classes (run_id, address_id, target, class, wireless_reachable)
WITH best AS (
    SELECT a.address_id, r.nkom_lacking_mbps AS lacking, t.target, t.down_mbps, t.up_mbps,
           bool_or(o.down_mbps >= t.down_mbps AND (t.up_mbps IS NULL OR o.up_mbps >= t.up_mbps))
               AS meets,
           bool_or(o.down_mbps >= 30 AND o.up_mbps >= 5) AS floor
    FROM addresses a
    JOIN address_results r ON r.run_id = a.run_id AND r.address_id = a.address_id
    JOIN targets t ON t.run_id = a.run_id
    LEFT JOIN offers o ON o.run_id = a.run_id AND o.address_id = a.address_id
    WHERE a.run_id = $run_id
    GROUP BY ALL
)
SELECT $run_id, address_id, target,
       CASE WHEN coalesce(meets, false) AND NOT coalesce(lacking <= down_mbps, false)
            THEN 'served' WHEN coalesce(floor, false) THEN 'underserved' ELSE 'unserved' END,
       false
FROM best
"""


def build_run(connection: duckdb.DuckDBPyConnection, run_id: str, n: int, month: int) -> None:
    """One month's run of ``n`` addresses (month 2 with the changes), aggregated."""
    config = {"classify": {"count_mobile": False}}
    store.begin_run(connection, run_id, "hash", config, {}, "bench")
    parameters = {"run_id": run_id, "n": n, "month": month}
    steps = (TARGETS_SQL, KOMMUNER_SQL, FYLKER_SQL, ADDRESSES_SQL, OFFERS_SQL, RESULTS_SQL)
    for sql in (*steps, CLASSES_SQL):
        connection.execute(sql, {k: v for k, v in parameters.items() if f"${k}" in sql})
    aggregate_run(connection, run_id, "gigabit2030")
    if month == 1:
        store.finish_run(connection, run_id, "succeeded", None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addresses", type=int, default=2_600_000)
    parser.add_argument("--keep", type=Path, default=None, help="write the store here")
    args = parser.parse_args()
    if args.keep is None:
        with tempfile.TemporaryDirectory(prefix="gapmap-changes-") as folder:
            benchmark(Path(folder), args.addresses)
    else:
        args.keep.mkdir(parents=True, exist_ok=True)
        benchmark(args.keep, args.addresses)


def benchmark(folder: Path, addresses: int) -> None:
    """Build the two runs' store in ``folder`` and time the changes stage on it."""
    path = folder / "bench.duckdb"
    path.unlink(missing_ok=True)
    with store.open_store(path) as connection:
        started = time.perf_counter()
        build_run(connection, "m1", addresses, 1)
        build_run(connection, "m2", addresses, 2)
        built_s = time.perf_counter() - started
        print(f"built two runs of {addresses:,} addresses: {built_s:.1f} s")
        timings: dict[str, float] = {}
        started = time.perf_counter()
        previous = previous_run(connection, "m2")
        assert previous is not None
        write_address_changes(connection, "m2", previous)
        timings["address_changes"] = time.perf_counter() - started
        started = time.perf_counter()
        rows = connection.execute(
            "SELECT * EXCLUDE (run_id) FROM address_changes WHERE run_id = 'm2'"
            " ORDER BY kommunenummer, address_id, target"
        ).df()
        timings["read rows"] = time.perf_counter() - started
        started = time.perf_counter()
        targets = ["no2025", "gigabit2030", "eu_vhcn", "subsidy30"]
        summary = changes_summary(connection, "m2", ("m1", previous.started_at), targets)
        timings["summary"] = time.perf_counter() - started
        started = time.perf_counter()
        trend = trend_table(connection, "m2")
        timings["trend"] = time.perf_counter() - started
    for part, seconds in timings.items():
        print(f"{part:>16}: {seconds:6.2f} s")
    print(f"{'total':>16}: {sum(timings.values()):6.2f} s")
    print(f"rows: {len(rows):,} changes, {len(summary):,} summary, {len(trend):,} trend")
    print(rows.groupby(["change", "cause"]).size().to_string())


if __name__ == "__main__":
    main()
