"""Autotask emulator over HTTP: the query language, reads by id, counts, child collections, record shapes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sandbox.launcher import RunningSandbox, running_sandbox
from sandbox_testkit.autotask_kit import (
    INVOICE_COUNT,
    ITEMS_PER_INVOICE,
    AutotaskClient,
    decode,
    write_dataset,
)

ALL_IDS = [{"op": "gte", "field": "id", "value": 0}]
INVOICE_IDS = [1000 + n * 7 for n in range(INVOICE_COUNT)]


@pytest.fixture(scope="module")
def sb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    path = write_dataset(tmp_path_factory.mktemp("autotask") / "dataset.json")
    with running_sandbox(dataset=str(path), rate_limits="off") as running:
        yield running


@pytest.fixture(scope="module")
def at(sb: RunningSandbox) -> AutotaskClient:
    sb.reset()
    return AutotaskClient(sb.autotask)


def ids(at: AutotaskClient, entity: str, filters: list[Any], method: str = "POST", **extra: Any) -> list[int]:
    return [item["id"] for item in at.items(entity, filters, method, **extra)]


def error(response: Any, status: int = 500) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ["errors"] and body["errors"] and all(isinstance(m, str) for m in body["errors"])
    return " ".join(body["errors"])


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_query_envelope_and_id_order(at: AutotaskClient, method: str) -> None:
    response = at.query("Invoices", ALL_IDS, method)
    assert response.status_code == 200
    body = decode(response)
    assert set(body) == {"items", "pageDetails"}
    assert body["pageDetails"] == {
        "count": INVOICE_COUNT,
        "requestCount": 500,
        "prevPageUrl": None,
        "nextPageUrl": None,
    }
    assert [item["id"] for item in body["items"]] == INVOICE_IDS  # file order was reversed


def test_records_carry_every_catalogue_field_and_exact_decimals(at: AutotaskClient) -> None:
    fields = [f["name"] for f in at.get("/Invoices/entityInformation/fields").json()["fields"]]
    item = decode(at.get("/Invoices/1000"))["item"]
    assert list(item) == fields
    assert item["invoiceTotal"] == Decimal("52.7775") and isinstance(item["invoiceTotal"], Decimal)
    assert item["batchID"] is None and item["fromDate"] is None
    assert '"invoiceTotal":52.7775' in at.get("/Invoices/1000").text


def test_companies_carry_user_defined_fields(at: AutotaskClient) -> None:
    item = at.get("/Companies/175").json()["item"]
    assert {"name": "Customer Ranking", "value": "Golden"} in item["userDefinedFields"]
    other = at.get("/Companies/180").json()["item"]
    # every UDF of the entity is listed, null when the record has no value
    assert {u["name"] for u in other["userDefinedFields"]} == {"Xero Organisation", "Customer Ranking"}
    assert all(u["value"] is None for u in other["userDefinedFields"])
    assert "userDefinedFields" not in at.get("/Invoices/1000").json()["item"]


def test_get_by_missing_id_is_item_null(at: AutotaskClient) -> None:
    response = at.get("/Invoices/999999")
    assert response.status_code == 200
    assert response.json() == {"item": None}


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("eq", 1007, [1007]),
        ("noteq", 1007, [i for i in INVOICE_IDS if i != 1007]),
        ("gt", 1189, [1196, 1203]),
        ("gte", 1189, [1189, 1196, 1203]),
        ("lt", 1014, [1000, 1007]),
        ("lte", 1014, [1000, 1007, 1014]),
        ("in", [1000, 1014, 5], [1000, 1014]),
        ("notIn", INVOICE_IDS[2:], [1000, 1007]),
        ("exist", None, INVOICE_IDS),
        ("notExist", None, []),
    ],
)
def test_numeric_operators_on_id(at: AutotaskClient, op: str, value: Any, expected: list[int]) -> None:
    item: dict[str, Any] = {"op": op, "field": "id"}
    if value is not None:
        item["value"] = value
    assert ids(at, "Invoices", [item]) == expected


def test_string_operators_are_case_insensitive(at: AutotaskClient) -> None:
    assert ids(at, "Companies", [{"op": "eq", "field": "companyName", "value": "ACME WIDGETS LTD"}]) == [175]
    assert ids(at, "Companies", [{"op": "beginsWith", "field": "companyName", "value": "acme"}]) == [175, 180]
    assert ids(at, "Companies", [{"op": "endsWith", "field": "companyName", "value": "GMBH"}]) == [176]
    assert ids(at, "Companies", [{"op": "contains", "field": "companyName", "value": "WIDGET"}]) == [175]
    assert ids(at, "Companies", [{"op": "contains", "field": "companyName", "value": "österreich"}]) == [176]
    assert ids(at, "Companies", [{"op": "in", "field": "companyName", "value": ["acme holdings", "X"]}]) == [
        180
    ]
    assert ids(at, "Companies", [{"op": "gt", "field": "companyName", "value": "acme x"}]) == [0, 176]


def test_field_names_ops_and_keys_are_case_insensitive(at: AutotaskClient) -> None:
    body = {
        "Filter": [{"Op": "EQ", "Field": "InvoiceID", "Value": 1007}],
        "includefields": ["ID", "ItemName"],
    }
    response = at.request("POST", "/BillingItems/query", data=json.dumps(body))
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [set(i) for i in items] == [{"id", "itemName"}] * ITEMS_PER_INVOICE
    assert ids(at, "Companies", [{"op": "eq", "field": "ISACTIVE", "value": False}]) == [176]


def test_datetimes_compare_as_instants(at: AutotaskClient) -> None:
    after = [{"op": "gt", "field": "lastTrackedModifiedDateTime", "value": "2025-03-04T11:00:00+01:00"}]
    assert ids(at, "Companies", after) == [175, 176]  # 10:00:00.123Z is after 10:00:00Z
    later = [{"op": "gte", "field": "lastTrackedModifiedDateTime", "value": "2025-03-05"}]
    assert ids(at, "Companies", later) == [176]
    window = [
        {"op": "gte", "field": "invoiceDateTime", "value": "2025-02-27T00:00:00"},
        {"op": "lt", "field": "invoiceDateTime", "value": "2025-02-28T00:00:00.000Z"},
    ]
    assert ids(at, "Invoices", window) == [1000 + 26 * 7]


def test_booleans_and_decimals(at: AutotaskClient) -> None:
    assert ids(at, "Invoices", [{"op": "eq", "field": "isVoided", "value": True}]) == [1028]
    assert ids(at, "Invoices", [{"op": "eq", "field": "isVoided", "value": "true"}]) == [1028]
    assert ids(at, "Invoices", [{"op": "lte", "field": "invoiceTotal", "value": 53.7775}]) == [1000, 1007]
    error(at.query("Invoices", [{"op": "eq", "field": "isVoided", "value": 1}]))


def test_nested_and_or_groups(at: AutotaskClient) -> None:
    filters = [
        {
            "op": "or",
            "items": [
                {"op": "eq", "field": "id", "value": 1000},
                {
                    "op": "and",
                    "items": [
                        {"op": "gte", "field": "id", "value": 1189},
                        {"op": "eq", "field": "companyID", "value": 175},
                    ],
                },
            ],
        },
    ]
    assert ids(at, "Invoices", filters) == [1000, 1196, 1203]


def test_top_level_items_are_and_ed(at: AutotaskClient) -> None:
    filters = [{"op": "eq", "field": "companyID", "value": 176}, {"op": "lt", "field": "id", "value": 1030}]
    assert ids(at, "Invoices", filters) == [1000, 1021]


def test_misspelled_operator_is_silently_ignored(at: AutotaskClient) -> None:
    # the live hazard: "ne" is not an operator, so the item matches everything instead of failing
    everything = ids(at, "Invoices", [{"op": "ne", "field": "id", "value": 1000}])
    assert everything == INVOICE_IDS
    narrowed = ids(
        at,
        "Invoices",
        [{"op": "ne", "field": "id", "value": 1000}, {"op": "lt", "field": "id", "value": 1010}],
    )
    assert narrowed == [1000, 1007]


def test_unknown_field_is_500_with_the_api_wording(at: AutotaskClient) -> None:
    message = error(at.query("Invoices", [{"op": "eq", "field": "projectID", "value": 1}]))
    assert message == "Unable to find projectID in the Invoice Entity."
    nested = [
        {
            "op": "or",
            "items": [{"op": "eq", "field": "id", "value": 1}, {"op": "eq", "field": "nope", "value": 1}],
        }
    ]
    assert "Unable to find nope in the Invoice Entity." in error(at.query("Invoices", nested))


@pytest.mark.parametrize(
    ("entity", "field"),
    [("Invoices", "dueDate"), ("Invoices", "taxGroup"), ("BillingItems", "lineItemFullDescription")],
)
def test_non_queryable_fields_are_500(at: AutotaskClient, entity: str, field: str) -> None:
    message = error(at.query(entity, [{"op": "exist", "field": field}]))
    assert field in message and "query" in message


@pytest.mark.parametrize("value", [0, 501, -1, "many", 1.5])
def test_max_records_out_of_range_is_500(at: AutotaskClient, value: Any) -> None:
    message = error(at.query("Invoices", ALL_IDS, MaxRecords=value))
    assert message == "maxCountOfRecordsToReturn must be between 1 and 500"


@pytest.mark.parametrize("value", [1, 500])
def test_max_records_bounds_are_accepted(at: AutotaskClient, value: int) -> None:
    body = decode(at.query("Invoices", ALL_IDS, MaxRecords=value))
    assert body["pageDetails"]["requestCount"] == value
    assert body["pageDetails"]["count"] == min(value, INVOICE_COUNT)


def test_include_fields(at: AutotaskClient) -> None:
    items = at.items("Invoices", ALL_IDS, IncludeFields=["invoiceNumber", "id"], MaxRecords=2)
    assert items == [{"invoiceNumber": "INV-0001", "id": 1000}, {"invoiceNumber": "INV-0002", "id": 1007}]
    error(at.query("Invoices", ALL_IDS, IncludeFields=["nope"]))
    companies = at.items("Companies", [{"op": "eq", "field": "id", "value": 175}], IncludeFields=["id"])
    assert companies == [{"id": 175}]


def test_udf_filters(at: AutotaskClient) -> None:
    udf = {"op": "eq", "field": "customer ranking", "value": "golden", "udf": True}
    assert ids(at, "Companies", [udf]) == [175]
    exist = {"op": "exist", "field": "Xero Organisation", "udf": True}
    assert ids(at, "Companies", [exist]) == [175, 176]
    assert "Unable to find" in error(
        at.query("Companies", [{"op": "eq", "field": "Nope", "value": 1, "udf": True}])
    )
    two = [udf, {"op": "exist", "field": "Xero Organisation", "udf": True}]
    assert "one user-defined field" in error(at.query("Companies", two))
    # without udf:true the UDF name is not a field
    assert "Unable to find" in error(
        at.query("Companies", [{"op": "eq", "field": "Customer Ranking", "value": "x"}])
    )


def test_nulls_follow_sql(at: AutotaskClient) -> None:
    noted = ids(at, "Invoices", [{"op": "exist", "field": "comments"}])
    assert noted == [1000 + n * 7 for n in range(0, INVOICE_COUNT, 5)]
    assert ids(at, "Invoices", [{"op": "noteq", "field": "comments", "value": "Note 0"}]) == noted[1:]
    assert len(ids(at, "Invoices", [{"op": "notExist", "field": "comments"}])) == INVOICE_COUNT - len(noted)
    error(at.query("Invoices", [{"op": "eq", "field": "comments", "value": None}]))


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"filter": []},
        {"filter": {"op": "eq", "field": "id", "value": 1}},
        {"filter": [{"op": "in", "field": "id", "value": 5}]},
        {"filter": [{"op": "in", "field": "id", "value": list(range(501))}]},
        {"filter": [{"op": "contains", "field": "id", "value": "1"}]},
        {"filter": [{"op": "eq", "field": "id", "value": "abc"}]},
        {"filter": [{"op": "or", "items": []}]},
        {"filter": [{"op": "gt", "field": "invoiceDateTime", "value": "not a date"}]},
    ],
)
def test_invalid_queries_are_500(at: AutotaskClient, body: dict[str, Any]) -> None:
    error(at.request("POST", "/Invoices/query", data=json.dumps(body)))


def test_malformed_search_and_body_are_500(at: AutotaskClient) -> None:
    error(at.get("/Invoices/query", params={"search": "{not json"}))
    error(at.get("/Invoices/query"))
    error(at.request("POST", "/Invoices/query", data="{nope"))


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_count(at: AutotaskClient, method: str) -> None:
    body = {"filter": [{"op": "eq", "field": "companyID", "value": 175}]}
    if method == "GET":
        response = at.get("/BillingItems/query/count", params={"search": json.dumps(body)})
    else:
        response = at.request("POST", "/BillingItems/query/count", data=json.dumps(body))
    assert response.status_code == 200
    assert response.json() == {"queryCount": 20 * ITEMS_PER_INVOICE}
    error(
        at.request(
            "POST", "/BillingItems/query/count", data=json.dumps({"filter": [{"op": "eq", "field": "x"}]})
        )
    )


def test_bulk_lookup_by_invoice_ids(at: AutotaskClient) -> None:
    items = at.items("BillingItems", [{"op": "in", "field": "invoiceID", "value": INVOICE_IDS[:4]}])
    assert len(items) == 4 * ITEMS_PER_INVOICE
    assert {i["invoiceID"] for i in items} == set(INVOICE_IDS[:4])
    assert [i["id"] for i in items] == sorted(i["id"] for i in items)
    assert items[0]["quantity"] == 1.5 and items[0]["lineItemFullDescription"] == "Full 0-0"


def test_child_collections(at: AutotaskClient) -> None:
    items = at.get("/PurchaseOrders/81/Items").json()
    assert [i["id"] for i in items["items"]] == [91, 92]
    assert items["pageDetails"]["count"] == 2
    assert at.get("/PurchaseOrders/81/Items/92").json()["item"]["orderID"] == 81
    assert at.get("/PurchaseOrders/81/Items/93").json() == {"item": None}  # belongs to PO 82
    contacts = at.get("/Companies/175/Contacts").json()["items"]
    assert [c["id"] for c in contacts] == [30, 31]
    assert contacts[0]["isActive"] == 1
    assert at.get("/Companies/999/Contacts").json()["items"] == []
    assert at.get("/Companies/175/Widgets").status_code == 404


def test_long_get_query_string_is_refused_but_post_works(at: AutotaskClient) -> None:
    filters = [{"op": "in", "field": "id", "value": list(range(1000, 1400))}]
    response = at.query("Invoices", filters, "GET")
    assert response.status_code == 404
    assert len(at.items("Invoices", filters, "POST")) == INVOICE_COUNT
