"""Outcome, the last stage: every decision counted, reported and, when a document did not land, recorded.

Why one place: a decision is made in many stages (intake and routing reject records, resolution rejects a
document whose contact is ambiguous, posting reads Xero's answer), but what follows from it is the same
everywhere, and must be: the per-tenant counts, the rejected-records line, the warning, the retry ledger
(retry_ledger.py), the decision log and the exit status.

Output: every decision goes to `on_decision` (dry run: with the exact payload it would send); every
rejection is appended to the rejected-records JSONL (Autotask id, tenant, reason, Xero's messages) with
any configured secret or live token redacted (not in a dry run: it writes nothing anywhere); `summary()`
gives per-tenant counts, rounding lines, calls used/remaining and the response bytes Xero sent (its
data egress, which Xero's paid tiers meter per organisation); `noted` keeps every rejected, not
changeable or skipped document with its cause, which the run report groups (report.py).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pendulum
from connector_kit.exact_json import loads
from connector_kit.redaction import Redactor
from connector_kit.rejected import RejectedRecords
from xero_client.client import XeroClient
from xero_client.errors import XeroError
from xero_client.wire import dumps_lenient

from .attachments import AttachmentNote, AttachmentTally
from .config import Tenant
from .inventory import is_tracked, refusal_reason
from .line_report import LineReport
from .planner import Decision
from .retry_ledger import FAILED, RetryLedger

log = logging.getLogger("destination_xero")


@dataclass
class TenantSummary:
    name: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    rounding_lines: int = 0
    stopped: str | None = None
    lines: LineReport = field(default_factory=LineReport)  # items attached, lines without, cut texts
    attachments: AttachmentTally = field(default_factory=AttachmentTally)  # invoice PDFs (attachments.py)
    items_tracked: int = 0  # items created tracked as inventory (inventory.py)
    notices: list[str] = field(default_factory=list)  # warnings said once (an untracked stocked item)

    def add(self, kind: str, action: str) -> None:
        per_kind = self.counts.setdefault(kind, {})
        per_kind[action] = per_kind.get(action, 0) + 1


def access_stop(tenant: Tenant, exc: XeroError) -> str:
    """Why an organisation that refused access stopped: it is reconnected, not its documents rejected
    (a rejection lets the platform's state move past them, and they would never be sent again)."""
    return (
        f"organisation {tenant.name!r} refused access ({exc}): reconnect it to the Xero app (run "
        "`xero-auth`) or grant the app the accounting scopes (`check` names a missing one); its documents "
        "are left for the next run"
    )


class Outcome:
    """The run's decisions, thread-safe: organisations are flushed in parallel and all record here."""

    def __init__(
        self,
        tenants: Iterable[Tenant],
        rejected_path: str | None,
        secrets: Callable[[], Iterable[str]],
        dry_run: bool,
        on_decision: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.tenants = {t.tenant_id: t for t in tenants}
        self.summaries = {t.tenant_id: TenantSummary(t.name) for t in self.tenants.values()}
        self.redactor = Redactor(secrets)
        self.rejected = RejectedRecords(rejected_path, self.redactor)
        self.dry_run = dry_run
        self.on_decision = on_decision
        # set by an adapter whose decision log leaves out `unchanged` on real runs (both do: an unchanged
        # rerun would log every document): such a decision is then not even built for it
        self.log_unchanged = True
        # documents that did not land, carried in every state passed on until they do (retry_ledger.py)
        self.ledger = RetryLedger()
        self._failures: list[str] = []  # "kind key: reason" of every document that did not land
        # every rejected, not changeable or skipped document with its cause: the run report groups them
        self.noted: list[dict[str, str]] = []
        self._lock = threading.Lock()

    def record(self, decision: Decision) -> None:
        """Count, report and (when rejected) durably record one decision."""
        with self._lock:
            self._record(decision)

    def _record(self, decision: Decision) -> None:
        summary = self.summaries.get(decision.tenant_id)
        if decision.action == "rejected":  # Xero's refusal for lack of stock, in the admin's words
            decision.reason = refusal_reason(decision.reason, decision.messages)
        self.ledger.note(decision.kind, decision.action, decision.source_id, decision.reason)
        if summary is not None:
            summary.add(decision.kind, decision.action)
            if decision.action in ("create", "update") and decision.document and decision.document.rounding:
                summary.rounding_lines += 1
            summary.lines.note(decision.action, decision.document)
            if decision.kind == "item" and decision.action == "create" and is_tracked(decision.payload):
                summary.items_tracked += 1
        if decision.action in FAILED:
            self._failed(decision)
        elif decision.action == "skipped":
            self._note(decision, decision.reason)
        if self.on_decision is None or (
            decision.action == "unchanged" and not self.log_unchanged and not self.dry_run
        ):
            return
        entry = decision.as_dict()
        if not self.dry_run:
            entry.pop("payload", None)
        entry["dry_run"] = self.dry_run
        self.on_decision(loads(self.redactor.clean(dumps_lenient(entry))))  # redacted, as every line

    def _failed(self, decision: Decision) -> None:
        """A change Xero will not take leaves the two systems disagreeing: reported like a rejection
        (file, warning, exit status) on every run until someone resolves it."""
        tenant = self.tenants.get(decision.tenant_id)
        self.rejected.write(
            {
                "autotask_id": decision.source_id,
                "kind": decision.kind,
                "key": decision.key,
                "tenant_id": decision.tenant_id or None,
                "tenant": tenant.name if tenant else None,
                "action": decision.action,
                "reason": decision.reason,
                "xero_messages": decision.messages,
                "at": pendulum.now("UTC").to_iso8601_string(),
            }
        )
        detail = decision.reason + (f" ({'; '.join(decision.messages)})" if decision.messages else "")
        self._note(decision, detail)
        verb = "rejected" if decision.action == "rejected" else "not changeable in Xero:"
        log.warning("%s %s %s: %s", verb, decision.kind, decision.key, self.redactor.clean(detail))
        self._failures.append(self.redactor.clean(f"{decision.kind} {decision.key}: {detail}"))

    def _note(self, decision: Decision, reason: str) -> None:
        self.noted.append(
            {
                "action": decision.action,
                "kind": decision.kind,
                "tenant_id": decision.tenant_id,
                "key": decision.key or str(decision.source_id),
                "reason": reason,
            }
        )

    def notice(self, tenant_id: str, text: str) -> None:
        """A warning of one organisation's run summary, said once (resolution.py's untracked items)."""
        with self._lock:
            summary = self.summaries.get(tenant_id)
            if summary is not None and text not in summary.notices:
                summary.notices.append(text)

    def attachment(self, tenant_id: str, note: AttachmentNote) -> None:
        """One document's PDF (attachments.py): counted; a failure is logged and, when trying again can
        help, its document is listed for the next run to read again (the retry ledger), its write kept."""
        with self._lock:
            summary = self.summaries.get(tenant_id)
            if summary is not None:
                summary.attachments.add(note)
            label = f"{note.kind.replace('_', ' ')} {note.key}"
            if note.outcome == "failed":
                log.warning("PDF not attached to %s: %s", label, self.redactor.clean(note.reason))
                if note.retry and not self.dry_run:
                    self.ledger.note(note.kind, "rejected", note.source_id, note.reason)
            elif note.outcome == "attached":
                log.debug("attached %s to %s", note.file_name, label)

    # ---- the run's results ---------------------------------------------------------------------------
    def summary(self, client: XeroClient) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for tenant_id, summary in self.summaries.items():
            limiter = client.limiter(tenant_id).state
            result[summary.name] = {
                "tenant_id": tenant_id,
                "documents": summary.counts,
                "rounding_lines": summary.rounding_lines,
                "items_tracked": summary.items_tracked,
                **summary.lines.figures(),
                "attachments": summary.attachments.figures(),
                "warnings": self._warnings_of(tenant_id),
                "calls": limiter.calls,
                "response_bytes": limiter.response_bytes,
                "throttled": limiter.throttled,
                "day_remaining": limiter.day_remaining,
                "minute_remaining": limiter.minute_remaining,
                "stopped": summary.stopped,
            }
        unrouted = self.rejected.count - sum(
            n.get(action, 0) for s in self.summaries.values() for n in s.counts.values() for action in FAILED
        )
        if unrouted:
            result["(no tenant)"] = {"rejected": unrouted}
        return result

    def _warnings_of(self, tenant_id: str) -> list[str]:
        summary = self.summaries[tenant_id]
        lines = summary.lines.warnings(self.tenants[tenant_id].mappings.items)
        return lines + summary.notices + summary.attachments.warnings()

    def warnings(self) -> list[str]:
        """What the adapters log as warnings after the summary ("<organisation>: ..."): lines without an
        item, a mapping that enables items and attaches none, descriptions cut to Xero's limit."""
        return [
            f"{summary.name}: {warning}"
            for tenant_id, summary in self.summaries.items()
            for warning in self._warnings_of(tenant_id)
        ]

    def failures(self) -> list[str]:
        """Every document that did not land this run ("invoice 20123: reason"), for the final message."""
        with self._lock:
            return list(self._failures)

    def failure_message(self, limit: int = 10) -> str:
        """The run's closing line when documents did not land: how many, which, and that they come back."""
        failures = self.failures()
        named = "; ".join(failures[:limit]) + (
            f"; and {len(failures) - limit} more" if len(failures) > limit else ""
        )
        where = f" (all in {self.rejected.path})" if self.rejected.path else ""
        return (
            f"{len(failures)} document(s) are not in Xero as Autotask has them{where}: {named}. They are "
            "sent again on every run until they land: fix the cause (the mapping, or the document in Xero) "
            "and the next run sends them"
        )

    def stop_reasons(self) -> list[str]:
        """Why organisations stopped early (day limit, access refused): the adapters' final message."""
        return [f"{s.name}: {s.stopped}" for s in self.summaries.values() if s.stopped]

    def stopped(self) -> bool:
        return any(s.stopped for s in self.summaries.values())

    def exit_code(self, fail_on_rejections: bool) -> int:
        """2 when an organisation stopped early (run again later), 1 on rejections when they fail the
        run, else 0."""
        if self.stopped():
            return 2
        if fail_on_rejections and self.rejected.count:
            return 1
        return 0
