"""Autotask emulator over HTTP: nextPageUrl/prevPageUrl paging with the original method and query."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from sandbox.launcher import RunningSandbox, running_sandbox
from sandbox_testkit.autotask_kit import AutotaskClient, decode, small_dataset, write_dataset

EXTRA_ITEMS = 1_600
ALL_IDS = [{"op": "gte", "field": "id", "value": 0}]


@pytest.fixture(scope="module")
def sb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    data = small_dataset()
    data["BillingItems"] += [
        {
            "id": 100_000 + 3 * n,
            "invoiceID": 1000,
            "companyID": 176,
            "itemName": f"Bulk {n}",
            "extendedPrice": Decimal("0.01") * n,
        }
        for n in range(EXTRA_ITEMS)
    ]
    path = write_dataset(tmp_path_factory.mktemp("autotask") / "dataset.json", data)
    with running_sandbox(dataset=str(path), rate_limits="off") as running:
        yield running


@pytest.fixture(scope="module")
def at(sb: RunningSandbox) -> AutotaskClient:
    return AutotaskClient(sb.autotask)


def follow(at: AutotaskClient, first: Any, method: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    """Every page, following nextPageUrl with the original method (and body for POST)."""
    pages = [decode(first)]
    while pages[-1]["pageDetails"]["nextPageUrl"]:
        url = pages[-1]["pageDetails"]["nextPageUrl"]
        assert url.startswith(at.root + "/atservicesrest/v1.0/")
        if method == "POST":
            response = at.request("POST", url, data=json.dumps(body))
        else:
            response = at.request("GET", url)
        assert response.status_code == 200, response.text
        pages.append(decode(response))
    return pages


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_three_plus_pages_with_small_max_records(at: AutotaskClient, method: str) -> None:
    body = {"filter": [{"op": "lt", "field": "id", "value": 1100}], "MaxRecords": 4}
    first = at.query("Invoices", body["filter"], method, MaxRecords=4)
    pages = follow(at, first, method, body)
    assert len(pages) == 4  # 15 invoices below id 1100: 4 + 4 + 4 + 3
    seen = [item["id"] for page in pages for item in page["items"]]
    assert seen == [1000 + 7 * n for n in range(15)]
    assert [p["pageDetails"]["count"] for p in pages] == [4, 4, 4, 3]
    assert all(p["pageDetails"]["requestCount"] == 4 for p in pages)
    assert pages[0]["pageDetails"]["prevPageUrl"] is None
    assert all(p["pageDetails"]["prevPageUrl"] for p in pages[1:])
    assert pages[-1]["pageDetails"]["nextPageUrl"] is None


def test_get_next_page_url_carries_the_search(at: AutotaskClient) -> None:
    first = decode(at.query("Invoices", ALL_IDS, "GET", MaxRecords=10))
    url = urlparse(first["pageDetails"]["nextPageUrl"])
    assert url.path == "/atservicesrest/v1.0/Invoices/query/next"
    query = parse_qs(url.query)
    assert set(query) == {"paging", "search"}
    assert json.loads(query["search"][0]) == {"filter": ALL_IDS, "MaxRecords": 10}
    post_first = decode(at.query("Invoices", ALL_IDS, "POST", MaxRecords=10))
    assert set(parse_qs(urlparse(post_first["pageDetails"]["nextPageUrl"]).query)) == {"paging"}


def test_get_on_a_post_query_next_page_is_405(at: AutotaskClient) -> None:
    first = decode(at.query("Invoices", ALL_IDS, "POST", MaxRecords=5))
    response = at.request("GET", first["pageDetails"]["nextPageUrl"])
    assert response.status_code == 405
    assert response.json() == {"Message": "The requested resource does not support http method 'GET'."}


def test_post_on_a_get_query_next_page_is_405(at: AutotaskClient) -> None:
    first = decode(at.query("Invoices", ALL_IDS, "GET", MaxRecords=5))
    body = json.dumps({"filter": ALL_IDS, "MaxRecords": 5})
    response = at.request("POST", first["pageDetails"]["nextPageUrl"], data=body)
    assert response.status_code == 405
    assert response.json() == {"Message": "The requested resource does not support http method 'POST'."}


def test_next_page_with_a_different_body_is_500(at: AutotaskClient) -> None:
    first = decode(at.query("Invoices", ALL_IDS, "POST", MaxRecords=5))
    other = json.dumps({"filter": ALL_IDS, "MaxRecords": 6})
    response = at.request("POST", first["pageDetails"]["nextPageUrl"], data=other)
    assert response.status_code == 500 and response.json()["errors"]
    missing = at.request("POST", first["pageDetails"]["nextPageUrl"])
    assert missing.status_code == 500 and missing.json()["errors"]


def test_garbage_paging_token_is_500(at: AutotaskClient) -> None:
    response = at.request(
        "GET", "/Invoices/query/next", params={"paging": "!!!", "search": json.dumps({"filter": ALL_IDS})}
    )
    assert response.status_code == 500 and response.json()["errors"]


def test_next_page_url_of_another_entity_is_refused(at: AutotaskClient) -> None:
    first = decode(at.query("Invoices", ALL_IDS, "GET", MaxRecords=5))
    url = first["pageDetails"]["nextPageUrl"].replace("/Invoices/", "/Companies/")
    response = at.request("GET", url)
    assert response.status_code == 500 and response.json()["errors"]


def test_prev_page_url_walks_back(at: AutotaskClient) -> None:
    body = {"filter": ALL_IDS, "MaxRecords": 7}
    pages = follow(at, at.query("Invoices", ALL_IDS, "POST", MaxRecords=7), "POST", body)
    third = pages[2]
    back = decode(at.request("POST", third["pageDetails"]["prevPageUrl"], data=json.dumps(body)))
    assert [i["id"] for i in back["items"]] == [i["id"] for i in pages[1]["items"]]
    assert back["pageDetails"]["nextPageUrl"] and back["pageDetails"]["prevPageUrl"]
    start = decode(at.request("POST", back["pageDetails"]["prevPageUrl"], data=json.dumps(body)))
    assert [i["id"] for i in start["items"]] == [i["id"] for i in pages[0]["items"]]
    assert start["pageDetails"]["prevPageUrl"] is None


def test_default_page_size_over_a_bigger_entity(at: AutotaskClient) -> None:
    body = {"filter": [{"op": "eq", "field": "invoiceID", "value": 1000}]}
    pages = follow(at, at.query("BillingItems", body["filter"], "POST"), "POST", body)
    assert [p["pageDetails"]["count"] for p in pages] == [500, 500, 500, 103]
    seen = [item["id"] for page in pages for item in page["items"]]
    assert len(seen) == len(set(seen)) == EXTRA_ITEMS + 3
    assert seen == sorted(seen)
    count = at.request("POST", "/BillingItems/query/count", data=json.dumps(body)).json()
    assert count == {"queryCount": EXTRA_ITEMS + 3}


def test_paging_with_a_filter_that_skips_rows(at: AutotaskClient) -> None:
    body = {"filter": [{"op": "endsWith", "field": "itemName", "value": "7"}], "MaxRecords": 50}
    pages = follow(at, at.query("BillingItems", body["filter"], "POST", MaxRecords=50), "POST", body)
    names = [item["itemName"] for page in pages for item in page["items"]]
    assert len(pages) >= 3
    assert all(name.endswith("7") for name in names)
    assert len(names) == len(set(names)) == EXTRA_ITEMS // 10  # "Bulk n" with n ending in 7


def test_include_fields_without_id_cannot_page(at: AutotaskClient) -> None:
    response = at.query("BillingItems", ALL_IDS, IncludeFields=["itemName"], MaxRecords=10)
    assert response.status_code == 500 and "id" in " ".join(response.json()["errors"])
    single = at.query(
        "BillingItems", [{"op": "eq", "field": "id", "value": 5001}], IncludeFields=["itemName"]
    )
    assert single.status_code == 200 and single.json()["items"] == [{"itemName": "Item 0-0"}]
