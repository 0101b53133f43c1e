"""The pure rules without HTTP: numbering back to Autotask, record parsing, and "fully paid"."""

from __future__ import annotations

from decimal import Decimal

import pendulum
import pytest
from connector_kit.numbering import NumberingMapping, autotask_number
from destination_autotask_payments.records import (
    RecordError,
    parse_day,
    parse_money,
    read_invoice,
    read_payment,
)
from destination_autotask_payments.settlement import PAID, PARTIAL, UNPAID, from_payments, from_status
from hypothesis import given
from hypothesis import strategies as st


@pytest.mark.parametrize(
    ("numbering", "number", "reference", "expected"),
    [
        ({}, "20001", None, "20001"),
        ({}, " 20001 ", "x", "20001"),
        ({}, None, "20001", None),
        ({"mode": "prefix", "prefix": "AT-"}, "AT-20001", None, "20001"),
        ({"mode": "prefix", "prefix": "AT-"}, "at-20001", None, None),
        ({"mode": "prefix", "prefix": "AT-"}, "20001", None, None),
        ({"mode": "xero", "reference_prefix": "AT "}, "INV-0042", "AT 20001", "20001"),
        ({"mode": "xero", "reference_prefix": "AT "}, "20001", "PO-7", None),
        ({"mode": "xero"}, "INV-0042", "20001", "20001"),
    ],
)
def test_numbering_rule(
    numbering: dict[str, str], number: str | None, reference: str | None, expected: str | None
) -> None:
    assert autotask_number(NumberingMapping(**numbering), number, reference) == expected


def test_dates_and_money() -> None:
    assert parse_day("/Date(1762128000000+0000)/", "Date") == pendulum.Date(2025, 11, 3)
    assert parse_day("2026-11-03T00:00:00", "Date") == pendulum.Date(2026, 11, 3)
    assert parse_day("2026-11-03", "Date") == pendulum.Date(2026, 11, 3)
    assert parse_money(10.1, "Amount") == Decimal("10.1")
    assert parse_money("308.32", "Amount") == Decimal("308.32")
    with pytest.raises(RecordError, match="Amount"):
        parse_money("ten", "Amount")
    with pytest.raises(RecordError, match="PaymentID"):
        read_payment({"Amount": 1})


def _status(**over: object) -> dict[str, object]:
    record: dict[str, object] = {
        "InvoiceID": "i-1",
        "InvoiceNumber": "20001",
        "Type": "ACCREC",
        "Status": "AUTHORISED",
        "Total": "100.00",
        "AmountDue": "100.00",
    }
    record.update(over)
    return record


def test_status_paid_partial_unpaid() -> None:
    paid = from_status(
        read_invoice(_status(Status="PAID", AmountDue=0, FullyPaidOnDate="2026-11-05T00:00:00"))
    )
    assert (paid.state, paid.paid_on) == (PAID, pendulum.Date(2026, 11, 5))
    credited = from_status(
        read_invoice(
            _status(
                Status="PAID",
                AmountDue=0,
                Payments=[{"PaymentID": "p", "Amount": 60, "Date": "2026-11-01"}],
                CreditNotes=[{"CreditNoteID": "c", "AppliedAmount": 40, "Date": "2026-11-07"}],
            )
        )
    )
    assert credited.paid_on == pendulum.Date(
        2026, 11, 7
    )  # no FullyPaidOnDate: the allocation that cleared it
    partial = from_status(read_invoice(_status(AmountDue="40.00")))
    assert (partial.state, partial.amount_paid) == (PARTIAL, Decimal("60.00"))
    assert from_status(read_invoice(_status(Status="VOIDED"))).state == UNPAID
    assert from_status(read_invoice(_status(Total=0, AmountDue=0))).state == UNPAID


def _payment(pid: str, amount: str, day: str, status: str = "AUTHORISED") -> object:
    return read_payment(
        {"PaymentID": pid, "Amount": amount, "Date": day, "Status": status, "Invoice": {"InvoiceID": "i-1"}}
    )


@given(st.lists(st.integers(min_value=1, max_value=10_000), min_size=1, max_size=6))
def test_payments_clear_on_the_day_the_sum_reaches_the_total(cents: list[int]) -> None:
    payments = [_payment(f"p{i}", str(Decimal(c) / 100), f"2026-11-{i + 1:02d}") for i, c in enumerate(cents)]
    total = Decimal(sum(cents)) / 100
    standing = from_payments(payments, total, "GBP")  # type: ignore[arg-type]
    assert standing.state == PAID and standing.paid_on == pendulum.Date(2026, 11, len(cents))
    short = from_payments(payments, total + Decimal("0.01"), "GBP")  # type: ignore[arg-type]
    assert short.state == PARTIAL and short.amount_paid == total
    deleted = [_payment("p0", str(total), "2026-11-01", status="DELETED")]
    assert from_payments(deleted, total, "GBP").state == UNPAID  # type: ignore[arg-type]
