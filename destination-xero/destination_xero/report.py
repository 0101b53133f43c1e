"""Outcome, the report: the run report (connector_kit.run_report) built from what the outcome stage
recorded, and the closing lines the adapters log, both in a finance admin's words.

Why built from the Outcome and not from the log: the counts, the causes and the stop reasons are the same
objects the summary line and the exit status come from, so the report cannot disagree with them. Why here
and not in the adapters: Airbyte and Singer runs must write the same report for the same input, dry runs
and failed runs included, and the adapters only decide when (`RunReporter.finish`, at the very end, also
when the run stops early or fails).

What the report says beyond the counts: each cause of rejection with every document it holds and what to
do about it (report_advice.py), why an organisation stopped early, the calls used against Xero's limits
(the day limit is not sent by Xero, only what remains: it is read as the smallest tier limit that fits,
1,000 on Starter, 5,000 above), and the run's `next_steps`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from importlib import metadata
from typing import Any

import pendulum
from connector_kit.redaction import Redactor
from connector_kit.run_report import (
    OUTCOME_LABELS,
    Attachments,
    DocumentKind,
    Organisation,
    OutcomeKind,
    RunReport,
    Usage,
    named,
    plural,
    reason_groups,
    write_report,
)
from xero_client.client import XeroClient

from .attachments import AttachmentTally
from .config import Config, Tenant
from .outcome import Outcome
from .report_advice import failure_step, group_step, stop_step

CONNECTOR = "destination-xero"
ACTION_OUTCOME: dict[str, OutcomeKind] = {
    "create": "created",
    "update": "updated",
    "unchanged": "unchanged",
    "skipped": "skipped",
    "not_changeable": "not_changeable",
    "rejected": "rejected",
    "deferred": "deferred",
}
DOCUMENTS = ("invoice", "credit_note", "purchase_order", "bill")
TIER_DAY_LIMITS = (1000, 5000)  # Xero's Starter tier, and every tier above it
NO_ORGANISATION = "Not placed in any organisation"

log = logging.getLogger("destination_xero")


def version() -> str:
    try:
        return metadata.version(CONNECTOR)
    except metadata.PackageNotFoundError:
        return "unknown"


def day_limit(calls: int, remaining: int | None) -> int | None:
    """The organisation's day limit as Xero's figures allow: the smallest tier limit that holds this run's
    calls and what Xero says remains (another run's calls today make the sum smaller, never larger)."""
    if remaining is None:
        return None
    return next((limit for limit in TIER_DAY_LIMITS if calls + remaining <= limit), None)


@dataclass
class RunReporter:
    """The clock of one run and where its report goes; `finish` builds, logs and writes it."""

    config: Config
    started_at: datetime = field(default_factory=lambda: pendulum.now("UTC"))
    _start: float = field(default_factory=time.monotonic)
    written: bool = False

    def build(
        self,
        outcome: Outcome | None,
        client: XeroClient | None,
        exit_status: int,
        failure: str | None = None,
    ) -> RunReport:
        orgs = [_organisation(self.config, tid, outcome, client) for tid in _tenant_ids(self.config)]
        unrouted = _unrouted(outcome)
        stops = [f"{o.name}: {o.stopped}" for o in orgs if o.stopped]
        if failure:
            stops.append(failure)
        return RunReport(
            connector=CONNECTOR,
            version=version(),
            started_at=self.started_at,
            finished_at=pendulum.now("UTC"),
            seconds=Decimal(f"{time.monotonic() - self._start:.3f}"),
            dry_run=self.config.dry_run,
            exit_status=exit_status,
            organisations=orgs,
            unrouted=unrouted,
            warnings=[f"{o.name}: {w}" for o in orgs for w in o.warnings],
            stop_reasons=stops,
            next_steps=_next_steps(self.config, orgs, unrouted, failure),
            rejected_records_path=None if self.config.dry_run else self.config.rejected_records_path,
        )

    def finish(
        self,
        outcome: Outcome | None,
        client: XeroClient | None,
        exit_status: int,
        failure: str | None = None,
        redactor: Redactor | None = None,
    ) -> RunReport:
        """Build the report, log its closing lines, and write it when `report_path` is set. A report that
        cannot be written is said in one line; it never changes how the run ends."""
        report = self.build(outcome, client, exit_status, failure)
        clean = redactor or (outcome.redactor if outcome is not None else None)
        for line in closing_lines(report):
            log.info("%s", clean.clean(line) if clean else line)
        for step in report.next_steps:
            log.error("%s", clean.clean(step) if clean else step)
        if self.config.report_path and not self.written:
            try:
                path = write_report(report, self.config.report_path, clean)
                self.written = True
                log.info("run report written to %s", path)
            except OSError as exc:
                log.error("the run report could not be written to %s: %s", self.config.report_path, exc)
        return report


def _tenant_ids(config: Config) -> list[str]:
    return [t.tenant_id for t in config.tenants]


def _organisation(
    config: Config, tenant_id: str, outcome: Outcome | None, client: XeroClient | None
) -> Organisation:
    tenant = config.tenant(tenant_id)
    usage = []
    if client is not None:
        state = client.limiter(tenant_id).state
        usage.append(
            Usage(
                vendor="xero",
                calls=state.calls,
                response_bytes=state.response_bytes,
                day_limit=day_limit(state.calls, state.day_remaining),
                day_remaining=state.day_remaining,
                minute_remaining=state.minute_remaining,
                throttled=state.throttled,
            )
        )
    if outcome is None:
        return Organisation(name=tenant.name, tenant_id=tenant_id, currency=tenant.base_currency, usage=usage)
    summary = outcome.summaries[tenant_id]
    noted = [n for n in outcome.noted if n["tenant_id"] == tenant_id]
    figures = summary.lines.figures()
    return Organisation(
        name=tenant.name,
        tenant_id=tenant_id,
        currency=tenant.base_currency,
        documents=_documents(summary.counts),
        rejections=_groups(noted, ("rejected", "not_changeable")),
        skips=_groups(noted, ("skipped",)),
        rounding_lines=summary.rounding_lines,
        items_attached=figures["items_attached"],
        items_tracked=summary.items_tracked,
        lines_without_item=figures["lines_without_item"],
        descriptions_cut=figures["descriptions_cut"],
        usage=usage,
        warnings=summary.lines.warnings(tenant.mappings.items)
        + summary.notices  # said once: a stocked item Xero holds untracked (inventory.py)
        + summary.attachments.warnings(),
        stopped=summary.stopped,
        attachments=_attachments(tenant, summary.attachments),
    )


def _attachments(tenant: Tenant, tally: AttachmentTally) -> Attachments | None:
    """The organisation's invoice PDFs (attachments.py); None when it does not attach them. A failure that
    the next run tries again says how to send its documents now; the others say what to do in their
    cause (attach a smaller copy by hand, remove an attachment in Xero)."""
    if not (tenant.mappings.attachments.invoice_pdf or tally.any):
        return None
    groups = []
    ids = {f["key"]: f["id"] for f in tally.failed}  # resync names an invoice by id under any numbering
    for retry in ("True", "False"):
        for group in reason_groups([f for f in tally.failed if f["retry"] == retry]):
            step = None
            if retry == "True":
                named_ids = " ".join(f"id:{ids[key]}" for key in group.documents[:20] if ids.get(key))
                step = (
                    f"Send them again now with `autotask-xero resync {named_ids}`, or let the next run, "
                    "which reads them again, attach their PDFs."
                )
            groups.append(group.model_copy(update={"next_step": step}))
    return Attachments(
        attached=tally.attached,
        already_attached=tally.already_attached,
        would_attach=tally.would_attach,
        without_pdf=len(tally.without_pdf),
        failed=groups,
    )


def _documents(counts: dict[str, dict[str, int]]) -> dict[DocumentKind, dict[OutcomeKind, int]]:
    result: dict[Any, dict[OutcomeKind, int]] = {}
    for kind, per in counts.items():
        result[kind] = {ACTION_OUTCOME[a]: n for a, n in per.items() if a in ACTION_OUTCOME}
    return result


def _groups(noted: list[dict[str, str]], actions: tuple[str, ...]) -> list[Any]:
    groups = []
    for action in actions:
        entries = [n for n in noted if n["action"] == action]
        for group in reason_groups(entries, ACTION_OUTCOME[action]):
            groups.append(group.model_copy(update={"next_step": group_step(group)}))
    return groups


def _unrouted(outcome: Outcome | None) -> Organisation | None:
    if outcome is None:
        return None
    known = set(outcome.summaries)
    noted = [n for n in outcome.noted if n["tenant_id"] not in known]
    if not noted:
        return None
    counts: dict[str, dict[str, int]] = {}
    for entry in noted:
        per = counts.setdefault(entry["kind"], {})
        per[entry["action"]] = per.get(entry["action"], 0) + 1
    documents = {k: v for k, v in _documents(counts).items() if k in DOCUMENTS or k in ("contact", "item")}
    return Organisation(
        name=NO_ORGANISATION,
        documents=documents,
        rejections=_groups(noted, ("rejected", "not_changeable")),
        skips=_groups(noted, ("skipped",)),
    )


def _next_steps(
    config: Config, orgs: list[Organisation], unrouted: Organisation | None, failure: str | None
) -> list[str]:
    steps: list[str] = []
    if failure:
        steps.append(failure_step(failure))
    for org in orgs:
        if org.stopped:
            deferred = org.total("deferred")
            steps.append(stop_step(org.name, org.stopped, deferred))
    for org in [*orgs, *([unrouted] if unrouted else [])]:
        for group in org.rejections:
            if group.next_step:
                where = "" if org is unrouted else f"{org.name}: "
                steps.append(where + group.next_step)
    for org in orgs:
        for group in org.attachments.failed if org.attachments else []:
            head = f"{org.name}: {plural(len(group.documents), group.kind or 'document')} without the PDF"
            what = f"{head} ({group.example}): {named(group.documents)}."
            steps.append(f"{what} {group.next_step}" if group.next_step else what)
    if config.dry_run:
        steps.append(
            "This was a dry run: nothing was written to Xero. When the figures above are what you expect, "
            "turn dry_run off and run again to send the documents."
        )
    return steps


def closing_lines(report: RunReport) -> list[str]:
    """One line per organisation a finance admin reads at the end of the log: what happened to the
    documents, and how much of Xero's daily allowance the run used."""
    lines = []
    head = "dry run, nothing written: " if report.dry_run else ""
    for org in [*report.organisations, *([report.unrouted] if report.unrouted else [])]:
        parts = [
            f"{n:,} {OUTCOME_LABELS[outcome]}"
            for outcome in report.outcomes
            if (n := org.total(outcome, DOCUMENTS))
        ]
        extras = []
        if org.contacts_created:
            extras.append(f"{plural(org.contacts_created, 'contact')} created")
        if org.items_created:
            tracked = f" ({org.items_tracked:,} tracked as inventory)" if org.items_tracked else ""
            extras.append(f"{plural(org.items_created, 'item')} created{tracked}")
        if org.attachments and (org.attachments.attached or org.attachments.failed_count):
            pdfs = org.attachments
            extras.append(f"{pdfs.attached:,} PDF(s) attached, {pdfs.failed_count:,} not attached")
        elif org.attachments and org.attachments.would_attach:
            extras.append(f"{org.attachments.would_attach:,} PDF(s) would be attached")
        for usage in org.usage:
            left = f", {usage.day_remaining:,} left today" if usage.day_remaining is not None else ""
            extras.append(f"{usage.calls:,} Xero calls{left}")
        text = head + (", ".join(parts) or "no documents")
        lines.append(f"{org.name}: {text}" + (f"; {'; '.join(extras)}" if extras else ""))
    everyone = [*report.organisations, *([report.unrouted] if report.unrouted else [])]
    if report.rejected_records_path and any(o.rejections for o in everyone):
        lines.append(f"every document that did not land, with its reason: {report.rejected_records_path}")
    return lines


def stop_message(report: RunReport) -> str:
    """The adapters' closing error when an organisation stopped early: what happened and what follows."""
    stops = [stop_step(o.name, o.stopped, o.total("deferred")) for o in report.organisations if o.stopped]
    return " ".join(stops) or "An organisation stopped early; the next run sends what is left."
