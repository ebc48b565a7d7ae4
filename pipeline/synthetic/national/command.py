"""``gapmap build-national``: find the sources, check the options, build, report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pipeline.synthetic.national.build import (
    BuildOptions,
    build_national_dataset,
    parse_kommune_list,
)
from pipeline.synthetic.national.dataset import NationalDataset
from pipeline.synthetic.national.report import report_lines
from pipeline.synthetic.national.sources import find_sources


def build_national_command(
    out_dir: Path,
    sources: Path | None,
    source_files: tuple[Path | None, Path | None, Path | None],
    *,
    seed: int,
    households_per_person: float,
    cell_m: float,
    limit_kommuner: str,
    roads: bool,
    show: Callable[[str], None],
) -> NationalDataset:
    """Build the set as the command's options say, showing each step and then the report.

    ``source_files`` are the population grid, the kommune boundaries and the Fylker zip as
    given (``None``: found by name in the ``sources`` folder). Raises a
    :class:`~layers.errors.GapmapError` for a missing source or a bad option.
    """
    options = BuildOptions(
        out_dir=out_dir,
        sources=find_sources(sources, *source_files),
        seed=seed,
        households_per_person=households_per_person,
        cell_m=cell_m,
        limit_kommuner=parse_kommune_list(limit_kommuner),
        roads=roads,
    )

    def show_step(name: str, seconds: float, peak_mb: float) -> None:
        show(f"  {name:<22} {seconds:7.1f} s   peak RSS {peak_mb:7,.0f} MB")

    show(f"building into {out_dir} (seed {seed})")
    dataset = build_national_dataset(options, show_step)
    for line in report_lines(dataset):
        show(line)
    return dataset
