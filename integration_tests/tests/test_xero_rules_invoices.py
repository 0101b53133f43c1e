"""Invoice rules of the Xero emulator, over HTTP: references, numbering, currency, tracking, statuses."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sandbox.launcher import RunningSandbox
from sandbox_testkit.xero_book_fixtures import errors_of, ok
from sandbox_testkit.xero_rules_kit import (
    ACME_ID,
    BRANDING_ID,
    GLOBEX_ID,
    OLDCO_ID,
    SEEDED_DRAFT_ID,
    SEEDED_INVOICE_ID,
    SUPPLIER_ID,
    XeroClient,
    loads,
)

pytest_plugins = ["sandbox_testkit.xero_book_fixtures"]


def line(**overrides: Any) -> dict[str, Any]:
    return {"Description": "Support", "Quantity": 1, "UnitAmount": 100, "AccountCode": "200", **overrides}


def invoice(**overrides: Any) -> dict[str, Any]:
    return {"Type": "ACCREC", "Contact": {"ContactID": ACME_ID}, "LineItems": [line()], **overrides}


def put_one(xero: XeroClient, element: dict[str, Any], collection: str = "Invoices") -> dict[str, Any]:
    """PUT one element with summarizeErrors=false; return the element of the response."""
    response = xero.put(collection, {collection: [element]}, summarizeErrors="false")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = loads(response)[collection][0]
    return result


def get_invoice(xero: XeroClient, key: str) -> dict[str, Any]:
    response = xero.get(f"Invoices/{key}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = loads(response)["Invoices"][0]
    return found


# --------------------------------------------------------------------------- numbering


def test_accrec_invoices_are_numbered_in_sequence_when_no_number_is_sent(xero: XeroClient) -> None:
    first = ok(put_one(xero, invoice()))
    second = ok(put_one(xero, invoice()))
    assert (first["InvoiceNumber"], second["InvoiceNumber"]) == ("INV-0001", "INV-0002")
    assert get_invoice(xero, "INV-0002")["InvoiceID"] == second["InvoiceID"]


def test_duplicate_accrec_number_is_rejected_case_insensitively(xero: XeroClient) -> None:
    element = put_one(xero, invoice(InvoiceNumber="inv-0100"))
    assert element["StatusAttributeString"] == "ERROR"
    assert element["HasErrors"] is True
    assert element["InvoiceID"] == "00000000-0000-0000-0000-000000000000"
    assert errors_of(element) == ["Invoice # must be unique."]


def test_duplicate_number_with_default_summarize_errors_is_a_400_validation_exception(
    xero: XeroClient,
) -> None:
    response = xero.put("Invoices", {"Invoices": [invoice(InvoiceNumber="INV-0100")]})
    assert response.status_code == 400
    body = loads(response)
    assert (body["ErrorNumber"], body["Type"]) == (10, "ValidationException")
    assert body["Elements"][0]["ValidationErrors"] == [{"Message": "Invoice # must be unique."}]


def test_accpay_bills_may_repeat_a_supplier_number_and_are_not_auto_numbered(xero: XeroClient) -> None:
    bill = {
        "Type": "ACCPAY",
        "Contact": {"ContactID": SUPPLIER_ID},
        "LineItems": [line(AccountCode="400", TaxType="INPUT2")],
    }
    unnumbered = ok(put_one(xero, bill))
    assert "InvoiceNumber" not in unnumbered
    first = ok(put_one(xero, {**bill, "InvoiceNumber": "SUP-77"}))
    second = ok(put_one(xero, {**bill, "InvoiceNumber": "SUP-77"}))
    assert first["InvoiceID"] != second["InvoiceID"]


def test_post_without_id_but_with_an_existing_number_is_rejected_not_merged(xero: XeroClient) -> None:
    response = xero.post(
        "Invoices", {"Invoices": [invoice(InvoiceNumber="INV-0101", Reference="x")]}, summarizeErrors="false"
    )
    element = loads(response)["Invoices"][0]
    assert errors_of(element) == ["Invoice # must be unique."]
    assert "Reference" not in get_invoice(xero, SEEDED_DRAFT_ID)


def test_put_with_an_existing_invoice_id_is_rejected_because_put_only_creates(xero: XeroClient) -> None:
    element = put_one(xero, invoice(InvoiceID=SEEDED_DRAFT_ID))
    assert element["StatusAttributeString"] == "ERROR"
    assert "PUT only creates" in errors_of(element)[0]
    unknown = "11111111-2222-3333-4444-555555555555"
    created = ok(put_one(xero, invoice(InvoiceID=unknown)))
    assert created["InvoiceID"] != unknown
    missing = xero.post("Invoices", {"Invoices": [invoice(InvoiceID=unknown)]}, summarizeErrors="false")
    assert "could not be found" in errors_of(loads(missing)["Invoices"][0])[0]


def test_empty_line_items_on_update_leave_the_lines_alone(xero: XeroClient) -> None:
    response = xero.post(f"Invoices/{SEEDED_INVOICE_ID}", {"Invoices": [{"LineItems": [], "Reference": "R"}]})
    assert response.status_code == 200, response.text
    assert len(get_invoice(xero, SEEDED_INVOICE_ID)["LineItems"]) == 1


# --------------------------------------------------------------------------- updates


def test_post_with_invoice_id_updates_and_moves_updated_date(
    xero: XeroClient, book_sandbox: RunningSandbox
) -> None:
    before = get_invoice(xero, SEEDED_DRAFT_ID)
    book_sandbox.admin("xero", "clock", {"advance_seconds": 120})
    xero.authenticate()
    response = xero.post("Invoices", {"Invoices": [{"InvoiceID": SEEDED_DRAFT_ID, "Reference": "PO 42"}]})
    assert response.status_code == 200, response.text
    after = get_invoice(xero, SEEDED_DRAFT_ID)
    assert after["Reference"] == "PO 42"
    assert after["InvoiceNumber"] == "INV-0101"
    assert after["Total"] == before["Total"] == Decimal("115.00")
    assert after["UpdatedDateUTC"] > before["UpdatedDateUTC"]


def test_post_to_invoice_url_by_number_replaces_lines(xero: XeroClient) -> None:
    response = xero.post("Invoices/INV-0101", {"Invoices": [{"LineItems": [line(UnitAmount=10)]}]})
    assert response.status_code == 200, response.text
    updated = get_invoice(xero, SEEDED_DRAFT_ID)
    assert [li["LineAmount"] for li in updated["LineItems"]] == [Decimal("10.00")]
    assert (updated["SubTotal"], updated["TotalTax"], updated["Total"]) == (
        Decimal("10.00"),
        Decimal("1.50"),
        Decimal("11.50"),
    )


# --------------------------------------------------------------------------- contact


def test_contact_by_name_reuses_the_active_contact_case_insensitively(xero: XeroClient) -> None:
    element = ok(put_one(xero, invoice(Contact={"Name": "ACME LTD"})))
    assert element["Contact"]["ContactID"] == ACME_ID


def test_contact_by_unknown_name_creates_the_contact(xero: XeroClient) -> None:
    element = ok(put_one(xero, invoice(Contact={"Name": "Brand New Customer"})))
    created = element["Contact"]["ContactID"]
    contact = loads(xero.get(f"Contacts/{created}"))["Contacts"][0]
    assert contact["Name"] == "Brand New Customer"
    assert contact["IsCustomer"] is True


def test_contact_by_contact_number(xero: XeroClient) -> None:
    element = ok(put_one(xero, invoice(Contact={"ContactNumber": "AT-100"})))
    assert element["Contact"]["ContactID"] == ACME_ID


def test_unknown_contact_number_without_name_is_rejected(xero: XeroClient) -> None:
    element = put_one(xero, invoice(Contact={"ContactNumber": "NOPE-1"}))
    assert errors_of(element) == ["Contact Name cannot be empty."]


def test_unknown_contact_id_and_archived_contact_are_rejected(xero: XeroClient) -> None:
    missing = put_one(xero, invoice(Contact={"ContactID": "11111111-2222-3333-4444-555555555555"}))
    assert "could not be found" in errors_of(missing)[0]
    archived = put_one(xero, invoice(Contact={"ContactID": OLDCO_ID}))
    assert "archived" in errors_of(archived)[0]


def test_missing_contact_is_rejected(xero: XeroClient) -> None:
    element = put_one(xero, {"Type": "ACCREC", "LineItems": [line()]})
    assert "Contact Name cannot be empty." in errors_of(element)


# --------------------------------------------------------------------------- lines: accounts, taxes, items


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"AccountCode": "999"}, "Account code '999' is not a valid code for this document."),
        ({"AccountCode": "299"}, "Account code '299' has been archived"),
        ({"AccountCode": "090"}, "Account code '090' is not a valid code for this document."),
        ({"AccountCode": "610"}, "Account code '610' is not a valid code for this document."),
        ({"TaxType": "GST on Income"}, "The TaxType code 'GST on Income' is not valid."),
        ({"TaxType": "TAX002"}, "The TaxType code 'TAX002' is not active"),
        ({"TaxType": "INPUT2"}, "The TaxType code 'INPUT2' cannot be used with account code '200'."),
        ({"ItemCode": "NOPE"}, "Item code 'NOPE' is not valid."),
    ],
)
def test_line_references_must_exist_and_fit(
    xero: XeroClient, overrides: dict[str, Any], message: str
) -> None:
    element = put_one(xero, invoice(LineItems=[line(**overrides)]))
    assert element["StatusAttributeString"] == "ERROR"
    assert any(m.startswith(message) for m in errors_of(element)), errors_of(element)


def test_line_takes_account_tax_and_price_from_the_item(xero: XeroClient) -> None:
    element = ok(put_one(xero, invoice(LineItems=[{"ItemCode": "SRV-1", "Quantity": 3}])))
    (only,) = element["LineItems"]
    assert (only["AccountCode"], only["TaxType"], only["Description"]) == (
        "200",
        "OUTPUT2",
        "Monthly managed service",
    )
    assert (only["UnitAmount"], only["LineAmount"], only["TaxAmount"]) == (
        Decimal("100.00"),
        Decimal("300.00"),
        Decimal("45.00"),
    )


def test_line_tax_type_defaults_to_the_accounts(xero: XeroClient) -> None:
    element = ok(put_one(xero, invoice()))
    assert element["LineItems"][0]["TaxType"] == "OUTPUT2"
    assert element["TotalTax"] == Decimal("15.00")


def test_line_needs_a_description_or_an_item(xero: XeroClient) -> None:
    element = put_one(xero, invoice(LineItems=[{"Quantity": 1, "UnitAmount": 5, "AccountCode": "200"}]))
    assert "Description or ItemCode must be specified for every line item." in errors_of(element)


def test_approved_invoice_needs_account_codes_and_lines_but_a_draft_does_not(xero: XeroClient) -> None:
    no_account = [{"Description": "x", "Quantity": 1, "UnitAmount": 5}]
    assert ok(put_one(xero, invoice(LineItems=no_account, Status="DRAFT")))
    rejected = put_one(xero, invoice(LineItems=no_account, Status="AUTHORISED"))
    assert any("AccountCode must be specified" in m for m in errors_of(rejected))
    assert ok(put_one(xero, invoice(LineItems=[], Status="DRAFT")))
    empty = put_one(xero, invoice(LineItems=[], Status="AUTHORISED"))
    assert errors_of(empty) == ["An invoice must have at least one line item to be AUTHORISED."]


def test_description_only_line_is_allowed(xero: XeroClient) -> None:
    element = ok(put_one(xero, invoice(LineItems=[line(), {"Description": "Notes for the customer"}])))
    assert element["LineItems"][1]["LineAmount"] == Decimal("0.00")
    assert element["Total"] == Decimal("115.00")


def test_line_amount_inconsistent_with_quantity_and_unit_amount_is_rejected(xero: XeroClient) -> None:
    element = put_one(xero, invoice(LineItems=[line(Quantity=2, UnitAmount=10, LineAmount=21)]))
    assert errors_of(element)[0].startswith("The LineAmount 21 does not equal")


def test_negative_invoice_total_is_rejected(xero: XeroClient) -> None:
    element = put_one(xero, invoice(LineItems=[line(UnitAmount=-5)]))
    assert errors_of(element) == ["Invoice total must be greater than or equal to zero."]
    mixed = ok(put_one(xero, invoice(LineItems=[line(UnitAmount=50), line(UnitAmount=-20)])))
    assert mixed["Total"] == Decimal("34.50")


def test_reference_is_kept_on_accrec_only(xero: XeroClient) -> None:
    bill = {
        "Type": "ACCPAY",
        "Contact": {"ContactID": SUPPLIER_ID},
        "Reference": "R1",
        "LineItems": [line(AccountCode="400", TaxType="INPUT2")],
    }
    ignored = put_one(xero, bill)
    assert ignored["StatusAttributeString"] == "WARNING"
    assert ignored["Warnings"] == [{"Message": "Reference is only used on ACCREC invoices; it was ignored."}]
    assert "Reference" not in ignored
    assert ok(put_one(xero, invoice(Reference="R1")))["Reference"] == "R1"


def test_discounts_only_on_accrec(xero: XeroClient) -> None:
    element = ok(put_one(xero, invoice(LineItems=[line(Quantity=2, UnitAmount=50, DiscountRate=10)])))
    assert element["LineItems"][0]["LineAmount"] == Decimal("90.00")
    assert element["IsDiscounted"] is True
    bill = {
        "Type": "ACCPAY",
        "Contact": {"ContactID": SUPPLIER_ID},
        "LineItems": [line(AccountCode="400", TaxType="INPUT2", DiscountRate=10)],
    }
    assert errors_of(put_one(xero, bill)) == ["Discounts are not supported on this type of invoice."]


def test_unknown_type_for_the_endpoint_is_rejected(xero: XeroClient) -> None:
    element = put_one(xero, invoice(Type="ACCRECCREDIT"))
    assert errors_of(element)[0].startswith("'ACCRECCREDIT' is not a valid Invoice Type")


def test_unknown_branding_theme_is_rejected(xero: XeroClient) -> None:
    assert ok(put_one(xero, invoice(BrandingThemeID=BRANDING_ID)))["BrandingThemeID"] == BRANDING_ID
    element = put_one(xero, invoice(BrandingThemeID="11111111-2222-3333-4444-555555555555"))
    assert errors_of(element)[0].startswith("Branding theme")


def test_dates_are_parsed_and_rendered_in_xero_form(xero: XeroClient) -> None:
    element = ok(put_one(xero, invoice(Date="2026-03-01", DueDate="2026-03-31T00:00:00")))
    assert (element["Date"], element["DateString"]) == ("/Date(1772323200000+0000)/", "2026-03-01T00:00:00")
    assert element["DueDateString"] == "2026-03-31T00:00:00"


# --------------------------------------------------------------------------- currency


def test_enabled_foreign_currency_with_rate(xero: XeroClient) -> None:
    element = ok(put_one(xero, invoice(CurrencyCode="USD", CurrencyRate=0.612345)))
    assert (element["CurrencyCode"], element["CurrencyRate"]) == ("USD", Decimal("0.612345"))


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"CurrencyCode": "EUR"}, "has not been enabled"),
        ({"CurrencyCode": "USD", "CurrencyRate": 0.1234567}, "more than 6 decimal places"),
        ({"CurrencyCode": "USD", "CurrencyRate": -1}, "greater than zero"),
    ],
)
def test_currency_rules(xero: XeroClient, overrides: dict[str, Any], fragment: str) -> None:
    element = put_one(xero, invoice(**overrides))
    assert fragment in " ".join(errors_of(element))


def test_base_currency_rate_is_always_one(xero: XeroClient) -> None:
    element = ok(put_one(xero, invoice(CurrencyCode="NZD", CurrencyRate=2)))
    assert element["CurrencyRate"] == Decimal("1.000000")


# --------------------------------------------------------------------------- tracking


def test_tracking_by_name_resolves_ids(xero: XeroClient) -> None:
    tracked = line(Tracking=[{"Name": "region", "Option": "north"}])
    element = ok(put_one(xero, invoice(LineItems=[tracked])))
    (tracking,) = element["LineItems"][0]["Tracking"]
    assert (tracking["Name"], tracking["Option"]) == ("Region", "North")
    assert tracking["TrackingOptionID"]


@pytest.mark.parametrize(
    ("tracking", "fragment"),
    [
        (
            [
                {"Name": "Region", "Option": "North"},
                {"Name": "Department", "Option": "Ops"},
                {"Name": "Project", "Option": "A"},
            ],
            "at most 2 tracking categories",
        ),
        ([{"Name": "Region", "Option": "East"}], "'East' does not exist or is not active"),
        ([{"Name": "Region", "Option": "Mars"}], "'Mars' does not exist"),
        ([{"Name": "Colour", "Option": "Red"}], "'Colour' does not exist"),
        ([{"Name": "Region", "Option": "North"}, {"Name": "Region", "Option": "South"}], "more than once"),
    ],
)
def test_tracking_rules(xero: XeroClient, tracking: list[dict[str, Any]], fragment: str) -> None:
    element = put_one(xero, invoice(LineItems=[line(Tracking=tracking)]))
    assert fragment in " ".join(errors_of(element))


# --------------------------------------------------------------------------- status transitions


def set_status(xero: XeroClient, invoice_id: str, status: str) -> dict[str, Any]:
    response = xero.post(
        f"Invoices/{invoice_id}", {"Invoices": [{"Status": status}]}, summarizeErrors="false"
    )
    assert response.status_code == 200, response.text
    element: dict[str, Any] = loads(response)["Invoices"][0]
    return element


def test_draft_to_submitted_to_authorised_to_voided(xero: XeroClient) -> None:
    for status in ("SUBMITTED", "AUTHORISED", "VOIDED"):
        assert ok(set_status(xero, SEEDED_DRAFT_ID, status))["Status"] == status
    frozen = set_status(xero, SEEDED_DRAFT_ID, "AUTHORISED")
    assert errors_of(frozen) == ["Invoice not of valid status for modification"]


def test_draft_can_be_deleted_but_authorised_cannot(xero: XeroClient) -> None:
    assert ok(set_status(xero, SEEDED_DRAFT_ID, "DELETED"))["Status"] == "DELETED"
    refused = set_status(xero, SEEDED_INVOICE_ID, "DELETED")
    assert "cannot be deleted" in errors_of(refused)[0]
    assert get_invoice(xero, SEEDED_INVOICE_ID)["Status"] == "AUTHORISED"


def test_authorised_cannot_go_back_to_draft_and_paid_cannot_be_set(xero: XeroClient) -> None:
    assert "from AUTHORISED to DRAFT" in errors_of(set_status(xero, SEEDED_INVOICE_ID, "DRAFT"))[0]
    assert "cannot be set to PAID" in errors_of(set_status(xero, SEEDED_INVOICE_ID, "PAID"))[0]


def test_new_invoice_cannot_start_voided(xero: XeroClient) -> None:
    assert "cannot be created with Status VOIDED" in errors_of(put_one(xero, invoice(Status="VOIDED")))[0]


def test_zero_total_approved_invoice_is_paid_at_once(xero: XeroClient) -> None:
    element = ok(
        put_one(xero, invoice(Status="AUTHORISED", Date="2026-05-05", LineItems=[line(UnitAmount=0)]))
    )
    assert (element["Status"], element["AmountDue"]) == ("PAID", Decimal("0.00"))
    assert element["FullyPaidOnDate"] == "/Date(1777939200000+0000)/"


def test_sent_to_contact_on_a_draft_is_ignored_with_a_warning(xero: XeroClient) -> None:
    element = put_one(xero, invoice(SentToContact=True))
    assert element["StatusAttributeString"] == "WARNING"
    assert element["SentToContact"] is False
    approved = ok(put_one(xero, invoice(SentToContact=True, Status="AUTHORISED")))
    assert approved["SentToContact"] is True


# --------------------------------------------------------------------------- batches


def test_summarize_errors_true_writes_nothing_when_one_element_fails(xero: XeroClient) -> None:
    before = len(loads(xero.get("Invoices"))["Invoices"])
    response = xero.put("Invoices", {"Invoices": [invoice(), invoice(LineItems=[line(AccountCode="999")])]})
    assert response.status_code == 400
    assert len(loads(response)["Elements"]) == 1
    assert len(loads(xero.get("Invoices"))["Invoices"]) == before


def test_summarize_errors_false_keeps_the_good_elements(xero: XeroClient) -> None:
    response = xero.put(
        "Invoices",
        {"Invoices": [invoice(), invoice(LineItems=[line(AccountCode="999")])]},
        summarizeErrors="false",
    )
    statuses = [e["StatusAttributeString"] for e in loads(response)["Invoices"]]
    assert statuses == ["OK", "ERROR"]
    assert get_invoice(xero, "INV-0001")["Total"] == Decimal("115.00")


def test_a_batch_sees_its_own_earlier_elements(xero: XeroClient) -> None:
    response = xero.put(
        "Invoices",
        {"Invoices": [invoice(InvoiceNumber="B-1"), invoice(InvoiceNumber="B-1")]},
        summarizeErrors="false",
    )
    elements = loads(response)["Invoices"]
    assert [e["StatusAttributeString"] for e in elements] == ["OK", "ERROR"]
    assert errors_of(elements[1]) == ["Invoice # must be unique."]


# --------------------------------------------------------------------------- credit notes and purchase orders


def credit(**overrides: Any) -> dict[str, Any]:
    return {"Type": "ACCRECCREDIT", "Contact": {"ContactID": ACME_ID}, "LineItems": [line()], **overrides}


def test_credit_notes_are_numbered_and_unique(xero: XeroClient) -> None:
    first = ok(put_one(xero, credit(), "CreditNotes"))
    assert first["CreditNoteNumber"] == "CN-0001"
    assert first["RemainingCredit"] == Decimal("115.00")
    duplicate = put_one(xero, credit(CreditNoteNumber="CN-0100"), "CreditNotes")
    assert errors_of(duplicate) == ["Credit Note # must be unique."]


def test_credit_notes_reject_discounts_and_negative_totals(xero: XeroClient) -> None:
    discounted = put_one(xero, credit(LineItems=[line(DiscountRate=5)]), "CreditNotes")
    assert "Discounts are not supported" in errors_of(discounted)[0]
    negative = put_one(xero, credit(LineItems=[line(UnitAmount=-1)]), "CreditNotes")
    assert errors_of(negative) == ["Credit Note total must be greater than or equal to zero."]


def test_credit_note_type_must_be_a_credit_type(xero: XeroClient) -> None:
    response = xero.put("CreditNotes", {"CreditNotes": [credit(Type="ACCREC")]})
    assert response.status_code == 400
    assert loads(response)["Type"] == "PostDataInvalidException"
    missing = put_one(xero, {k: v for k, v in credit().items() if k != "Type"}, "CreditNotes")
    assert errors_of(missing) == ["Credit Note Type must be specified (ACCPAYCREDIT or ACCRECCREDIT)."]


def purchase_order(**overrides: Any) -> dict[str, Any]:
    return {
        "Contact": {"ContactID": SUPPLIER_ID},
        "LineItems": [line(AccountCode="400", TaxType="INPUT2")],
        **overrides,
    }


def test_purchase_orders_numbering_uniqueness_and_supplier_flag(xero: XeroClient) -> None:
    first = ok(put_one(xero, purchase_order(Contact={"ContactID": GLOBEX_ID}), "PurchaseOrders"))
    assert first["PurchaseOrderNumber"] == "PO-0001"
    assert loads(xero.get(f"Contacts/{GLOBEX_ID}"))["Contacts"][0]["IsSupplier"] is True
    duplicate = put_one(xero, purchase_order(PurchaseOrderNumber="po-0001"), "PurchaseOrders")
    assert errors_of(duplicate) == ["Order number must be unique"]


def test_purchase_order_sent_to_contact_warning_and_delivery_instructions(xero: XeroClient) -> None:
    draft = put_one(xero, purchase_order(SentToContact=True), "PurchaseOrders")
    assert draft["StatusAttributeString"] == "WARNING"
    assert draft["Warnings"] == [
        {"Message": "Only AUTHORISED and BILLED purchase orders may have SentToContact updated."}
    ]
    long_text = put_one(xero, purchase_order(DeliveryInstructions="x" * 501), "PurchaseOrders")
    assert "500 characters" in errors_of(long_text)[0]
    assert ok(put_one(xero, purchase_order(DeliveryInstructions="x" * 500), "PurchaseOrders"))


def test_purchase_order_edits_stop_at_billed(xero: XeroClient) -> None:
    created = ok(put_one(xero, purchase_order(Status="AUTHORISED"), "PurchaseOrders"))
    po_id = created["PurchaseOrderID"]
    edited = xero.post(f"PurchaseOrders/{po_id}", {"PurchaseOrders": [{"Reference": "edit ok"}]})
    assert edited.status_code == 200, edited.text
    billed = xero.post(f"PurchaseOrders/{po_id}", {"PurchaseOrders": [{"Status": "BILLED"}]})
    assert loads(billed)["PurchaseOrders"][0]["Status"] == "BILLED"
    frozen = xero.post(
        f"PurchaseOrders/{po_id}", {"PurchaseOrders": [{"Reference": "too late"}]}, summarizeErrors="false"
    )
    assert errors_of(loads(frozen)["PurchaseOrders"][0]) == [
        "Purchase Order not of valid status for modification"
    ]


# --------------------------------------------------------------------------- updates keep what they should


def test_changing_line_amount_types_reprices_the_stored_lines(xero: XeroClient) -> None:
    response = xero.post(f"Invoices/{SEEDED_DRAFT_ID}", {"Invoices": [{"LineAmountTypes": "Inclusive"}]})
    assert response.status_code == 200, response.text
    updated = get_invoice(xero, SEEDED_DRAFT_ID)
    assert (updated["SubTotal"], updated["TotalTax"], updated["Total"]) == (
        Decimal("86.96"),
        Decimal("13.04"),
        Decimal("100.00"),
    )


def test_line_item_id_is_kept_when_a_line_is_updated(xero: XeroClient) -> None:
    (existing,) = get_invoice(xero, SEEDED_DRAFT_ID)["LineItems"]
    changed = {**line(Quantity=5, UnitAmount=50), "LineItemID": existing["LineItemID"]}
    response = xero.post(f"Invoices/{SEEDED_DRAFT_ID}", {"Invoices": [{"LineItems": [changed, line()]}]})
    assert response.status_code == 200, response.text
    lines = get_invoice(xero, SEEDED_DRAFT_ID)["LineItems"]
    assert lines[0]["LineItemID"] == existing["LineItemID"]
    assert lines[1]["LineItemID"] != existing["LineItemID"]
    assert [li["LineAmount"] for li in lines] == [Decimal("250.00"), Decimal("100.00")]


def test_enabling_a_currency_with_put_currencies(xero: XeroClient) -> None:
    assert "has not been enabled" in errors_of(put_one(xero, invoice(CurrencyCode="EUR")))[0]
    response = xero.put("Currencies", {"Currencies": [{"Code": "EUR", "Description": "Euro"}]})
    assert response.status_code == 200, response.text
    assert ok(put_one(xero, invoice(CurrencyCode="EUR", CurrencyRate=0.55)))["CurrencyCode"] == "EUR"
    again = xero.put("Currencies", {"Currencies": [{"Code": "EUR"}]})
    assert again.status_code == 400
    assert "already been added" in loads(again)["Elements"][0]["ValidationErrors"][0]["Message"]


def test_a_rejected_batch_does_not_leave_contacts_it_created(xero: XeroClient) -> None:
    body = {
        "Invoices": [invoice(Contact={"Name": "Side Effect Ltd"}), invoice(LineItems=[line(TaxType="NOPE")])]
    }
    assert xero.put("Invoices", body).status_code == 400
    assert loads(xero.get("Contacts", where='Name=="Side Effect Ltd"'))["Contacts"] == []
    failed_alone = put_one(
        xero, invoice(Contact={"Name": "Side Effect Ltd"}, LineItems=[line(AccountCode="1")])
    )
    assert failed_alone["StatusAttributeString"] == "ERROR"
    assert loads(xero.get("Contacts", where='Name=="Side Effect Ltd"'))["Contacts"] == []


def test_concurrent_writers_get_distinct_numbers(xero: XeroClient) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def create_batch(_: int) -> list[str]:
        client = XeroClient(xero.info)
        client.access_token = xero.access_token
        response = client.put("Invoices", {"Invoices": [invoice(), invoice()]})
        assert response.status_code == 200, response.text
        return [i["InvoiceNumber"] for i in loads(response)["Invoices"]]

    with ThreadPoolExecutor(max_workers=4) as pool:
        numbers = [n for batch in pool.map(create_batch, range(12)) for n in batch]
    assert sorted(numbers) == [f"INV-{i:04d}" for i in range(1, 25)]


def test_date_defaults_to_today_in_the_organisation_timezone(xero: XeroClient) -> None:
    import datetime as dt
    from zoneinfo import ZoneInfo

    before = dt.datetime.now(ZoneInfo("Pacific/Auckland")).date()
    element = ok(put_one(xero, invoice()))
    after = dt.datetime.now(ZoneInfo("Pacific/Auckland")).date()
    assert element["DateString"] in {f"{before.isoformat()}T00:00:00", f"{after.isoformat()}T00:00:00"}


def test_voiding_keeps_the_documents_lines_and_totals(xero: XeroClient) -> None:
    before = get_invoice(xero, SEEDED_INVOICE_ID)
    voided = ok(set_status(xero, SEEDED_INVOICE_ID, "VOIDED"))
    assert (voided["Status"], voided["Total"], voided["AmountDue"]) == (
        "VOIDED",
        Decimal("115.00"),
        Decimal("0"),
    )
    assert [li["LineItemID"] for li in voided["LineItems"]] == [
        li["LineItemID"] for li in before["LineItems"]
    ]
