"""One or several run reports as Markdown (for a ticket or an email) and as terminal lines (`make demo`).

The same sections as the HTML page (report_html.py), from the same sentences (report_common.py): how the
run ended, what to do next, per organisation its table, figures, warnings, rejections grouped by cause with
every document named, skips and listed documents, and the calls against each vendor limit. The terminal
form wraps long reasons to a width a terminal shows whole and names at most a dozen documents per cause
(every one is in the files).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

from connector_kit.run_report import ReasonGroup, RunReport, named

from . import report_common as common

WIDTH = 100


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _groups_md(title: str, groups: Sequence[ReasonGroup]) -> list[str]:
    out = []
    for group in groups:
        heading = "Not changeable" if group.outcome == "not_changeable" else title
        out.append(f"- **{heading} {len(group.documents)}**: {group.example}")
        out.append(f"  - documents: {named(group.documents, 200)}")
        if group.next_step:
            out.append(f"  - what to do: {group.next_step}")
    return out


def report_markdown(report: RunReport, subtitles: Mapping[str, str] | None = None) -> list[str]:
    out = [f"## {common.title(report)}", "", common.status_line(report), "", "### What to do next", ""]
    out += [f"{i}. {step}" for i, step in enumerate(report.next_steps, 1)] or [
        "Nothing: every document is where it belongs."
    ]
    cols = common.columns(report)
    for org in common.everyone(report):
        sub = (subtitles or {}).get(org.name) or org.currency
        out += ["", f"### {org.name}" + (f" ({sub})" if sub else ""), ""]
        out.append("| | " + " | ".join(common.label(c) for c in cols) + " |")
        out.append("|---|" + "---:|" * len(cols))
        for kind in common.kinds(report):
            cells = " | ".join(str(org.count(kind, c)) for c in cols)
            out.append(f"| {_cell(common.kind_label(kind, report))} | {cells} |")
        out.append("")
        out += [f"- {line}" for line in common.figure_lines(org, report)]
        out += [f"- **Warning**: {w}" for w in org.warnings]
        out += _groups_md("Rejected", org.rejections)
        out += _groups_md("Skipped", org.skips)
        out += _groups_md("PDF not attached", common.attachment_failures(org))
        out += _groups_md(common.note_heading("discrepancy"), common.discrepancy_groups(org))
        out += [
            f"- **{common.note_heading(n.outcome)}**: invoice {n.document}, {n.detail}"
            for n in common.partial_notes(org)
        ]
    out += ["", "### Calls against vendor limits", ""]
    out += ["| API | Calls | Limit | Detail |", "|---|---:|---|---|"]
    out += [f"| {_cell(a)} | {b} | {_cell(c)} | {_cell(d)} |" for a, b, c, d in common.usage_rows(report)]
    if report.rejected_records_path and common.has_rejections(report):
        out += ["", f"Full reasons: `{report.rejected_records_path}`"]
    return out


def markdown(
    reports: Sequence[RunReport],
    title: str = "Autotask and Xero: run report",
    subtitles: Mapping[str, str] | None = None,
) -> str:
    out = [f"# {title}", ""]
    for report in reports:
        out += [*report_markdown(report, subtitles), ""]
    return "\n".join(out).rstrip() + "\n"


# ---- the terminal -------------------------------------------------------------------------------------
def wrapped(text: str, indent: str = "  ") -> list[str]:
    """A reason or a step as indented lines a terminal shows whole (some causes run to 450 characters)."""
    return textwrap.wrap(
        text, WIDTH, initial_indent=indent, subsequent_indent=indent + "    ", break_on_hyphens=False
    )


def text_lines(report: RunReport, subtitles: Mapping[str, str] | None = None) -> list[str]:
    """The report for a terminal: per organisation a table, its figures and causes; then what to do."""
    out: list[str] = [common.status_line(report)]
    cols = common.columns(report)
    widths = [max(9, len(common.label(c)) + 2) for c in cols]
    for org in common.everyone(report):
        sub = (subtitles or {}).get(org.name) or org.currency
        out += ["", org.name + (f"  ({sub})" if sub else "")]
        heads = "".join(f"{common.label(c):>{w}}" for c, w in zip(cols, widths, strict=True))
        out.append(f"  {'':<18}{heads}")
        for kind in common.kinds(report):
            label = common.kind_label(kind, report)
            counts = "".join(f"{org.count(kind, c):>{w}}" for c, w in zip(cols, widths, strict=True))
            out.append(f"  {label:<18}{counts}")
        for line in common.figure_lines(org, report):
            out += wrapped(line)
        for warning in org.warnings:
            out += wrapped(f"Warning: {warning}")
        for title, groups in (("Rejected", org.rejections), ("Skipped", org.skips)):
            for group in groups:
                heading = "Not changeable" if group.outcome == "not_changeable" else title
                out += wrapped(f"{heading} {len(group.documents)}: {group.example}")
                out.append(f"      documents: {named(group.documents)}")
        for group in common.discrepancy_groups(org):
            out += wrapped(f"{common.note_heading('discrepancy')} {len(group.documents)}: {group.example}")
            out.append(f"      invoices: {named(group.documents)}")
        for note in common.partial_notes(org):
            out += wrapped(f"{common.note_heading(note.outcome)}: invoice {note.document}, {note.detail}")
    out += ["", "  Calls against vendor limits:"]
    for where, calls, limit, detail in common.usage_rows(report):
        out.append(f"    {where}: {calls} calls of {limit}" + (f" ({detail})" if detail else ""))
    if report.next_steps:
        out += ["", "  What to do next:"]
        for step in report.next_steps:
            out += wrapped(f"- {step}", "    ")
    if report.rejected_records_path and common.has_rejections(report):
        out += ["", f"  Every document that did not land, with its reason: {report.rejected_records_path}"]
    return out
