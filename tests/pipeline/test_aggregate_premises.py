"""Holiday homes and businesses per target in the gap table, and the basis statement."""

from __future__ import annotations

import pandas as pd

from pipeline.aggregate_premises import premises_basis, with_premises
from pipeline.config import Target

TARGETS = (Target("no2025", 100.0, 10.0, "100/10"), Target("gigabit2030", 1000.0, None, "1G"))


def results() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kommunenummer": ["9901", "9901", "9902", "9902"],
            "fylkesnummer": "99",
            "holiday_homes": [2, 0, 1, 0],
            "businesses": [0, 1, 0, 3],
            "class_no2025": ["unserved", "served", "underserved", "served"],
            "class_gigabit2030": ["unserved", "unserved", "underserved", "underserved"],
            "premises_linked_by": ["cadastre", "nearest", "unlinked", "cadastre"],
        }
    )


def gap() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "level": ["kommune", "kommune", "kommune", "fylke", "total"],
            "fylkesnummer": ["99", "99", "99", "99", None],
            "kommunenummer": ["9901", "9902", "9903", None, None],
        }
    )


def test_holiday_homes_and_businesses_below_each_target_reconcile() -> None:
    table = with_premises(gap(), results(), TARGETS)
    assert list(table["holiday_homes"]) == [2, 1, 0, 3, 3]
    assert list(table["businesses"]) == [1, 3, 0, 4, 4]
    assert list(table["holiday_homes_below_no2025"]) == [2, 1, 0, 3, 3]
    assert list(table["businesses_below_no2025"]) == [0, 0, 0, 0, 0]
    assert list(table["businesses_below_gigabit2030"]) == [1, 3, 0, 4, 4]
    assert set(table["premises_basis"]) == {"husstander fra bygningspunkter (Matrikkelen)"}


def test_without_buildings_the_table_says_husstander_er_adresser() -> None:
    plain = results().assign(premises_linked_by="addresses", holiday_homes=0, businesses=0)
    table = with_premises(gap(), plain, TARGETS)
    assert set(table["premises_basis"]) == {"husstander = adresser"}
    assert premises_basis(plain.drop(columns="premises_linked_by")) == "husstander = adresser"
