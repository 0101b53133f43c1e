"""Item rules of the Xero emulator, over HTTP: codes, lengths, inventory tracking, unit price rounding."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sandbox.launcher import RunningSandbox, running_sandbox
from sandbox_testkit.xero_rules_kit import (
    ITEM_ID,
    SpecChecker,
    XeroClient,
    loads,
    write_dataset,
)

SPEC_FILE = Path(__file__).resolve().parents[3] / "shared" / "specs" / "xero_accounting.yaml"
# Every exchange below is also held against Xero's OpenAPI schemas when the spec is beside the checkout.
CHECKER = SpecChecker(SPEC_FILE) if SPEC_FILE.exists() else None


@pytest.fixture(scope="module")
def book_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    path = write_dataset(tmp_path_factory.mktemp("xero-book") / "dataset.json")
    with running_sandbox(path, rate_limits="off") as running:
        yield running


@pytest.fixture
def xero(book_sandbox: RunningSandbox) -> XeroClient:
    book_sandbox.reset()
    client = XeroClient(book_sandbox.xero, checker=CHECKER)
    client.authenticate()
    return client


def write_one(
    xero: XeroClient,
    collection: str,
    element: dict[str, Any],
    method: str = "PUT",
    path: str | None = None,
    **params: Any,
) -> dict[str, Any]:
    response = xero.request(
        method, path or collection, {collection: [element]}, params={"summarizeErrors": "false", **params}
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = loads(response)[collection][0]
    return result


def errors_of(element: dict[str, Any]) -> list[str]:
    return [e["Message"] for e in element.get("ValidationErrors") or []]


def ok(element: dict[str, Any]) -> dict[str, Any]:
    assert element["StatusAttributeString"] in ("OK", "WARNING"), errors_of(element)
    return element


def one(xero: XeroClient, collection: str, key: str) -> dict[str, Any]:
    response = xero.get(f"{collection}/{key}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = loads(response)[collection][0]
    return found


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
