"""Is a Xero sales invoice fully paid, and since when? (The only thing Autotask can hold: `paidDate`.)

Why Xero's own invoice status first: Xero already nets payments, credit-note allocations, prepayments and
overpayments in the invoice's currency, so `AmountDue` is right for foreign-currency invoices and credit
notes without us re-deriving exchange differences. Rules, in order:
1. With an invoice status (the invoices stream, or a payment's nested invoice carrying Status and
   AmountDue): PAID, or AUTHORISED with nothing due on a non-zero total, is **paid** on `FullyPaidOnDate`,
   else on the latest date among the money applied to it (the payment or allocation that cleared it).
   AUTHORISED with something paid is **partial** (paid = Total - AmountDue). Any other status (DRAFT,
   SUBMITTED, VOIDED, DELETED) is **unpaid**.
2. With payments only (e.g. tap-xero records without amounts on the nested invoice): the active payments
   seen are added up in the invoice's currency (Payment.Amount is in the invoice's currency) in date order;
   the invoice is paid on the date the running sum reached the total (Xero's Total, else the Autotask total
   rounded to the cent), else partial.
A status snapshot beats payments; between snapshots the latest `UpdatedDateUTC` wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import pendulum

from .records import CENT, ZERO, InvoiceStatus, PaymentRecord

PAID, PARTIAL, UNPAID = "paid", "partial", "unpaid"


@dataclass(frozen=True)
class Standing:
    state: str  # paid | partial | unpaid
    paid_on: pendulum.Date | None  # for paid: the day it was cleared
    amount_paid: Decimal  # in the invoice's currency
    total: Decimal | None
    last_day: pendulum.Date | None  # latest payment or allocation day seen
    currency: str | None
    basis: str  # "status" | "payments"


def _latest_day(days: Iterable[pendulum.Date | None]) -> pendulum.Date | None:
    known = [d for d in days if d is not None]
    return max(known) if known else None


def from_status(status: InvoiceStatus, payments: Iterable[PaymentRecord] = ()) -> Standing:
    active = [p for p in payments if p.active]
    days = [s.day for s in status.settlements] + [p.day for p in active]
    last = _latest_day(days)
    total = status.total
    due = status.amount_due if status.amount_due is not None else total
    paid_amount = (total - due) if total is not None and due is not None else ZERO
    state = UNPAID
    if status.status == "PAID" or (
        status.status == "AUTHORISED"
        and due is not None
        and due <= ZERO
        and total is not None
        and total > ZERO
    ):
        state = PAID
    elif status.status == "AUTHORISED" and paid_amount > ZERO:
        state = PARTIAL
    paid_on = (status.fully_paid_on or last) if state == PAID else None
    return Standing(state, paid_on, paid_amount, total, last, status.currency, "status")


def from_payments(payments: Iterable[PaymentRecord], total: Decimal | None, currency: str | None) -> Standing:
    active = sorted((p for p in payments if p.active), key=lambda p: p.day or pendulum.Date(1, 1, 1))
    running = ZERO
    paid_on: pendulum.Date | None = None
    for payment in active:
        running += payment.amount
        if total is not None and paid_on is None and running >= total.quantize(CENT) and running > ZERO:
            paid_on = payment.day
    last = _latest_day(p.day for p in active)
    if paid_on is not None:
        return Standing(PAID, paid_on, running, total, last, currency, "payments")
    state = PARTIAL if running > ZERO else UNPAID
    return Standing(state, None, running, total, last, currency, "payments")
