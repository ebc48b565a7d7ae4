"""What every ``gapmap`` command shares: the console, the ``--config`` option, one-line errors."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from layers.errors import GapmapError

console = Console()
ConfigOption = Annotated[
    Path, typer.Option("--config", "-c", help="The run's TOML config file.", dir_okay=False)
]


def fail(exc: GapmapError) -> NoReturn:
    """Print one line naming what is wrong and exit with code 2 (no traceback)."""
    # escape: messages carry file names and values with [brackets]; soft_wrap: one line
    console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)
