"""`POST /__sandbox/rows` over HTTP: a test edits Autotask as a person in the UI would, seen by the API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
import requests
from sandbox.launcher import RunningSandbox, running_sandbox
from sandbox_testkit.autotask_kit import AutotaskClient, decode, write_dataset


@pytest.fixture(scope="module")
def sb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    path = write_dataset(tmp_path_factory.mktemp("autotask-rows") / "dataset.json")
    with running_sandbox(dataset=str(path), rate_limits="off") as running:
        yield running


@pytest.fixture
def at(sb: RunningSandbox) -> AutotaskClient:
    sb.reset()
    return AutotaskClient(sb.autotask)


def item(at: AutotaskClient, entity: str, record_id: int) -> Any:
    return decode(at.get(f"/{entity}/{record_id}"))["item"]


def rows(sb: RunningSandbox, entity: str, *given: dict[str, Any]) -> Any:
    return sb.admin("autotask", "rows", {"entity": entity, "rows": list(given)})


def refused(sb: RunningSandbox, body: Any) -> str:
    response = requests.post(f"{sb.autotask_root}/__sandbox/rows", json=body, timeout=10)
    assert response.status_code == 400, response.text
    answer = response.json()
    assert list(answer) == ["error"] and answer["error"]
    return str(answer["error"])


def test_update_changes_only_the_fields_given_writable_or_not(sb: RunningSandbox, at: AutotaskClient) -> None:
    before = item(at, "Invoices", 1007)
    answer = rows(
        sb,
        "Invoices",
        {"id": 1007, "invoiceNumber": "20289A", "paidDate": "2027-11-10T00:00:00", "InvoiceTotal": 99.1234},
    )
    assert answer == {"updated": 1, "inserted": 0}
    after = item(at, "Invoices", 1007)
    assert after["invoiceNumber"] == "20289A"
    assert after["paidDate"] == "2027-11-10T00:00:00"
    assert after["invoiceTotal"] == Decimal("99.1234")  # read-only through the API, not here
    changed = {"invoiceNumber", "paidDate", "invoiceTotal"}
    assert {k: v for k, v in after.items() if k not in changed} == {
        k: v for k, v in before.items() if k not in changed
    }
    # Queries see it at once, and a null clears a field.
    found = at.items("Invoices", [{"op": "eq", "field": "invoiceNumber", "value": "20289a"}])
    assert [i["id"] for i in found] == [1007]
    rows(sb, "Invoices", {"id": 1007, "comments": "x"}, {"id": 1014, "paidDate": None})
    assert item(at, "Invoices", 1007)["comments"] == "x"
    assert item(at, "Invoices", 1014)["paidDate"] is None


def test_insert_fills_what_the_dataset_loader_fills(sb: RunningSandbox, at: AutotaskClient) -> None:
    answer = rows(
        sb,
        "Invoices",
        {"id": 1001, "companyID": 175, "invoiceNumber": "NEW-1", "invoiceTotal": "10.5000"},
        {"id": 1007, "comments": "updated in the same call"},
    )
    assert answer == {"updated": 1, "inserted": 1}
    created = item(at, "Invoices", 1001)
    assert created["invoiceNumber"] == "NEW-1"
    assert created["invoiceTotal"] == Decimal("10.5000")
    assert created["paidDate"] is None and created["isVoided"] is None  # left out means null
    # In id order for queries and paging (1001 falls between the seeded 1000 and 1007).
    ids = [i["id"] for i in at.items("Invoices", [{"op": "eq", "field": "companyID", "value": 175}])]
    assert ids == sorted(ids) and 1001 in ids
    paged = at.items("Invoices", [{"op": "gte", "field": "id", "value": 0}], MaxRecords=2)
    assert [i["id"] for i in paged] == [1000, 1001]


def test_new_and_moved_billing_items_are_found_by_invoice(sb: RunningSandbox, at: AutotaskClient) -> None:
    def by_invoice(invoice_id: int) -> list[int]:
        found = at.items("BillingItems", [{"op": "in", "field": "invoiceID", "value": [invoice_id]}])
        return [i["id"] for i in found]

    assert by_invoice(1000) == [5001, 5002, 5003]  # builds the invoiceID index
    rows(sb, "Invoices", {"id": 1001, "companyID": 175})
    answer = rows(
        sb,
        "BillingItems",
        {"id": 4999, "invoiceID": 1001, "extendedPrice": 12.34, "taxCategoryID": 21},
        {"id": 5003, "invoiceID": 1001},
    )
    assert answer == {"updated": 1, "inserted": 1}
    assert by_invoice(1001) == [4999, 5003]
    assert by_invoice(1000) == [5001, 5002]
    assert item(at, "BillingItems", 4999)["extendedPrice"] == Decimal("12.34")


def test_company_udfs_and_the_last_modified_stamp(sb: RunningSandbox, at: AutotaskClient) -> None:
    sb.admin("autotask", "clock", {"advance_seconds": 60})
    now = sb.admin("autotask", "clock", {"advance_seconds": 0})["now"]
    rows(
        sb,
        "Companies",
        {"id": 175, "taxRegionID": 12, "userDefinedFields": [{"name": "xero organisation", "value": "AU"}]},
    )
    company = item(at, "Companies", 175)
    assert company["taxRegionID"] == 12
    assert company["userDefinedFields"] == [
        {"name": "Xero Organisation", "value": "AU"},
        {"name": "Customer Ranking", "value": "Golden"},
    ]
    # An edit in the UI moves the stamp incremental syncs read (to the sandbox clock's now)...
    stamp = datetime.fromisoformat(company["lastTrackedModifiedDateTime"])
    assert abs((stamp - datetime.fromisoformat(now)).total_seconds()) < 30
    changed = at.items(
        "Companies", [{"op": "gt", "field": "lastTrackedModifiedDateTime", "value": "2025-06-01T00:00:00Z"}]
    )
    assert [c["id"] for c in changed] == [175]
    # ...unless the row sets it itself.
    rows(sb, "Companies", {"id": 176, "lastTrackedModifiedDateTime": "2024-12-31T00:00:00.000Z"})
    assert item(at, "Companies", 176)["lastTrackedModifiedDateTime"] == "2024-12-31T00:00:00.000Z"
    # A new company gets the entity's declared UDFs (null) and only the fields given.
    rows(sb, "Companies", {"id": 190, "companyName": "New Customer Ltd", "isActive": True})
    new = item(at, "Companies", 190)
    assert new["userDefinedFields"] == [
        {"name": "Xero Organisation", "value": None},
        {"name": "Customer Ranking", "value": None},
    ]
    assert new["lastTrackedModifiedDateTime"] is None


def test_purchase_orders_and_their_items(sb: RunningSandbox, at: AutotaskClient) -> None:
    rows(sb, "PurchaseOrders", {"id": 83, "vendorID": 180, "status": 1, "shipToName": "Acme"})
    rows(sb, "PurchaseOrders", {"id": 81, "status": 4})
    answer = rows(
        sb,
        "PurchaseOrderItems",
        {"id": 94, "orderID": 83, "productID": 61, "quantity": 3, "unitCost": 12.5},
        {"id": 91, "quantity": 7},
    )
    assert answer == {"updated": 1, "inserted": 1}
    assert item(at, "PurchaseOrders", 81)["status"] == 4
    children = decode(at.get("/PurchaseOrders/83/Items"))["items"]
    assert [(c["id"], c["quantity"], c["unitCost"]) for c in children] == [(94, 3, Decimal("12.5"))]
    assert decode(at.get("/PurchaseOrders/81/Items/91"))["item"]["quantity"] == 7


def test_tax_set_up_can_change(sb: RunningSandbox, at: AutotaskClient) -> None:
    rows(
        sb, "TaxRegions", {"id": 13, "name": "Australia GST", "isActive": True}, {"id": 11, "isActive": False}
    )
    rows(sb, "TaxCategories", {"id": 22, "name": "Non-Taxable", "isActive": True})
    rows(
        sb,
        "Taxes",
        {"id": 32, "taxName": "GST 10%", "taxRate": "10.0000", "taxCategoryID": 21, "taxRegionID": 13},
        {"id": 31, "taxRate": 17.5},
    )
    assert item(at, "TaxRegions", 11)["isActive"] is False
    assert item(at, "TaxCategories", 22)["name"] == "Non-Taxable"
    taxes = at.items("Taxes", [{"op": "exist", "field": "id"}])
    assert [(t["id"], t["taxRate"]) for t in taxes] == [(31, Decimal("17.5")), (32, Decimal("10.0000"))]


def test_a_row_read_back_from_the_api_can_be_sent_as_a_copy(sb: RunningSandbox, at: AutotaskClient) -> None:
    invoice = {**item(at, "Invoices", 1007), "id": 2000, "invoiceNumber": "COPY-1", "userDefinedFields": []}
    line = {**item(at, "BillingItems", 5004), "id": 6000, "invoiceID": 2000}
    assert rows(sb, "Invoices", invoice) == {"updated": 0, "inserted": 1}
    assert rows(sb, "BillingItems", line) == {"updated": 0, "inserted": 1}
    copied = item(at, "Invoices", 2000)
    assert {k: v for k, v in copied.items() if k not in ("id", "invoiceNumber")} == {
        k: v for k, v in item(at, "Invoices", 1007).items() if k not in ("id", "invoiceNumber")
    }
    found = at.items("BillingItems", [{"op": "eq", "field": "invoiceID", "value": 2000}])
    assert [(i["id"], i["extendedPrice"]) for i in found] == [(6000, Decimal("15.50"))]


def test_reset_restores_updated_rows_and_removes_inserted_ones(
    sb: RunningSandbox, at: AutotaskClient
) -> None:
    rows(sb, "Invoices", {"id": 1001, "companyID": 175}, {"id": 1007, "invoiceNumber": "CHANGED"})
    rows(sb, "BillingItems", {"id": 4999, "invoiceID": 1000})
    sb.reset()
    assert item(at, "Invoices", 1001) is None
    assert item(at, "Invoices", 1007)["invoiceNumber"] == "INV-0002"
    assert len(at.items("Invoices", [{"op": "exist", "field": "id"}])) == 30
    found = at.items("BillingItems", [{"op": "eq", "field": "invoiceID", "value": 1000}])
    assert [i["id"] for i in found] == [5001, 5002, 5003]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"entity": "Tickets", "rows": [{"id": 1}]}, "unknown Autotask entity 'Tickets'"),
        ({"rows": [{"id": 1}]}, "unknown Autotask entity None"),
        (
            {"entity": "Invoices", "rows": [{"id": 1007, "bogusField": 1}]},
            "Invoices has no field 'bogusField'",
        ),
        ({"entity": "Invoices", "rows": [{"invoiceNumber": "X"}]}, "needs one integer id"),
        ({"entity": "Invoices", "rows": [{"id": "1007"}]}, "needs one integer id"),
        ({"entity": "Invoices", "rows": [{"id": 1007}, {"id": 1007}]}, "appears more than once"),
        ({"entity": "Invoices", "rows": {"id": 1007}}, "rows must be a list"),
        ({"entity": "BillingItems", "rows": [{"id": 5001, "quantity": "lots"}]}, "quantity"),
        ({"entity": "Invoices", "rows": [{"id": 1007, "paidDate": "next tuesday"}]}, "paidDate"),
        ({"entity": "Invoices", "rows": [{"id": 1007, "companyID": 1.5}]}, "companyID"),
        (
            {"entity": "Taxes", "rows": [{"id": 31, "userDefinedFields": [{"name": "X", "value": 1}]}]},
            "Taxes has no user-defined fields",
        ),
        (
            {"entity": "Companies", "rows": [{"id": 175, "userDefinedFields": [{"name": "Nope"}]}]},
            "no user-defined field 'Nope'",
        ),
        (["not", "an", "object"], "the body must be"),
    ],
)
def test_bad_calls_are_400_and_change_nothing(
    sb: RunningSandbox, at: AutotaskClient, body: Any, fragment: str
) -> None:
    assert fragment in refused(sb, body)


def test_a_bad_row_leaves_the_good_rows_of_the_call_unwritten(sb: RunningSandbox, at: AutotaskClient) -> None:
    body = {
        "entity": "Invoices",
        "rows": [
            {"id": 1007, "invoiceNumber": "GOOD"},
            {"id": 1002, "invoiceNumber": "NEW"},
            {"id": 1014, "x": 1},
        ],
    }
    assert "rows[2]" in refused(sb, body)
    assert item(at, "Invoices", 1007)["invoiceNumber"] == "INV-0002"
    assert item(at, "Invoices", 1002) is None
    malformed = requests.post(f"{sb.autotask_root}/__sandbox/rows", data=b"{nope", timeout=10)
    assert malformed.status_code == 400
    assert requests.get(f"{sb.autotask_root}/__sandbox/rows", timeout=10).status_code == 404
