"""destination-autotask-payments core: Xero payments and invoice statuses in, Autotask `paidDate` out.

Records are buffered per Xero invoice and applied at `flush()` (the adapters flush before passing a state
on), so that an invoice paid by three payments in one sync is decided once, from its final standing.

Choices (the sources leave these open; each picked so a mistake shows up as a report, not a wrong write):
- `paidDate` is set when Xero shows the invoice fully paid (see settlement.py), to the day it was cleared;
  a different date already in Autotask is corrected (Xero is the books of record).
- `paidDate` is cleared only on evidence: a DELETED Xero payment for that invoice in this sync, with the
  invoice no longer fully paid. An invoice unpaid in Xero but paid in Autotask without such evidence (paid
  by hand in Autotask, or a deleted credit-note allocation, which leaves no trace) is reported as a
  `discrepancy` and left alone.
- `webServiceDate` is stamped (when `stamp_web_service_date`) on every matched invoice that has none yet;
  an existing stamp is never moved, so reruns write nothing. A PATCH that writes only the stamp is reported
  as `stamped_synced` (event and summary), never as `unchanged`: every write is named.
- Rejected, with the reason (rejected-records output; the others carry on): a record that cannot be read,
  a tenant not declared (`other_tenants: reject`, else ignored), no tenant at all, no Autotask invoice
  with that number, two Autotask invoices with that number, an Autotask invoice voided, one Autotask
  invoice claimed by Xero invoices of two tenants, a Xero total that differs from the Autotask total by
  more than a cent (not the same invoice: wrong tenant, or a number reused by hand), and, under Xero
  numbering, a payment whose invoice's Reference never arrived.
- Ignored (counted): purchase-side documents (ACCPAY), payments and refunds on credit notes, invoices
  that do not follow the tenant's numbering (`foreign_invoices: ignore`, else rejected).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pendulum
import simplejson
from source_autotask.client import AutotaskClient

from .autotask_patch import AutotaskPatcher, PatchError
from .config import DestinationConfig
from .matching import AutotaskInvoice, find_invoices
from .numbering import autotask_number
from .records import CENT, InvoiceStatus, PaymentRecord, RecordError, read_invoice, read_payment, tenant_of
from .settlement import PAID, PARTIAL, Standing, from_payments, from_status

LOGGER = logging.getLogger("reverse_payments")
PAYMENT_STREAMS = frozenset({"payments", "xero_payments"})
INVOICE_STREAMS = frozenset({"invoices", "xero_invoices", "invoice_status"})
TOTAL_TOLERANCE = CENT
# The event of an invoice whose paidDate already agrees with Xero and whose only write is the synced stamp.
STAMPED_SYNCED = "stamped_synced"


@dataclass
class Pending:
    tenant_id: str
    invoice_id: str
    status: InvoiceStatus | None = None
    nested: InvoiceStatus | None = None
    payments: dict[str, PaymentRecord] = field(default_factory=dict)

    def best_status(self) -> InvoiceStatus | None:
        if self.status is not None:
            return self.status
        return self.nested if self.nested is not None and self.nested.complete else None

    def number_and_reference(self) -> tuple[str | None, str | None, bool]:
        """(InvoiceNumber, Reference, whether the Reference is known)."""
        if self.status is not None:
            return self.status.invoice_number, self.status.reference, True
        if self.nested is not None:
            return self.nested.invoice_number, self.nested.reference, self.nested.reference is not None
        payment = next(iter(self.payments.values()), None)
        return (payment.invoice_number if payment else None), None, False


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


def _newer(old: pendulum.DateTime | None, new: pendulum.DateTime | None) -> bool:
    """Is `new` at least as recent as `old`? (Equal stamps: the later record wins, as streams are ordered.)"""
    if old is None or new is None:
        return True
    return new >= old


class Engine:
    def __init__(
        self,
        config: DestinationConfig,
        client: AutotaskClient,
        patcher: AutotaskPatcher | None = None,
        *,
        on_event: Callable[[dict[str, Any]], None] | None = None,
        now: Callable[[], pendulum.DateTime] = lambda: pendulum.now("UTC"),
    ) -> None:
        self.config = config
        self.client = client
        self.patcher = patcher or AutotaskPatcher(client)
        self.on_event = on_event
        self.now = now
        self.summary = Summary()
        self._pending: dict[tuple[str, str], Pending] = {}
        self._lock = threading.RLock()
        self._unknown_streams: set[str] = set()

    # ---- input ---------------------------------------------------------------------------------------
    def add(self, stream: str, record: Mapping[str, Any]) -> None:
        name = stream.lower()
        if name in PAYMENT_STREAMS:
            self.summary.payments_read += 1
            self._add_payment(record)
        elif name in INVOICE_STREAMS:
            self.summary.invoices_read += 1
            self._add_invoice(record)
        elif name not in self._unknown_streams:
            self._unknown_streams.add(name)
            LOGGER.info("stream %s is not used by this destination; its records are ignored", stream)

    def _tenant(self, record: Mapping[str, Any], ident: dict[str, Any]) -> str | None:
        tenant_id = tenant_of(record) or self.config.default_tenant_id
        if tenant_id is None:
            self._reject(ident, "the record names no Xero tenant (TenantID) and no default_tenant_id is set")
            return None
        tenant = self.config.tenant(tenant_id)
        if tenant is None:
            ident["tenant_id"] = tenant_id
            if self.config.other_tenants == "reject":
                self._reject(ident, f"Xero tenant {tenant_id} is not one of the declared tenants")
            else:
                self._ignore(ident, "tenant not declared")
            return None
        return tenant.tenant_id

    def _slot(self, tenant_id: str, invoice_id: str) -> Pending:
        key = (tenant_id, invoice_id.lower())
        slot = self._pending.get(key)
        if slot is None:
            slot = self._pending[key] = Pending(tenant_id, invoice_id)
        return slot

    def _add_payment(self, record: Mapping[str, Any]) -> None:
        ident: dict[str, Any] = {"stream": "payments", "payment_id": record.get("PaymentID")}
        try:
            payment = read_payment(record)
        except RecordError as exc:
            self._reject(ident, str(exc))
            return
        ident["invoice_number"] = payment.invoice_number
        tenant_id = self._tenant(record, ident)
        if tenant_id is None:
            return
        ident["tenant_id"] = tenant_id
        if payment.on_credit_note or payment.invoice_id is None:
            self._ignore(ident, "payment or refund on a credit note")
            return
        if (payment.invoice_type or "ACCREC").upper() != "ACCREC":
            self._ignore(ident, f"purchase-side payment ({payment.invoice_type})")
            return
        with self._lock:
            slot = self._slot(tenant_id, payment.invoice_id)
            old = slot.payments.get(payment.payment_id)
            if old is None or _newer(old.updated, payment.updated):
                slot.payments[payment.payment_id] = payment
            nested = payment.invoice
            if nested is not None and (slot.nested is None or _newer(slot.nested.updated, payment.updated)):
                slot.nested = nested

    def _add_invoice(self, record: Mapping[str, Any]) -> None:
        ident: dict[str, Any] = {"stream": "invoices", "invoice_id": record.get("InvoiceID")}
        try:
            status = read_invoice(record)
        except RecordError as exc:
            self._reject(ident, str(exc))
            return
        ident["invoice_number"] = status.invoice_number
        tenant_id = self._tenant(record, ident)
        if tenant_id is None:
            return
        if not status.is_sales:
            self._ignore({**ident, "tenant_id": tenant_id}, f"not a sales invoice ({status.type})")
            return
        with self._lock:
            slot = self._slot(tenant_id, status.invoice_id)
            if slot.status is None or _newer(slot.status.updated, status.updated):
                slot.status = status

    # ---- decisions -----------------------------------------------------------------------------------
    def flush(self, final: bool = True) -> None:
        """Decide and write every buffered invoice. A non-final flush (at a state message) keeps invoices
        known only from payments: their status usually follows in the invoices stream of the same sync,
        and deciding from payments first could write twice or reject a Reference that is on its way."""
        with self._lock:
            pending, self._pending = self._pending, {}
            if not final:
                for key, slot in list(pending.items()):
                    if slot.best_status() is None:
                        self._pending[key] = pending.pop(key)
        if not pending:
            return
        wanted: dict[tuple[str, str], tuple[Pending, str]] = {}
        for key, slot in pending.items():
            number = self._autotask_number(slot)
            if number is not None:
                wanted[key] = (slot, number)
        found = find_invoices(self.client, {number for _, number in wanted.values()}) if wanted else {}
        claims: dict[int, list[str]] = {}
        for slot, number in wanted.values():
            for invoice in found.get(number, []):
                claims.setdefault(invoice.id, []).append(slot.tenant_id)
        for slot, number in wanted.values():
            self._decide(slot, number, found.get(number, []), claims)

    def _ident(self, slot: Pending, number: str | None = None) -> dict[str, Any]:
        xero_number, _, _ = slot.number_and_reference()
        ident: dict[str, Any] = {
            "tenant_id": slot.tenant_id,
            "invoice_id": slot.invoice_id,
            "invoice_number": xero_number,
            "payment_ids": sorted(slot.payments),
        }
        if number is not None:
            ident["autotask_number"] = number
        return ident

    def _autotask_number(self, slot: Pending) -> str | None:
        tenant = self.config.tenant(slot.tenant_id)
        assert tenant is not None
        invoice_number, reference, reference_known = slot.number_and_reference()
        if tenant.numbering.mode == "xero" and not reference_known:
            self._reject(
                self._ident(slot),
                "Xero numbering: the invoice's Reference (which holds the Autotask number) did not arrive; "
                "sync the invoices stream with the payments",
            )
            return None
        number = autotask_number(tenant.numbering, invoice_number, reference)
        if number is None:
            reason = (
                f"invoice does not follow the numbering of tenant {tenant.name!r} ({tenant.numbering.mode})"
            )
            if self.config.foreign_invoices == "reject":
                self._reject(self._ident(slot), reason)
            else:
                self._ignore(self._ident(slot), reason)
        return number

    def _decide(
        self, slot: Pending, number: str, matches: list[AutotaskInvoice], claims: dict[int, list[str]]
    ) -> None:
        ident = self._ident(slot, number)
        if not matches:
            self._reject(ident, f"no Autotask invoice numbered {number}")
            return
        if len(matches) > 1:
            self._reject(ident, f"{len(matches)} Autotask invoices are numbered {number}")
            return
        invoice = matches[0]
        ident["autotask_invoice_id"] = invoice.id
        if invoice.is_voided:
            self._reject(ident, f"Autotask invoice {number} is voided")
            return
        tenants = sorted(set(claims.get(invoice.id, [])))
        if len(tenants) > 1:
            self._reject(
                ident, f"Autotask invoice {number} is claimed by invoices in tenants {', '.join(tenants)}"
            )
            return
        status = slot.best_status()
        autotask_total = invoice.total.quantize(CENT) if invoice.total is not None else None
        xero_total = status.total if status is not None else (slot.nested.total if slot.nested else None)
        if (
            xero_total is not None
            and autotask_total is not None
            and abs(xero_total - autotask_total) > TOTAL_TOLERANCE
        ):
            self._reject(
                ident,
                f"totals differ: Xero {xero_total} vs Autotask {autotask_total}; not the same invoice "
                "(wrong tenant, or a number reused in Xero)",
            )
            return
        payments = list(slot.payments.values())
        if status is not None:
            standing = from_status(status, payments)
        else:
            currency = slot.nested.currency if slot.nested else None
            standing = from_payments(payments, autotask_total, currency)
        self._apply(slot, invoice, standing, ident)

    def _apply(
        self, slot: Pending, invoice: AutotaskInvoice, standing: Standing, ident: dict[str, Any]
    ) -> None:
        body: dict[str, Any] = {}
        deleted_seen = any(not p.active for p in slot.payments.values())
        action = "unchanged"
        if standing.state == PAID and standing.paid_on is not None:
            if invoice.paid_date != standing.paid_on:
                body["paidDate"] = standing.paid_on.format("YYYY-MM-DD") + "T00:00:00"
                action = "corrected" if invoice.paid_date is not None else "marked_paid"
        elif invoice.paid_date is not None:
            if deleted_seen:
                body["paidDate"] = None
                action = "cleared"
            else:
                self.summary.discrepancies.append(
                    {
                        **ident,
                        "reason": f"paid in Autotask ({invoice.paid_date}) but {standing.state} in Xero",
                    }
                )
        if standing.state == PARTIAL:
            self.summary.partial.append(
                {
                    **ident,
                    "amount_paid": standing.amount_paid,
                    "total": standing.total,
                    "currency": standing.currency,
                    "last_payment_date": standing.last_day.isoformat() if standing.last_day else None,
                }
            )
        stamp = self.config.stamp_web_service_date and invoice.web_service_date is None
        if stamp:
            body["webServiceDate"] = self.now().in_timezone("UTC").format("YYYY-MM-DDTHH:mm:ss.SSS")
        if not body:
            self.summary.unchanged += 1
            return
        action = _with_stamp(action, stamp)
        event = {**ident, "action": action, "patch": dict(body), "dry_run": self.config.dry_run}
        if not self.config.dry_run:
            try:
                self.patcher.patch("Invoices", {"id": invoice.id, **body})
            except PatchError as exc:
                self._reject(ident, str(exc))
                return
        if action == "marked_paid":
            self.summary.marked_paid += 1
        elif action == "corrected":
            self.summary.corrected += 1
        elif action == "cleared":
            self.summary.cleared += 1
        elif action == STAMPED_SYNCED:
            self.summary.stamped_synced += 1
        if stamp:
            self.summary.stamped += 1
        self.summary.writes.append(event)
        self._emit(event)

    # ---- outputs -------------------------------------------------------------------------------------
    def _emit(self, event: dict[str, Any]) -> None:
        if self.on_event is not None:
            self.on_event(_jsonable(event))

    def _ignore(self, ident: dict[str, Any], reason: str) -> None:
        self.summary.ignored += 1
        LOGGER.debug("ignored %s: %s", ident, reason)

    def _reject(self, ident: dict[str, Any], reason: str) -> None:
        self.summary.rejected += 1
        entry = _jsonable({**ident, "action": "rejected", "reason": self.client.scrub(reason)})
        entry["at"] = self.now().in_timezone("UTC").isoformat()
        self._append_rejected(entry)
        self._emit(entry)

    def _append_rejected(self, entry: dict[str, Any]) -> None:
        """One line of `rejected_records_path`; none in a dry run. Why: a dry run changes nothing anywhere,
        and its rejections (in the events, `dry_run: true`) must not read as a real run's in that file."""
        path = self.config.rejected_records_path
        if not path or self.config.dry_run:
            return
        target = Path(path).expanduser()
        target.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, target.open("a", encoding="utf-8") as handle:
            handle.write(simplejson.dumps(entry, use_decimal=True, sort_keys=True) + "\n")

    def report(self) -> dict[str, Any]:
        s = self.summary
        at_calls = sum(self.client.calls.values()) + sum(self.patcher.calls.values())
        result: dict[str, Any] = _jsonable(
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
                "autotask_calls": at_calls,
                "autotask_patches": sum(self.patcher.calls.values()),
                "dry_run": self.config.dry_run,
            }
        )
        return result

    def exit_code(self) -> int:
        return 1 if self.config.fail_on_rejections and self.summary.rejected else 0


def _with_stamp(action: str, stamp: bool) -> str:
    """The event's action once the PATCH body is known. Why: a PATCH that only stamps `webServiceDate`
    reported as "unchanged" hid a write from anyone reading the events; it is `stamped_synced`."""
    return STAMPED_SYNCED if action == "unchanged" and stamp else action


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, pendulum.Date):
        return value.isoformat()
    return value
