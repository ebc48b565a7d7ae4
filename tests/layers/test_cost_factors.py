"""layers/cost_factors.py: the trench price multiplier per kommune; bad rows quarantined, the
kommuner not listed keep 1.0."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from layers.cost_factors import factor_per_address, read_cost_factors


def test_factors_are_read_and_bad_rows_quarantined_with_their_reason(tmp_path: Path) -> None:
    path = tmp_path / "kostnadsfaktorer.csv"
    path.write_text(
        "kommunenummer;cost_factor\n"
        "301;1.2\n"  # 2: the leading zero lost in a spreadsheet: 0301
        "4204;0\n"  # 3
        "42x4;1.1\n"  # 4
        "0301;1.5\n"  # 5: 0301 again
        "5001;abc\n"  # 6
        "1508;\n"  # 7
        "3201;0.9\n"  # 8
        "1868;14\n",  # 9: fourteen times the trench price is a typo (1.4)
        encoding="utf-8",
    )
    result = read_cost_factors(path)
    assert result.accepted.to_dict("records") == [
        {"kommunenummer": "0301", "cost_factor": 1.2},
        {"kommunenummer": "3201", "cost_factor": 0.9},
    ]
    quarantine = result.quarantine.set_index("row_number")
    assert quarantine["reason"].to_dict() == {
        3: "cost_factor: got 0, expected a number > 0 and at most 10",
        4: "kommunenummer: got 42x4, expected four digits",
        5: "kommunenummer: listed twice, expected once",
        6: "cost_factor: got abc, expected a number > 0 and at most 10",
        7: "cost_factor: got <empty>, expected a number > 0 and at most 10",
        9: "cost_factor: got 14, expected a number > 0 and at most 10",
    }
    assert quarantine.loc[5, "key"] == "0301" and (quarantine["file"] == str(path)).all()
    assert result.rows_read == 8


def test_each_address_gets_its_kommunes_factor_or_one() -> None:
    factors = pd.DataFrame({"kommunenummer": ["0301", "3201"], "cost_factor": [1.2, 0.9]})
    kommunenummer = pd.Series(["0301", "9999", "3201", "0301"])
    assert factor_per_address(factors, kommunenummer).tolist() == [1.2, 1.0, 0.9, 1.2]
    assert factor_per_address(None, kommunenummer).tolist() == [1.0] * 4


def test_row_numbers_count_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "faktorer.csv"
    path.write_bytes(b"kommunenummer;cost_factor\r\n\r\n1868;1.4\r\n\r\n\r\n1804;nan\r\n")
    result = read_cost_factors(path)
    assert result.accepted["kommunenummer"].tolist() == ["1868"]
    assert result.quarantine["row_number"].tolist() == [6]
    assert result.quarantine["reason"].tolist() == [
        "cost_factor: got nan, expected a number > 0 and at most 10"
    ]
