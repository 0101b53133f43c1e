"""The reconciliation as a finance admin reads it: on the terminal, and as JSON, Markdown and HTML files.

Why four renderings of one Result: the terminal answers "is anything wrong?" at a glance; the Markdown goes
into a ticket or an email; the HTML page is self-contained (inline CSS, no external asset) so it can be
attached and opened anywhere; the JSON is for a script. All say the same thing in the same words
(reconcile_model.KINDS: what each kind means, and what to do next), name every document, and never show an
HTTP status or an API path. Every text is passed through the redactor before it is written.

On the terminal, the kinds that name many documents for one reason (no mapping can place it, refused by the
last sync) are grouped by that reason, line ids left out; the paid and missing kinds list the numbers; the
others give one line per document. The files give every document its own row.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from connector_kit.exact_json import dumps_lenient
from connector_kit.redaction import redact

from .reconcile_model import KIND, KINDS, Finding, Result, Side

SCHEMA_VERSION = 1
STARTER_DAY_LIMIT = 1000  # Xero's Starter tier: calls a day per organisation
AUTOTASK_HOURLY = 10000  # Autotask's threshold: calls an hour per database
GROUPED = frozenset({"unplaceable", "refused_by_last_sync"})
LISTED = frozenset({"missing_in_xero", "paid_in_autotask_only", "paid_in_xero_only"})
NO_ORGANISATION = "Not placed in any organisation"
COLUMNS = ("Document", "Autotask, as Xero should show it", "Xero", "Detail")


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def cause(detail: str) -> str:
    """A reason as one fix reads: line ids, tax categories and dates left out, each problem once, so the
    many documents one cause concerns ("no TaxType mapped for tax region 'New Zealand GST'") read once."""
    problems: list[str] = []
    for problem in detail.split("; "):
        problem = re.sub(r" \(lines? \d+(?:, \d+)*\)", "", problem)
        problem = re.sub(r", (?:category|tax) '[^']*'", "", problem)
        problem = re.sub(r"^line \d+ ", "a line ", problem)
        problem = re.sub(r" on \d{4}-\d{2}-\d{2}:", ":", problem)
        if problem not in problems:
            problems.append(problem)
    return "; ".join(problems)


def _sections(result: Result) -> list[tuple[str, str, list[Finding]]]:
    """(heading, tenant id, findings) per organisation, then the invoices placed nowhere."""
    sections = []
    for org in result.organisations:
        found = [f for f in result.findings if f.tenant_id == org.tenant_id]
        sections.append((org.name, org.tenant_id, found))
    unrouted = [f for f in result.findings if not f.tenant_id]
    if unrouted:
        sections.append((NO_ORGANISATION, "", unrouted))
    return sections


def _by_kind(findings: Iterable[Finding]) -> list[tuple[str, list[Finding]]]:
    found = list(findings)
    return [
        (k.key, [f for f in found if f.kind == k.key]) for k in KINDS if any(f.kind == k.key for f in found)
    ]


def headline(result: Result) -> str:
    period = f"{result.period_from} to {result.period_to}"
    if result.problems:
        return f"autotask-xero reconcile, {period}: could not read both systems"
    if not result.findings:
        return f"autotask-xero reconcile, {period}: Xero holds exactly what Autotask billed"
    return f"autotask-xero reconcile, {period}: {_plural(len(result.findings), 'difference')} found"


def calls_line(result: Result) -> str:
    xero = "; ".join(f"{org.name} {org.xero_calls}" for org in result.organisations)
    return (
        f"Calls used: Autotask {result.autotask_calls} (of {AUTOTASK_HOURLY:,} an hour); Xero {xero} "
        f"(the Starter tier allows {STARTER_DAY_LIMIT:,} a day per organisation)"
    )


def _org_line(result: Result, tenant_id: str) -> str:
    org = next((o for o in result.organisations if o.tenant_id == tenant_id), None)
    if org is None:
        return ""
    if org.unreadable:
        return "could not be read, so nothing was compared"
    return (
        f"{_plural(org.autotask_documents, 'document')} from Autotask, "
        f"{_plural(org.xero_documents, 'document')} of the period in Xero under our numbering"
    )


# ---- terminal --------------------------------------------------------------------------------------------
def terminal(result: Result) -> str:
    lines = [headline(result)]
    lines += [f"- {problem}" for problem in result.problems]
    lines.append(f"Autotask: {_plural(result.autotask_invoices, 'invoice')} of the period read.")
    for heading, tenant_id, found in _sections(result):
        summary = _org_line(result, tenant_id)
        lines.append("")
        lines.append(f"{heading}: {summary}" if summary else heading)
        if not found and tenant_id:
            lines.append("  nothing differs")
        for kind, items in _by_kind(found):
            lines += _terminal_kind(kind, items)
    if result.notes:
        lines.append("")
        lines += [f"Note: {note}" for note in result.notes]
    lines.append("")
    lines.append(calls_line(result))
    return "\n".join(lines)


def _terminal_kind(kind: str, items: list[Finding]) -> list[str]:
    lines = [f"  {KIND[kind].label} ({len(items)}):"]
    if kind in GROUPED:
        groups: dict[str, list[str]] = {}
        for f in items:
            groups.setdefault(cause(f.detail), []).append(f.document)
        for reason, documents in groups.items():
            lines.append(f"    {reason}: {', '.join(documents)}")
    elif kind in LISTED:
        lines.append("    " + ", ".join(f.document for f in items))
    else:
        lines += [f"    {f.document}: {f.detail}" for f in items]
    lines.append(f"    What to do: {KIND[kind].next_step}")
    return lines


# ---- JSON ------------------------------------------------------------------------------------------------
def as_json(result: Result, generated_at: str) -> dict[str, Any]:
    organisations = []
    for org in result.organisations:
        found = [f for f in result.findings if f.tenant_id == org.tenant_id]
        organisations.append(
            {
                "tenant_id": org.tenant_id,
                "name": org.name,
                "autotask_documents": org.autotask_documents,
                "xero_documents": org.xero_documents,
                "xero_calls": org.xero_calls,
                "unreadable": org.unreadable or None,
                "findings": {kind: [f.as_dict() for f in items] for kind, items in _by_kind(found)},
            }
        )
    unrouted = [f for f in result.findings if not f.tenant_id]
    return {
        "report": "autotask-xero reconcile",
        "schema_version": SCHEMA_VERSION,
        "generated_at": generated_at,
        "period": {"from": result.period_from, "to": result.period_to},
        "exit_status": result.exit_status,
        "differences": len(result.findings),
        "by_kind": {kind: len(items) for kind, items in _by_kind(result.findings)},
        "autotask": {"invoices": result.autotask_invoices, "calls": result.autotask_calls},
        "organisations": organisations,
        "unrouted": {kind: [f.as_dict() for f in items] for kind, items in _by_kind(unrouted)},
        "kinds": [
            {"kind": k.key, "label": k.label, "meaning": k.meaning, "next_step": k.next_step} for k in KINDS
        ],
        "calls": {
            "autotask": result.autotask_calls,
            "xero": {org.name: org.xero_calls for org in result.organisations},
            "xero_starter_day_limit_per_organisation": STARTER_DAY_LIMIT,
        },
        "problems": result.problems,
        "notes": result.notes,
    }


def json_text(result: Result, generated_at: str, secrets: Iterable[str]) -> str:
    return redact(dumps_lenient(as_json(result, generated_at)), list(secrets)) + "\n"


# ---- Markdown --------------------------------------------------------------------------------------------
def _shown(side: Side | None) -> str:
    if side is None:
        return "-"
    money = f"{side.currency + ' ' if side.currency else ''}{_amount(side.total)}"
    tax = f" (tax {_amount(side.tax)})" if side.tax is not None else ""
    parts = [side.number] if side.number else []
    if side.total is not None:
        parts.append(money + tax)
    if side.status:
        parts.append(side.status)
    return ", ".join(parts) or "-"


def _amount(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_row(*cells: object) -> str:
    return "| " + " | ".join(_md(str(cell)) for cell in cells) + " |"


def markdown(result: Result, generated_at: str, secrets: Iterable[str]) -> str:
    out = [f"# Reconciliation of Autotask against Xero, {result.period_from} to {result.period_to}", ""]
    out += [f"**{headline(result).split(': ', 1)[1]}.** Generated {generated_at}.", ""]
    out += [f"- {_md(problem)}" for problem in result.problems]
    out += [
        "| Organisation | From Autotask | In Xero | Differences | Xero calls |",
        "|---|---:|---:|---:|---:|",
    ]
    for org in result.organisations:
        count = sum(1 for f in result.findings if f.tenant_id == org.tenant_id)
        shown = "could not be read" if org.unreadable else str(count)
        out.append(_md_row(org.name, org.autotask_documents, org.xero_documents, shown, org.xero_calls))
    out += ["", calls_line(result) + ".", ""]
    for heading, tenant_id, found in _sections(result):
        out += [f"## {_md(heading)}", ""]
        summary = _org_line(result, tenant_id)
        if summary:
            out += [summary[0].upper() + summary[1:] + ".", ""]
        if not found and tenant_id:
            out += ["Nothing differs.", ""]
        for kind, items in _by_kind(found):
            k = KIND[kind]
            out += [f"### {k.label} ({len(items)})", "", f"{k.meaning} **What to do:** {k.next_step}", ""]
            out += [_md_row(*COLUMNS), "|---|---|---|---|"]
            for f in items:
                out.append(_md_row(f.document, _shown(f.autotask), _shown(f.xero), f.detail))
            out.append("")
    if result.notes:
        out += ["## Notes", ""] + [f"- {_md(note)}" for note in result.notes] + [""]
    return redact("\n".join(out), list(secrets))


# ---- HTML ------------------------------------------------------------------------------------------------
CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2rem;color:#1d2530;max-width:75rem}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d5dbe3;padding-bottom:.3rem}
h3{font-size:1rem;margin-bottom:.3rem}table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
th,td{border:1px solid #d5dbe3;padding:.35rem .5rem;text-align:left;vertical-align:top;font-size:.9rem}
th{background:#f1f4f8}td.n{text-align:right}.ok{color:#1f7a3a}.bad{color:#b3261e}
.todo{background:#fff7e0;border-left:4px solid #e0a800;padding:.4rem .6rem;margin:.3rem 0 .6rem}
.meaning{color:#4a5563;margin:.2rem 0}.note{color:#4a5563}td:first-child{white-space:nowrap}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def html_page(result: Result, generated_at: str, secrets: Iterable[str]) -> str:
    state = "bad" if result.problems or result.findings else "ok"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Reconciliation {_e(result.period_from)} to {_e(result.period_to)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>Reconciliation of Autotask against Xero, {_e(result.period_from)} to "
        f"{_e(result.period_to)}</h1>",
        f'<p class="{state}" id="headline"><strong>{_e(headline(result).split(": ", 1)[1])}.</strong> '
        f"Generated {_e(generated_at)}.</p>",
    ]
    if result.problems:
        out.append(
            '<ul class="bad" id="problems">' + "".join(f"<li>{_e(p)}</li>" for p in result.problems) + "</ul>"
        )
    out.append(
        '<table id="organisations"><tr><th>Organisation</th><th>From Autotask</th><th>In Xero</th>'
        "<th>Differences</th><th>Xero calls</th></tr>"
    )
    for org in result.organisations:
        count = sum(1 for f in result.findings if f.tenant_id == org.tenant_id)
        shown = "could not be read" if org.unreadable else str(count)
        counts = (org.autotask_documents, org.xero_documents, shown, org.xero_calls)
        out.append(
            f"<tr><td>{_e(org.name)}</td>" + "".join(f"<td class=n>{_e(c)}</td>" for c in counts) + "</tr>"
        )
    out.append(f'</table><p id="calls">{_e(calls_line(result))}.</p>')
    for heading, tenant_id, found in _sections(result):
        out.append(f'<section class="organisation" data-tenant="{_e(tenant_id)}"><h2>{_e(heading)}</h2>')
        summary = _org_line(result, tenant_id)
        if summary:
            out.append(f"<p>{_e(summary[0].upper() + summary[1:])}.</p>")
        if not found and tenant_id:
            out.append('<p class="ok">Nothing differs.</p>')
        for kind, items in _by_kind(found):
            k = KIND[kind]
            out += [
                f'<div class="kind" data-kind="{_e(kind)}"><h3>{_e(k.label)} ({len(items)})</h3>',
                f'<p class="meaning">{_e(k.meaning)}</p>',
                f'<p class="todo"><strong>What to do:</strong> {_e(k.next_step)}</p>',
                "<table><tr>" + "".join(f"<th>{_e(h)}</th>" for h in COLUMNS) + "</tr>",
            ]
            for f in items:
                out.append(
                    f"<tr><td>{_e(f.document)}</td><td>{_e(_shown(f.autotask))}</td>"
                    f"<td>{_e(_shown(f.xero))}</td><td>{_e(f.detail)}</td></tr>"
                )
            out.append("</table></div>")
        out.append("</section>")
    if result.notes:
        out.append(
            '<h2>Notes</h2><ul class="note">' + "".join(f"<li>{_e(n)}</li>" for n in result.notes) + "</ul>"
        )
    out.append("</body></html>")
    return redact("\n".join(out), list(secrets)) + "\n"
