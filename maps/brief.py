"""The kommune brief: one A4 page a kommune takes to a council meeting, as one HTML file.

Built from what the run published (the rows and pictures :mod:`maps.brief_figures` and
:mod:`maps.brief_images` make of the published tables): the key figures against the fylke and
the run's total, a map thumbnail, the cost curve, the change since the previous run, the top
reasons, the subsidy need of the project areas, the trend, and the sources with their dates.
Every text is escaped; the pictures are ``data:`` URIs, so the page is one file. Printed
(``@page`` A4, 11 mm margins) it fills one sheet; :mod:`pipeline.products.briefs` prints it
to PDF with headless Chromium.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from maps.style import CLASS_BY_CODE, escape

TEXT_NO_PREVIOUS: Final = "Ingen tidligere kjøring å sammenligne med."
TEXT_NO_REASONS: Final = "Årsaker er ikke beregnet i denne kjøringen."
TEXT_NO_TREND: Final = "Ingen tidsserie ennå."
TEXT_NO_CURVE: Final = "Ingen kostnadskurve for kommunen (ingen kostnadsberegnede husstander)."
TEXT_NO_AREAS: Final = "Ingen prosjektområder i denne kjøringen."

CSS: Final = """
@page { size: A4; margin: 10mm 11mm; }
* { box-sizing: border-box; }
html { background: #e8e8e8; }
body { font: 8.4pt/1.28 "Liberation Sans", Arial, "Helvetica Neue", sans-serif; color: #1d1d1d;
  width: 188mm; margin: 0 auto; background: #fff; }
@media screen { body { padding: 10mm 11mm; width: 210mm; min-height: 297mm; margin: 6mm auto;
  box-shadow: 0 1px 6px rgba(0,0,0,.3); } }
@media print { html, body { background: #fff; } }
h1 { font-size: 17pt; margin: 0 0 .6mm; color: #0b3954; }
h2 { font-size: 9.4pt; margin: 0 0 1mm; padding-bottom: .5mm; color: #0b3954;
  border-bottom: 1px solid #9db4c0; }
p { margin: 0 0 1mm; }
.lead { color: #444; margin-bottom: 2.5mm; }
.columns { display: flex; gap: 5mm; align-items: flex-start; }
.columns > div { display: flex; flex-direction: column; gap: 2.6mm; min-width: 0; }
.left { flex: 1 1 0; }
.right { flex: 0 0 64mm; }
.left table.nowrap { font-size: 8pt; }
section { break-inside: avoid; }
table.nowrap td:first-child { white-space: nowrap; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: .35mm 1mm; border-bottom: .5px solid #d6d6d6; vertical-align: top; }
th { text-align: left; background: #eef3f6; font-weight: bold; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
img { display: block; max-width: 100%; }
img.thumb { width: 62mm; height: 62mm; margin: 0 auto; }
img.curve { width: 88mm; }
body.what-if img.curve { width: 62mm; }  /* room for the scenarios on the one page */
.note { font-size: 7pt; color: #555; }
.swatch { display: inline-block; width: 2.4mm; height: 2.4mm; border-radius: 50%;
  border: .5px solid #222; margin: 0 1mm 0 2mm; vertical-align: -.3mm; }
footer { margin-top: 2.4mm; font-size: 6.8pt; color: #444; break-inside: avoid; }
footer h2 { font-size: 8pt; }
"""


@dataclass(frozen=True)
class BriefContent:
    """Everything one brief shows, as text (unescaped) and PNG ``data:`` URIs.

    ``figures`` rows are a label and one cell per column of ``figure_columns`` (kommune,
    fylke, total); ``changes`` rows (target, class, before, after, change); ``reasons`` rows
    (reason, households, share); ``trend`` rows (date, one share per ``trend_columns``);
    ``subsidy`` and ``sources`` rows (label, value…). An empty list means the publication has
    no such table, and the brief says so.
    """

    kommunenummer: str
    kommunenavn: str
    fylke: str
    run_label: str
    map_target_label: str
    figure_columns: Sequence[str]
    figures: Sequence[Sequence[str]]
    thumbnail_uri: str | None = None
    cost_curve_uri: str | None = None
    changes: Sequence[Sequence[str]] = ()
    previous_run: str | None = None
    reasons: Sequence[Sequence[str]] = ()
    trend_columns: Sequence[str] = ()
    trend: Sequence[Sequence[str]] = ()
    subsidy: Sequence[Sequence[str]] = ()
    subsidy_note: str = ""
    sources: Sequence[Sequence[str]] = ()
    stamp: Sequence[tuple[str, str]] = field(default_factory=tuple)
    # "what if" rows (label, below the map target, change, cost); empty: no [scenarios]
    scenarios: Sequence[Sequence[str]] = ()


def _cell(value: str, index: int) -> str:
    css = ' class="num"' if index > 0 else ""
    return f"<td{css}>{escape(value)}</td>"


def table_html(
    header: Sequence[str], rows: Sequence[Sequence[str]], numeric_from: int = 1, css: str = ""
) -> str:
    """A table with ``header`` (no head row when empty); cells from column ``numeric_from`` on
    are right-aligned; ``css`` its class (``nowrap``: the first column on one line)."""
    head = "".join(
        f"<th{' class=num' if i >= numeric_from else ''}>{escape(h)}</th>"
        for i, h in enumerate(header)
    )
    body = "".join(
        "<tr>"
        + "".join(_cell(v, i if i >= numeric_from else 0) for i, v in enumerate(row))
        + "</tr>"
        for row in rows
    )
    css_class = f' class="{escape(css)}"' if css else ""
    thead = f"<thead><tr>{head}</tr></thead>" if header else ""
    return f"<table{css_class}>{thead}<tbody>{body}</tbody></table>"


def _image(uri: str | None, css: str, alt: str, missing: str) -> str:
    if uri is None:
        return f'<p class="note">{escape(missing)}</p>'
    return f'<img class="{css}" src="{escape(uri)}" alt="{escape(alt)}">'


def _map_section(content: BriefContent) -> str:
    swatches = "".join(
        f'<span class="swatch" style="background:{CLASS_BY_CODE[c].color}"></span>'
        f"{escape(CLASS_BY_CODE[c].label_nb)}"
        for c in ("underserved", "unserved")
    )
    image = _image(content.thumbnail_uri, "thumb", f"Kart over {content.kommunenavn}", "")
    return (
        f"<section><h2>Husstander under {escape(content.map_target_label)}</h2>{image}"
        f'<p class="note">{swatches}<span class="swatch" style="background:#5a4fcf33;'
        f'border-color:#5a4fcf;border-radius:0"></span>Prosjektområde</p></section>'
    )


def _changes_section(content: BriefContent) -> str:
    if not content.changes:
        return f"<section><h2>Endring siden forrige kjøring</h2><p>{TEXT_NO_PREVIOUS}</p></section>"
    header = ["Mål", "Klasse", "Før", "Nå", "Endring"]
    return (
        "<section><h2>Endring siden forrige kjøring</h2>"
        f'<p class="note">Sammenlignet med {escape(content.previous_run)}.</p>'
        f"{table_html(header, content.changes, numeric_from=2, css='nowrap')}</section>"
    )


def _reasons_section(content: BriefContent) -> str:
    title = f"Hvorfor husstander er under {escape(content.map_target_label)}"
    if not content.reasons:
        return f"<section><h2>{title}</h2><p>{TEXT_NO_REASONS}</p></section>"
    table = table_html(["Årsak", "Husstander", "Andel"], content.reasons)
    return f"<section><h2>{title}</h2>{table}</section>"


def _trend_section(content: BriefContent) -> str:
    if not content.trend:
        return f"<section><h2>Utvikling, andel dekket</h2><p>{TEXT_NO_TREND}</p></section>"
    table = table_html(["Kjøring", *content.trend_columns], content.trend, css="nowrap")
    return f"<section><h2>Utvikling, andel dekket</h2>{table}</section>"


def _subsidy_section(content: BriefContent) -> str:
    title = "Støtteberettigede husstander og støttebehov"
    if not content.subsidy:
        return f"<section><h2>{title}</h2><p>{TEXT_NO_AREAS}</p></section>"
    table = table_html([], content.subsidy)
    note = f'<p class="note">{escape(content.subsidy_note)}</p>' if content.subsidy_note else ""
    return f"<section><h2>{title}</h2>{table}{note}</section>"


def _scenarios_section(content: BriefContent) -> str:
    """The kommune's scenarios against the run (nothing when the run has none)."""
    if not content.scenarios:
        return ""
    header = ["Hva om", "Under mål", "Endring", "Kostnad"]
    title = f"Hva om – husstander under {escape(content.map_target_label)}"
    table = table_html(header, content.scenarios, css="nowrap")
    return f"<section><h2>{title}</h2>{table}</section>"


def _footer(content: BriefContent) -> str:
    sources = " · ".join(
        f"<b>{escape(label)}</b>: {escape(name)}" + (f" ({escape(date)})" if date else "")
        for label, name, date in content.sources
    )
    stamp = " · ".join(f"{escape(label)}: {escape(value)}" for label, value in content.stamp)
    return f"<footer><h2>Kilder og datagrunnlag</h2><p>{sources}</p><p>{stamp}</p></footer>"


def render_brief_html(content: BriefContent) -> str:
    """The brief as one HTML page (A4 when printed), every text escaped."""
    name = escape(content.kommunenavn)
    figures = table_html(["", *content.figure_columns], content.figures, css="nowrap")
    curve = _image(content.cost_curve_uri, "curve", "Kostnadskurve", TEXT_NO_CURVE)
    return f"""<!DOCTYPE html>
<html lang="nb">
<head>
<meta charset="utf-8">
<title>Bredbånd i {name} – kommunebrief</title>
<style>{CSS}</style>
</head>
<body{' class="what-if"' if content.scenarios else ""}>
<h1>Bredbånd i {name}</h1>
<p class="lead">Kommunenummer {escape(content.kommunenummer)} · {escape(content.fylke)} ·
{escape(content.run_label)}</p>
<div class="columns">
<div class="left">
<section><h2>Nøkkeltall</h2>{figures}</section>
<section><h2>Kostnadskurve</h2>{curve}</section>
{_changes_section(content)}
{_trend_section(content)}
{_scenarios_section(content)}
</div>
<div class="right">
{_map_section(content)}
{_subsidy_section(content)}
{_reasons_section(content)}
</div>
</div>
{_footer(content)}
</body>
</html>
"""
