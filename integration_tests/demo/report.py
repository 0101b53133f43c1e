"""The demo's figures for a finance admin: the printed summary and a self-contained HTML report.

Both render the same `figures` dict (built by `demo.cli` from the connectors' own summaries, the
rejected-records file and the sandbox's call counters), so the page and the terminal cannot disagree.
The HTML has inline CSS and an inline SVG chart only: it can be mailed or archived as one file.
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

KINDS = (
    ("invoice", "Invoices"),
    ("credit_note", "Credit notes"),
    ("purchase_order", "Purchase orders"),
    ("contact", "Contacts"),
    ("item", "Items"),
)
ACTIONS = (
    ("create", "created"),
    ("update", "updated"),
    ("unchanged", "unchanged"),
    ("skipped", "skipped"),
    ("rejected", "rejected"),
)
_PREFIX = re.compile(
    r"^(invoice|credit note|credit_note|purchase order|purchase_order|document) [^:]*: ", re.I
)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_DETAIL = re.compile(r"\s*\((?:lines?|line ids?) [^)]*\)|, category '[^']*'|\s*\(\d{4}-\d\d-\d\d[^)]*\)")


def reason_groups(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Group rejections or skips by cause: the reason without the document's own figures, line ids and tax
    categories (they differ per document; the full text stays in the rejected-records file)."""
    groups: dict[str, dict[str, Any]] = {}
    for entry in entries:
        reason = _PREFIX.sub("", str(entry.get("reason") or "no reason given"))
        causes = list(dict.fromkeys(_DETAIL.sub("", part) for part in reason.split("; ")))
        cause = "; ".join(causes)
        key = _NUMBER.sub("…", cause)
        group = groups.setdefault(key, {"reason": key, "example": cause, "documents": []})
        group["documents"].append(str(entry.get("key") or entry.get("autotask_id")))
    return sorted(groups.values(), key=lambda g: -len(g["documents"]))


def money(value: Any) -> str:
    """Two decimals for display; the figures themselves stay exact."""
    try:
        return f"{Decimal(str(value)):.2f}"
    except InvalidOperation:
        return str(value)


def count(org: dict[str, Any], kind: str, action: str) -> int:
    return int(org["documents"].get(kind, {}).get(action, 0))


def _items_line(org: dict[str, Any]) -> str:
    """Items attached to lines, and the lines that carry a product or service but got none."""
    text = f"Items attached to {org.get('items_attached', 0)} line(s)"
    if org.get("lines_without_item"):
        text += f"; {org['lines_without_item']} line(s) with a product or service posted without one"
    return text + "."


def exit_status_lines(figures: dict[str, Any]) -> list[str]:
    """Each job's own exit status, and what it means for the demo. Why: the jobs run as in production end
    failed on the demo's planted rejections; saying so keeps a green `make demo` from reading as "a real
    run would pass" (BEHAVIOR.md, "Errors, rejected records, exit status")."""
    jobs = figures.get("exit_status") or []
    lines = [
        f"{j['job']:<15} exit {j['exit_status']}"
        + (f" (failed): {j['rejected']} rejected" if j["exit_status"] and j["rejected"] else "")
        + (" (failed)" if j["exit_status"] and not j["rejected"] else "")
        for j in jobs
    ]
    if any(j["exit_status"] for j in jobs) and not figures.get("problems"):
        lines += [
            "A real scheduled run of these jobs ends failed (exit 1) until the rejections are resolved.",
            "They are the ones the demo data plants on purpose, so the demo itself succeeded (exit 0).",
        ]
    return lines


def _documents_list(numbers: list[str], limit: int = 12) -> str:
    shown = ", ".join(numbers[:limit])
    return shown + (f" and {len(numbers) - limit} more" if len(numbers) > limit else "")


# ---- text ---------------------------------------------------------------------------------------------
def xero_day_limit(calls: dict[str, Any]) -> tuple[int, str]:
    """Xero's calls a day per organisation and the tier they come from (a report without a tier predates
    the tiers: Xero's old 5,000)."""
    tier = calls.get("xero_tier") or {}
    return int(tier.get("day_limit") or 5000), str(tier.get("name") or "unknown")


def _wrapped(text: str) -> list[str]:
    """A reason or warning as indented lines a terminal shows whole (some causes run to 450 characters)."""
    return textwrap.wrap(text, 100, initial_indent="  ", subsequent_indent="      ", break_on_hyphens=False)


def text_summary(figures: dict[str, Any]) -> str:
    out: list[str] = []
    add = out.append
    add("=" * 78)
    add("SUMMARY: Autotask billing -> Xero, and payments back to Autotask")
    add("=" * 78)
    for org in figures["organisations"]:
        add("")
        add(f"{org['name']}  ({org['country']}, {org['currency']})")
        add(f"  {'':<18}" + "".join(f"{label:>11}" for _, label in ACTIONS))
        for kind, label in KINDS:
            add(f"  {label:<18}" + "".join(f"{count(org, kind, action):>11}" for action, _ in ACTIONS))
        if org["rounding_lines"]:
            add(
                f"  {org['rounding_lines']} document(s) carry a rounding line (account 860) so Xero's "
                "total equals"
            )
            add("  Autotask's to the cent.")
        add(f"  {_items_line(org)}")
        for warning in org.get("warnings", []):
            out.extend(_wrapped(f"Warning: {warning}"))
        for title, groups in (("Rejected", org["rejections"]), ("Skipped", org["skips"])):
            for group in groups:
                out.extend(_wrapped(f"{title} {len(group['documents'])}: {group['example']}"))
                add(f"      documents: {_documents_list(group['documents'])}")
    if figures["unrouted_rejected"]:
        add(f"\nRejected before reaching any organisation: {figures['unrouted_rejected']}")
        for group in figures["unrouted_rejections"]:
            out.extend(_wrapped(f"{len(group['documents'])}: {group['example']}"))
    add(f"\nEvery rejected document, with its full reason: {figures['rejected_file']}")

    pay = figures["payments"]
    add("\nPAYMENTS recorded in Xero, then written back to Autotask")
    for p in pay["recorded"]:
        add(
            f"  {p['organisation']:<24} invoice {p['invoice_number']:<8} {p['kind']:<17}"
            f"{money(p['amount']):>12} {p['currency']} of {money(p['total'])}"
        )
    summary = pay["summary"] or {}
    add(f"  Autotask invoices marked paid:        {summary.get('marked_paid', 'n/a')}")
    partial = summary.get("partial") or []
    add(f"  Partial payments reported (left open): {len(partial)}")
    for p in partial:
        add(
            f"      invoice {p.get('invoice_number')}: {money(p.get('amount_paid'))} of "
            f"{money(p.get('total'))} {p.get('currency')} paid, last on {p.get('last_payment_date')}"
        )
    add(f"  Invoices stamped as sent to Xero:      {summary.get('web_service_date_stamped', 'n/a')}")
    discrepancies = summary.get("discrepancies") or []
    if discrepancies:
        add(f"  Needs a look: {len(discrepancies)} invoice(s) where Autotask and Xero disagree")
        add("  (an invoice paid in Autotask before it reached Xero stays open in Xero until its payment is")
        add("  recorded there; the write-back never clears a paid date on a guess):")
        for group in reason_groups({**d, "key": d.get("invoice_number")} for d in discrepancies):
            add(f"      {len(group['documents'])}: {group['example']}")
            add(f"          invoices: {_documents_list(group['documents'], 8)}")
    add(f"  Payment records rejected:              {summary.get('unmatched_or_rejected', 'n/a')}")

    calls = figures["calls"]
    day, tier = xero_day_limit(calls)
    add(f"\nAPI CALLS used by the whole demo, against each vendor limit (Xero app tier: {tier})")
    for row in calls["xero"]:
        add(
            f"  Xero {row['organisation']:<24} {row['calls']:>5} calls: {row['calls']} of {day:,}/day "
            f"({100 * row['calls'] / day:.1f}%), busiest minute {row['peak_minute']} of 60/min, "
            f"{int(row.get('bytes', 0)):,} bytes received"
        )
    at = calls["autotask"]
    add(
        f"  Autotask (whole database)          {at['calls']:>5} calls: busiest hour {at['peak_hour']} of "
        f"10,000/hour ({at['peak_hour'] / 100:.1f}%)"
    )
    add(f"  Throttled answers (429): Xero {calls['xero_throttled']}, Autotask {calls['autotask_throttled']}")

    second = figures["second_run"]
    add("\nSECOND RUN of the same sync (proof of no duplicates)")
    add("  Everything re-read from Autotask without the first run's state: the hardest case for duplicates.")
    add(
        f"  Xero writes (PUT/POST): {second['xero_writes']}; documents unchanged: {second['unchanged']}, "
        f"skipped: {second['skipped']}, rejected again: {second['rejected']}"
    )
    add("  " + ("No duplicates: nothing was written twice." if second["xero_writes"] == 0 else "WRITES SEEN"))
    add("\nEXIT STATUS a scheduler would see for each job (fail_on_rejections: true, as in production)")
    out.extend(f"  {line}" for line in exit_status_lines(figures))
    for problem in figures["problems"]:
        add(f"\nPROBLEM: {problem}")
    add(
        f"\nRun time {figures['seconds']:.0f} s (runner: {figures.get('runner', 'airbyte')}), "
        f"sandbox rate limits: {figures['rate_limits']}."
    )
    return "\n".join(out)


# ---- HTML ---------------------------------------------------------------------------------------------
_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:60rem;
color:#1f2933;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d9e2ec}
table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{padding:.25rem .7rem;text-align:right}
th{background:#f0f4f8}td:first-child,th:first-child{text-align:left}tr:nth-child(even) td{background:#fafbfc}
.ok{color:#1e7b34;font-weight:600}.bad{color:#b42318;font-weight:600}.muted{color:#627d98;font-size:.9rem}
.reason{margin:.2rem 0 .6rem 1rem}
"""
_COLOURS = {
    "create": "#2f80ed",
    "update": "#9b51e0",
    "unchanged": "#8fa3b8",
    "skipped": "#f2c94c",
    "rejected": "#eb5757",
}


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _chart(figures: dict[str, Any]) -> str:
    """Stacked horizontal bars: every document of each organisation by what happened to it."""
    orgs = figures["organisations"]
    totals = [sum(count(o, k, a) for k, _ in KINDS[:3] for a, _ in ACTIONS) for o in orgs]
    scale = 520 / max([1, *totals])
    row, top, left = 34, 30, 180
    height = top + row * len(orgs) + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="760" height="{height}" role="img" '
        'aria-label="Documents per organisation">'
    ]
    x = float(left)
    for action, label in ACTIONS:
        parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{_COLOURS[action]}"/>')
        parts.append(f'<text x="{x + 16}" y="14" font-size="12">{_e(label)}</text>')
        x += 100
    for i, org in enumerate(orgs):
        y = top + i * row
        parts.append(f'<text x="0" y="{y + 16}" font-size="13">{_e(org["name"])}</text>')
        x = float(left)
        for action, label in ACTIONS:
            n = sum(count(org, kind, action) for kind, _ in KINDS[:3])
            if not n:
                continue
            width = n * scale
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="22" fill="{_COLOURS[action]}">'
                f"<title>{_e(org['name'])}: {n} {_e(label)}</title></rect>"
            )
            x += width
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 16}" font-size="12">{totals[i]}</text>')
    parts.append("</svg>")
    return "".join(parts)


def html_report(figures: dict[str, Any]) -> str:
    h: list[str] = []
    add = h.append
    add('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">')
    add("<title>Autotask to Xero: demo sync report</title>")
    add(f"<style>{_CSS}</style></head><body>")
    add("<h1>Autotask billing to Xero: demo sync report</h1>")
    add(
        f'<p class="muted">Generated {_e(figures["generated_at"])}; run time {figures["seconds"]:.0f} s; '
        f"runner: {_e(figures.get('runner', 'airbyte'))}; "
        f"sandbox rate limits: {_e(figures['rate_limits'])}.</p>"
    )
    add("<h2>Documents per organisation</h2>")
    add('<p class="muted">Invoices, credit notes and purchase orders, by outcome.</p>')
    add(_chart(figures))
    for org in figures["organisations"]:
        add(
            f'<h2>{_e(org["name"])} <span class="muted">'
            f"{_e(org['country'])}, {_e(org['currency'])}</span></h2>"
        )
        add("<table><tr><th></th>" + "".join(f"<th>{_e(label)}</th>" for _, label in ACTIONS) + "</tr>")
        for kind, label in KINDS:
            cells = "".join(f"<td>{count(org, kind, action)}</td>" for action, _ in ACTIONS)
            add(f"<tr><td>{_e(label)}</td>{cells}</tr>")
        add("</table>")
        if org["rounding_lines"]:
            add(f"<p>{org['rounding_lines']} document(s) carry a rounding line on account 860.</p>")
        add(f"<p>{_e(_items_line(org))}</p>")
        for warning in org.get("warnings", []):
            add(f'<p class="reason"><span class="bad">Warning</span>: {_e(warning)}</p>')
        for title, css, groups in (
            ("Rejected", "bad", org["rejections"]),
            ("Skipped", "muted", org["skips"]),
        ):
            for group in groups:
                add(
                    f'<p class="reason"><span class="{css}">{title} {len(group["documents"])}</span>: '
                    f'{_e(group["example"])}<br><span class="muted">documents: '
                    f"{_e(_documents_list(group['documents'], 40))}</span></p>"
                )
    if figures["unrouted_rejected"]:
        add(f'<p class="bad">Rejected before reaching any organisation: {figures["unrouted_rejected"]}</p>')
    add(f'<p class="muted">Full reasons: {_e(figures["rejected_file"])}</p>')

    pay = figures["payments"]
    summary = pay["summary"] or {}
    add("<h2>Payments back to Autotask</h2>")
    add(
        "<table><tr><th>Organisation</th><th>Invoice</th><th>Payment</th><th>Amount</th><th>Currency</th>"
        "<th>Invoice total</th></tr>"
    )
    for p in pay["recorded"]:
        add(
            f"<tr><td>{_e(p['organisation'])}</td><td>{_e(p['invoice_number'])}</td><td>{_e(p['kind'])}</td>"
            f"<td>{money(p['amount'])}</td><td>{_e(p['currency'])}</td><td>{money(p['total'])}</td></tr>"
        )
    add("</table><table>")
    partial = summary.get("partial") or []
    for label, value in (
        ("Autotask invoices marked paid", summary.get("marked_paid", "n/a")),
        ("Partial payments reported (invoice left open)", len(partial)),
        ("Invoices stamped as sent to Xero", summary.get("web_service_date_stamped", "n/a")),
        ("Invoices where Autotask and Xero disagree", len(summary.get("discrepancies") or [])),
        ("Payment records rejected", summary.get("unmatched_or_rejected", "n/a")),
    ):
        add(f"<tr><td>{_e(label)}</td><td>{_e(value)}</td></tr>")
    add("</table>")
    for group in reason_groups(
        {**d, "key": d.get("invoice_number")} for d in summary.get("discrepancies") or []
    ):
        add(
            f'<p class="reason"><span class="bad">Disagree {len(group["documents"])}</span>: '
            f'{_e(group["example"])}<br><span class="muted">invoices: '
            f"{_e(_documents_list(group['documents'], 40))}</span></p>"
        )
    for p in partial:
        add(
            f'<p class="reason">Partial: invoice {_e(p.get("invoice_number"))}, '
            f"{money(p.get('amount_paid'))} of {money(p.get('total'))} {_e(p.get('currency'))} paid "
            f"(last payment {_e(p.get('last_payment_date'))})</p>"
        )

    calls = figures["calls"]
    add("<h2>API calls against vendor limits</h2>")
    add(
        "<table><tr><th>API</th><th>Calls</th><th>Daily / hourly limit</th><th>Used</th>"
        "<th>Busiest window</th></tr>"
    )
    day, tier = xero_day_limit(calls)
    for row in calls["xero"]:
        add(
            f"<tr><td>Xero: {_e(row['organisation'])}</td><td>{row['calls']}</td>"
            f"<td>{day:,} / day ({_e(tier)} tier)</td><td>{100 * row['calls'] / day:.1f}%</td>"
            f"<td>{row['peak_minute']} of 60 per minute; "
            f"{int(row.get('bytes', 0)):,} bytes received</td></tr>"
        )
    at = calls["autotask"]
    add(
        f"<tr><td>Autotask</td><td>{at['calls']}</td><td>10,000 / hour</td>"
        f"<td>{at['peak_hour'] / 100:.1f}%</td>"
        f"<td>{at['peak_hour']} in the busiest hour</td></tr></table>"
    )
    add(
        f"<p>Throttled answers (429): Xero {calls['xero_throttled']}, "
        f"Autotask {calls['autotask_throttled']}.</p>"
    )

    second = figures["second_run"]
    ok = second["xero_writes"] == 0
    add("<h2>Second run: proof of no duplicates</h2>")
    add("<p>The same sync again, re-reading everything from Autotask without the first run's state.</p>")
    add(
        f'<p class="{"ok" if ok else "bad"}">Xero writes on the second run: {second["xero_writes"]}</p>'
        f"<p>Documents unchanged: {second['unchanged']}, skipped: {second['skipped']}, "
        f"rejected again: {second['rejected']}.</p>"
    )
    add("<h2>Exit status a scheduler would see</h2>")
    add("".join(f"<p>{_e(line)}</p>" for line in exit_status_lines(figures)))
    for problem in figures["problems"]:
        add(f'<p class="bad">Problem: {_e(problem)}</p>')
    add("</body></html>")
    return "\n".join(h)
