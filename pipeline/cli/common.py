"""What every ``gapmap`` command shares: the console, the ``--config`` option, one-line errors.

Exit codes: 0 done; 2 an input or config error the user can fix; and for faults of the machine
(``sysexits.h``) 65 the store is not a DuckDB file, 70 an internal error (a bug), 73 the output
folder cannot be written, 74 writing failed (a full disk), 75 the store is in use by another
run; 79 a run refused to publish stale inputs (``[freshness]``, ``--allow-stale`` goes on).
``gapmap --debug …`` shows the traceback instead of the one line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from layers.errors import FaultError, GapmapError

console = Console()
# the one-line error goes to stderr, so a scheduler and a pipe see it apart from the summary
errors = Console(stderr=True)
ConfigOption = Annotated[
    Path, typer.Option("--config", "-c", help="The run's TOML config file.", dir_okay=False)
]
# what a command reports in one line: errors of the user's inputs and faults of the machine
REPORTED = (GapmapError, FaultError)
USER_ERROR_EXIT = 2
DEBUG = {"traceback": False}  # set by ``gapmap --debug``


def fail(exc: GapmapError | FaultError) -> NoReturn:
    """Print one line naming what is wrong and exit with the error's code (no traceback unless
    ``--debug``)."""
    if DEBUG["traceback"]:
        raise exc
    # escape: messages carry file names and values with [brackets]; soft_wrap: one line
    notes = "; ".join(getattr(exc, "__notes__", []))
    text = f"{exc} ({notes})" if notes else str(exc)
    text = " ".join(part.strip() for part in text.splitlines() if part.strip())  # one line
    errors.print(f"[bold red]error:[/] {escape(text)}", highlight=False, soft_wrap=True)
    code = exc.exit_code if isinstance(exc, FaultError) else USER_ERROR_EXIT
    raise typer.Exit(code=code)
