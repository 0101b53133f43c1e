"""Tracked inventory in the Xero emulator, over HTTP: what moves an item's quantity on hand and its value,
what Xero refuses (a sale below zero, untracking a used item), and how it reads back on GET /Items.

The facts and the choices are in sandbox/xero/rules_inventory.py. The test organisation (xero_rules_kit)
has 630 Inventory (type INVENTORY), 310 Cost of Goods Sold (DIRECTCOSTS), OUTPUT2 on revenue and INPUT2
on expenses and assets.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sandbox_testkit.xero_book_fixtures import errors_of, ok, one, write_one
from sandbox_testkit.xero_rules_kit import ACME_ID, ITEM_ID, SUPPLIER_ID, XeroClient, loads

pytest_plugins = ["sandbox_testkit.xero_book_fixtures"]

CODE = "SW-24"


def tracked_item(**overrides: Any) -> dict[str, Any]:
    return {
        "Code": CODE,
        "Name": "24-port switch",
        "SalesDetails": {"UnitPrice": 400, "AccountCode": "200", "TaxType": "OUTPUT2"},
        "PurchaseDetails": {"UnitPrice": 250, "COGSAccountCode": "310", "TaxType": "INPUT2"},
        "InventoryAssetAccountCode": "630",
        **overrides,
    }


def document(kind: str, quantity: int, unit: int, status: str = "AUTHORISED", **extra: Any) -> dict[str, Any]:
    sales = kind in ("ACCREC", "ACCRECCREDIT")
    line: dict[str, Any] = {"ItemCode": CODE, "Quantity": quantity, "UnitAmount": unit}
    if sales:
        line["AccountCode"] = "200"
    return {
        "Type": kind,
        "Contact": {"ContactID": ACME_ID if sales else SUPPLIER_ID},
        "Date": "2026-10-10",
        "LineAmountTypes": "NoTax",
        "Status": status,
        "LineItems": [line],
        **extra,
    }


def stock(xero: XeroClient) -> tuple[Decimal, Decimal]:
    item = one(xero, "Items", CODE)
    return item["QuantityOnHand"], item["TotalCostPool"]


def write(xero: XeroClient, element: dict[str, Any], collection: str = "Invoices") -> dict[str, Any]:
    return write_one(xero, collection, element)


def status(xero: XeroClient, collection: str, record_id: str, value: str) -> dict[str, Any]:
    return write_one(xero, collection, {"Status": value}, "POST", f"{collection}/{record_id}")


@pytest.fixture
def item(xero: XeroClient) -> dict[str, Any]:
    return ok(write_one(xero, "Items", tracked_item()))


def test_a_tracked_item_reads_back_with_nothing_on_hand(xero: XeroClient, item: dict[str, Any]) -> None:
    assert item["IsTrackedAsInventory"] is True
    got = one(xero, "Items", CODE)
    assert (got["QuantityOnHand"], got["TotalCostPool"]) == (Decimal("0.0000"), Decimal("0.00"))
    assert str(got["QuantityOnHand"]) == "0.0000"  # four places on the wire, as Xero's example shows
    listed = {i["Code"]: i for i in loads(xero.get("Items"))["Items"]}
    assert listed[CODE]["QuantityOnHand"] == 0 and "QuantityOnHand" not in listed["SRV-1"]


def test_quantity_and_value_sent_by_a_client_are_ignored(xero: XeroClient) -> None:
    created = ok(write_one(xero, "Items", tracked_item(QuantityOnHand=50, TotalCostPool=999)))
    assert (created["QuantityOnHand"], created["TotalCostPool"]) == (0, 0)


def test_an_approved_bill_adds_at_cost_and_posts_to_the_inventory_account(
    xero: XeroClient, item: dict[str, Any]
) -> None:
    bill = ok(write(xero, document("ACCPAY", 10, 25)))
    assert bill["LineItems"][0]["AccountCode"] == "630"
    assert stock(xero) == (Decimal("10.0000"), Decimal("250.00"))
    other = ok(write(xero, document("ACCPAY", 2, 40, LineItems=[{**bill_line(2, 40), "AccountCode": "400"}])))
    assert other["LineItems"][0]["AccountCode"] == "630"  # a tracked item's purchase: its inventory account
    assert stock(xero) == (Decimal("12.0000"), Decimal("330.00"))


def bill_line(quantity: int, unit: int) -> dict[str, Any]:
    return {"ItemCode": CODE, "Quantity": quantity, "UnitAmount": unit}


def test_a_tax_inclusive_foreign_bill_adds_its_net_base_amount(
    xero: XeroClient, item: dict[str, Any]
) -> None:
    bill = document("ACCPAY", 2, 115, LineAmountTypes="Inclusive", CurrencyCode="USD", CurrencyRate=0.5)
    bill["LineItems"][0]["TaxType"] = "INPUT2"
    ok(write(xero, bill))
    assert stock(xero) == (Decimal("2.0000"), Decimal("400.00"))  # 230 less 30 GST = 200 USD = 400 NZD


def test_drafts_and_purchase_orders_move_nothing_until_approved(
    xero: XeroClient, item: dict[str, Any]
) -> None:
    draft = ok(write(xero, document("ACCPAY", 5, 20, status="DRAFT")))
    order = {"Contact": {"ContactID": SUPPLIER_ID}, "Status": "AUTHORISED", "LineItems": [bill_line(9, 20)]}
    assert ok(write(xero, order, "PurchaseOrders"))["LineItems"][0]["AccountCode"] == "630"
    assert stock(xero) == (0, 0)
    ok(status(xero, "Invoices", draft["InvoiceID"], "AUTHORISED"))
    assert stock(xero) == (Decimal("5.0000"), Decimal("100.00"))


def test_a_sale_takes_the_average_cost_and_a_void_gives_it_back(
    xero: XeroClient, item: dict[str, Any]
) -> None:
    ok(write(xero, document("ACCPAY", 3, 10)))
    ok(write(xero, document("ACCPAY", 1, 20)))  # 4 on hand worth 50: 12.50 each
    sale = ok(write(xero, document("ACCREC", 3, 400)))
    assert stock(xero) == (Decimal("1.0000"), Decimal("12.50"))
    ok(status(xero, "Invoices", sale["InvoiceID"], "VOIDED"))
    assert stock(xero) == (Decimal("4.0000"), Decimal("50.00"))


def test_an_approved_sale_below_zero_is_refused_on_its_element(
    xero: XeroClient, item: dict[str, Any]
) -> None:
    ok(write(xero, document("ACCPAY", 2, 25)))
    refused = write(xero, document("ACCREC", 3, 400))
    assert (refused["StatusAttributeString"], refused["HasErrors"]) == ("ERROR", True)
    assert errors_of(refused) == [
        f"The quantity on hand of tracked item '{CODE}' cannot go below zero: 2.0000 on hand, and this "
        "transaction would leave -1.0000."
    ]
    assert stock(xero) == (Decimal("2.0000"), Decimal("50.00"))
    summarized = xero.put("Invoices", {"Invoices": [document("ACCREC", 3, 400)]})  # summarizeErrors=true
    assert summarized.status_code == 400
    assert (loads(summarized)["Type"], loads(summarized)["ErrorNumber"]) == ("ValidationException", 10)


def test_a_draft_sale_is_kept_but_not_approved_past_the_stock(xero: XeroClient, item: dict[str, Any]) -> None:
    draft = ok(write(xero, document("ACCREC", 5, 400, status="DRAFT")))
    refused = status(xero, "Invoices", draft["InvoiceID"], "AUTHORISED")
    assert errors_of(refused)[0].startswith(f"The quantity on hand of tracked item '{CODE}' cannot go below")
    ok(write(xero, document("ACCPAY", 5, 30)))
    approved = ok(status(xero, "Invoices", draft["InvoiceID"], "AUTHORISED"))
    assert approved["Status"] == "AUTHORISED" and stock(xero) == (0, 0)


def test_one_batch_is_taken_in_order(xero: XeroClient, item: dict[str, Any]) -> None:
    ok(write(xero, document("ACCPAY", 4, 10)))
    body = {"Invoices": [document("ACCREC", 3, 400), document("ACCREC", 3, 400)]}
    first, second = loads(xero.put("Invoices", body, summarizeErrors="false"))["Invoices"]
    assert first["StatusAttributeString"] == "OK" and second["StatusAttributeString"] == "ERROR"
    assert stock(xero) == (Decimal("1.0000"), Decimal("10.00"))


def test_voiding_a_bill_whose_stock_was_sold_is_refused(xero: XeroClient, item: dict[str, Any]) -> None:
    bill = ok(write(xero, document("ACCPAY", 2, 10)))
    ok(write(xero, document("ACCREC", 1, 400)))
    refused = status(xero, "Invoices", bill["InvoiceID"], "VOIDED")
    assert "cannot go below zero" in errors_of(refused)[0]
    assert one(xero, "Invoices", bill["InvoiceID"])["Status"] == "AUTHORISED"


def test_credit_notes_reverse_the_direction(xero: XeroClient, item: dict[str, Any]) -> None:
    ok(write(xero, document("ACCPAY", 4, 10)))
    ok(write(xero, document("ACCREC", 2, 400)))
    ok(write(xero, document("ACCRECCREDIT", 1, 400), "CreditNotes"))  # a return, at the average cost
    assert stock(xero) == (Decimal("3.0000"), Decimal("30.00"))
    ok(write(xero, document("ACCPAYCREDIT", 1, 12), "CreditNotes"))  # back to the supplier, at its value
    assert stock(xero) == (Decimal("2.0000"), Decimal("18.00"))
    refused = write(xero, document("ACCPAYCREDIT", 3, 1), "CreditNotes")
    assert "cannot go below zero" in errors_of(refused)[0]


def test_an_approved_invoice_changed_moves_only_the_difference(
    xero: XeroClient, item: dict[str, Any]
) -> None:
    ok(write(xero, document("ACCPAY", 5, 10)))
    sale = ok(write(xero, document("ACCREC", 2, 400)))
    ok(write_one(xero, "Invoices", {"Reference": "PO 7"}, "POST", f"Invoices/{sale['InvoiceID']}"))
    assert stock(xero) == (Decimal("3.0000"), Decimal("30.00"))
    more = {"LineItems": [{"ItemCode": CODE, "Quantity": 4, "UnitAmount": 400, "AccountCode": "200"}]}
    ok(write_one(xero, "Invoices", more, "POST", f"Invoices/{sale['InvoiceID']}"))
    assert stock(xero) == (Decimal("1.0000"), Decimal("10.00"))


def test_a_used_tracked_item_cannot_be_untracked(xero: XeroClient, item: dict[str, Any]) -> None:
    ok(write(xero, document("ACCPAY", 1, 10)))
    untrack = {"InventoryAssetAccountCode": "", "PurchaseDetails": {"UnitPrice": 250, "AccountCode": "310"}}
    refused = write_one(xero, "Items", untrack, "POST", f"Items/{CODE}")
    assert errors_of(refused) == [
        f"Item '{CODE}' has been used in transactions or adjusted, so it cannot be changed to an "
        "untracked item."
    ]
    assert one(xero, "Items", CODE)["IsTrackedAsInventory"] is True


def test_an_unused_tracked_item_may_be_untracked_and_an_untracked_one_tracked(
    xero: XeroClient, item: dict[str, Any]
) -> None:
    untrack = {"InventoryAssetAccountCode": "", "PurchaseDetails": {"UnitPrice": 250, "AccountCode": "310"}}
    plain = ok(write_one(xero, "Items", untrack, "POST", f"Items/{CODE}"))
    assert plain["IsTrackedAsInventory"] is False and "QuantityOnHand" not in plain
    track = {
        "IsPurchased": True,
        "InventoryAssetAccountCode": "630",
        "PurchaseDetails": {"COGSAccountCode": "310"},
    }
    converted = ok(write_one(xero, "Items", track, "POST", f"Items/{ITEM_ID}"))
    assert (converted["IsTrackedAsInventory"], converted["QuantityOnHand"]) == (True, 0)


@pytest.mark.parametrize(
    ("purchase", "message"),
    [
        (
            {"COGSAccountCode": "310", "AccountCode": "400"},
            "An item cannot have both a purchase AccountCode and a COGSAccountCode",
        ),
        ({"COGSAccountCode": "200"}, "Account code '200' is not a valid COGS account code."),
    ],
)
def test_tracked_item_accounts(xero: XeroClient, purchase: dict[str, Any], message: str) -> None:
    refused = write_one(xero, "Items", tracked_item(PurchaseDetails=purchase))
    assert any(m.startswith(message) for m in errors_of(refused)), errors_of(refused)
