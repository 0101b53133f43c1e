"""Contact rules of the Xero emulator, over HTTP: uniqueness, lengths, archiving, derived flags."""

from __future__ import annotations

from typing import Any

import pytest
from sandbox.launcher import RunningSandbox
from sandbox_testkit.xero_book_fixtures import errors_of, ok, one, write_one
from sandbox_testkit.xero_rules_kit import (
    ACME_ID,
    GLOBEX_ID,
    SEEDED_INVOICE_ID,
    XeroClient,
    loads,
)

pytest_plugins = ["sandbox_testkit.xero_book_fixtures"]

DUPLICATE_NAME = (
    "The contact name {} is already assigned to another contact. The contact name must be unique "
    "across all active contacts."
)

# --------------------------------------------------------------------------- contacts


def test_new_contact_gets_an_id_and_derived_flags(xero: XeroClient) -> None:
    created = ok(
        write_one(xero, "Contacts", {"Name": "Initech", "IsSupplier": True, "ContactNumber": "AT-7"})
    )
    assert created["ContactStatus"] == "ACTIVE"
    assert (created["IsSupplier"], created["IsCustomer"]) == (False, False)
    assert created["HasValidationErrors"] is False
    assert one(xero, "Contacts", "AT-7")["ContactID"] == created["ContactID"]


def test_contacts_created_through_the_api_come_back_with_empty_contact_groups(xero: XeroClient) -> None:
    """Xero always answers ContactGroups (`[]` when in no group); tap-xero's contacts stream reads it."""
    created = ok(write_one(xero, "Contacts", {"Name": "Grouped Nowhere", "ContactNumber": "CG-1"}))
    assert created["ContactGroups"] == []
    assert one(xero, "Contacts", created["ContactID"])["ContactGroups"] == []
    listed = loads(xero.get("Contacts", where='ContactNumber=="CG-1"', page=1))["Contacts"]
    assert [c["ContactGroups"] for c in listed] == [[]]


def test_contact_name_is_required(xero: XeroClient) -> None:
    element = write_one(xero, "Contacts", {"FirstName": "No", "LastName": "Name"})
    assert errors_of(element) == ["Contact Name cannot be empty."]
    assert element["HasValidationErrors"] is True


@pytest.mark.parametrize("name", ["Acme Ltd", "acme ltd", "ACME LTD"])
def test_contact_name_unique_among_active_contacts_case_insensitively(xero: XeroClient, name: str) -> None:
    assert errors_of(write_one(xero, "Contacts", {"Name": name})) == [DUPLICATE_NAME.format(name)]


def test_name_of_an_archived_contact_can_be_reused_but_not_unarchived_into_a_clash(xero: XeroClient) -> None:
    reused = ok(write_one(xero, "Contacts", {"Name": "Old Co"}))
    assert reused["ContactStatus"] == "ACTIVE"
    response = xero.get("Contacts", where='Name=="Old Co"', includeArchived="true")
    old = next(c for c in loads(response)["Contacts"] if c["ContactStatus"] == "ARCHIVED")
    clash = write_one(xero, "Contacts", {"ContactID": old["ContactID"], "ContactStatus": "ACTIVE"}, "POST")
    assert errors_of(clash) == [DUPLICATE_NAME.format("Old Co")]


def test_post_without_id_does_not_merge_into_a_same_named_contact(xero: XeroClient) -> None:
    element = write_one(xero, "Contacts", {"Name": "Globex", "EmailAddress": "new@globex.example"}, "POST")
    assert errors_of(element) == [DUPLICATE_NAME.format("Globex")]
    assert "EmailAddress" not in one(xero, "Contacts", GLOBEX_ID)


def test_account_number_must_be_unique(xero: XeroClient) -> None:
    element = write_one(xero, "Contacts", {"Name": "Someone", "AccountNumber": "acc-1"})
    assert errors_of(element) == [
        "The Account Number already exists. Please enter a different Account Number."
    ]


@pytest.mark.parametrize(
    ("element", "fragment"),
    [
        ({"Name": "Long number", "ContactNumber": "N" * 51}, "ContactNumber cannot be more than 50"),
        ({"Name": "Long account", "AccountNumber": "A" * 51}, "AccountNumber cannot be more than 50"),
        ({"Name": "N" * 256}, "Contact Name cannot be more than 255"),
        ({"Name": "Umlaut", "EmailAddress": "jürgen@example.com"}, "Email address must be valid."),
        ({"Name": "No at", "EmailAddress": "nobody.example.com"}, "Email address must be valid."),
        ({"Name": "Euro", "DefaultCurrency": "EUR"}, "has not been enabled"),
    ],
)
def test_contact_field_rules(xero: XeroClient, element: dict[str, Any], fragment: str) -> None:
    assert fragment in " ".join(errors_of(write_one(xero, "Contacts", element)))


def test_update_by_contact_id_and_archive(xero: XeroClient, book_sandbox: RunningSandbox) -> None:
    before = one(xero, "Contacts", GLOBEX_ID)
    book_sandbox.admin("xero", "clock", {"advance_seconds": 5})
    xero.authenticate()
    renamed = ok(write_one(xero, "Contacts", {"Name": "Globex Corporation"}, "POST", f"Contacts/{GLOBEX_ID}"))
    assert renamed["Name"] == "Globex Corporation"
    assert renamed["UpdatedDateUTC"] > before["UpdatedDateUTC"]
    archived = ok(write_one(xero, "Contacts", {"ContactID": GLOBEX_ID, "ContactStatus": "ARCHIVED"}, "POST"))
    assert archived["ContactStatus"] == "ARCHIVED"
    assert ok(write_one(xero, "Contacts", {"Name": "Globex Corporation"}))["ContactID"] != GLOBEX_ID


def test_rename_shows_on_the_contacts_invoices(xero: XeroClient) -> None:
    ok(write_one(xero, "Contacts", {"ContactID": ACME_ID, "Name": "Acme Holdings"}, "POST"))
    assert one(xero, "Invoices", SEEDED_INVOICE_ID)["Contact"]["Name"] == "Acme Holdings"
    listed = loads(xero.get("Invoices", where='Contact.Name=="Acme Holdings"'))["Invoices"]
    assert SEEDED_INVOICE_ID in {i["InvoiceID"] for i in listed}


def test_unknown_contact_id_on_post_is_rejected(xero: XeroClient) -> None:
    element = write_one(
        xero, "Contacts", {"ContactID": "11111111-2222-3333-4444-555555555555", "Name": "X"}, "POST"
    )
    assert "could not be found" in errors_of(element)[0]


def test_contact_number_change_shows_in_invoice_filters(xero: XeroClient) -> None:
    ok(write_one(xero, "Contacts", {"ContactID": ACME_ID, "ContactNumber": "AT-200"}, "POST"))
    listed = loads(xero.get("Invoices", where='Contact.ContactNumber=="AT-200"'))["Invoices"]
    assert SEEDED_INVOICE_ID in {i["InvoiceID"] for i in listed}
    assert loads(xero.get("Invoices", where='Contact.ContactNumber=="AT-100"'))["Invoices"] == []


# --------------------------------------------------------------------------- Name length (UTF-16)

GRIN = "\N{GRINNING FACE}"  # outside the BMP: two UTF-16 code units, as Xero (.NET, nvarchar) counts it


@pytest.mark.parametrize("name", ["N" * 256, GRIN * 128, "N" * 254 + GRIN, " " + "N" * 255])
def test_contact_name_over_255_is_refused_per_element(xero: XeroClient, name: str) -> None:
    response = xero.put("Contacts", {"Contacts": [{"Name": name, "ContactNumber": "LONG-1"}]})
    assert response.status_code == 400
    body = loads(response)
    assert (body["ErrorNumber"], body["Type"], body["Message"]) == (
        10,
        "ValidationException",
        "A validation exception occurred",
    )
    [element] = body["Elements"]
    assert element["Name"] == name
    assert element["HasValidationErrors"] is True
    assert element["ValidationErrors"] == [{"Message": "Contact Name cannot be more than 255 characters."}]
    assert loads(xero.get("Contacts", where='ContactNumber=="LONG-1"'))["Contacts"] == []


@pytest.mark.parametrize("name", ["N" * 255, GRIN * 127 + "N", "Ä" * 255])
def test_contact_name_of_255_is_accepted(xero: XeroClient, name: str) -> None:
    assert ok(write_one(xero, "Contacts", {"Name": name}))["Name"] == name


def test_long_name_is_refused_on_rename_and_on_a_contact_made_by_an_invoice(xero: XeroClient) -> None:
    renamed = write_one(xero, "Contacts", {"Name": GRIN * 128}, "POST", f"Contacts/{GLOBEX_ID}")
    assert errors_of(renamed) == ["Contact Name cannot be more than 255 characters."]
    assert one(xero, "Contacts", GLOBEX_ID)["Name"] == "Globex"
    line = {"Description": "Support", "Quantity": 1, "UnitAmount": 10, "AccountCode": "200"}
    element = write_one(
        xero, "Invoices", {"Type": "ACCREC", "Contact": {"Name": "Q" * 256}, "LineItems": [line]}
    )
    assert errors_of(element) == ["Contact Name cannot be more than 255 characters."]
