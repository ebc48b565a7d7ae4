"""``gapmap brief``: one kommune's A4 brief (HTML and PDF) from the published run.

Reads ``<output_dir>/current`` of the config (nothing but the publication) and writes
``<out>/<knr>.html`` and ``<out>/<knr>.pdf`` (:mod:`pipeline.products.briefs`). Exit 2, in one
line, for an unknown kommune (saying where the valid numbers are), a missing publication, or
no Chromium to print the PDF with (the HTML is written first; the line says how to install it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from layers.errors import InputError
from pipeline.cli.common import REPORTED, console, fail
from pipeline.config import load_config
from pipeline.products.brief_pdf import print_pdfs, require_chromium
from pipeline.products.briefs import read_publication, write_brief_html
from pipeline.publish import CURRENT


def brief(
    kommune: Annotated[
        str, typer.Option("--kommune", "-k", help="Kommunenummer of the brief, e.g. 3420.")
    ],
    config: Annotated[
        Path,
        typer.Option("--config", "-c", help="The run's TOML config file.", dir_okay=False),
    ] = Path("gapmap.toml"),
    out: Annotated[
        Path, typer.Option(help="Folder for <kommunenummer>.html and .pdf.", file_okay=False)
    ] = Path("."),
) -> None:
    """Write one kommune's one-page brief (HTML and A4 PDF) from the published run."""
    try:
        folder = load_config(config).run.output_dir / CURRENT
        if not folder.is_dir():
            msg = f"{folder}: no published run; expected one made by `gapmap run -c {config}`"
            raise InputError(msg)
        publication = read_publication(folder)
        html = write_brief_html(publication, kommune.strip(), out)
        console.print(f"[green]✓[/] {escape(str(html))}", soft_wrap=True, highlight=False)
        (pdf,) = print_pdfs([(html, html.with_suffix(".pdf"))], require_chromium())
    except REPORTED as exc:
        fail(exc)
    console.print(f"[green]✓[/] {escape(str(pdf))}", soft_wrap=True, highlight=False)
