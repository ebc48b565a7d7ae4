"""The index page: a plain HTML table of every kommune, fylke and the nation, with map links.

No JavaScript and no external assets: it opens anywhere. Every value is escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from layers.numbers_nb import format_int_nb, format_nok, format_percent_nb, format_timestamp_nb
from maps import style
from maps.changes_layer import (
    CHANGE_COLORS,
    CHANGE_LABELS_NB,
    CHANGES_LAYER_NAME_NB,
    SHOWN_CHANGES,
    ChangeSources,
    change_households,
    previous_run_nb,
)
from maps.downloads import kommune_brief_html, kommune_table_hrefs, run_downloads_html
from maps.style import TargetSpec

PAGE_CSS = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
table { border-collapse: collapse; margin-top: 1em; }
th, td { padding: 3px 7px; border-bottom: 1px solid #ddd; }
th { background: #f2f4f6; text-align: center; vertical-align: bottom; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.fylke td { font-weight: bold; background: #f7f7f7; border-bottom: 2px solid #bbb; }
tfoot tr.total td { font-weight: bold; background: #e9eef2; border-top: 2px solid #888; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 6px;
  border: 1px solid #222; margin-right: 4px; vertical-align: -1px; }
td.dl { white-space: nowrap; font-size: 12px; }
section.changes h2 { font-size: 1.2em; margin-top: 1.5em; }
footer { margin-top: 2em; font-size: 12px; color: #555; }
footer dt { font-weight: bold; float: left; clear: left; width: 9em; }
footer dd { margin-left: 10em; }
"""


def _num(value: Any) -> str:
    return f'<td class="num">{style.escape(format_int_nb(value))}</td>'


def _pct(value: Any) -> str:
    return f'<td class="num">{style.escape(format_percent_nb(value))}</td>'


def _nok(value: Any) -> str:
    return f'<td class="num">{style.escape(format_nok(value))}</td>'


def _row_cells(row: Mapping[Any, Any], targets: Sequence[TargetSpec]) -> str:
    cells = [_num(row.get("households"))]
    for target in targets:
        cells.append(_num(row.get(f"unserved_households_{target.name}")))
        cells.append(_num(row.get(f"underserved_households_{target.name}")))
        cells.append(_pct(row.get(f"below_target_share_{target.name}")))
    cells.append(_num(row.get("households_below_cost_target")))
    cells.append(_nok(row.get("cost_nok")))
    cells.append(_nok(row.get("cost_per_household_nok")))
    return "".join(cells)


def _header(targets: Sequence[TargetSpec]) -> str:
    top = [
        '<th rowspan="2">Kommune</th>',
        '<th rowspan="2">Nummer</th>',
        '<th rowspan="2">Last ned tallene</th>',
        '<th rowspan="2">Husstander</th>',
    ]
    top += [f'<th colspan="3">{style.escape(t.label_nb)}</th>' for t in targets]
    top.append('<th colspan="3">Kostnad for husstander under kostnadsmålet</th>')
    swatch = {
        c.code: f'<span class="swatch" style="background:{c.color}"></span>'
        for c in style.CLASS_STYLES
    }
    second = []
    for _ in targets:
        second += [
            f"<th>{swatch['unserved']}{style.escape(style.CLASS_BY_CODE['unserved'].label_nb)}</th>",
            f"<th>{swatch['underserved']}"
            f"{style.escape(style.CLASS_BY_CODE['underserved'].label_nb)}</th>",
            "<th>Andel under målet</th>",
        ]
    second += ["<th>Husstander</th>", "<th>Estimert kostnad</th>", "<th>Per husstand</th>"]
    return f"<thead><tr>{''.join(top)}</tr><tr>{''.join(second)}</tr></thead>"


def _kommune_row(row: Mapping[Any, Any], targets: Sequence[TargetSpec], href: str | None) -> str:
    name = style.escape(row.get("kommunenavn"))
    name_cell = f'<a href="{style.escape(href)}">{name}</a>' if href else name
    number = style.escape(row.get("kommunenummer"))
    downloads = " · ".join(
        f'<a href="{style.escape(href)}" download>{style.escape(label)}</a>'
        for label, href in kommune_table_hrefs(_sort_key(row.get("kommunenummer")), root="")
    )
    downloads += " · " + kommune_brief_html(_sort_key(row.get("kommunenummer")), root="")
    return (
        f'<tr><td>{name_cell}</td><td>{number}</td><td class="dl">{downloads}</td>'
        f"{_row_cells(row, targets)}</tr>"
    )


def _summary_row(row: Mapping[Any, Any], targets: Sequence[TargetSpec], css: str) -> str:
    name = style.escape(row.get("kommunenavn"))
    number = style.escape(row.get("fylkesnummer")) if css == "fylke" else ""
    cells = _row_cells(row, targets)
    return f'<tr class="{css}"><td>{name}</td><td>{number}</td><td></td>{cells}</tr>'


def _sort_key(value: Any) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def _body_rows(
    gap_table: pd.DataFrame,
    targets: Sequence[TargetSpec],
    kommune_href: Callable[[str], str | None],
) -> str:
    kommuner = gap_table[gap_table["level"] == "kommune"].to_dict("records")
    fylker = {
        _sort_key(r.get("fylkesnummer")): r
        for r in gap_table[gap_table["level"] == "fylke"].to_dict("records")
    }
    by_fylke: dict[str, list[Mapping[Any, Any]]] = {}
    for record in kommuner:
        by_fylke.setdefault(_sort_key(record.get("fylkesnummer")), []).append(record)
    lines = []
    for fylke in sorted(set(by_fylke) | set(fylker)):
        members = sorted(by_fylke.get(fylke, []), key=lambda r: _sort_key(r.get("kommunenummer")))
        for member in members:
            knr = _sort_key(member.get("kommunenummer"))
            lines.append(_kommune_row(member, targets, kommune_href(knr)))
        if fylke in fylker:
            lines.append(_summary_row(fylker[fylke], targets, "fylke"))
    return "\n".join(lines)


def _footer(run_info: Mapping[str, str]) -> str:
    """The run's stamp with bokmål labels and a Norwegian time (the cost target's machine name
    is left out: the table names the target by its label)."""
    items = "".join(
        f"<dt>{style.escape(style.RUN_INFO_LABELS_NB.get(key, key))}</dt>"
        f"<dd>{style.escape(format_timestamp_nb(value) if key == 'generated_at' else value)}</dd>"
        for key, value in run_info.items()
        if key != "cost_target"
    )
    return f"<footer><dl>{items}</dl></footer>"


def _class_list() -> str:
    """What each class means, with its colour."""
    items = "".join(
        f'<li><span class="swatch" style="background:{c.color}"></span>'
        f"<b>{style.escape(c.label_nb)}</b>: {style.escape(c.description_nb)}</li>"
        for c in style.CLASS_STYLES
    )
    return f"<ul>{items}</ul>"


def _changes_row(name: str, number: str, counts: Mapping[str, int], href: str | None) -> str:
    label = style.escape(name)
    if href:
        label = f'<a href="{style.escape(href)}">{label}</a>'
    cells = "".join(_num(counts.get(change, 0)) for change in SHOWN_CHANGES)
    return f"<tr><td>{label}</td><td>{style.escape(number)}</td>{cells}</tr>"


def changes_section(
    gap_table: pd.DataFrame,
    changes: ChangeSources | None,
    map_target: TargetSpec,
    kommune_href: Callable[[str], str | None],
) -> str:
    """The section "Endringer siden forrige kjøring": per kommune with a change, the
    households newly served and newly below the map target, and their total; the previous
    run's date, or "Ingen tidligere kjøring". Nothing without ``changes``."""
    if changes is None:
        return ""
    heading = f"<h2>{style.escape(CHANGES_LAYER_NAME_NB)}</h2>"
    if not changes.previous_started_at:
        return f'<section class="changes">{heading}<p>Ingen tidligere kjøring.</p></section>'
    counts = change_households(changes.rows, map_target.name)
    names = {
        _sort_key(r.get("kommunenummer")): _sort_key(r.get("kommunenavn"))
        for r in gap_table[gap_table["level"] == "kommune"].to_dict("records")
    }
    rows = [
        _changes_row(names.get(knr, knr), knr, counts[knr], kommune_href(knr))
        for knr in sorted(counts)
    ]
    total = {c: sum(v[c] for v in counts.values()) for c in SHOWN_CHANGES}
    since = previous_run_nb(changes.previous_started_at)
    header = "".join(
        f'<th><span class="swatch" style="background:{CHANGE_COLORS[c]}"></span>'
        f"{style.escape(CHANGE_LABELS_NB[c])} (husstander)</th>"
        for c in SHOWN_CHANGES
    )
    body = "".join(rows) if rows else '<tr><td colspan="4">Ingen endringer.</td></tr>'
    return (
        f'<section class="changes">{heading}<p>{style.escape(map_target.label_nb)}, siden '
        f"{style.escape(since)}. Årsaken til hver endring står i "
        '<a href="tables/changes.csv">tables/changes.csv</a>; utviklingen over alle kjøringer i '
        '<a href="tables/trend.csv">tables/trend.csv</a>.</p>'
        f"<table><thead><tr><th>Kommune</th><th>Nummer</th>{header}</tr></thead>"
        f"<tbody>{body}</tbody><tfoot>"
        f"{_changes_row('Totalt', '', total, None).replace('<tr>', '<tr class=total>', 1)}"
        "</tfoot></table></section>"
    )


def render_index_page(
    gap_table: pd.DataFrame,
    targets: Sequence[TargetSpec],
    map_target: TargetSpec,
    run_info: Mapping[str, str],
    kommune_href: Callable[[str], str | None],
    overview_href: str = "maps/oversikt.html",
    changes: ChangeSources | None = None,
) -> str:
    """Return the index page as an HTML string.

    Parameters
    ----------
    gap_table : DataFrame
        Kommune, fylke and total rows (see :func:`maps.publish.write_maps`).
    targets : sequence of TargetSpec
        Targets in column order.
    map_target : TargetSpec
        The target the overview map shows (named in the link to it).
    run_info : mapping
        Stamped at the bottom of the page.
    kommune_href : callable
        Relative link to a kommune's map, or None when it has none.
    overview_href : str
        Relative link to the overview map.
    changes : ChangeSources or None
        The run's changes, a section below the table (:func:`changes_section`); None: none.
    """
    totals = gap_table[gap_table["level"] == "total"].to_dict("records")
    foot = "".join(_summary_row(r, targets, "total") for r in totals)
    generated = run_info.get("generated_at")
    stamp = f" Generert {style.escape(format_timestamp_nb(generated))}." if generated else ""
    section = changes_section(gap_table, changes, map_target, kommune_href)
    return f"""<!DOCTYPE html>
<html lang="nb">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Bredbåndsdekning per kommune – gapmap</title>
<style>{PAGE_CSS}</style>
</head>
<body>
<h1>Bredbåndsdekning per kommune</h1>
<p>Husstander per kommune og fylke som mangler tilbud om bredbånd etter hvert mål, med estimert
kostnad for å nå dem.{stamp}</p>
<p><a href="{style.escape(overview_href)}">Oversiktskart: andel husstander under
{style.escape(map_target.label_nb)}</a>. Klikk på et kommunenavn for kartet over adressene.</p>
{run_downloads_html()}{_class_list()}
<table>
{_header(targets)}
<tbody>
{_body_rows(gap_table, targets, kommune_href)}
</tbody>
<tfoot>{foot}</tfoot>
</table>
{section}
{_footer(run_info)}
</body>
</html>
"""
