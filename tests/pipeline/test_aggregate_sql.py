"""pipeline/aggregate_sql.py: the kommune, fylke and total rows of a per-target summary, on a
hand-made store of two fylker."""

from __future__ import annotations

import duckdb

from pipeline.aggregate_sql import LEVEL, kommune_target_rollup


def test_kommune_fylke_and_total_rows_sum_the_kommune_rows() -> None:
    db = duckdb.connect()
    db.execute("CREATE TABLE kommuner (run_id TEXT, fylkesnummer TEXT, kommunenummer TEXT)")
    db.execute("CREATE TABLE targets (run_id TEXT, target TEXT)")
    db.execute("CREATE TABLE rows (kommunenummer TEXT, target TEXT, households INTEGER)")
    db.execute(
        "INSERT INTO kommuner VALUES ('r', '34', '3401'), ('r', '34', '3420'),"
        " ('r', '03', '0301'), ('other', '34', '3499')"
    )
    db.execute("INSERT INTO targets VALUES ('r', 'a'), ('r', 'b'), ('other', 'c')")
    # 3401: 2 + 3 on a, 7 on b; 3420: 4 on a; 0301: nothing (its sums are 0)
    db.execute("INSERT INTO rows VALUES ('3401', 'a', 2), ('3401', 'a', 3), ('3401', 'b', 7),"
               " ('3420', 'a', 4)")  # fmt: skip
    sql = f"""SELECT {LEVEL} AS level, k.fylkesnummer, k.kommunenummer, t.target,
              coalesce(sum(p.households), 0) AS households
              {kommune_target_rollup("rows")}"""
    got = sorted(db.execute(sql, {"run_id": "r"}).fetchall(), key=repr)
    expected = [
        ("kommune", "34", "3401", "a", 5), ("kommune", "34", "3401", "b", 7),
        ("kommune", "34", "3420", "a", 4), ("kommune", "34", "3420", "b", 0),
        ("kommune", "03", "0301", "a", 0), ("kommune", "03", "0301", "b", 0),
        ("fylke", "34", None, "a", 9), ("fylke", "34", None, "b", 7),
        ("fylke", "03", None, "a", 0), ("fylke", "03", None, "b", 0),
        ("total", None, None, "a", 9), ("total", None, None, "b", 7),
    ]  # fmt: skip
    assert got == sorted(expected, key=repr)
