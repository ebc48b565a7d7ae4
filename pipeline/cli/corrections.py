"""``gapmap corrections add | list | withdraw``: a kommune's corrections, with their audit trail.

The register is ``[run] corrections_path`` (default ``<output_dir>/corrections.duckdb``,
:mod:`pipeline.corrections_register`); the next run applies what is in force then.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from layers.corrections import CLAIMS
from layers.errors import StoreBusyError
from pipeline import store
from pipeline.cli.common import REPORTED, ConfigOption, console, fail
from pipeline.config import load_config
from pipeline.corrections_register import add_corrections, listing, withdraw_corrections

app = typer.Typer(
    help="A kommune's corrections of the data: add a CSV, list them, withdraw some.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
ByOption = Annotated[
    str | None,
    typer.Option("--by", help="Who records it (default: the user running gapmap)."),
]
USES_SQL = """
SELECT u.correction_id, count(DISTINCT u.run_id) AS runs, max(u.run_id) AS last_run
FROM correction_uses u JOIN runs r USING (run_id)
WHERE r.status = 'succeeded' AND u.applied
GROUP BY u.correction_id
"""


@app.command()
def add(
    file: Annotated[
        Path, typer.Argument(help="The corrections CSV (see README: Corrections).", dir_okay=False)
    ],
    config: ConfigOption,
    by: ByOption = None,
) -> None:
    """Record the corrections of FILE; its bad rows are listed with their reasons."""
    try:
        register = load_config(config).run.corrections_register
        batch = add_corrections(register, file, by)
    except REPORTED as exc:
        fail(exc)
    read = batch.read
    ids = batch.correction_ids
    console.print(
        f"[green]✓[/] recorded {len(ids)} corrections ({ids[0]}–{ids[-1]}) as batch"
        f" {batch.batch_id} in {escape(str(register))}",
        soft_wrap=True,
    )
    console.print(
        f"  rows read {read.rows_read}, accepted {len(read.accepted)},"
        f" quarantined {len(read.quarantine)}",
        highlight=False,
    )
    for row in read.quarantine.itertuples():
        console.print(f"  row {row.row_number}: {escape(str(row.reason))}", highlight=False)
    console.print("The next run applies them (gapmap run --config …).")


def _uses(store_path: Path) -> tuple[pd.DataFrame, str]:
    """Per correction the succeeded runs that applied it, and a note when the store cannot
    be read now (a run holds it)."""
    empty = pd.DataFrame({"correction_id": [], "runs": [], "last_run": []})
    if not store_path.exists():
        return empty, ""
    try:
        with store.read_store(store_path) as connection:
            tables = {t for (t,) in connection.execute("SHOW TABLES").fetchall()}
            if "correction_uses" not in tables:
                return empty, ""
            return connection.execute(USES_SQL).df(), ""
    except StoreBusyError:
        return empty, f"the runs that used them are not shown: {store_path} is in use by a run"


def _address(row: Any) -> str:
    """The adresseId a correction names, else its position (east, north)."""
    if not _missing(row.address_id):
        return str(int(row.address_id))
    return "" if _missing(row.x_m) else f"{row.x_m:.0f}, {row.y_m:.0f}"


def _missing(value: Any) -> bool:
    return value is None or bool(pd.isna(value))


def corrections_table(corrections: pd.DataFrame, uses: pd.DataFrame, title: str) -> Table:
    """The corrections as a table: id, status, claim, address, operator, submitter and date,
    and how many succeeded runs applied them."""
    table = Table(title=title, box=box.SIMPLE_HEAD)
    for column in ("nr.", "status", "korreksjon", "adresse", "innsender"):
        table.add_column(column, overflow="fold")
    table.add_column("kjøringer", justify="right")
    runs_of = dict(zip(uses["correction_id"].astype(int), uses["runs"].astype(int), strict=True))
    for row in corrections.itertuples():
        withdrawn = not _missing(row.withdrawn_at)
        claim = CLAIMS.get(str(row.claim), str(row.claim))
        if not _missing(row.operator):
            claim += f", {row.operator}"
        table.add_row(
            str(row.correction_id),
            "[magenta]trukket[/]" if withdrawn else "i kraft",
            escape(claim),
            _address(row),
            escape(f"{row.submitter}, {row.submitted_on:%d.%m.%Y}"),
            str(runs_of.get(int(str(row.correction_id)), 0)),
        )
    return table


@app.command("list")
def list_corrections(
    config: ConfigOption,
    withdrawn: Annotated[
        bool, typer.Option("--withdrawn", help="Also the withdrawn corrections.")
    ] = False,
) -> None:
    """List the corrections in force (with --withdrawn, all), and the runs that applied each."""
    try:
        settings = load_config(config)
        register = settings.run.corrections_register
        corrections = listing(register)
        uses, note = _uses(settings.store_path)
    except REPORTED as exc:
        fail(exc)
    if corrections.empty:
        console.print(f"no corrections yet: {escape(str(register))}", soft_wrap=True)
        return
    shown = corrections if withdrawn else corrections.loc[corrections["withdrawn_at"].isna()]
    console.print(corrections_table(shown, uses, f"Korreksjoner i {register}"))
    if note:
        console.print(f"[yellow]{escape(note)}[/]", soft_wrap=True)


@app.command()
def withdraw(
    ids: Annotated[list[int], typer.Argument(help="The numbers of the corrections to withdraw.")],
    config: ConfigOption,
    reason: Annotated[str, typer.Option("--reason", help="Why they are withdrawn.")],
    by: ByOption = None,
) -> None:
    """Withdraw corrections: the next run no longer applies them.

    The runs that did apply them keep their record."""
    try:
        register = load_config(config).run.corrections_register
        done = withdraw_corrections(register, ids, reason, by)
    except REPORTED as exc:
        fail(exc)
    listed = ", ".join(str(i) for i in done)
    console.print(f"[green]✓[/] withdrew corrections {listed}; the next run no longer applies them")
