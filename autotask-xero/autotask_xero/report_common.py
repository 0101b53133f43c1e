"""What the run-report renderings share: the words, the columns and the sentences, so the HTML page, the
Markdown text and the terminal lines of `autotask-xero report` (and of `make demo`) say the same thing.

Why one place: a finance admin may read the Markdown in a ticket and the HTML page in a mail on the same
day; a figure or a sentence that differs between them makes both untrustworthy. Every figure comes from
the report (connector_kit.run_report) as the connector wrote it; nothing is recomputed here beyond sums.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from connector_kit.run_report import (
    FORWARD_OUTCOMES,
    KIND_LABELS,
    OUTCOME_LABELS,
    Note,
    Organisation,
    ReasonGroup,
    RunReport,
    Usage,
    reason_groups,
)

FORWARD_CORE = frozenset({"created", "updated", "unchanged", "skipped", "rejected"})
PAYMENT_CORE = frozenset({"marked_paid", "stamped_synced", "unchanged", "rejected"})
FORWARD_KINDS = ("invoice", "credit_note", "purchase_order", "contact", "item")
DOCUMENT_KINDS = ("invoice", "credit_note", "purchase_order", "bill")  # what the chart counts
PAYMENT_KINDS = ("invoice",)
# Outcomes that overlap others (a partly paid invoice is also stamped or unchanged): listed, not charted.
NOT_CHARTED = frozenset({"partial", "discrepancy"})
CONNECTOR_TITLES = {
    "destination-xero": "Autotask billing to Xero",
    "destination-autotask-payments": "Xero payments back to Autotask",
}
AUTOTASK_HOURLY = 10000
XERO_PER_MINUTE = 60


def is_payments(report: RunReport) -> bool:
    return report.connector == "destination-autotask-payments"


def kinds(report: RunReport) -> tuple[str, ...]:
    """The table rows: every document type of a forward report, the Autotask invoices of a payments one."""
    if is_payments(report):
        return PAYMENT_KINDS
    extra = tuple(k for org in report.organisations for k in org.documents if k not in FORWARD_KINDS)
    return FORWARD_KINDS + tuple(dict.fromkeys(extra))


def kind_label(kind: str, report: RunReport) -> str:
    if is_payments(report):
        return "Autotask invoices"
    return KIND_LABELS.get(kind, (kind, kind))[1].capitalize()


def columns(report: RunReport) -> list[str]:
    """The table's columns: the outcomes every run of this connector has, then any other this run saw
    (a column of zeros for "not changeable" on every clean run is noise)."""
    core = PAYMENT_CORE if is_payments(report) else FORWARD_CORE
    seen = {o for org in everyone(report) for per in org.documents.values() for o, n in per.items() if n}
    return [o for o in report.outcomes or FORWARD_OUTCOMES if o in core or o in seen]


def discrepancy_groups(org: Organisation) -> list[ReasonGroup]:
    """The invoices where Autotask and Xero disagree, grouped by cause, every invoice named."""
    notes = [{"key": n.document, "reason": n.detail} for n in org.notes if n.outcome == "discrepancy"]
    return reason_groups(notes, "discrepancy")


def partial_notes(org: Organisation) -> list[Note]:
    return [n for n in org.notes if n.outcome != "discrepancy"]


def charted(report: RunReport) -> list[str]:
    return [o for o in columns(report) if o not in NOT_CHARTED]


def chart_kinds(report: RunReport) -> tuple[str, ...]:
    return PAYMENT_KINDS if is_payments(report) else DOCUMENT_KINDS


def label(outcome: str) -> str:
    return OUTCOME_LABELS.get(outcome, outcome.replace("_", " "))


def title(report: RunReport) -> str:
    return CONNECTOR_TITLES.get(report.connector, report.connector)


def everyone(report: RunReport) -> list[Organisation]:
    return [*report.organisations, *([report.unrouted] if report.unrouted else [])]


def status_line(report: RunReport) -> str:
    """How the run ended, in words: what a scheduler saw, and whether anything needs doing."""
    when = report.started_at.strftime("%Y-%m-%d %H:%M UTC")
    head = f"{report.connector} {report.version}, started {when}, took {seconds(report.seconds)}" + (
        "; dry run: nothing was written" if report.dry_run else ""
    )
    if report.exit_status == 0 and not report.stop_reasons:
        return f"{head}. Finished: everything was processed."
    return f"{head}. Finished with exit status {report.exit_status}: see what to do next."


def seconds(value: Decimal) -> str:
    total = int(value)
    if total < 120:
        return f"{value:.0f} s"
    return f"{total // 60} min {total % 60} s"


def money(value: Any) -> str:
    """Two decimals for display; the report keeps the exact figure."""
    try:
        return f"{Decimal(str(value)):.2f}"
    except InvalidOperation:
        return str(value)


def figure_lines(org: Organisation, report: RunReport) -> list[str]:
    """The sentences under an organisation's table: rounding, items, contacts, why it stopped."""
    lines = []
    if is_payments(report):
        return [f"Stopped early: {org.stopped}"] if org.stopped else []
    if org.rounding_lines:
        lines.append(
            f"{org.rounding_lines:,} document(s) carry a rounding line, so that Xero's total equals "
            "Autotask's to the cent."
        )
    text = f"Items attached to {org.items_attached:,} line(s)"
    if org.lines_without_item:
        text += f"; {org.lines_without_item:,} line(s) with a product or service posted without one"
    if org.descriptions_cut:
        text += f"; {org.descriptions_cut:,} description(s) cut to Xero's length"
    lines.append(text + ".")
    pdfs = attachment_line(org)
    if pdfs:
        lines.append(pdfs)
    created = [
        f"{n:,} {KIND_LABELS[k][0 if n == 1 else 1]}"
        for k in ("contact", "item")
        if (n := org.count(k, "created"))
    ]
    if created:
        tracked = f" ({org.items_tracked:,} tracked as inventory)" if org.items_tracked else ""
        lines.append("Created in Xero: " + " and ".join(created) + tracked + ".")
    if org.stopped:
        lines.append(f"Stopped early: {org.stopped}")
    return lines


def attachment_line(org: Organisation) -> str | None:
    """The invoice PDFs attached in Xero (mappings.attachments), when the organisation attaches them."""
    pdfs = org.attachments
    if pdfs is None:
        return None
    parts = [f"{pdfs.attached:,} attached"]
    if pdfs.already_attached:
        parts.append(f"{pdfs.already_attached:,} already in Xero")
    if pdfs.would_attach:
        parts.append(f"{pdfs.would_attach:,} would be attached")
    if pdfs.failed_count:
        parts.append(f"{pdfs.failed_count:,} not attached (below, with what to do)")
    if pdfs.without_pdf:
        parts.append(f"{pdfs.without_pdf:,} came without a PDF")
    return "Invoice PDFs: " + ", ".join(parts) + "."


def attachment_failures(org: Organisation) -> list[ReasonGroup]:
    return list(org.attachments.failed) if org.attachments else []


def usage_rows(report: RunReport) -> list[tuple[str, str, str, str]]:
    """(where, calls, limit, detail) per vendor limit: each organisation's Xero calls, Autotask's run."""
    rows = []
    for org in report.organisations:
        for usage in org.usage:
            rows.append((f"Xero: {org.name}", f"{usage.calls:,}", *_xero_limit(usage)))
    for usage in report.usage:
        if usage.vendor == "autotask":
            limit = usage.hourly_limit or AUTOTASK_HOURLY
            writes = f"{usage.writes:,} invoice update(s)" if usage.writes is not None else ""
            rows.append(("Autotask (whole database)", f"{usage.calls:,}", f"{limit:,} an hour", writes))
        else:
            rows.append(("Xero", f"{usage.calls:,}", *_xero_limit(usage)))
    return rows


def _xero_limit(usage: Usage) -> tuple[str, str]:
    limit = f"{usage.day_limit:,} a day" if usage.day_limit else "Xero's day limit"
    limit += f", {XERO_PER_MINUTE} a minute"
    detail = []
    if usage.day_remaining is not None:
        detail.append(f"{usage.day_remaining:,} left today")
    if usage.response_bytes is not None:
        detail.append(f"{usage.response_bytes:,} bytes received")
    held = usage.throttled
    detail.append(f"held back {held:,} time(s) by Xero's per-minute limit" if held else "never held back")
    return limit, "; ".join(detail)


def has_rejections(report: RunReport) -> bool:
    return any(org.rejections for org in everyone(report))


def note_heading(outcome: str) -> str:
    headings = {"partial": "Partly paid", "discrepancy": "Autotask and Xero disagree"}
    return headings.get(outcome, label(outcome))


def all_steps(reports: Iterable[RunReport]) -> list[tuple[str, str]]:
    """(which run, step) for every report, in order."""
    return [(title(r), step) for r in reports for step in r.next_steps]
