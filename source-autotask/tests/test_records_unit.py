"""Record assembly on bad input: a clear error naming the record and cause; Decimals handed to Airbyte."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import orjson
import pytest
import requests_mock as rm
import simplejson
from source_autotask.airbyte import record_data
from source_autotask.config import SourceConfig
from source_autotask.errors import RecordError
from source_autotask.records.project import coerce
from source_autotask.sync import SyncSession

from .conftest import BASE

EMPTY = {"items": [], "pageDetails": {"nextPageUrl": None}}


def _page(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"items": items, "pageDetails": {"nextPageUrl": None}}


def _mock(m: Any, invoices: list[dict[str, Any]], lines: list[dict[str, Any]]) -> None:
    m.get(
        BASE + "v1.0/ThresholdInformation",
        json={"externalRequestThreshold": 10000, "currentTimeframeRequestCount": 1},
    )
    m.get(re.compile(r".*/v1\.0/\w+/query.*"), json=EMPTY)
    m.get(re.compile(r".*/entityInformation/fields"), json={"fields": []})
    m.get(BASE + "v1.0/Invoices/query", text=simplejson.dumps(_page(invoices), use_decimal=True))
    m.get(BASE + "v1.0/BillingItems/query", text=simplejson.dumps(_page(lines), use_decimal=True))


INVOICE = {
    "id": 7,
    "invoiceNumber": "A-7",
    "companyID": 99,
    "createDateTime": "2026-01-02T03:04:05.000Z",
    "invoiceTotal": Decimal("10.0000"),
}
LINE = {"id": 70, "invoiceID": 7, "quantity": Decimal("1"), "extendedPrice": Decimal("10.0000")}


def test_missing_company_names_the_invoice(unit_config: dict[str, Any]) -> None:
    with rm.Mocker() as m:
        _mock(m, [INVOICE], [LINE])
        with pytest.raises(RecordError, match=r"invoice id 7 \(number 'A-7'\): company 99 was not found"):
            list(SyncSession(SourceConfig.from_mapping(unit_config)).read("invoices"))


def test_bad_money_names_the_record_and_field(unit_config: dict[str, Any]) -> None:
    bad = dict(INVOICE, invoiceTotal="ten pounds")
    with rm.Mocker() as m:
        _mock(m, [bad], [LINE])
        with pytest.raises(RecordError, match=r"Invoices id 7: field invoiceTotal should be a number"):
            list(SyncSession(SourceConfig.from_mapping(unit_config)).read("invoices"))


@pytest.mark.parametrize(
    ("value", "kind", "message"),
    [
        ("x", "integer", "should be an integer"),
        (True, "number", "should be a number, got a boolean"),
        ("yes", "boolean", "should be a boolean"),
        ("not a date", "date-time", "is not a date-time"),
        ({"a": 1}, "string", "should be a string"),
    ],
)
def test_coerce_rejects_wrong_types(value: Any, kind: str, message: str) -> None:
    with pytest.raises(RecordError, match=f"Companies id 5: field f {message}"):
        coerce(value, kind, "Companies", 5, "f")


def test_decimals_reach_airbyte_as_exact_numbers() -> None:
    record = {"id": 7, "a": Decimal("52.7775"), "b": [Decimal("3.0000")], "c": {"d": Decimal("-0.0001")}}
    out = record_data(record, "x")
    # the text the CDK's orjson writes: the same ints and shortest floats as before, objects written here
    assert orjson.dumps(out) == b'{"id":7,"a":52.7775,"b":[3],"c":{"d":-0.0001}}'
    assert orjson.loads(orjson.dumps(out)) == {"id": 7, "a": 52.7775, "b": [3], "c": {"d": -0.0001}}
    for inexact in (
        {"a": Decimal("12345678901234567.1234")},
        {"lines": [{"a": Decimal("0.12345678901234567")}]},
    ):
        with pytest.raises(RecordError, match="cannot be written as an exact JSON number"):
            record_data(inexact, "invoices id 1")


def test_check_names_every_entity_the_user_cannot_read(unit_config: dict[str, Any]) -> None:
    from source_autotask.check import check

    denied = {
        "errors": ["The logged in Resource does not have the adequate permissions to query this entity."]
    }
    with rm.Mocker() as m:
        _mock(m, [], [])
        m.get(BASE + "v1.0/BillingItems/query", status_code=500, json=denied)
        m.get(BASE + "v1.0/PurchaseOrders/query", status_code=403, json={"errors": ["Forbidden"]})
        ok, message = check(SourceConfig.from_mapping(unit_config))
    assert not ok and message is not None
    assert "cannot read: BillingItems, PurchaseOrders" in message
    assert "Companies" not in message


def test_check_only_probes_the_selected_streams(unit_config: dict[str, Any]) -> None:
    from source_autotask.check import check

    with rm.Mocker() as m:
        _mock(m, [], [])
        ok, _ = check(SourceConfig.from_mapping(unit_config), streams=["tax_regions"])
        probed = {r.path.split("/")[-2] for r in m.request_history if r.path.endswith("/query")}
    assert ok and probed == {"taxregions"}


CURRENCIES = [
    {"id": 1, "name": "GBP", "exchangeRate": Decimal("1.00000"), "isInternalCurrency": True},
    {"id": 4, "name": "AUD", "exchangeRate": Decimal("1.94120"), "isInternalCurrency": False},
]


def _purchase_order(m: Any, vendor: dict[str, Any]) -> None:
    """One purchase order to `vendor`, read through the core with the vendor and currencies mocked."""
    order = {"id": 81, "vendorID": vendor["id"], "status": 2, "createDateTime": "2026-01-02T03:04:05.000Z"}
    item = {"id": 91, "orderID": 81, "quantity": 2, "unitCost": Decimal("10.5000")}
    _mock(m, [], [])
    m.get(BASE + "v1.0/PurchaseOrders/query", text=simplejson.dumps(_page([order]), use_decimal=True))
    m.get(BASE + "v1.0/PurchaseOrderItems/query", text=simplejson.dumps(_page([item]), use_decimal=True))
    m.get(BASE + "v1.0/Companies/query", text=simplejson.dumps(_page([vendor]), use_decimal=True))
    m.get(BASE + "v1.0/Currencies/query", text=simplejson.dumps(_page(CURRENCIES), use_decimal=True))


def test_purchase_order_carries_the_vendor_currency(unit_config: dict[str, Any]) -> None:
    vendor = {"id": 6, "companyName": "Dicker Data Australia Pty Ltd", "companyType": 6, "currencyID": 4}
    with rm.Mocker() as m:
        _purchase_order(m, vendor)
        (record,) = SyncSession(SourceConfig.from_mapping(unit_config)).read("purchase_orders")
    assert record["currency"]["name"] == "AUD"
    assert record["currency"]["exchangeRate"] == Decimal("1.94120")
    assert record["vendor"]["currencyID"] == 4


def test_purchase_order_of_a_vendor_without_currency_is_in_the_internal_currency(
    unit_config: dict[str, Any],
) -> None:
    vendor = {"id": 6, "companyName": "Local Supplies Ltd", "companyType": 6, "currencyID": None}
    with rm.Mocker() as m:
        _purchase_order(m, vendor)
        (record,) = SyncSession(SourceConfig.from_mapping(unit_config)).read("purchase_orders")
    assert record["currency"]["name"] == "GBP" and record["currency"]["isInternalCurrency"] is True
