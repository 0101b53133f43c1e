"""Outcome: what a run did, said three ways: an event per write or rejection, the rejected-records file, and
the summary the adapters log at the end.

Why one module: every decision of the engine ends here, and each place that reports it must agree (a write
counted in the summary is the one named in its event; a rejection in the file is the one in the events).
Secrets are scrubbed from every reason (connector_kit.redaction); the rejected-records file is written by
connector_kit.rejected, and not in a dry run: a dry run changes nothing anywhere, and its rejections (in the
events, `dry_run: true`) must not read as a real run's in that file.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pendulum
from connector_kit.exact_json import dumps_lenient, jsonable
from connector_kit.redaction import Redactor
from connector_kit.rejected import RejectedRecords

from .config import DestinationConfig

LOGGER = logging.getLogger("destination_autotask_payments")
# The event of an invoice whose paidDate already agrees with Xero and whose only write is the synced stamp.
STAMPED_SYNCED = "stamped_synced"
# An event's action -> the run report's outcome kind (connector_kit.run_report.PAYMENT_OUTCOMES)
REPORTED = {
    "marked_paid": "marked_paid",
    "corrected": "paid_date_corrected",
    "cleared": "cleared",
    STAMPED_SYNCED: "stamped_synced",
}


@dataclass
class Summary:
    payments_read: int = 0
    invoices_read: int = 0
    marked_paid: int = 0
    corrected: int = 0
    cleared: int = 0
    stamped: int = 0  # every webServiceDate stamp, alone or with a paidDate change
    stamped_synced: int = 0  # invoices whose only write was the stamp
    unchanged: int = 0
    ignored: int = 0
    rejected: int = 0
    partial: list[dict[str, Any]] = field(default_factory=list)
    discrepancies: list[dict[str, Any]] = field(default_factory=list)
    writes: list[dict[str, Any]] = field(default_factory=list)


def with_stamp(action: str, stamp: bool) -> str:
    """The event's action once the PATCH body is known. Why: a PATCH that only stamps `webServiceDate`
    reported as "unchanged" hid a write from anyone reading the events; it is `stamped_synced`."""
    return STAMPED_SYNCED if action == "unchanged" and stamp else action


def log_line(kind: str, payload: Any) -> str:
    """`event {...}` / `summary {...}`: the lines the adapters log and the demo and tests read back."""
    return f"{kind} {dumps_lenient(payload)}"


class Outcome:
    """The summary, the events and the rejected records of one run."""

    def __init__(
        self,
        config: DestinationConfig,
        redactor: Redactor,
        on_event: Callable[[dict[str, Any]], None] | None,
        now: Callable[[], pendulum.DateTime],
    ) -> None:
        self.config = config
        self.redactor = redactor
        self.on_event = on_event
        self.now = now
        self.summary = Summary()
        path = None if config.dry_run else config.rejected_records_path
        self.rejected = RejectedRecords(path, redactor)
        # per organisation (declared tenant id, "" for none), outcome kind -> invoices: the run report's
        self.counts: dict[str, Counter[str]] = {}
        self.rejections: list[dict[str, Any]] = []  # tenant_id, key, reason of every rejection

    def tenant_of(self, ident: dict[str, Any]) -> str:
        """The declared tenant an ident names (Xero's GUIDs compared without case), "" for none."""
        tenant = self.config.tenant(str(ident.get("tenant_id") or ""))
        return tenant.tenant_id if tenant is not None else ""

    def _count(self, ident: dict[str, Any], outcome: str) -> None:
        self.counts.setdefault(self.tenant_of(ident), Counter())[outcome] += 1

    def unchanged(self, ident: dict[str, Any]) -> None:
        """An invoice Autotask already holds as Xero has it: nothing written."""
        self.summary.unchanged += 1
        self._count(ident, "unchanged")

    def emit(self, event: dict[str, Any]) -> None:
        if self.on_event is not None:
            self.on_event(jsonable(event))

    def ignore(self, ident: dict[str, Any], reason: str) -> None:
        self.summary.ignored += 1
        self._count(ident, "ignored")
        LOGGER.debug("ignored %s: %s", ident, reason)

    def reject(self, ident: dict[str, Any], reason: str) -> None:
        self.summary.rejected += 1
        self._count(ident, "rejected")
        entry: dict[str, Any] = jsonable(
            {**ident, "action": "rejected", "reason": self.redactor.clean(reason)}
        )
        key = ident.get("invoice_number") or ident.get("payment_id") or ident.get("invoice_id")
        self.rejections.append(
            {"tenant_id": self.tenant_of(ident), "key": str(key or "?"), "reason": entry["reason"]}
        )
        entry["at"] = self.now().in_timezone("UTC").isoformat()
        self.rejected.write(dict(sorted(entry.items())))
        self.emit(entry)

    def wrote(self, event: dict[str, Any], stamp: bool) -> None:
        """A PATCH made (or, in a dry run, decided): counted by its action, kept, and emitted."""
        action = event["action"]
        s = self.summary
        if action == "marked_paid":
            s.marked_paid += 1
        elif action == "corrected":
            s.corrected += 1
        elif action == "cleared":
            s.cleared += 1
        elif action == STAMPED_SYNCED:
            s.stamped_synced += 1
        if stamp:
            s.stamped += 1
        if action in REPORTED:
            self._count(event, REPORTED[action])
        s.writes.append(event)
        self.emit(event)

    def report(self, autotask_calls: int, autotask_patches: int) -> dict[str, Any]:
        s = self.summary
        result: dict[str, Any] = jsonable(
            {
                "payments_read": s.payments_read,
                "invoice_records_read": s.invoices_read,
                "marked_paid": s.marked_paid,
                "paid_date_corrected": s.corrected,
                "cleared": s.cleared,
                "web_service_date_stamped": s.stamped,
                "stamped_synced": s.stamped_synced,
                "unchanged": s.unchanged,
                "partial": s.partial,
                "unmatched_or_rejected": s.rejected,
                "ignored": s.ignored,
                "discrepancies": s.discrepancies,
                "autotask_calls": autotask_calls,
                "autotask_patches": autotask_patches,
                "dry_run": self.config.dry_run,
            }
        )
        return result
