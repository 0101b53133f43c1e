"""Adding and retiring a tax rate over HTTP, as an admin's fix after a tax rejection does it.

The fix the reliability suite replays ("no TaxType mapped for tax region ..." → add the rate in Xero, map
it, rerun) needs `PUT /TaxRates` to create a rate whose TaxType Xero names, usable at once on an invoice.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sandbox_testkit.xero_book_fixtures import errors_of, ok, one, write_one
from sandbox_testkit.xero_rules_kit import XeroClient, loads

pytest_plugins = ["sandbox_testkit.xero_book_fixtures"]


def refused(xero: XeroClient, element: dict[str, Any], method: str = "PUT") -> list[str]:
    """The messages of a refused tax-rate write: HTTP 400, Xero's ValidationException with the element."""
    response = xero.request(method, "TaxRates", {"TaxRates": [element]})
    assert response.status_code == 400, response.text
    body = loads(response)
    assert body["Type"] == "ValidationException"
    (answered,) = body["Elements"]
    assert answered["StatusAttributeString"] == "ERROR"
    return errors_of(answered)


def _rate(name: str, rate: str = "15") -> dict[str, Any]:
    return {"Name": name, "TaxComponents": [{"Name": "GST", "Rate": Decimal(rate), "IsCompound": False}]}


def test_a_new_rate_gets_a_tax_type_and_an_invoice_can_use_it(xero: XeroClient) -> None:
    created = ok(write_one(xero, "TaxRates", _rate("Export GST 15%")))
    tax_type = created["TaxType"]
    assert tax_type.startswith("TAX") and created["Status"] == "ACTIVE"
    assert Decimal(str(created["EffectiveRate"])) == Decimal("15")
    assert one(xero, "TaxRates", tax_type)["Name"] == "Export GST 15%"
    second = ok(write_one(xero, "TaxRates", _rate("Export GST 9%", "9")))
    assert second["TaxType"] != tax_type
    invoice = {
        "Type": "ACCREC",
        "Contact": {"Name": "Tax rate user"},
        "Date": "2026-10-01",
        "DueDate": "2026-10-31",
        "LineItems": [
            {
                "Description": "Work",
                "Quantity": 1,
                "UnitAmount": 100,
                "AccountCode": "200",
                "TaxType": tax_type,
            }
        ],
    }
    written = ok(write_one(xero, "Invoices", invoice))
    assert Decimal(str(written["TotalTax"])) == Decimal("15.00")


@pytest.mark.parametrize(
    ("element", "message"),
    [
        ({"TaxComponents": [{"Name": "GST", "Rate": 15}]}, "Tax rate name is required."),
        ({"Name": "No components"}, "At least one tax component is required."),
        ({"Name": "Too high", "TaxComponents": [{"Name": "GST", "Rate": 150}]}, "between 0 and 100"),
    ],
)
def test_an_incomplete_rate_is_refused_with_a_validation_error(
    xero: XeroClient, element: dict[str, Any], message: str
) -> None:
    messages = refused(xero, element)
    assert any(message in e for e in messages), messages


def test_a_second_active_rate_with_the_same_name_is_refused(xero: XeroClient) -> None:
    ok(write_one(xero, "TaxRates", _rate("Duplicate name")))
    messages = refused(xero, _rate("duplicate NAME"))
    assert any("already exists" in e for e in messages), messages


def test_a_rate_is_retired_by_name_and_its_tax_type_stays(xero: XeroClient) -> None:
    tax_type = ok(write_one(xero, "TaxRates", _rate("Retire me")))["TaxType"]
    retired = ok(write_one(xero, "TaxRates", {"Name": "Retire me", "Status": "DELETED"}, method="POST"))
    assert retired["TaxType"] == tax_type and retired["Status"] == "DELETED"
    assert one(xero, "TaxRates", tax_type)["Status"] == "DELETED"
    missing = refused(xero, {"TaxType": "TAX999", "Status": "DELETED"}, method="POST")
    assert any("does not exist" in e for e in missing), missing
