"""Client behaviour against a mocked Autotask: paging, method choice, retries, errors, pacing, zone cache."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
import requests
import requests_mock as rm
from autotask_client.client import AutotaskClient
from autotask_client.errors import AuthenticationError, AutotaskApiError, PermissionDeniedError
from autotask_client.query import F, Query
from autotask_client.settings import Connection

from .conftest import BASE, CODE, SECRET

QUERY_URL = BASE + "v1.0/Invoices/query"
THRESHOLD = {
    "externalRequestThreshold": 10000,
    "requestThresholdTimeframe": 60,
    "currentTimeframeRequestCount": 10,
}


def client(config: dict[str, Any], **kwargs: Any) -> AutotaskClient:
    return AutotaskClient(Connection(**config), **kwargs)


def page(items: list[dict[str, Any]], next_url: str | None) -> dict[str, Any]:
    return {
        "items": items,
        "pageDetails": {
            "count": len(items),
            "requestCount": 500,
            "prevPageUrl": None,
            "nextPageUrl": next_url,
        },
    }


@pytest.fixture
def mock() -> Any:
    with rm.Mocker() as m:
        m.get(BASE + "v1.0/ThresholdInformation", json=THRESHOLD)
        yield m


def test_get_paging_follows_next_page_url_and_sends_auth_headers(
    mock: Any, unit_config: dict[str, Any]
) -> None:
    nxt = BASE + "v1.0/Invoices/query/next?paging=abc"
    mock.get(
        QUERY_URL,
        text='{"items":[{"id":1,"invoiceTotal":52.7775}],"pageDetails":{"nextPageUrl":"%s"}}' % nxt,  # noqa: UP031
    )
    mock.get(nxt, json=page([{"id": 2}], None))
    rows = list(client(unit_config).query(Query("Invoices", (F("id").gte(0),))))
    assert rows == [{"id": 1, "invoiceTotal": Decimal("52.7775")}, {"id": 2}]
    first = next(r for r in mock.request_history if "query" in r.url)
    assert first.method == "GET"
    assert json.loads(first.qs["search"][0]) == {
        "filter": [{"op": "gte", "field": "id", "value": 0}],
        "maxrecords": 500,
    }
    assert first.headers["ApiIntegrationCode"] == CODE and first.headers["Secret"] == SECRET
    assert first.headers["UserName"] == "api@example.test"


def test_long_query_is_posted_and_every_page_reposts_the_same_body(
    mock: Any, unit_config: dict[str, Any]
) -> None:
    nxt = BASE + "v1.0/Invoices/query/next?paging=p2"
    mock.post(QUERY_URL, json=page([{"id": 1}], nxt))
    mock.post(nxt, json=page([{"id": 2}], None))
    query = Query("Invoices", (F("id").in_(range(100000, 100400)),))
    assert [r["id"] for r in client(unit_config).query(query)] == [1, 2]
    posts = [r for r in mock.request_history if r.method == "POST"]
    assert len(posts) == 2 and posts[0].body == posts[1].body
    assert json.loads(posts[0].body)["filter"][0]["op"] == "in"


@pytest.mark.parametrize(
    "failure",
    [
        {"status_code": 429, "json": {"errors": ["Too many requests"]}},
        {"status_code": 500, "json": {"errors": ["Internal error"]}},
        {"status_code": 503, "text": "unavailable"},
        {"status_code": 500, "json": {"errors": ["Itgenatr005: Thread Threshold Exceeded"]}},
        {"status_code": 200, "json": {"errors": ["Itgenatr005 thread threshold"]}, "_thread200": True},
        {"exc": requests.ConnectionError("reset by peer")},
    ],
)
def test_transient_failures_are_retried(
    mock: Any, unit_config: dict[str, Any], failure: dict[str, Any]
) -> None:
    if failure.pop("_thread200", False):
        failure["status_code"] = 409  # thread errors can arrive with a non-429 status
    mock.get(QUERY_URL, [failure, {"json": page([{"id": 7}], None)}])
    assert [r["id"] for r in client(unit_config).query(Query("Invoices", (F("id").gte(0),)))] == [7]


def test_errors_name_entity_query_and_message_but_never_the_secret(
    mock: Any, unit_config: dict[str, Any]
) -> None:
    mock.get(
        QUERY_URL,
        status_code=500,
        json={"errors": [f"Unable to find projectID in the Invoice Entity. Secret={SECRET} code {CODE}"]},
    )
    with pytest.raises(AutotaskApiError) as info:
        list(client(unit_config).query(Query("Invoices", (F("projectID").eq(1),))))
    text = str(info.value)
    assert "Invoices" in text and "projectID" in text and "Unable to find" in text
    assert SECRET not in text and CODE not in text
    assert len([r for r in mock.request_history if "query" in r.url]) == 1  # permanent: not retried


def test_retries_give_up_with_the_last_error(mock: Any, unit_config: dict[str, Any]) -> None:
    mock.get(QUERY_URL, status_code=503, json={"errors": ["busy"]})
    with pytest.raises(AutotaskApiError, match="HTTP 503: busy"):
        list(client(unit_config).query(Query("Invoices", (F("id").gte(0),))))
    assert len([r for r in mock.request_history if "query" in r.url]) == 5


def test_401_and_permission_errors_are_typed(mock: Any, unit_config: dict[str, Any]) -> None:
    mock.get(QUERY_URL, status_code=401, json={"errors": ["unauthorized"]})
    with pytest.raises(AuthenticationError, match="secret"):
        list(client(unit_config).query(Query("Invoices", (F("id").gte(0),))))
    mock.get(
        QUERY_URL,
        status_code=500,
        json={"errors": ["The logged in Resource does not have the adequate permissions"]},
    )
    with pytest.raises(PermissionDeniedError, match="Invoices"):
        list(client(unit_config).query(Query("Invoices", (F("id").gte(0),))))


def test_zone_is_looked_up_once_and_cached(unit_config: dict[str, Any]) -> None:
    config = dict(
        unit_config,
        api_url=None,
        zone_lookup_url="https://zone.example.test/atservicesrest/v1.0/zoneInformation",
    )
    with rm.Mocker() as m:
        m.get(
            config["zone_lookup_url"],
            json={"zoneName": "x", "url": "https://ws9.example.test/atservicesrest"},
        )
        m.get("https://ws9.example.test/atservicesrest/v1.0/ThresholdInformation", json=THRESHOLD)
        m.get("https://ws9.example.test/atservicesrest/v1.0/Invoices/query", json=page([{"id": 1}], None))
        for _ in range(2):
            list(client(config).query(Query("Invoices", (F("id").gte(0),))))
        zone_calls = [r for r in m.request_history if "zoneInformation" in r.url]
        assert len(zone_calls) == 1 and zone_calls[0].qs["user"] == ["api@example.test"]


def test_pacer_waits_while_the_database_is_over_its_share(unit_config: dict[str, Any]) -> None:
    slept: list[float] = []
    with rm.Mocker() as m:
        m.get(
            BASE + "v1.0/ThresholdInformation",
            [
                {"json": dict(THRESHOLD, currentTimeframeRequestCount=6000)},
                {"json": dict(THRESHOLD, currentTimeframeRequestCount=5200)},
                {"json": dict(THRESHOLD, currentTimeframeRequestCount=4000)},
            ],
        )
        m.get(QUERY_URL, json=page([{"id": 1}], None))
        c = client(unit_config, sleep=slept.append, pacer_wait_seconds=30)
        list(c.query(Query("Invoices", (F("id").gte(0),))))
    assert slept == [30, 30]
    assert "threshold share seen 60.0%" in c.usage_summary()
    assert "Invoices=1" in c.usage_summary()


def test_pacer_respects_a_configured_share(unit_config: dict[str, Any]) -> None:
    slept: list[float] = []
    with rm.Mocker() as m:
        m.get(BASE + "v1.0/ThresholdInformation", json=dict(THRESHOLD, currentTimeframeRequestCount=6000))
        m.get(QUERY_URL, json=page([{"id": 1}], None))
        c = client(dict(unit_config, threshold_share=0.8), sleep=slept.append)
        list(c.query(Query("Invoices", (F("id").gte(0),))))
    assert slept == []
