"""One or several run reports as one self-contained HTML page: inline CSS and an inline SVG chart, no
script, no external asset, so it can be mailed, attached to a ticket or archived as one file.

Sections, per report: how the run ended; what to do next; the chart of documents per organisation by
outcome; per organisation its table (document type x outcome), rounding and items, warnings, rejections
grouped by cause (every document named, with what to do), skips, the listed documents (partly paid,
disagreeing), why it stopped; what was refused before reaching an organisation; the calls used against each
vendor limit. `make demo` builds its page with `page(..., before=..., after=...)`: its sections about the
sandbox sit around these, and the per-organisation rendering exists only here.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from connector_kit.run_report import ReasonGroup, RunReport, named

from . import report_common as common

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:62rem;
color:#1f2933;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.25rem;margin-top:2.2rem;border-bottom:2px solid #bcccdc}
h3{font-size:1.05rem;margin-top:1.6rem;border-bottom:1px solid #d9e2ec}
table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{padding:.25rem .7rem;text-align:right}
th{background:#f0f4f8}td:first-child,th:first-child{text-align:left}tr:nth-child(even) td{background:#fafbfc}
.ok{color:#1e7b34;font-weight:600}.bad{color:#b42318;font-weight:600}.muted{color:#627d98;font-size:.9rem}
.reason{margin:.2rem 0 .6rem 1rem}.steps li{margin:.3rem 0}.steps{color:#8a1c12}
"""
COLOURS = {
    "created": "#2f80ed",
    "updated": "#9b51e0",
    "unchanged": "#8fa3b8",
    "skipped": "#f2c94c",
    "not_changeable": "#f2994a",
    "rejected": "#eb5757",
    "deferred": "#56ccf2",
    "marked_paid": "#27ae60",
    "paid_date_corrected": "#6fcf97",
    "cleared": "#bb6bd9",
    "stamped_synced": "#2f80ed",
    "ignored": "#d9d9d9",
}


def e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def chart(report: RunReport) -> str:
    """Stacked horizontal bars: every document of each organisation by what happened to it."""
    outcomes = common.charted(report)
    kinds = common.chart_kinds(report)
    orgs = common.everyone(report)
    totals = [sum(o.total(a, kinds) for a in outcomes) for o in orgs]
    scale = 520 / max([1, *totals])
    row, top, left = 34, 30 + 18 * ((len(outcomes) - 1) // 5), 200
    height = top + row * len(orgs) + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="780" height="{height}" role="img" '
        f'aria-label="Documents per organisation, by outcome">'
    ]
    for i, outcome in enumerate(outcomes):
        lx, ly = left + 115 * (i % 5), 4 + 18 * (i // 5)
        parts.append(
            f'<rect x="{lx}" y="{ly}" width="12" height="12" fill="{COLOURS.get(outcome, "#999")}"/>'
        )
        parts.append(f'<text x="{lx + 16}" y="{ly + 10}" font-size="11">{e(common.label(outcome))}</text>')
    for i, org in enumerate(orgs):
        y = top + i * row
        parts.append(f'<text x="0" y="{y + 16}" font-size="13">{e(org.name[:28])}</text>')
        x = float(left)
        for outcome in outcomes:
            n = org.total(outcome, kinds)
            if not n:
                continue
            width = n * scale
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="22" '
                f'fill="{COLOURS.get(outcome, "#999")}"><title>{e(org.name)}: {n} '
                f"{e(common.label(outcome))}</title></rect>"
            )
            x += width
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 16}" font-size="12">{totals[i]}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _groups(title: str, css: str, groups: Sequence[ReasonGroup]) -> list[str]:
    out = []
    for group in groups:
        heading = {"not_changeable": "Not changeable", "discrepancy": title}.get(group.outcome, title)
        step = f'<br><span class="bad">What to do</span>: {e(group.next_step)}' if group.next_step else ""
        out.append(
            f'<p class="reason"><span class="{css}">{heading} {len(group.documents)}</span>: '
            f'{e(group.example)}<br><span class="muted">documents: {e(named(group.documents, 60))}</span>'
            f"{step}</p>"
        )
    return out


def organisation_sections(report: RunReport, subtitles: Mapping[str, str] | None = None) -> list[str]:
    """Each organisation's table and everything said about it (the one per-organisation rendering)."""
    out: list[str] = []
    cols = common.columns(report)
    for org in common.everyone(report):
        sub = (subtitles or {}).get(org.name) or org.currency or ""
        out.append(f'<section class="organisation" data-organisation="{e(org.name)}">')
        out.append(f'<h3>{e(org.name)} <span class="muted">{e(sub)}</span></h3>')
        out.append("<table><tr><th></th>" + "".join(f"<th>{e(common.label(c))}</th>" for c in cols) + "</tr>")
        for kind in common.kinds(report):
            cells = "".join(f"<td>{org.count(kind, c)}</td>" for c in cols)
            out.append(f"<tr><td>{e(common.kind_label(kind, report))}</td>{cells}</tr>")
        out.append("</table>")
        out += [f"<p>{e(line)}</p>" for line in common.figure_lines(org, report)]
        out += [f'<p class="reason"><span class="bad">Warning</span>: {e(w)}</p>' for w in org.warnings]
        out += _groups("Rejected", "bad", org.rejections)
        out += _groups("Skipped", "muted", org.skips)
        out += _groups("PDF not attached", "bad", common.attachment_failures(org))
        out += _groups(common.note_heading("discrepancy"), "bad", common.discrepancy_groups(org))
        for note in common.partial_notes(org):
            heading = e(common.note_heading(note.outcome))
            out.append(
                f'<p class="reason note-{e(note.outcome)}"><span class="muted">{heading}</span>: '
                f"invoice {e(note.document)}, {e(note.detail)}</p>"
            )
        out.append("</section>")
    return out


def report_section(report: RunReport, subtitles: Mapping[str, str] | None = None) -> str:
    """One report: how it ended, what to do, the chart, the organisations, the calls."""
    out = [f'<section class="run-report" data-connector="{e(report.connector)}">']
    out.append(f"<h2>{e(common.title(report))}</h2>")
    css = "ok" if report.ok else "bad"
    out.append(f'<p class="{css} status">{e(common.status_line(report))}</p>')
    out.append('<section class="next-steps"><h3>What to do next</h3>')
    if report.next_steps:
        out.append('<ol class="steps">' + "".join(f"<li>{e(s)}</li>" for s in report.next_steps) + "</ol>")
    else:
        out.append('<p class="ok">Nothing: every document is where it belongs.</p>')
    out.append("</section>")
    out.append('<section class="chart"><h3>Documents per organisation</h3>')
    out.append(f'<p class="muted">{e(_chart_note(report))}</p>{chart(report)}</section>')
    out += organisation_sections(report, subtitles)
    out.append('<section class="usage"><h3>Calls against vendor limits</h3>')
    out.append("<table><tr><th>API</th><th>Calls</th><th>Limit</th><th>Detail</th></tr>")
    for where, calls, limit, detail in common.usage_rows(report):
        out.append(f"<tr><td>{e(where)}</td><td>{e(calls)}</td><td>{e(limit)}</td><td>{e(detail)}</td></tr>")
    out.append("</table></section>")
    if report.rejected_records_path and common.has_rejections(report):
        out.append(f'<p class="muted">Full reasons: {e(report.rejected_records_path)}</p>')
    out.append("</section>")
    return "\n".join(out)


def _chart_note(report: RunReport) -> str:
    if common.is_payments(report):
        return "Autotask invoices, by what the write-back did (partly paid and disagreeing ones are listed)."
    return "Invoices, credit notes and purchase orders, by outcome."


def page(
    reports: Sequence[RunReport],
    title: str = "Autotask and Xero: run report",
    *,
    intro: str = "",
    before: Sequence[str] = (),
    after: Sequence[str] = (),
    subtitles: Mapping[str, str] | None = None,
) -> str:
    """The whole page; `before`/`after` are HTML fragments of the caller's own (the demo's)."""
    out = ['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">']
    out.append(f"<title>{e(title)}</title><style>{CSS}</style></head><body>")
    out.append(f"<h1>{e(title)}</h1>")
    if intro:
        out.append(f'<p class="muted">{e(intro)}</p>')
    out += list(before)
    out += [report_section(report, subtitles) for report in reports]
    out += list(after)
    out.append("</body></html>")
    return "\n".join(out)
