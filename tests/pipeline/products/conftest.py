"""Shared by the tests of the tables for people: a hand-made gap table and address results
with names that must stay text, and LibreOffice (``soffice``) to open what we write as a
reader's office program does."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.config import Config, Inputs

EVIL_NAME = '=HYPERLINK("http://x","y")'
RISKY_TEXTS = ("@Storgata 1", "-Nedre vei 2", "+Plussveien 3")
CONVERT_TIMEOUT_S = 120


@pytest.fixture
def config() -> Config:
    """The default settings: targets no2025, gigabit2030, eu_vhcn, subsidy30; map target
    no2025, cost target gigabit2030."""
    return Config(inputs=Inputs(Path("k"), Path("a"), Path("o")))


def hand_gap_table(config: Config) -> pd.DataFrame:
    """Two kommuner of fylke 99 (one named as a formula), the fylke and the nation, with every
    column family of the published gap table; 250 million kroner in total (the old file
    showed 2.5E+08) and fractional households in the costliest shares."""
    table = pd.DataFrame(
        {
            "level": ["kommune", "kommune", "fylke", "total"],
            "fylkesnummer": ["99", "99", "99", None],
            "fylkesnavn": ["Fylke 99", "Fylke 99", "Fylke 99", None],
            "kommunenummer": ["0301", "9902", None, None],
            "kommunenavn": [EVIL_NAME, "Østby", "Fylke 99", "Totalt"],
            "addresses": [1000, 500, 1500, 1500],
            "households": [1200, 600, 1800, 1800],
        }
    )
    for index, target in enumerate(config.targets):
        served = np.array([900, 300, 1200, 1200]) - 100 * index
        table[f"served_households_{target.name}"] = served
        table[f"underserved_households_{target.name}"] = [200, 200, 400, 400]
        table[f"unserved_households_{target.name}"] = (
            table["households"] - served - table[f"underserved_households_{target.name}"]
        )
        for stem in ("funded", "planned", "wireless_reachable"):
            table[f"{stem}_households_{target.name}"] = [1, 2, 3, 3]
        table[f"below_target_share_{target.name}"] = 1 - served / table["households"]
    table["households_below_cost_target"] = [300, 100, 400, 400]
    table["cost_nok"] = [200_000_000.4, 49_999_999.7, 250_000_000.1, 250_000_000.1]
    table["routes_capped"] = [0, 1, 1, 1]
    table["fwa_doubtful_households"] = [4, 0, 4, 4]
    table["cost_per_household_nok"] = table["cost_nok"] / table["households_below_cost_target"]
    for share in ("1", "5", "10"):
        table[f"last_{share}pct_households"] = [3.04, 1.0, 4.0, 4.0]
        table[f"last_{share}pct_cost_nok"] = [9_876_543.21, 1_234_567.0, 11_111_110.21, 11.1e6]
        table[f"last_{share}pct_cost_per_household_nok"] = [3_248_863.0, 1_234_567.0, 2.7e6, 2.7e6]
    table["median_cost_per_household_nok"] = [650_000.5, 499_999.5, 600_000.0, 600_000.0]
    table["subsidy_need_nok"] = [190_000_000.0, 46_999_999.7, 236_999_999.7, 236_999_999.7]
    return table


def hand_results(config: Config) -> pd.DataFrame:
    """Five addresses of kommune 0301 (texts that a spreadsheet would run first) and one of
    9902; 0301's first two are below the map target."""
    results = pd.DataFrame(
        {
            "address_id": [11, 12, 13, 14, 15, 21],
            "kommunenummer": ["0301"] * 5 + ["9902"],
            "address_text": [*RISKY_TEXTS, EVIL_NAME, "Åsveien 5", "Bakken 1"],
            "households": [1, 2, 1, 12, 1, 1],
            "best_technology": ["xdsl", None, "fiber", "fiber", "hfc", "fwa"],
            "best_operator": [
                "Kobber AS",
                None,
                "=cmd|' /C calc'!A0",
                "Fjordnett",
                "Kabel",
                "Luft",
            ],
            "best_down_mbps": [20.0, np.nan, 1000.0, 1000.0, 500.0, 12.5],
            "best_up_mbps": [2.0, np.nan, 1000.0, 1000.0, 50.0, 2.5],
            "cost_option": ["fiber", "satellite", None, None, None, "fwa_new_site"],
            "cost_nok": [148_000.5, 4000.0, np.nan, np.nan, np.nan, 2_900_000.0],
            "geometry": [None] * 6,  # the run's results carry more columns than downloads show
        }
    )
    for target in config.targets:
        results[f"class_{target.name}"] = [
            "underserved",
            "unserved",
            "served",
            "served",
            "served",
            "unserved",
        ]
    return results


def soffice_path() -> str:
    """The soffice program, or skip (fail under ``CI=true``) when LibreOffice is missing."""
    program = shutil.which("soffice") or shutil.which("libreoffice")
    if program is None:
        reason = (
            "LibreOffice (soffice) is not installed: apt-get install -y libreoffice-calc-nogui"
            " poppler-utils (scripts/install_test_deps.sh)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return program


def _convert(program: str, profile: Path, source: Path, target: str, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    before = set(out.iterdir())
    # a PDF in a Norwegian reader's locale (LibreOffice's own locale data: 1 234,5); a CSV in
    # C.UTF-8 (without the glibc nb_NO locale, a sheet name with "å" is lost from the name of
    # the file LibreOffice writes it to)
    locale = "nb_NO.UTF-8" if target == "pdf" else "C.UTF-8"
    subprocess.run(
        [
            program,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=CONVERT_TIMEOUT_S,
        env={**os.environ, "LANG": locale, "LC_ALL": locale},
    )
    return sorted(set(out.iterdir()) - before)


@pytest.fixture
def soffice(tmp_path: Path) -> Callable[[Path, str, Path], list[Path]]:
    """``convert(source, target, out_dir)``: LibreOffice's ``--convert-to`` (``"pdf"``, or a
    CSV filter string) in a profile of its own; returns the files it wrote."""
    program = soffice_path()
    profile = tmp_path / "lo-profile"

    def convert(source: Path, target: str, out: Path) -> list[Path]:
        return _convert(program, profile, source, target, out)

    return convert


# every sheet, UTF-8, comma-separated, values as stored (not as shown), to compare numbers
CSV_ALL_SHEETS_RAW = (
    "csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false,true,false,false,false,-1"
)
