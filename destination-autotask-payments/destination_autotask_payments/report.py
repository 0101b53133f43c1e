"""Outcome, the report: the run report (connector_kit.run_report) of a payments run, and the closing
lines the adapters log, in a finance admin's words.

Per organisation, the Autotask invoices by what the run did to them: paid date written (`marked_paid`),
corrected, cleared, stamped as synced, unchanged, ignored, rejected (grouped by cause, every invoice named),
plus the partly paid ones and the ones where Autotask and Xero disagree, each listed. Autotask's calls are
one figure for the run: its limit (10,000 an hour) is per database, not per organisation.

Why built from the Outcome (outcome.py) and not from the log: it is what the `summary` line and the exit
status come from, so the three cannot disagree. Both adapters call `RunReporter.finish` at the very end,
also when the run fails, so Airbyte and Singer runs write the same report.

The next steps: a rejected payment record does not come back by itself (the payments source reads what
changed since its last run), so each one says what to fix and that a full refresh of the payments job
reads them again; the write-back is idempotent, so the invoices already right are left alone.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from importlib import metadata
from typing import Any, cast

import pendulum
from connector_kit.redaction import Redactor
from connector_kit.run_report import (
    OUTCOME_LABELS,
    PAYMENT_OUTCOMES,
    Note,
    Organisation,
    ReasonGroup,
    RunReport,
    Usage,
    named,
    plural,
    reason_groups,
    write_report,
)

from .config import DestinationConfig
from .outcome import Outcome

CONNECTOR = "destination-autotask-payments"
AUTOTASK_HOURLY = 10000  # Autotask's request threshold: calls an hour per database
NO_ORGANISATION = "Not placed in any organisation"
LOGGER = logging.getLogger("destination_autotask_payments")

_Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]
RULES: list[_Rule] = [
    (
        re.compile(r"no Autotask invoice numbered", re.I),
        lambda m: (
            "No Autotask invoice has these Xero invoices' numbers: they were typed by hand in Xero, "
            "or the organisation's numbering in the mapping is not the one they were sent with. Check the "
            "numbering, or record these payments in Autotask by hand"
        ),
    ),
    (
        re.compile(r"Autotask invoices are numbered", re.I),
        lambda m: "Two Autotask invoices share one number: renumber one in Autotask",
    ),
    (
        re.compile(r"is voided", re.I),
        lambda m: (
            "These invoices are voided in Autotask but paid in Xero: refund or move the payment in "
            "Xero, or record it in Autotask by hand"
        ),
    ),
    (
        re.compile(r"totals differ", re.I),
        lambda m: (
            "Xero's total is not Autotask's, so these are not the same invoices (another "
            "organisation's, or a number reused by hand in Xero): correct the number in Xero"
        ),
    ),
    (
        re.compile(r"claimed by invoices in tenants", re.I),
        lambda m: (
            "Two organisations hold an invoice with the same Autotask number: keep it in the one it "
            "belongs to"
        ),
    ),
    (
        re.compile(r"names no Xero tenant", re.I),
        lambda m: "These records name no organisation: set default_tenant_id",
    ),
    (
        re.compile(r"is not one of the declared tenants", re.I),
        lambda m: (
            "These records come from an organisation the config does not list: add it to tenants[], "
            "or set other_tenants to ignore"
        ),
    ),
    (
        re.compile(r"does not follow the numbering", re.I),
        lambda m: "These Xero invoices were not sent from Autotask: set foreign_invoices to ignore",
    ),
    (
        re.compile(r"Reference .* did not arrive", re.I),
        lambda m: (
            "Sync the invoices stream together with the payments (Xero numbering keeps the Autotask "
            "number in the invoice's Reference)"
        ),
    ),
]


def version() -> str:
    try:
        return metadata.version(CONNECTOR)
    except metadata.PackageNotFoundError:
        return "unknown"


def advice(cause: str) -> str:
    for pattern, say in RULES:
        match = pattern.search(cause)
        if match:
            return say(match)
    return f"Fix this: {cause}"


def rejection_step(group: ReasonGroup) -> str:
    these = plural(len(group.documents), "invoice")
    return (
        f"{advice(group.example)}; then sync the payments again (a full refresh of the payments job reads "
        f"them again, and leaves the invoices already right alone). {these}: {named(group.documents)}."
    )


def discrepancy_step(group: ReasonGroup) -> str:
    these = plural(len(group.documents), "invoice")
    return (
        f"{these} disagree ({group.example}): {named(group.documents)}. Record the payment in Xero (the "
        "next payments sync then agrees), or clear the paid date in Autotask if it was set by mistake; the "
        "write-back never clears a paid date on a guess."
    )


@dataclass
class RunReporter:
    config: DestinationConfig
    log: logging.Logger = LOGGER  # the adapter's: where its platform shows INFO lines
    started_at: datetime = field(default_factory=lambda: pendulum.now("UTC"))
    _start: float = field(default_factory=time.monotonic)

    def build(
        self, outcome: Outcome, calls: int, patches: int, exit_status: int, failure: str | None = None
    ) -> RunReport:
        tenants = [(t.tenant_id, t.name) for t in self.config.tenants]
        orgs = [_organisation(outcome, tid, name) for tid, name in tenants]
        unrouted = _organisation(outcome, "", NO_ORGANISATION) if outcome.counts.get("") else None
        steps = [f"The run stopped before the end: {failure}. Fix this and run again."] if failure else []
        for org in [*orgs, *([unrouted] if unrouted else [])]:
            steps += [f"{org.name}: {g.next_step}" for g in org.rejections if g.next_step]
            discrepancies = [n for n in org.notes if n.outcome == "discrepancy"]
            steps += [
                f"{org.name}: {discrepancy_step(g)}"
                for g in reason_groups(
                    ({"key": n.document, "reason": n.detail} for n in discrepancies), "discrepancy"
                )
            ]
        if self.config.dry_run:
            steps.append(
                "This was a dry run: nothing was written to Autotask. When the figures are what you expect, "
                "turn dry_run off and run again."
            )
        return RunReport(
            connector=CONNECTOR,
            version=version(),
            started_at=self.started_at,
            finished_at=pendulum.now("UTC"),
            seconds=Decimal(f"{time.monotonic() - self._start:.3f}"),
            dry_run=self.config.dry_run,
            exit_status=exit_status,
            outcomes=list(PAYMENT_OUTCOMES),
            organisations=orgs,
            unrouted=unrouted,
            usage=[Usage(vendor="autotask", calls=calls, writes=patches, hourly_limit=AUTOTASK_HOURLY)],
            stop_reasons=[failure] if failure else [],
            next_steps=steps,
            rejected_records_path=None if self.config.dry_run else self.config.rejected_records_path,
        )

    def finish(
        self,
        outcome: Outcome,
        calls: int,
        patches: int,
        exit_status: int,
        failure: str | None = None,
    ) -> RunReport:
        """Build the report, log its closing lines (the next steps as errors), write it when
        `report_path` is set; a report that cannot be written is one line, never another failure."""
        report = self.build(outcome, calls, patches, exit_status, failure)
        redactor: Redactor = outcome.redactor
        for line in closing_lines(report):
            self.log.info("%s", redactor.clean(line))
        for step in report.next_steps:
            self.log.error("%s", redactor.clean(step))
        if self.config.report_path:
            try:
                path = write_report(report, self.config.report_path, redactor)
                self.log.info("run report written to %s", path)
            except OSError as exc:
                self.log.error("the run report could not be written to %s: %s", self.config.report_path, exc)
        return report


def _organisation(outcome: Outcome, tenant_id: str, name: str) -> Organisation:
    counts = dict(outcome.counts.get(tenant_id) or {})
    s = outcome.summary
    mine: Callable[[dict[str, Any]], bool] = lambda entry: outcome.tenant_of(entry) == tenant_id  # noqa: E731
    notes = [
        Note(
            outcome="partial",
            document=str(p.get("invoice_number")),
            detail=f"{p.get('amount_paid')} of {p.get('total')} {p.get('currency')} paid, last on "
            f"{p.get('last_payment_date')}; Autotask shows it unpaid until it is paid in full",
            amount=p.get("amount_paid"),
            total=p.get("total"),
            currency=p.get("currency"),
            date=p.get("last_payment_date"),
        )
        for p in s.partial
        if mine(p)
    ]
    discrepancies = [d for d in s.discrepancies if mine(d)]
    notes += [
        Note(outcome="discrepancy", document=str(d.get("invoice_number")), detail=str(d.get("reason")))
        for d in discrepancies
    ]
    if notes:
        counts["partial"] = sum(1 for n in notes if n.outcome == "partial")
        counts["discrepancy"] = len(discrepancies)
    rejections = [
        g.model_copy(update={"kind": "invoice", "next_step": rejection_step(g)})
        for g in reason_groups(r for r in outcome.rejections if r["tenant_id"] == tenant_id)
    ]
    return Organisation(
        name=name,
        tenant_id=tenant_id or None,
        documents=cast(Any, {"invoice": {k: v for k, v in counts.items() if v}} if counts else {}),
        rejections=rejections,
        notes=notes,
    )


def closing_lines(report: RunReport) -> list[str]:
    """One line per organisation: what the run did to its Autotask invoices; then Autotask's calls."""
    lines = []
    head = "dry run, nothing written: " if report.dry_run else ""
    for org in [*report.organisations, *([report.unrouted] if report.unrouted else [])]:
        parts = [f"{n:,} {OUTCOME_LABELS[o]}" for o in report.outcomes if (n := org.count("invoice", o))]
        lines.append(f"{org.name}: {head}" + (", ".join(parts) or "no invoices to update"))
    for usage in report.usage:
        lines.append(
            f"Autotask: {usage.calls:,} calls ({usage.writes or 0:,} invoice updates) of the "
            f"{AUTOTASK_HOURLY:,} an hour the database allows"
        )
    return lines


def failure_message(report: RunReport, rejected: int) -> str:
    """The adapters' closing error on rejections: how many, and what to do about each cause."""
    steps = [g.next_step for o in [*report.organisations, report.unrouted] if o for g in o.rejections]
    return f"{rejected} payment record(s) rejected. " + " ".join(s for s in steps if s)
