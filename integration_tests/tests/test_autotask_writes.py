"""Autotask emulator over HTTP: PATCH/PUT updates, writable fields, stamps, thread safety, reset."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pendulum
import pytest
from sandbox.launcher import RunningSandbox, running_sandbox
from sandbox_testkit.autotask_kit import AutotaskClient, decode, write_dataset


@pytest.fixture(scope="module")
def sb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    path = write_dataset(tmp_path_factory.mktemp("autotask") / "dataset.json")
    with running_sandbox(dataset=str(path), rate_limits="off") as running:
        yield running


@pytest.fixture
def at(sb: RunningSandbox) -> AutotaskClient:
    sb.reset()
    return AutotaskClient(sb.autotask)


def item(at: AutotaskClient, entity: str, record_id: int) -> dict[str, Any]:
    found: dict[str, Any] = decode(at.get(f"/{entity}/{record_id}"))["item"]
    return found


def error(response: Any) -> str:
    assert response.status_code == 500, response.text
    body = response.json()
    assert list(body) == ["errors"] and body["errors"]
    return " ".join(body["errors"])


def test_patch_paid_date_keeps_the_date_only(at: AutotaskClient) -> None:
    response = at.patch("Invoices", {"id": 1007, "paidDate": "2025-10-01T17:45:12.345+10:00"})
    assert response.status_code == 200
    assert response.json() == {"itemId": 1007}
    assert item(at, "Invoices", 1007)["paidDate"] == "2025-10-01T00:00:00"
    # visible to queries straight away
    paid = at.items("Invoices", [{"op": "exist", "field": "paidDate"}])
    assert [i["id"] for i in paid] == [1007]
    assert at.items("Invoices", [{"op": "eq", "field": "paidDate", "value": "2025-10-01"}])[0]["id"] == 1007


def test_patch_paid_date_null_clears_it(at: AutotaskClient) -> None:
    at.patch("Invoices", {"id": 1007, "paidDate": "2025-10-01"})
    assert at.patch("Invoices", {"id": 1007, "paidDate": None}).status_code == 200
    assert item(at, "Invoices", 1007)["paidDate"] is None


def test_patch_only_touches_the_fields_sent(at: AutotaskClient) -> None:
    before = item(at, "Invoices", 1014)
    at.patch("Invoices", {"Id": 1014, "WebServiceDate": "2025-10-02T08:00:00Z"})
    after = item(at, "Invoices", 1014)
    assert after["webServiceDate"] == "2025-10-02T08:00:00.000Z"
    assert {k: v for k, v in after.items() if k != "webServiceDate"} == {
        k: v for k, v in before.items() if k != "webServiceDate"
    }


def test_patch_invoice_number(at: AutotaskClient) -> None:
    assert at.patch("Invoices", {"id": 1000, "invoiceNumber": "X" * 100}).status_code == 200
    assert item(at, "Invoices", 1000)["invoiceNumber"] == "X" * 100
    assert "invoiceNumber" in error(at.patch("Invoices", {"id": 1000, "invoiceNumber": "X" * 101}))
    error(at.patch("Invoices", {"id": 1000, "invoiceNumber": ""}))
    error(at.patch("Invoices", {"id": 1000, "invoiceNumber": None}))


@pytest.mark.parametrize(
    ("entity", "body", "field"),
    [
        ("Invoices", {"id": 1000, "invoiceTotal": 1}, "invoiceTotal"),
        ("Invoices", {"id": 1000, "dueDate": "2025-01-01"}, "dueDate"),
        ("Invoices", {"id": 1000, "isVoided": True}, "isVoided"),
        ("Invoices", {"id": 1000, "comments": "paid in part"}, "comments"),
        ("BillingItems", {"id": 5001, "quantity": 2}, "quantity"),
        ("BillingItems", {"id": 5001, "invoiceID": 1007}, "invoiceID"),
        ("Currencies", {"id": 2, "isActive": False}, "isActive"),
        ("Currencies", {"id": 2, "lastModifiedDateTime": "2025-01-01"}, "lastModifiedDateTime"),
        ("Companies", {"id": 175, "companyName": "Renamed"}, "companyName"),
        ("Invoices", {"id": 1000, "payments": 5}, "payments"),
    ],
)
def test_read_only_or_unknown_fields_are_refused_by_name(
    at: AutotaskClient, entity: str, body: dict[str, Any], field: str
) -> None:
    before = item(at, entity, body["id"])
    assert field in error(at.patch(entity, body))
    assert item(at, entity, body["id"]) == before


def test_a_refused_field_refuses_the_whole_update(at: AutotaskClient) -> None:
    error(at.patch("Invoices", {"id": 1000, "paidDate": "2025-10-01", "invoiceTotal": 5}))
    assert item(at, "Invoices", 1000)["paidDate"] is None


def test_patch_billing_item_web_service_date(at: AutotaskClient) -> None:
    assert at.patch("BillingItems", {"id": 5001, "webServiceDate": "2025-10-02T10:11:12"}).json() == {
        "itemId": 5001
    }
    assert item(at, "BillingItems", 5001)["webServiceDate"] == "2025-10-02T10:11:12.000Z"
    error(at.patch("BillingItems", {"id": 5001, "webServiceDate": "yesterday"}))


def test_unknown_or_missing_id(at: AutotaskClient) -> None:
    assert "999" in error(at.patch("Invoices", {"id": 999, "paidDate": "2025-10-01"}))
    assert "id" in error(at.patch("Invoices", {"paidDate": "2025-10-01"}))
    error(at.patch("Invoices", {"id": "abc", "paidDate": "2025-10-01"}))
    error(at.request("PATCH", "/Invoices", data="[]"))
    error(at.request("PATCH", "/Invoices", data=""))


def test_currency_exchange_rate_rules(at: AutotaskClient) -> None:
    assert at.patch("Currencies", {"id": 2, "exchangeRate": Decimal("1.23456")}).status_code == 200
    assert decode(at.get("/Currencies/2"))["item"]["exchangeRate"] == Decimal("1.23456")
    assert at.patch("Currencies", {"id": 2, "exchangeRate": 999999.5}).status_code == 200
    for bad in (0, -1.2, "1.234567", 1000000, "abc", None):
        assert "exchangeRate" in error(at.patch("Currencies", {"id": 2, "exchangeRate": bad})), bad
    assert decode(at.get("/Currencies/2"))["item"]["exchangeRate"] == Decimal("999999.5")


def test_update_sets_last_modified_from_the_sandbox_clock(sb: RunningSandbox, at: AutotaskClient) -> None:
    sb.admin("autotask", "clock", {"advance_seconds": 86_400 * 3})
    clock_now = pendulum.parse(sb.admin("autotask", "clock", {"advance_seconds": 0})["now"])
    at.patch("Currencies", {"id": 2, "exchangeRate": 1.2})
    stamp = item(at, "Currencies", 2)["lastModifiedDateTime"]
    assert stamp.endswith("Z")
    moment = pendulum.parse(stamp)
    assert isinstance(moment, pendulum.DateTime) and isinstance(clock_now, pendulum.DateTime)
    assert abs((moment - clock_now).total_seconds()) < 60
    changed = at.items("Currencies", [{"op": "gt", "field": "lastModifiedDateTime", "value": "2025-01-01"}])
    assert [c["id"] for c in changed] == [2]


def test_put_sets_absent_writable_fields_to_null(at: AutotaskClient) -> None:
    at.patch("Invoices", {"id": 1000, "paidDate": "2025-10-01", "webServiceDate": "2025-10-01T00:00:00Z"})
    response = at.patch(
        "Invoices", {"id": 1000, "invoiceNumber": "INV-NEW", "paidDate": "2025-11-05"}, method="PUT"
    )
    assert response.status_code == 200 and response.json() == {"itemId": 1000}
    after = item(at, "Invoices", 1000)
    assert (after["invoiceNumber"], after["paidDate"], after["webServiceDate"]) == (
        "INV-NEW",
        "2025-11-05T00:00:00",
        None,
    )
    # PUT without the required invoice number cannot null it
    error(at.patch("Invoices", {"id": 1000, "paidDate": "2025-11-05"}, method="PUT"))
    # read-only fields are refused on PUT as on PATCH
    whole = item(at, "Invoices", 1000)
    error(at.request("PUT", "/Invoices", data=json.dumps(whole, default=str)))


def test_concurrent_updates_are_all_applied(at: AutotaskClient) -> None:
    targets = [5001 + n for n in range(60)]

    def stamp(record_id: int) -> int:
        client = AutotaskClient(at.info)
        response = client.patch(
            "BillingItems", {"id": record_id, "webServiceDate": f"2025-10-01T00:00:{record_id % 60:02d}Z"}
        )
        return int(response.status_code)

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(stamp, targets)) == {200}
    stamped = at.items("BillingItems", [{"op": "exist", "field": "webServiceDate"}])
    assert sorted(i["id"] for i in stamped) == targets


def test_reset_restores_the_loaded_data(sb: RunningSandbox, at: AutotaskClient) -> None:
    at.patch("Invoices", {"id": 1000, "paidDate": "2025-10-01"})
    at.patch("Currencies", {"id": 2, "exchangeRate": 2})
    sb.reset()
    assert item(at, "Invoices", 1000)["paidDate"] is None
    currency = decode(at.get("/Currencies/2"))["item"]
    assert currency["exchangeRate"] == Decimal("1.17")
    assert currency["lastModifiedDateTime"] == "2024-06-01T00:00:00Z"


def test_child_writes_are_refused(at: AutotaskClient) -> None:
    error(at.request("PATCH", "/PurchaseOrders/81/Items", data=json.dumps({"id": 91, "quantity": 9})))
    assert item(at, "PurchaseOrderItems", 91)["quantity"] == 2
