"""Invoice dates at the edges, over HTTP: malformed, before SQL Server's range, 9999, due-before-date.

What Xero answers (date_range.py has the sources and the choices):
- a date the JSON reader cannot parse ("1-01-01") refuses the whole request: 400 PostDataInvalidException;
- a parseable date Xero cannot store (before 1753-01-01, e.g. "0001-01-01") is HTTP 500, nothing written;
- 9999-12-31 is a storable date and is accepted;
- a DueDate before the Date is accepted (Xero's own createInvoices example sends one).
"""

from __future__ import annotations

from typing import Any

import pytest
from sandbox_testkit.xero_book_fixtures import ok, one, write_one
from sandbox_testkit.xero_rules_kit import ACME_ID, SEEDED_CREDIT_ID, SEEDED_INVOICE_ID, XeroClient, loads

pytest_plugins = ["sandbox_testkit.xero_book_fixtures"]


def invoice(**overrides: Any) -> dict[str, Any]:
    line = {"Description": "Support", "Quantity": 1, "UnitAmount": 100, "AccountCode": "200"}
    return {"Type": "ACCREC", "Contact": {"ContactID": ACME_ID}, "LineItems": [line], **overrides}


def invoice_count(xero: XeroClient) -> int:
    return len(loads(xero.get("Invoices"))["Invoices"])


@pytest.mark.parametrize("field", ["Date", "DueDate", "ExpectedPaymentDate"])
@pytest.mark.parametrize("summarize", ["true", "false"])
def test_malformed_date_refuses_the_whole_request(xero: XeroClient, field: str, summarize: str) -> None:
    before = invoice_count(xero)
    body = {"Invoices": [invoice(InvoiceNumber="OK-1"), invoice(**{field: "1-01-01"})]}
    response = xero.put("Invoices", body, summarizeErrors=summarize)
    assert response.status_code == 400
    assert loads(response) == {
        "ErrorNumber": 14,
        "Type": "PostDataInvalidException",
        "Message": f"JSON for post data was invalid,Could not convert string to DateTime: 1-01-01. "
        f"Path 'Invoices[1].{field}'.",
    }
    assert invoice_count(xero) == before


@pytest.mark.parametrize(
    "value", ["0001-01-01", "0001-01-01T00:00:00", "1752-12-31", "/Date(-62135596800000)/"]
)
@pytest.mark.parametrize("field", ["Date", "DueDate"])
def test_a_date_before_1753_cannot_be_stored_and_is_a_500(xero: XeroClient, field: str, value: str) -> None:
    before = invoice_count(xero)
    for summarize in ("true", "false"):
        body = {"Invoices": [invoice(InvoiceNumber="OK-2"), invoice(**{field: value})]}
        response = xero.put("Invoices", body, summarizeErrors=summarize)
        assert response.status_code == 500, response.text
        problem = loads(response)
        assert (problem["Title"], problem["Status"], problem["Type"]) == ("An error occurred", 500, None)
        assert "ErrorNumber" not in problem  # not an ApiException: nothing was validated or kept
    assert invoice_count(xero) == before
    # On an update too, and the stored invoice is unchanged.
    response = xero.post("Invoices", {"Invoices": [{"InvoiceID": SEEDED_INVOICE_ID, "DueDate": value}]})
    assert response.status_code == 500
    assert one(xero, "Invoices", SEEDED_INVOICE_ID)["DueDateString"] == "2026-10-31T00:00:00"


def test_payments_and_allocations_before_1753_are_500_too(xero: XeroClient) -> None:
    payment = {"Invoice": {"InvoiceID": SEEDED_INVOICE_ID}, "Account": {"Code": "090"}, "Amount": 1}
    assert xero.put("Payments", {"Payments": [{**payment, "Date": "0001-01-01"}]}).status_code == 500
    allocation = {"Invoice": {"InvoiceID": SEEDED_INVOICE_ID}, "Amount": 1, "Date": "0001-01-01"}
    path = f"CreditNotes/{SEEDED_CREDIT_ID}/Allocations"
    assert xero.put(path, {"Allocations": [allocation]}).status_code == 500
    assert one(xero, "Invoices", SEEDED_INVOICE_ID)["AmountPaid"] == 0


def test_the_first_storable_day_and_9999_12_31_are_accepted(xero: XeroClient) -> None:
    created = ok(write_one(xero, "Invoices", invoice(Date="9999-12-31", DueDate="9999-12-31")))
    assert created["DateString"] == created["DueDateString"] == "9999-12-31T00:00:00"
    assert created["Date"] == created["DueDate"] == "/Date(253402214400000+0000)/"
    early = ok(write_one(xero, "Invoices", invoice(Date="2026-10-01", DueDate="1753-01-01")))
    assert early["DueDateString"] == "1753-01-01T00:00:00"


def test_a_due_date_before_the_date_is_accepted_as_sent(xero: XeroClient) -> None:
    # Xero's own createInvoices request example: Date 2019-03-11, DueDate 2018-12-10.
    created = ok(write_one(xero, "Invoices", invoice(Date="2026-10-11", DueDate="2026-10-01")))
    assert (created["DateString"], created["DueDateString"]) == ("2026-10-11T00:00:00", "2026-10-01T00:00:00")
    assert "Warnings" not in created
    stored = one(xero, "Invoices", created["InvoiceID"])
    assert (stored["DateString"], stored["DueDateString"]) == ("2026-10-11T00:00:00", "2026-10-01T00:00:00")
