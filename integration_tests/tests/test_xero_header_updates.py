"""Updates without LineItems, over HTTP: the lines stay as they are, overrides included, unless the call
leaves out `unitdp=4` on a document with 4-dp unit amounts.

The case that matters to the connectors: an invoice written with `unitdp=4` (4-dp unit amounts) and a
one-cent TaxAmount override, later updated for a header field (DueDate, Reference, Status). Xero
re-creates the lines of such an update at the call's precision ("If I do not send the line items, Xero
deletes and recreates all of the line items ... Every request needs to send the unitdp", Xero's API
feedback forum), so a call without `unitdp=4` rounds the unit amounts to 2 dp and moves LineAmount, tax
and the Total; with `unitdp=4` nothing moves.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sandbox_testkit.xero_book_fixtures import errors_of, ok, write_one
from sandbox_testkit.xero_rules_kit import ACME_ID, XeroClient, loads

pytest_plugins = ["sandbox_testkit.xero_book_fixtures"]

COLLECTIONS = {
    "Invoices": ("InvoiceID", {"Type": "ACCREC"}),
    "CreditNotes": ("CreditNoteID", {"Type": "ACCRECCREDIT"}),
}


def lines() -> list[dict[str, Any]]:
    return [
        # 3 x 10.1234 = 30.3702 -> 30.37 at 4 dp; at 2 dp it would be 3 x 10.12 = 30.36.
        {
            "Description": "Labour",
            "Quantity": 3,
            "UnitAmount": 10.1234,
            "AccountCode": "200",
            "TaxType": "OUTPUT2",
        },
        # Xero's own tax would be 4.56; the client overrides it by cents.
        {
            "Description": "Licence",
            "Quantity": 3,
            "UnitAmount": 10.1234,
            "AccountCode": "200",
            "TaxType": "OUTPUT2",
            "TaxAmount": 4.54,
        },
    ]


def stored(xero: XeroClient, collection: str, record_id: str) -> dict[str, Any]:
    response = xero.get(f"{collection}/{record_id}", unitdp=4)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = loads(response)[collection][0]
    return found


def line_view(document: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (line["LineItemID"], line["Quantity"], line["UnitAmount"], line["LineAmount"], line["TaxAmount"])
        for line in document["LineItems"]
    ]


def totals(document: dict[str, Any]) -> tuple[Any, ...]:
    return document["SubTotal"], document["TotalTax"], document["Total"]


def create(xero: XeroClient, collection: str, status: str = "AUTHORISED") -> dict[str, Any]:
    _, extra = COLLECTIONS[collection]
    element = {**extra, "Contact": {"ContactID": ACME_ID}, "Status": status, "LineItems": lines()}
    created = ok(write_one(xero, collection, element, unitdp=4))
    assert [line["TaxAmount"] for line in created["LineItems"]] == [Decimal("4.56"), Decimal("4.54")]
    assert totals(created) == (Decimal("60.74"), Decimal("9.10"), Decimal("69.84"))
    return created


@pytest.mark.parametrize("collection", list(COLLECTIONS))
@pytest.mark.parametrize(
    "change",
    [
        {"DueDate": "2026-12-31", "Reference": "PO 4471"},
        {"Reference": "PO 4472", "LineItems": []},  # what SDKs send for "no lines"
        {"SentToContact": True},
    ],
)
def test_header_only_update_with_unitdp_4_keeps_the_lines_exactly(
    xero: XeroClient, collection: str, change: dict[str, Any]
) -> None:
    id_field, _ = COLLECTIONS[collection]
    created = create(xero, collection)
    record_id = created[id_field]
    before = stored(xero, collection, record_id)
    updated = ok(write_one(xero, collection, {id_field: record_id, **change}, "POST", unitdp=4))
    assert totals(updated) == totals(before)
    after = stored(xero, collection, record_id)
    assert line_view(after) == line_view(before)
    assert [line["UnitAmount"] for line in after["LineItems"]] == [Decimal("10.1234")] * 2
    assert [line["TaxAmount"] for line in after["LineItems"]] == [Decimal("4.56"), Decimal("4.54")]
    assert totals(after) == totals(before)
    if collection == "Invoices":
        assert after["AmountDue"] == Decimal("69.84")


# 3 x 10.12 = 30.36 (tax 4.55) and 30.36 with its 4.54 override: what a 2-dp call leaves of the lines.
RE_ROUNDED = (Decimal("60.72"), Decimal("9.09"), Decimal("69.81"))


@pytest.mark.parametrize("collection", list(COLLECTIONS))
@pytest.mark.parametrize("change", [{"Reference": "PO 4473"}, {"Reference": "PO 4474", "LineItems": []}])
def test_header_only_update_without_unitdp_4_re_rounds_the_stored_unit_amounts(
    xero: XeroClient, collection: str, change: dict[str, Any]
) -> None:
    id_field, _ = COLLECTIONS[collection]
    record_id = create(xero, collection)[id_field]
    before = stored(xero, collection, record_id)
    updated = ok(write_one(xero, collection, {id_field: record_id, **change}, "POST"))  # no unitdp
    assert totals(updated) == RE_ROUNDED
    after = stored(xero, collection, record_id)
    assert [line["LineItemID"] for line in after["LineItems"]] == [
        line["LineItemID"] for line in before["LineItems"]
    ]
    assert [(line["UnitAmount"], line["LineAmount"], line["TaxAmount"]) for line in after["LineItems"]] == [
        (Decimal("10.1200"), Decimal("30.36"), Decimal("4.55")),
        (Decimal("10.1200"), Decimal("30.36"), Decimal("4.54")),
    ]
    assert totals(after) == RE_ROUNDED


def test_status_only_approval_without_unitdp_4_re_rounds_the_draft(xero: XeroClient) -> None:
    """The status-only POST that approves a draft: Xero re-creates its lines at the call's 2 dp."""
    draft = create(xero, "Invoices", status="DRAFT")
    approved = ok(
        write_one(xero, "Invoices", {"InvoiceID": draft["InvoiceID"], "Status": "AUTHORISED"}, "POST")
    )
    assert approved["Status"] == "AUTHORISED" and totals(approved) == RE_ROUNDED
    after = stored(xero, "Invoices", draft["InvoiceID"])
    assert [line["UnitAmount"] for line in after["LineItems"]] == [Decimal("10.1200")] * 2
    assert after["AmountDue"] == RE_ROUNDED[2]


def test_a_document_at_2_dp_is_left_alone_by_an_update_without_unitdp(xero: XeroClient) -> None:
    element = {
        "Type": "ACCREC",
        "Contact": {"ContactID": ACME_ID},
        "Status": "DRAFT",
        "LineItems": [
            {
                "Description": "Labour",
                "Quantity": 3,
                "UnitAmount": 10.12,
                "AccountCode": "200",
                "TaxAmount": 4.54,
            }
        ],
    }
    draft = ok(write_one(xero, "Invoices", element))
    before = stored(xero, "Invoices", draft["InvoiceID"])
    ok(write_one(xero, "Invoices", {"InvoiceID": draft["InvoiceID"], "Status": "AUTHORISED"}, "POST"))
    after = stored(xero, "Invoices", draft["InvoiceID"])
    assert (line_view(after), totals(after)) == (line_view(before), totals(before))


def test_approving_a_draft_with_unitdp_4_keeps_its_lines_and_still_checks_accounts(xero: XeroClient) -> None:
    draft = create(xero, "Invoices", status="DRAFT")
    before = stored(xero, "Invoices", draft["InvoiceID"])
    ok(
        write_one(
            xero, "Invoices", {"InvoiceID": draft["InvoiceID"], "Status": "AUTHORISED"}, "POST", unitdp=4
        )
    )
    after = stored(xero, "Invoices", draft["InvoiceID"])
    assert after["Status"] == "AUTHORISED"
    assert (line_view(after), totals(after)) == (line_view(before), totals(before))
    # A draft line with an amount but no account cannot be approved by a header-only update either.
    no_account = ok(
        write_one(
            xero,
            "Invoices",
            {
                "Type": "ACCREC",
                "Contact": {"ContactID": ACME_ID},
                "LineItems": [{"Description": "Unsure", "Quantity": 1, "UnitAmount": 5}],
            },
        )
    )
    refused = write_one(
        xero, "Invoices", {"InvoiceID": no_account["InvoiceID"], "Status": "AUTHORISED"}, "POST"
    )
    assert errors_of(refused) == [
        "An AccountCode must be specified for every line item with an amount on a submitted or approved "
        "document."
    ]


def test_changing_line_amount_types_re_reads_the_stored_lines_at_their_precision(xero: XeroClient) -> None:
    draft = create(xero, "Invoices", status="DRAFT")
    updated = ok(
        write_one(
            xero,
            "Invoices",
            {"InvoiceID": draft["InvoiceID"], "LineAmountTypes": "Inclusive"},
            "POST",
            unitdp=4,
        )
    )
    after = stored(xero, "Invoices", draft["InvoiceID"])
    # Same amounts, now tax-inclusive: 30.37 contains 30.37 x 15/115 = 3.96 of GST; the override stays.
    assert [(line["UnitAmount"], line["LineAmount"], line["TaxAmount"]) for line in after["LineItems"]] == [
        (Decimal("10.1234"), Decimal("30.37"), Decimal("3.96")),
        (Decimal("10.1234"), Decimal("30.37"), Decimal("4.54")),
    ]
    assert totals(updated) == (Decimal("52.24"), Decimal("8.50"), Decimal("60.74"))
