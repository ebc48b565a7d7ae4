"""What a national build reports: rows per layer, file sizes, calibration against Nkom 2024,
terrain, snapping, roads, time and peak memory, as lines of text."""

from __future__ import annotations

from pathlib import Path

from pipeline.synthetic.national.dataset import NationalDataset

FILE_KEYS = ("addresses", "offers", "sites", "fibre", "kommuner", "dtm", "roads", "config")
NKOM_2024 = "Nkom 2024: 99.1 % ≥ 100, 96.2 % gigabit, rural gigabit 82.4 %"


def report_lines(dataset: NationalDataset) -> list[str]:
    """The build's report, one line per item."""
    lines = ["rows"]
    lines += [f"  {name:<22} {value:>12,}" for name, value in dataset.rows.items()]
    lines.append("files")
    for key in FILE_KEYS:
        path: Path | None = getattr(dataset, key)
        if path is not None:
            lines.append(f"  {path.name:<58} {path.stat().st_size / 1e6:>10.1f} MB")
    return lines + figure_lines(dataset)


def figure_lines(dataset: NationalDataset) -> list[str]:
    """Coverage shares, terrain, snapping, roads, time and peak memory."""
    f = dataset.figures
    lines = [
        f"coverage (households; {NKOM_2024})",
        f"  ≥ 100/10 Mbit/s        {100 * f['share_100_10']:6.2f} %",
        f"  gigabit                {100 * f['share_gigabit']:6.2f} %",
        f"  gigabit, sparse cells  {100 * f['share_gigabit_rural']:6.2f} %"
        f"  (sparse = {100 * f['rural_household_share']:.1f} % of households)",
        f"  below 30/5             {100 * f['share_below_30_5']:6.2f} %",
        f"terrain   {f['dtm_width']:.0f} × {f['dtm_height']:.0f} cells,"
        f" {f['dtm_land_cells']:,.0f} on land, highest {f['dtm_highest_m']:.0f} m",
        f"snap      {dataset.rows['addresses_snapped']:,} addresses outside every polygon, max"
        f" {f['max_snap_distance_m']:.0f} m; config tolerance_m = {f['snap_tolerance_m']:.0f}",
    ]
    if dataset.roads is not None:
        lines.append(
            f"roads     {f['roads_km']:,.0f} km in {f['roads_lines']:,.0f} lines,"
            f" {f['roads_components']:,.0f} networks; addresses within 500 m of a road vertex"
            f" {100 * f['roads_share_within_500m']:.2f} %, on the largest network"
            f" {100 * f['roads_share_on_largest_network']:.2f} %"
        )
    lines.append(
        f"built in {f['seconds']:.1f} s, peak RSS {f['peak_rss_mb']:,.0f} MB -> {dataset.config}"
    )
    return lines
