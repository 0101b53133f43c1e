"""Request-body schema checks of the Xero emulator, over HTTP: what does not deserialise is a 400."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sandbox_testkit.xero_rules_kit import (
    ACME_ID,
    SEEDED_INVOICE_ID,
    XeroClient,
    loads,
)

pytest_plugins = ["sandbox_testkit.xero_book_fixtures"]


def invoice(**overrides: Any) -> dict[str, Any]:
    return {
        "Type": "ACCREC",
        "Contact": {"ContactID": ACME_ID},
        "LineItems": [{"Description": "x", "Quantity": 1, "UnitAmount": 10, "AccountCode": "200"}],
        **overrides,
    }


def post_data_invalid(response: Any) -> str:
    assert response.status_code == 400, response.text
    body = loads(response)
    assert (body["ErrorNumber"], body["Type"]) == (14, "PostDataInvalidException"), body
    message: str = body["Message"]
    return message


def invoice_count(xero: XeroClient) -> int:
    return len(loads(xero.get("Invoices"))["Invoices"])


@pytest.mark.parametrize(
    ("element", "fragment"),
    [
        (invoice(Colour="red"), "The element 'Colour' was not recognised"),
        (
            invoice(LineItems=[{"Description": "x", "CogsAccountCode": "310"}]),
            "The element 'CogsAccountCode' was not recognised",
        ),
        (
            invoice(Contact={"ContactID": ACME_ID, "Nickname": "A"}),
            "The element 'Nickname' was not recognised",
        ),
        (
            invoice(LineItems=[{"Description": "x", "Tracking": [{"Name": "Region", "Colour": "x"}]}]),
            "The element 'Colour' was not recognised",
        ),
        (
            invoice(LineItems=[{"Description": "x", "UnitAmount": "ten"}]),
            "Could not convert string to decimal",
        ),
        (
            invoice(LineItems=[{"Description": "x", "Quantity": "1 unit"}]),
            "Could not convert string to decimal",
        ),
        (invoice(SentToContact="yes"), "Could not convert"),
        (invoice(Contact={"ContactID": "not-a-guid"}), "System.Guid"),
        (invoice(BrandingThemeID="123"), "System.Guid"),
        (invoice(CurrencyCode="XYZ"), "CurrencyCode"),
        (invoice(LineAmountTypes="Gross"), "LineAmountTypes"),
        (invoice(Status="APPROVED"), "Status"),
        (invoice(Type="INVOICE"), "Type"),
        (invoice(Date="31/12/2026"), "DateTime"),
        (invoice(LineItems={"Description": "x"}), "Expected an array"),
        (invoice(Contact="Acme Ltd"), "Expected an object"),
    ],
)
def test_bodies_that_do_not_deserialise_are_rejected_whole(
    xero: XeroClient, element: dict[str, Any], fragment: str
) -> None:
    before = invoice_count(xero)
    message = post_data_invalid(
        xero.put("Invoices", {"Invoices": [invoice(), element]}, summarizeErrors="false")
    )
    assert fragment in message
    assert invoice_count(xero) == before


def test_message_names_the_path_of_the_bad_element(xero: XeroClient) -> None:
    message = post_data_invalid(
        xero.put(
            "Invoices",
            {
                "Invoices": [
                    invoice(LineItems=[{"Description": "a"}, {"Description": "b", "UnitAmount": "x"}])
                ]
            },
        )
    )
    assert "Invoices[0].LineItems[1].UnitAmount" in message


@pytest.mark.parametrize(
    ("collection", "element", "fragment"),
    [
        ("Contacts", {"Name": "X", "Phones": [{"PhoneType": "PAGER"}]}, "PhoneType"),
        ("Contacts", {"Name": "X", "ContactStatus": "GONE"}, "ContactStatus"),
        (
            "Items",
            {"Code": "X", "SalesDetails": {"CogsAccountCode": "310"}},
            "'CogsAccountCode' was not recognised",
        ),
        ("Items", {"Code": "X", "IsSold": "true"}, "Could not convert"),
        (
            "Payments",
            {"Invoice": {"InvoiceID": SEEDED_INVOICE_ID}, "Amount": "$5"},
            "Could not convert string",
        ),
        ("PurchaseOrders", {"Status": "OPEN"}, "Status"),
    ],
)
def test_other_collections_are_checked_too(
    xero: XeroClient, collection: str, element: dict[str, Any], fragment: str
) -> None:
    assert fragment in post_data_invalid(xero.put(collection, {collection: [element]}))


def test_unknown_wrapper_element_is_rejected(xero: XeroClient) -> None:
    message = post_data_invalid(xero.put("Invoices", {"Invoices": [invoice()], "Extra": []}))
    assert "The element 'Extra' was not recognised" in message


def test_empty_collection_is_no_data_processed(xero: XeroClient) -> None:
    response = xero.put("Invoices", {"Invoices": []})
    assert response.status_code == 400
    body = loads(response)
    assert (body["ErrorNumber"], body["Type"]) == (17, "NoDataProcessedException")
    assert "expecting Invoice data" in body["Message"]


def test_single_element_without_wrapper_is_accepted(xero: XeroClient) -> None:
    response = xero.put("Invoices", invoice())
    assert response.status_code == 200, response.text
    assert loads(response)["Invoices"][0]["Total"] == Decimal("11.50")


def test_read_only_elements_are_accepted_and_ignored(xero: XeroClient) -> None:
    element = invoice(
        Total=999,
        SubTotal=1,
        TotalTax=2,
        AmountDue=3,
        AmountPaid=4,
        HasErrors=True,
        UpdatedDateUTC="/Date(0+0000)/",
        StatusAttributeString="OK",
        IsDiscounted=True,
        InvoiceNumber="RO-1",
    )
    response = xero.put("Invoices", {"Invoices": [element]})
    assert response.status_code == 200, response.text
    stored = loads(response)["Invoices"][0]
    assert (stored["SubTotal"], stored["TotalTax"], stored["Total"], stored["AmountDue"]) == (
        Decimal("10.00"),
        Decimal("1.50"),
        Decimal("11.50"),
        Decimal("11.50"),
    )
    assert stored["AmountPaid"] == Decimal("0.00")
    assert stored["UpdatedDateUTC"] != "/Date(0+0000)/"


def test_all_date_forms_xero_accepts(xero: XeroClient) -> None:
    for value in ("2026-01-02", "2026-01-02T00:00:00", "/Date(1767312000000+0000)/"):
        response = xero.put("Invoices", {"Invoices": [invoice(Date=value)]})
        assert response.status_code == 200, response.text
        assert loads(response)["Invoices"][0]["DateString"] == "2026-01-02T00:00:00"


def test_nulls_are_accepted_as_absent(xero: XeroClient) -> None:
    response = xero.put("Invoices", {"Invoices": [invoice(Reference=None, CurrencyCode=None, DueDate=None)]})
    assert response.status_code == 200, response.text


# --------------------------------------------------------------------------- numbers sent as strings
# Xero reads JSON with Json.NET, which takes a numeric string into a decimal element (NumberStyles.Number,
# invariant culture, or an exponent form); the sandbox keeps the value exactly as written.


@pytest.mark.parametrize(
    ("quantity", "unit", "line_amount"),
    [
        ("2", "10.5", Decimal("21.00")),
        ("2.0000", "10.50", Decimal("21.00")),
        (" 3 ", "1,000.25", Decimal("3000.75")),
        ("1", "1.5e1", Decimal("15.00")),
        ("1", ".5", Decimal("0.50")),
    ],
)
def test_numeric_strings_are_accepted_as_exact_decimals(
    xero: XeroClient, quantity: str, unit: str, line_amount: Decimal
) -> None:
    line = {"Description": "x", "Quantity": quantity, "UnitAmount": unit, "AccountCode": "200"}
    response = xero.put("Invoices", {"Invoices": [invoice(LineItems=[line])]})
    assert response.status_code == 200, response.text
    assert loads(response)["Invoices"][0]["LineItems"][0]["LineAmount"] == line_amount


def test_numeric_string_unit_amount_keeps_four_places_with_unitdp(xero: XeroClient) -> None:
    line = {"Description": "x", "Quantity": "3", "UnitAmount": "10.1234", "AccountCode": "200"}
    response = xero.put("Invoices", {"Invoices": [invoice(LineItems=[line])]}, unitdp=4)
    assert response.status_code == 200, response.text
    stored = loads(response)["Invoices"][0]["LineItems"][0]
    assert (stored["UnitAmount"], stored["LineAmount"]) == (Decimal("10.1234"), Decimal("30.37"))


def test_numeric_string_payment_amount_is_accepted(xero: XeroClient) -> None:
    element = {
        "Invoice": {"InvoiceID": SEEDED_INVOICE_ID},
        "Account": {"Code": "090"},
        "Date": "2026-10-20",
        "Amount": "15.0",
    }
    response = xero.put("Payments", {"Payments": [element]}, summarizeErrors="false")
    assert response.status_code == 200, response.text
    paid = loads(response)["Payments"][0]
    assert paid["StatusAttributeString"] == "OK", paid
    assert paid["Amount"] == Decimal("15.00")


def test_empty_numeric_string_is_null(xero: XeroClient) -> None:
    line = {"Description": "x", "Quantity": 1, "UnitAmount": 10, "AccountCode": "200", "TaxAmount": ""}
    response = xero.put("Invoices", {"Invoices": [invoice(LineItems=[line])]})
    assert response.status_code == 200, response.text
    assert loads(response)["Invoices"][0]["TotalTax"] == Decimal("1.50"), "no override: Xero's own tax"


@pytest.mark.parametrize("text", ["ten", "1 unit", "$5", "1.2.3", "(5)", "5-5", "+-5"])
def test_strings_json_net_cannot_read_as_numbers_are_rejected(xero: XeroClient, text: str) -> None:
    line = {"Description": "x", "Quantity": 1, "UnitAmount": text, "AccountCode": "200"}
    message = post_data_invalid(xero.put("Invoices", {"Invoices": [invoice(LineItems=[line])]}))
    assert f"Could not convert string to decimal: {text}." in message
