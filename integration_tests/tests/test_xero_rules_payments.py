"""Payments and credit-note allocations in the Xero emulator, over HTTP: amounts, statuses, reversals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sandbox.launcher import RunningSandbox
from sandbox_testkit.xero_book_fixtures import errors_of
from sandbox_testkit.xero_rules_kit import (
    ACME_ID,
    GLOBEX_ID,
    SEEDED_CREDIT_ID,
    SEEDED_DRAFT_ID,
    SEEDED_INVOICE_ID,
    SEEDED_LOCKED_ID,
    SEEDED_PART_PAID_ID,
    SEEDED_PAYMENT_ID,
    SEEDED_USD_INVOICE_ID,
    XeroClient,
    loads,
)

pytest_plugins = ["sandbox_testkit.xero_book_fixtures"]


def payment(**overrides: Any) -> dict[str, Any]:
    return {
        "Invoice": {"InvoiceID": SEEDED_INVOICE_ID},
        "Account": {"Code": "090"},
        "Date": "2026-10-20",
        "Amount": 15,
        **overrides,
    }


def pay(xero: XeroClient, element: dict[str, Any]) -> dict[str, Any]:
    response = xero.put("Payments", {"Payments": [element]}, summarizeErrors="false")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = loads(response)["Payments"][0]
    return result


def document(xero: XeroClient, collection: str, key: str) -> dict[str, Any]:
    response = xero.get(f"{collection}/{key}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = loads(response)[collection][0]
    return found


# --------------------------------------------------------------------------- payments


def test_partial_then_full_payment_marks_the_invoice_paid(
    xero: XeroClient, book_sandbox: RunningSandbox
) -> None:
    before = document(xero, "Invoices", SEEDED_INVOICE_ID)
    assert (before["Total"], before["AmountDue"]) == (Decimal("115.00"), Decimal("115.00"))
    book_sandbox.admin("xero", "clock", {"advance_seconds": 60})
    xero.authenticate()
    first = pay(xero, payment(Amount=15.5))
    assert first["StatusAttributeString"] == "OK"
    assert (first["PaymentType"], first["Status"], first["Amount"]) == (
        "ACCRECPAYMENT",
        "AUTHORISED",
        Decimal("15.50"),
    )
    partly = document(xero, "Invoices", SEEDED_INVOICE_ID)
    assert (partly["Status"], partly["AmountPaid"], partly["AmountDue"]) == (
        "AUTHORISED",
        Decimal("15.50"),
        Decimal("99.50"),
    )
    assert partly["UpdatedDateUTC"] > before["UpdatedDateUTC"]
    assert "FullyPaidOnDate" not in partly
    pay(xero, payment(Amount=99.5, Date="2026-10-25"))
    paid = document(xero, "Invoices", SEEDED_INVOICE_ID)
    assert (paid["Status"], paid["AmountDue"], paid["AmountPaid"]) == (
        "PAID",
        Decimal("0.00"),
        Decimal("115.00"),
    )
    assert paid["FullyPaidOnDate"] == "/Date(1792886400000+0000)/"
    assert [p["Amount"] for p in paid["Payments"]] == [Decimal("15.50"), Decimal("99.50")]


def test_invoice_and_account_by_number_and_code(xero: XeroClient) -> None:
    element = pay(
        xero,
        {
            "Invoice": {"InvoiceNumber": "INV-0100"},
            "Account": {"Code": "835"},
            "Date": "2026-10-20",
            "Amount": 1,
        },
    )
    assert element["StatusAttributeString"] == "OK", errors_of(element)
    assert element["Invoice"]["InvoiceID"] == SEEDED_INVOICE_ID


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"Amount": 115.01}, "Payment amount exceeds the amount outstanding on this document"),
        ({"Amount": 0}, "Payment amount must be greater than zero."),
        ({"Amount": None}, "Payment amount must be specified."),
        ({"Date": None}, "Payment date must be specified."),
        ({"Account": {"Code": "200"}}, "Account type is invalid for making a payment to/from"),
        ({"Account": {"Code": "999"}}, "Account could not be found."),
        (
            {"Invoice": {"InvoiceID": SEEDED_DRAFT_ID}},
            "Payments can only be made against Authorised documents",
        ),
        ({"Invoice": {"InvoiceNumber": "INV-9999"}}, "Invoice 'INV-9999' could not be found."),
        ({"Invoice": None}, "An Invoice or CreditNote must be specified for a payment."),
    ],
)
def test_payment_rules(xero: XeroClient, overrides: dict[str, Any], message: str) -> None:
    element = payment(**overrides)
    element = {k: v for k, v in element.items() if v is not None}
    result = pay(xero, element)
    assert result["StatusAttributeString"] == "ERROR"
    assert result["HasValidationErrors"] is True
    assert any(m.startswith(message) for m in errors_of(result)), errors_of(result)
    assert document(xero, "Invoices", SEEDED_INVOICE_ID)["AmountPaid"] == Decimal("0.00")


def test_several_payments_in_one_put(xero: XeroClient) -> None:
    response = xero.put("Payments", {"Payments": [payment(Amount=10), payment(Amount=20)]})
    assert response.status_code == 200, response.text
    assert document(xero, "Invoices", SEEDED_INVOICE_ID)["AmountDue"] == Decimal("85.00")


def test_deleting_a_payment_reopens_the_invoice(xero: XeroClient) -> None:
    full = pay(xero, payment(Amount=115))
    assert document(xero, "Invoices", SEEDED_INVOICE_ID)["Status"] == "PAID"
    response = xero.post(f"Payments/{full['PaymentID']}", {"Payments": [{"Status": "DELETED"}]})
    assert response.status_code == 200, response.text
    assert loads(response)["Payments"][0]["Status"] == "DELETED"
    reopened = document(xero, "Invoices", SEEDED_INVOICE_ID)
    assert (reopened["Status"], reopened["AmountDue"], reopened["AmountPaid"]) == (
        "AUTHORISED",
        Decimal("115.00"),
        Decimal("0.00"),
    )
    assert "FullyPaidOnDate" not in reopened
    assert reopened["Payments"] == []
    again = xero.post(
        f"Payments/{full['PaymentID']}", {"Payments": [{"Status": "DELETED"}]}, summarizeErrors="false"
    )
    assert errors_of(loads(again)["Payments"][0]) == ["The payment has already been deleted."]


def test_a_payment_cannot_be_edited(xero: XeroClient) -> None:
    created = pay(xero, payment())
    response = xero.post(
        f"Payments/{created['PaymentID']}", {"Payments": [{"Amount": 1}]}, summarizeErrors="false"
    )
    assert "can only be deleted" in errors_of(loads(response)["Payments"][0])[0]


def test_paid_invoice_is_locked(xero: XeroClient) -> None:
    pay(xero, payment(Amount=10))
    lines = {
        "Invoices": [
            {"LineItems": [{"Description": "x", "Quantity": 1, "UnitAmount": 1, "AccountCode": "200"}]}
        ]
    }
    edited = xero.post(f"Invoices/{SEEDED_INVOICE_ID}", lines, summarizeErrors="false")
    message = "This document cannot be edited as it has a payment or credit note allocated to it."
    assert errors_of(loads(edited)["Invoices"][0]) == [message]
    voided = xero.post(
        f"Invoices/{SEEDED_INVOICE_ID}", {"Invoices": [{"Status": "VOIDED"}]}, summarizeErrors="false"
    )
    assert errors_of(loads(voided)["Invoices"][0]) == [message]
    reference = xero.post(f"Invoices/{SEEDED_INVOICE_ID}", {"Invoices": [{"Reference": "still editable"}]})
    assert reference.status_code == 200, reference.text
    assert document(xero, "Invoices", SEEDED_INVOICE_ID)["Reference"] == "still editable"


def test_foreign_invoice_payment_rates_and_bank_amount(xero: XeroClient) -> None:
    from_nzd = pay(
        xero,
        {
            "Invoice": {"InvoiceID": SEEDED_USD_INVOICE_ID},
            "Account": {"Code": "090"},
            "Date": "2026-10-20",
            "Amount": 30,
            "CurrencyRate": 0.5,
        },
    )
    assert from_nzd["StatusAttributeString"] == "OK", errors_of(from_nzd)
    assert (from_nzd["CurrencyRate"], from_nzd["BankAmount"]) == (Decimal("0.500000"), Decimal("60.00"))
    from_usd = pay(
        xero,
        {
            "Invoice": {"InvoiceID": SEEDED_USD_INVOICE_ID},
            "Account": {"Code": "091"},
            "Date": "2026-10-20",
            "Amount": 30,
        },
    )
    assert (from_usd["CurrencyRate"], from_usd["BankAmount"]) == (Decimal("0.600000"), Decimal("30.00"))
    assert document(xero, "Invoices", SEEDED_USD_INVOICE_ID)["Status"] == "PAID"
    wrong_bank = pay(
        xero,
        {
            "Invoice": {"InvoiceID": SEEDED_INVOICE_ID},
            "Account": {"Code": "091"},
            "Date": "2026-10-20",
            "Amount": 1,
        },
    )
    assert "cannot pay a NZD document" in errors_of(wrong_bank)[0]


def test_refund_of_a_credit_note_is_an_ar_credit_payment(xero: XeroClient) -> None:
    refund = pay(
        xero,
        {
            "CreditNote": {"CreditNoteID": SEEDED_CREDIT_ID},
            "Account": {"Code": "090"},
            "Date": "2026-10-20",
            "Amount": 23,
        },
    )
    assert refund["StatusAttributeString"] == "OK", errors_of(refund)
    assert refund["PaymentType"] == "ARCREDITPAYMENT"
    assert refund["CreditNote"]["Type"] == "ACCRECCREDIT"
    credit = document(xero, "CreditNotes", SEEDED_CREDIT_ID)
    assert (credit["Status"], credit["RemainingCredit"]) == ("PAID", Decimal("0.00"))


# --------------------------------------------------------------------------- allocations


def allocate(
    xero: XeroClient, amount: Any, invoice_id: str = SEEDED_INVOICE_ID, credit_id: str = SEEDED_CREDIT_ID
) -> Any:
    body = {"Allocations": [{"Invoice": {"InvoiceID": invoice_id}, "Amount": amount, "Date": "2026-10-21"}]}
    return xero.put(f"CreditNotes/{credit_id}/Allocations", body, summarizeErrors="false")


def test_allocation_moves_both_documents_and_delete_restores_them(xero: XeroClient) -> None:
    response = allocate(xero, 23)
    assert response.status_code == 200, response.text
    allocation = loads(response)["Allocations"][0]
    assert allocation["Amount"] == Decimal("23.00")
    credit = document(xero, "CreditNotes", SEEDED_CREDIT_ID)
    assert (credit["Status"], credit["RemainingCredit"]) == ("PAID", Decimal("0.00"))
    invoice = document(xero, "Invoices", SEEDED_INVOICE_ID)
    assert (invoice["AmountDue"], invoice["AmountCredited"]) == (Decimal("92.00"), Decimal("23.00"))
    allocation_id = credit["Allocations"][0]["AllocationID"]
    deleted = xero.delete(f"CreditNotes/{SEEDED_CREDIT_ID}/Allocations/{allocation_id}")
    assert deleted.status_code == 200, deleted.text
    credit = document(xero, "CreditNotes", SEEDED_CREDIT_ID)
    assert (credit["Status"], credit["RemainingCredit"]) == ("AUTHORISED", Decimal("23.00"))
    invoice = document(xero, "Invoices", SEEDED_INVOICE_ID)
    assert (invoice["AmountDue"], invoice["AmountCredited"]) == (Decimal("115.00"), Decimal("0.00"))


def test_allocation_that_settles_the_invoice_marks_it_paid(xero: XeroClient) -> None:
    response = xero.put(
        "Invoices",
        {
            "Invoices": [
                {
                    "Type": "ACCREC",
                    "Contact": {"ContactID": ACME_ID},
                    "Status": "AUTHORISED",
                    "LineItems": [
                        {"Description": "small", "Quantity": 1, "UnitAmount": 10, "AccountCode": "200"}
                    ],
                }
            ]
        },
    )
    small = loads(response)["Invoices"][0]
    assert allocate(xero, 11.5, small["InvoiceID"]).status_code == 200
    settled = document(xero, "Invoices", small["InvoiceID"])
    assert (settled["Status"], settled["AmountDue"]) == ("PAID", Decimal("0.00"))
    assert document(xero, "CreditNotes", SEEDED_CREDIT_ID)["RemainingCredit"] == Decimal("11.50")


@pytest.mark.parametrize(
    ("amount", "invoice_id", "fragment"),
    [
        (23.01, SEEDED_INVOICE_ID, "exceeds the remaining credit"),
        (0, SEEDED_INVOICE_ID, "greater than zero"),
        (5, SEEDED_DRAFT_ID, "AUTHORISED invoices"),
        (5, SEEDED_USD_INVOICE_ID, "same contact"),
    ],
)
def test_allocation_rules(xero: XeroClient, amount: Any, invoice_id: str, fragment: str) -> None:
    response = allocate(xero, amount, invoice_id)
    element = loads(response)["Allocations"][0]
    assert fragment in " ".join(errors_of(element)), errors_of(element)
    assert document(xero, "CreditNotes", SEEDED_CREDIT_ID)["RemainingCredit"] == Decimal("23.00")


def test_allocation_beyond_invoice_due_is_rejected(xero: XeroClient) -> None:
    assert pay(xero, payment(Amount=110))["StatusAttributeString"] == "OK"
    element = loads(allocate(xero, 6))["Allocations"][0]
    assert "exceeds the amount due on the invoice" in errors_of(element)[0]


def test_draft_credit_note_cannot_be_allocated(xero: XeroClient) -> None:
    response = xero.put(
        "CreditNotes",
        {
            "CreditNotes": [
                {
                    "Type": "ACCRECCREDIT",
                    "Contact": {"ContactID": GLOBEX_ID},
                    "LineItems": [{"Description": "c", "Quantity": 1, "UnitAmount": 1, "AccountCode": "200"}],
                }
            ]
        },
    )
    draft = loads(response)["CreditNotes"][0]
    element = loads(allocate(xero, 1, credit_id=draft["CreditNoteID"]))["Allocations"][0]
    assert "Only AUTHORISED credit notes" in errors_of(element)[0]


# --------------------------------------------------------------------------- seeded payments


def test_seeded_payments_are_reflected_on_their_invoices(xero: XeroClient) -> None:
    part = document(xero, "Invoices", "INV-0103")
    assert (part["Status"], part["AmountPaid"], part["AmountDue"]) == (
        "AUTHORISED",
        Decimal("20.00"),
        Decimal("30.00"),
    )
    assert [p["PaymentID"] for p in part["Payments"]] == [SEEDED_PAYMENT_ID]
    paid = document(xero, "Invoices", "INV-0104")
    assert (paid["Status"], paid["AmountDue"]) == ("PAID", Decimal("0.00"))
    assert paid["FullyPaidOnDate"] == "/Date(1789171200000+0000)/"
    seeded = document(xero, "Payments", SEEDED_PAYMENT_ID)
    assert (seeded["PaymentType"], seeded["Amount"], seeded["Invoice"]["InvoiceNumber"]) == (
        "ACCRECPAYMENT",
        Decimal("20.00"),
        "INV-0103",
    )


def test_deleting_a_seeded_payment_restores_the_amount_due(xero: XeroClient) -> None:
    response = xero.post(f"Payments/{SEEDED_PAYMENT_ID}", {"Status": "DELETED"})
    assert response.status_code == 200, response.text
    reopened = document(xero, "Invoices", SEEDED_PART_PAID_ID)
    assert (reopened["AmountPaid"], reopened["AmountDue"]) == (Decimal("0.00"), Decimal("50.00"))


def test_bill_payment_is_an_accpay_payment(xero: XeroClient) -> None:
    response = xero.put(
        "Invoices",
        {
            "Invoices": [
                {
                    "Type": "ACCPAY",
                    "Contact": {"ContactID": GLOBEX_ID},
                    "Status": "AUTHORISED",
                    "LineItems": [
                        {"Description": "bill", "Quantity": 1, "UnitAmount": 10, "AccountCode": "400"}
                    ],
                }
            ]
        },
    )
    bill = loads(response)["Invoices"][0]
    paid = pay(xero, payment(Invoice={"InvoiceID": bill["InvoiceID"]}, Amount=11.5))
    assert paid["PaymentType"] == "ACCPAYPAYMENT", errors_of(paid)
    assert document(xero, "Invoices", bill["InvoiceID"])["Status"] == "PAID"


def test_paid_invoice_accepts_a_resent_unchanged_header(xero: XeroClient) -> None:
    pay(xero, payment(Amount=10))
    current = document(xero, "Invoices", SEEDED_INVOICE_ID)
    resent = {
        "InvoiceID": SEEDED_INVOICE_ID,
        "Type": "ACCREC",
        "Contact": {"ContactID": ACME_ID},
        "CurrencyCode": "NZD",
        "Date": "2026-10-01",
        "DueDate": None,
        "Reference": "again",
        "LineAmountTypes": "Exclusive",
        "Status": "AUTHORISED",
        "LineItems": [],
    }
    response = xero.post("Invoices", {"Invoices": [resent]})
    assert response.status_code == 200, response.text
    after = document(xero, "Invoices", SEEDED_INVOICE_ID)
    assert (after["Reference"], after["Total"], after["AmountDue"]) == (
        "again",
        current["Total"],
        current["AmountDue"],
    )


# --------------------------------------------------------------------------- lock date


LOCKED = "The {} date cannot be on or before the period lock date (2018-12-31)."


def test_nothing_can_be_dated_on_or_before_the_lock_date(xero: XeroClient) -> None:
    response = xero.put(
        "Invoices",
        {
            "Invoices": [
                {
                    "Type": "ACCREC",
                    "Contact": {"ContactID": ACME_ID},
                    "Date": "2018-12-31",
                    "LineItems": [
                        {"Description": "late", "Quantity": 1, "UnitAmount": 1, "AccountCode": "200"}
                    ],
                }
            ]
        },
        summarizeErrors="false",
    )
    assert errors_of(loads(response)["Invoices"][0]) == [LOCKED.format("document")]
    assert errors_of(pay(xero, payment(Date="2018-12-01"))) == [LOCKED.format("payment")]
    body = {"Allocations": [{"Invoice": {"InvoiceID": SEEDED_INVOICE_ID}, "Amount": 1, "Date": "2018-12-31"}]}
    allocated = xero.put(f"CreditNotes/{SEEDED_CREDIT_ID}/Allocations", body, summarizeErrors="false")
    assert errors_of(loads(allocated)["Allocations"][0]) == [LOCKED.format("allocation")]
    moved = xero.post(
        f"Invoices/{SEEDED_INVOICE_ID}", {"Invoices": [{"Date": "2018-06-30"}]}, summarizeErrors="false"
    )
    assert errors_of(loads(moved)["Invoices"][0]) == [LOCKED.format("document")]


def test_a_document_in_a_locked_period_cannot_be_changed_or_voided(xero: XeroClient) -> None:
    for change in ({"Status": "VOIDED"}, {"Reference": "x"}, {"Date": "2026-01-15"}):
        response = xero.post(f"Invoices/{SEEDED_LOCKED_ID}", {"Invoices": [change]}, summarizeErrors="false")
        assert errors_of(loads(response)["Invoices"][0]) == [LOCKED.format("document")]
    assert document(xero, "Invoices", SEEDED_LOCKED_ID)["Status"] == "AUTHORISED"
    assert (
        pay(xero, payment(Invoice={"InvoiceID": SEEDED_LOCKED_ID}, Amount=70))["StatusAttributeString"]
        == "OK"
    )
