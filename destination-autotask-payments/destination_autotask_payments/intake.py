"""Intake: records in, buffered per Xero invoice until the engine decides them.

Why buffered: an invoice paid by three payments in one sync is decided once, from its final standing, not
three times. Each record is read (records.py), given its tenant (the record's TenantID, else
`default_tenant_id`; an undeclared tenant is rejected or ignored by `other_tenants`), and filed under
(tenant, invoice): payments by PaymentID, the invoice's own status, and the status nested in a payment.
Between two versions of the same thing, the later `UpdatedDateUTC` wins (equal stamps: the later record,
as streams are ordered). Purchase-side documents and payments on credit notes are ignored (counted).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import pendulum

from .config import DestinationConfig
from .outcome import Outcome
from .records import InvoiceStatus, PaymentRecord, RecordError, read_invoice, read_payment, tenant_of

LOGGER = logging.getLogger("destination_autotask_payments")
PAYMENT_STREAMS = frozenset({"payments", "xero_payments"})
INVOICE_STREAMS = frozenset({"invoices", "xero_invoices", "invoice_status"})


class _Numbered(Protocol):
    @property
    def invoice_number(self) -> str | None: ...


_Read = TypeVar("_Read", bound=_Numbered)


@dataclass
class Pending:
    """What is known of one Xero invoice so far."""

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


def newer(old: pendulum.DateTime | None, new: pendulum.DateTime | None) -> bool:
    """Is `new` at least as recent as `old`? (Equal stamps: the later record wins, as streams are ordered.)"""
    if old is None or new is None:
        return True
    return new >= old


class Intake:
    """The buffer of pending invoices; `take()` hands them to the engine."""

    def __init__(self, config: DestinationConfig, outcome: Outcome) -> None:
        self.config = config
        self.outcome = outcome
        self._pending: dict[tuple[str, str], Pending] = {}
        self._lock = threading.RLock()
        self._unknown_streams: set[str] = set()

    def add(self, stream: str, record: Mapping[str, Any]) -> None:
        name = stream.lower()
        summary = self.outcome.summary
        if name in PAYMENT_STREAMS:
            summary.payments_read += 1
            self._add_payment(record)
        elif name in INVOICE_STREAMS:
            summary.invoices_read += 1
            self._add_invoice(record)
        elif name not in self._unknown_streams:
            self._unknown_streams.add(name)
            LOGGER.info("stream %s is not used by this destination; its records are ignored", stream)

    def take(self, final: bool = True) -> dict[tuple[str, str], Pending]:
        """The pending invoices, removed from the buffer. Not `final` (at a state message): the invoices
        known only from payments stay, since their status usually follows in the same sync."""
        with self._lock:
            pending, self._pending = self._pending, {}
            if not final:
                for key, slot in list(pending.items()):
                    if slot.best_status() is None:
                        self._pending[key] = pending.pop(key)
        return pending

    def _tenant(self, record: Mapping[str, Any], ident: dict[str, Any]) -> str | None:
        tenant_id = tenant_of(record) or self.config.default_tenant_id
        if tenant_id is None:
            self.outcome.reject(
                ident, "the record names no Xero tenant (TenantID) and no default_tenant_id is set"
            )
            return None
        tenant = self.config.tenant(tenant_id)
        if tenant is None:
            ident["tenant_id"] = tenant_id
            if self.config.other_tenants == "reject":
                self.outcome.reject(ident, f"Xero tenant {tenant_id} is not one of the declared tenants")
            else:
                self.outcome.ignore(ident, "tenant not declared")
            return None
        return tenant.tenant_id

    def _slot(self, tenant_id: str, invoice_id: str) -> Pending:
        key = (tenant_id, invoice_id.lower())
        slot = self._pending.get(key)
        if slot is None:
            slot = self._pending[key] = Pending(tenant_id, invoice_id)
        return slot

    def _read(
        self, record: Mapping[str, Any], ident: dict[str, Any], read: Callable[[Mapping[str, Any]], _Read]
    ) -> tuple[_Read, str] | None:
        """The record read, and its declared tenant; None once it is rejected or ignored (`outcome` says
        why). `ident`, what every line about the record names, gains its invoice number and tenant."""
        try:
            parsed = read(record)
        except RecordError as exc:
            self.outcome.reject(ident, str(exc))
            return None
        ident["invoice_number"] = parsed.invoice_number
        tenant_id = self._tenant(record, ident)
        if tenant_id is None:
            return None
        ident["tenant_id"] = tenant_id
        return parsed, tenant_id

    def _add_payment(self, record: Mapping[str, Any]) -> None:
        ident: dict[str, Any] = {"stream": "payments", "payment_id": record.get("PaymentID")}
        read = self._read(record, ident, read_payment)
        if read is None:
            return
        payment, tenant_id = read
        if payment.on_credit_note or payment.invoice_id is None:
            self.outcome.ignore(ident, "payment or refund on a credit note")
            return
        if (payment.invoice_type or "ACCREC").upper() != "ACCREC":
            self.outcome.ignore(ident, f"purchase-side payment ({payment.invoice_type})")
            return
        with self._lock:
            slot = self._slot(tenant_id, payment.invoice_id)
            old = slot.payments.get(payment.payment_id)
            if old is None or newer(old.updated, payment.updated):
                slot.payments[payment.payment_id] = payment
            nested = payment.invoice
            if nested is not None and (slot.nested is None or newer(slot.nested.updated, payment.updated)):
                slot.nested = nested

    def _add_invoice(self, record: Mapping[str, Any]) -> None:
        ident: dict[str, Any] = {"stream": "invoices", "invoice_id": record.get("InvoiceID")}
        read = self._read(record, ident, read_invoice)
        if read is None:
            return
        status, tenant_id = read
        if not status.is_sales:
            self.outcome.ignore(ident, f"not a sales invoice ({status.type})")
            return
        with self._lock:
            slot = self._slot(tenant_id, status.invoice_id)
            if slot.status is None or newer(slot.status.updated, status.updated):
                slot.status = status
