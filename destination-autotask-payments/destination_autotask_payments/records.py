"""Intake: Xero Payment and Invoice records, as source-xero-payments emits them and as other Xero sources
(tap-xero) do, read into the typed facts the rules decide on.

Why lenient on form and strict on meaning: records may come from this project's source, from tap-xero
(ISO date-times, no tenant), or through a platform cache that stringified numbers. Dates are read from
`/Date(ms+zzzz)/`, ISO date-times or plain dates; money from JSON numbers or numeric strings, always as
Decimal (a float is read through its shortest repr, so 10.1 stays 10.1). A record missing what the rules
need (PaymentID, an invoice id, an amount) raises `RecordError` naming the field, and is rejected.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import pendulum
from connector_kit.dates import utc_moment

# Xero's `/Date(ms+zzzz)/`. Read here rather than with xero_client.wire.parse_date on purpose: this
# destination writes to Autotask and installs no Xero client; records from a Xero source already carry ISO
# dates, and this form is only accepted for raw Xero JSON passed through as it is.
_MS_DATE = re.compile(r"/Date\((-?\d+)([+-]\d{4})?\)/")
ZERO = Decimal("0")
CENT = Decimal("0.01")


class RecordError(ValueError):
    """A record that cannot be read; the message names the field, never a secret."""


def parse_moment(value: Any, name: str) -> pendulum.DateTime | None:
    """A Xero timestamp as UTC. `/Date(ms+hhmm)/` is milliseconds since the epoch in UTC (the offset is
    informational, as Xero documents)."""
    if value in (None, ""):
        return None
    if isinstance(value, pendulum.DateTime):
        return value.in_timezone("UTC")
    text = str(value).strip()
    match = _MS_DATE.fullmatch(text)
    if match:
        return pendulum.from_timestamp(int(match.group(1)) / 1000, tz="UTC")
    moment = utc_moment(text)
    if moment is None:
        raise RecordError(f"{name} is not a date: {text[:40]!r}")
    return moment


def parse_day(value: Any, name: str) -> pendulum.Date | None:
    """A Xero date field (Payment.Date, FullyPaidOnDate): the calendar day as Xero shows it.

    Xero writes dates as midnight UTC of the organisation's day, so the UTC calendar day is the day."""
    moment = parse_moment(value, name)
    return moment.date() if moment is not None else None


def parse_money(value: Any, name: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RecordError(f"{name} is not a number: {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    else:
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation:
            raise RecordError(f"{name} is not a number: {str(value)[:40]!r}") from None
    if not result.is_finite():
        raise RecordError(f"{name} is not a finite number")
    return result


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


@dataclass(frozen=True)
class Settlement:
    """Money applied to an invoice other than a Payment record: a payment or credit listed on the invoice."""

    kind: str  # "payment" | "credit_note" | "prepayment" | "overpayment"
    ref: str | None
    amount: Decimal
    day: pendulum.Date | None


@dataclass(frozen=True)
class InvoiceStatus:
    """What Xero says about a sales invoice: the source of truth for "fully paid"."""

    tenant_id: str | None
    invoice_id: str
    invoice_number: str | None
    reference: str | None
    type: str | None
    status: str | None
    total: Decimal | None
    amount_due: Decimal | None
    amount_paid: Decimal | None
    amount_credited: Decimal | None
    fully_paid_on: pendulum.Date | None
    currency: str | None
    updated: pendulum.DateTime | None
    settlements: tuple[Settlement, ...] = ()
    complete: bool = True  # False for a payment's nested invoice summary (no amounts: not a status)

    @property
    def is_sales(self) -> bool:
        return (self.type or "ACCREC").upper() == "ACCREC"


@dataclass(frozen=True)
class PaymentRecord:
    tenant_id: str | None
    payment_id: str
    status: str  # AUTHORISED | DELETED
    payment_type: str | None
    day: pendulum.Date | None
    amount: Decimal
    currency_rate: Decimal | None
    updated: pendulum.DateTime | None
    invoice_id: str | None
    invoice_number: str | None
    invoice_type: str | None
    credit_note_number: str | None
    batch_payment_id: str | None
    currency: str | None
    invoice: InvoiceStatus | None = field(default=None)

    @property
    def active(self) -> bool:
        return self.status.upper() != "DELETED"

    @property
    def on_credit_note(self) -> bool:
        return bool(self.credit_note_number) or (self.invoice_type or "").upper().endswith("CREDIT")


def tenant_of(record: Mapping[str, Any]) -> str | None:
    return _text(record.get("TenantID") or record.get("tenant_id") or record.get("Xero-Tenant-Id"))


def _settlements(record: Mapping[str, Any]) -> tuple[Settlement, ...]:
    found: list[Settlement] = []
    for key, kind, id_key, amount_key in (
        ("Payments", "payment", "PaymentID", "Amount"),
        ("CreditNotes", "credit_note", "CreditNoteID", "AppliedAmount"),
        ("Prepayments", "prepayment", "PrepaymentID", "AppliedAmount"),
        ("Overpayments", "overpayment", "OverpaymentID", "AppliedAmount"),
    ):
        for item in record.get(key) or []:
            if not isinstance(item, Mapping):
                continue
            amount = parse_money(item.get(amount_key), f"{key}.{amount_key}")
            if amount is None:
                continue
            found.append(Settlement(kind, _text(item.get(id_key)), amount, parse_day(item.get("Date"), key)))
    return tuple(found)


def read_invoice(record: Mapping[str, Any], tenant_id: str | None = None) -> InvoiceStatus:
    invoice_id = _text(record.get("InvoiceID"))
    if not invoice_id:
        raise RecordError("invoice record has no InvoiceID")
    amount_due = parse_money(record.get("AmountDue"), "AmountDue")
    status = _text(record.get("Status"))
    return InvoiceStatus(
        tenant_id=tenant_of(record) or tenant_id,
        invoice_id=invoice_id,
        invoice_number=_text(record.get("InvoiceNumber")),
        reference=_text(record.get("Reference")),
        type=_text(record.get("Type")),
        status=status.upper() if status else None,
        total=parse_money(record.get("Total"), "Total"),
        amount_due=amount_due,
        amount_paid=parse_money(record.get("AmountPaid"), "AmountPaid"),
        amount_credited=parse_money(record.get("AmountCredited"), "AmountCredited"),
        fully_paid_on=parse_day(record.get("FullyPaidOnDate"), "FullyPaidOnDate"),
        currency=_text(record.get("CurrencyCode")),
        updated=parse_moment(record.get("UpdatedDateUTC"), "UpdatedDateUTC"),
        settlements=_settlements(record),
        complete=status is not None and amount_due is not None,
    )


def read_payment(record: Mapping[str, Any]) -> PaymentRecord:
    payment_id = _text(record.get("PaymentID"))
    if not payment_id:
        raise RecordError("payment record has no PaymentID")
    amount = parse_money(record.get("Amount"), "Amount")
    if amount is None:
        raise RecordError(f"payment {payment_id}: Amount is missing")
    tenant = tenant_of(record)
    raw_invoice = record.get("Invoice") if isinstance(record.get("Invoice"), Mapping) else None
    raw_credit = record.get("CreditNote") if isinstance(record.get("CreditNote"), Mapping) else None
    invoice = read_invoice(raw_invoice, tenant) if raw_invoice and raw_invoice.get("InvoiceID") else None
    batch = record.get("BatchPayment") if isinstance(record.get("BatchPayment"), Mapping) else {}
    return PaymentRecord(
        tenant_id=tenant,
        payment_id=payment_id,
        status=(_text(record.get("Status")) or "AUTHORISED").upper(),
        payment_type=_text(record.get("PaymentType")),
        day=parse_day(record.get("Date"), "Date"),
        amount=amount,
        currency_rate=parse_money(record.get("CurrencyRate"), "CurrencyRate"),
        updated=parse_moment(record.get("UpdatedDateUTC"), "UpdatedDateUTC"),
        invoice_id=invoice.invoice_id if invoice else None,
        invoice_number=(invoice.invoice_number if invoice else None) or _text(record.get("InvoiceNumber")),
        invoice_type=invoice.type if invoice else None,
        credit_note_number=_text((raw_credit or {}).get("CreditNoteNumber"))
        or _text(record.get("CreditNoteNumber")),
        batch_payment_id=_text(record.get("BatchPaymentID")) or _text((batch or {}).get("BatchPaymentID")),
        currency=invoice.currency if invoice else None,
        invoice=invoice,
    )
