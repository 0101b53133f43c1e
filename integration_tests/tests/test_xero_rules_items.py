"""Item rules of the Xero emulator, over HTTP: codes, lengths, inventory tracking, unit price rounding."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sandbox_testkit.xero_book_fixtures import errors_of, ok, one, write_one
from sandbox_testkit.xero_rules_kit import (
    ITEM_ID,
    XeroClient,
)

pytest_plugins = ["sandbox_testkit.xero_book_fixtures"]


def item(**overrides: Any) -> dict[str, Any]:
    return {
        "Code": "HW-1",
        "Name": "Router",
        "SalesDetails": {"UnitPrice": 199.99, "AccountCode": "200", "TaxType": "OUTPUT2"},
        **overrides,
    }


def test_item_created_with_defaults(xero: XeroClient) -> None:
    created = ok(write_one(xero, "Items", item()))
    assert (created["IsSold"], created["IsPurchased"], created["IsTrackedAsInventory"]) == (True, True, False)
    assert created["SalesDetails"]["UnitPrice"] == Decimal("199.99")
    assert one(xero, "Items", "HW-1")["ItemID"] == created["ItemID"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"Code": None}, "Item Code must be specified."),
        ({"Code": "srv-1"}, "Item code 'srv-1' already exists."),
        ({"Code": "C" * 31}, "Item Code cannot be more than 30 characters."),
        ({"Name": "N" * 51}, "Item Name cannot be more than 50 characters."),
        ({"Description": "D" * 4001}, "Description cannot be more than 4000 characters."),
        ({"SalesDetails": {"AccountCode": "999"}}, "Account code '999' is not a valid code for this item."),
        (
            {"SalesDetails": {"AccountCode": "200", "TaxType": "BOGUS"}},
            "The TaxType code 'BOGUS' is not valid.",
        ),
        ({"InventoryAssetAccountCode": "630"}, "A tracked item needs both"),
        (
            {"InventoryAssetAccountCode": "200", "PurchaseDetails": {"COGSAccountCode": "310"}},
            "Account code '200' is not a valid inventory asset account.",
        ),
    ],
)
def test_item_rules(xero: XeroClient, overrides: dict[str, Any], message: str) -> None:
    element = {k: v for k, v in item(**overrides).items() if v is not None}
    result = write_one(xero, "Items", element)
    assert result["StatusAttributeString"] == "ERROR"
    assert any(m.startswith(message) for m in errors_of(result)), errors_of(result)


def test_tracked_inventory_is_derived_from_both_accounts(xero: XeroClient) -> None:
    tracked = ok(
        write_one(
            xero,
            "Items",
            item(
                InventoryAssetAccountCode="630",
                IsTrackedAsInventory=False,
                PurchaseDetails={"COGSAccountCode": "310", "UnitPrice": 120},
            ),
        )
    )
    assert tracked["IsTrackedAsInventory"] is True


def test_not_sold_clears_sales_details(xero: XeroClient) -> None:
    created = ok(write_one(xero, "Items", item(IsSold=False)))
    assert created.get("SalesDetails") is None


def test_item_update_by_id_and_by_code_url(xero: XeroClient) -> None:
    renamed = ok(write_one(xero, "Items", {"ItemID": ITEM_ID, "Name": "Managed service v2"}, "POST"))
    assert renamed["Code"] == "SRV-1"
    by_code = ok(write_one(xero, "Items", {"Description": "New text"}, "POST", "Items/SRV-1"))
    assert (by_code["ItemID"], by_code["Name"], by_code["Description"]) == (
        ITEM_ID,
        "Managed service v2",
        "New text",
    )


def test_item_code_clash_on_update_is_rejected(xero: XeroClient) -> None:
    ok(write_one(xero, "Items", item()))
    clash = write_one(xero, "Items", {"ItemID": ITEM_ID, "Code": "hw-1"}, "POST")
    assert errors_of(clash) == ["Item code 'hw-1' already exists."]


def test_item_unit_price_rounding_follows_unitdp(xero: XeroClient) -> None:
    two = ok(write_one(xero, "Items", item(Code="P2", SalesDetails={"UnitPrice": 1.23456})))
    assert two["SalesDetails"]["UnitPrice"] == Decimal("1.23")
    four = ok(write_one(xero, "Items", item(Code="P4", SalesDetails={"UnitPrice": 1.23456}), unitdp=4))
    assert four["SalesDetails"]["UnitPrice"] == Decimal("1.2346")


def test_deleted_item_is_gone(xero: XeroClient) -> None:
    assert xero.delete(f"Items/{ITEM_ID}").status_code == 204
    assert xero.get(f"Items/{ITEM_ID}").status_code == 404
