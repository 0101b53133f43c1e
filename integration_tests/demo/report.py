"""The demo's summary for a finance admin: the printed summary and a self-contained HTML report.

Both are built around the product's own run reports (the `report_path` file each destination writes,
`connector_kit.run_report`), rendered by the product's renderer (`autotask_xero.report_html` and
`report_markdown`, what `autotask-xero report` uses): every per-organisation table, figure, cause of
rejection and next step comes from there, never from a copy here. What this module adds around them is
only what the demo knows and a real account would not: the payments it recorded in the sandbox, the
sandbox's own call counters (busiest minute and hour), the second run's proof of no duplicates and each
job's exit status. The page and the terminal render the same `figures` dict (demo.cli), so they cannot
disagree; the HTML has inline CSS and an inline SVG chart only: it can be mailed or archived as one file.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from typing import Any

from autotask_xero import report_html, report_markdown
from autotask_xero.report_common import money
from connector_kit.run_report import RunReport

e = report_html.e
TITLE = "Autotask billing to Xero: demo sync report"


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


def xero_day_limit(calls: dict[str, Any]) -> tuple[int, str]:
    """Xero's calls a day per organisation and the tier they come from (a report without a tier predates
    the tiers: Xero's old 5,000)."""
    tier = calls.get("xero_tier") or {}
    return int(tier.get("day_limit") or 5000), str(tier.get("name") or "unknown")


def subtitles(figures: dict[str, Any]) -> dict[str, str]:
    """ "GB, GBP" beside each organisation's name: the sandbox's country and base currency."""
    return {o["name"]: f"{o['country']}, {o['currency']}" for o in figures["organisations"]}


def _wrapped(text: str) -> list[str]:
    return textwrap.wrap(text, 100, initial_indent="  ", subsequent_indent="      ", break_on_hyphens=False)


def _reports(reports: dict[str, RunReport | None], *names: str) -> Iterable[tuple[str, RunReport | None]]:
    return ((name, reports.get(name)) for name in names)


# ---- text ---------------------------------------------------------------------------------------------
def text_summary(figures: dict[str, Any], reports: dict[str, RunReport | None]) -> str:
    out: list[str] = []
    add = out.append
    add("=" * 78)
    add("SUMMARY: Autotask billing -> Xero, and payments back to Autotask")
    add("=" * 78)
    forward, payments = reports.get("forward"), reports.get("payments")
    if forward is not None:
        out += report_markdown.text_lines(forward, subtitles(figures))
    else:
        add("  The forward sync wrote no run report (see PROBLEM below).")

    add("\nPAYMENTS recorded in Xero, then written back to Autotask")
    for p in figures["payments"]["recorded"]:
        add(
            f"  {p['organisation']:<24} invoice {p['invoice_number']:<8} {p['kind']:<17}"
            f"{money(p['amount']):>12} {p['currency']} of {money(p['total'])}"
        )
    if payments is not None:
        out += ["", *report_markdown.text_lines(payments)]
    else:
        add("  The payments sync wrote no run report (see PROBLEM below).")

    calls = figures["calls"]
    day, tier = xero_day_limit(calls)
    add(f"\nAPI CALLS used by the whole demo, as the sandbox counted them (Xero app tier: {tier})")
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
    add("Run reports: " + ", ".join(figures.get("report_files") or []))
    return "\n".join(out)


# ---- HTML ---------------------------------------------------------------------------------------------
def _recorded(figures: dict[str, Any]) -> str:
    rows = [
        "<h2>Payments recorded in the sandbox's Xero</h2>",
        '<p class="muted">What a bookkeeper would record in Xero before the payments job runs.</p>',
        "<table><tr><th>Organisation</th><th>Invoice</th><th>Payment</th><th>Amount</th><th>Currency</th>"
        "<th>Invoice total</th></tr>",
    ]
    for p in figures["payments"]["recorded"]:
        rows.append(
            f"<tr><td>{e(p['organisation'])}</td><td>{e(p['invoice_number'])}</td><td>{e(p['kind'])}</td>"
            f"<td>{money(p['amount'])}</td><td>{e(p['currency'])}</td><td>{money(p['total'])}</td></tr>"
        )
    rows.append("</table>")
    return "\n".join(rows)


def _sandbox_calls(figures: dict[str, Any]) -> str:
    calls = figures["calls"]
    day, tier = xero_day_limit(calls)
    out = [
        "<h2>API calls of the whole demo, as the sandbox counted them</h2>",
        "<table><tr><th>API</th><th>Calls</th><th>Daily / hourly limit</th><th>Used</th>"
        "<th>Busiest window</th></tr>",
    ]
    for row in calls["xero"]:
        out.append(
            f"<tr><td>Xero: {e(row['organisation'])}</td><td>{row['calls']}</td>"
            f"<td>{day:,} / day ({e(tier)} tier)</td><td>{100 * row['calls'] / day:.1f}%</td>"
            f"<td>{row['peak_minute']} of 60 per minute; "
            f"{int(row.get('bytes', 0)):,} bytes received</td></tr>"
        )
    at = calls["autotask"]
    out.append(
        f"<tr><td>Autotask</td><td>{at['calls']}</td><td>10,000 / hour</td>"
        f"<td>{at['peak_hour'] / 100:.1f}%</td><td>{at['peak_hour']} in the busiest hour</td></tr></table>"
    )
    out.append(
        f"<p>Throttled answers (429): Xero {calls['xero_throttled']}, "
        f"Autotask {calls['autotask_throttled']}.</p>"
    )
    return "\n".join(out)


def _second_run(figures: dict[str, Any]) -> str:
    second = figures["second_run"]
    ok = second["xero_writes"] == 0
    return (
        "<h2>Second run: proof of no duplicates</h2>"
        "<p>The same sync again, re-reading everything from Autotask without the first run's state.</p>"
        f'<p class="{"ok" if ok else "bad"}">Xero writes on the second run: {second["xero_writes"]}</p>'
        f"<p>Documents unchanged: {second['unchanged']}, skipped: {second['skipped']}, "
        f"rejected again: {second['rejected']}.</p>"
    )


def html_report(figures: dict[str, Any], reports: dict[str, RunReport | None]) -> str:
    names = subtitles(figures)
    sections: list[str] = []
    for name, report in _reports(reports, "forward", "payments"):
        if name == "payments":
            sections.append(_recorded(figures))
        if report is not None:
            sections.append(report_html.report_section(report, names))
        else:
            sections.append(f'<p class="bad">The {name} sync wrote no run report.</p>')
    after = [_sandbox_calls(figures), _second_run(figures), "<h2>Exit status a scheduler would see</h2>"]
    after.append("".join(f"<p>{e(line)}</p>" for line in exit_status_lines(figures)))
    after += [f'<p class="bad">Problem: {e(problem)}</p>' for problem in figures["problems"]]
    intro = (
        f"Generated {figures['generated_at']}; run time {figures['seconds']:.0f} s; "
        f"runner: {figures.get('runner', 'airbyte')}; sandbox rate limits: {figures['rate_limits']}."
    )
    return report_html.page([], TITLE, intro=intro, before=sections, after=after)
