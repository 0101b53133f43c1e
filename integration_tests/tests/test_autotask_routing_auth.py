"""Autotask emulator over HTTP: zone discovery, auth quirks, routing, method refusals, faults and logging."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sandbox.launcher import RunningSandbox, running_sandbox
from sandbox_testkit.autotask_kit import AutotaskClient, decode, write_dataset

ALL_IDS = [{"op": "gte", "field": "id", "value": 0}]


@pytest.fixture(scope="module")
def sb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    path = write_dataset(tmp_path_factory.mktemp("autotask") / "dataset.json")
    with running_sandbox(dataset=str(path), rate_limits="off") as running:
        yield running


@pytest.fixture
def at(sb: RunningSandbox) -> AutotaskClient:
    sb.reset()
    return AutotaskClient(sb.autotask)


def test_zone_information_points_at_this_server(sb: RunningSandbox, at: AutotaskClient) -> None:
    info = sb.autotask
    response = requests.get(info["zone_lookup_url"], params={"user": info["username"]}, timeout=10)
    assert response.status_code == 200
    zone = response.json()
    assert set(zone) == {"zoneName", "url", "webUrl", "ci"}
    assert zone["url"] == info["base_url"]
    assert zone["url"].startswith("http://127.0.0.1:") and zone["url"].endswith("/atservicesrest/")
    # the user is matched case-insensitively (an e-mail address) and no auth headers are needed
    upper = requests.get(info["zone_lookup_url"], params={"user": info["username"].upper()}, timeout=10)
    assert upper.status_code == 200 and upper.json()["url"] == info["base_url"]


@pytest.mark.parametrize("user", ["", "nobody@example.com"])
def test_zone_information_unknown_or_blank_user_is_500(sb: RunningSandbox, user: str) -> None:
    response = requests.get(sb.autotask["zone_lookup_url"], params={"user": user}, timeout=10)
    assert response.status_code == 500
    body = response.json()
    assert isinstance(body["errors"], list) and body["errors"]


def test_zone_information_without_user_is_500(sb: RunningSandbox) -> None:
    response = requests.get(sb.autotask["zone_lookup_url"], timeout=10)
    assert response.status_code == 500 and response.json()["errors"]


def test_version_information(at: AutotaskClient) -> None:
    response = requests.get(f"{at.root}/ATServicesRest/VersionInformation", timeout=10)
    assert response.status_code == 200
    assert response.json() == {"apiVersions": ["1.0"]}


def test_zone_information_without_v_prefix(sb: RunningSandbox, at: AutotaskClient) -> None:
    response = requests.get(
        f"{at.root}/atservicesrest/1.0/zoneInformation", params={"user": sb.autotask["username"]}, timeout=10
    )
    assert response.status_code == 200 and response.json()["url"] == sb.autotask["base_url"]


@pytest.mark.parametrize(
    "prefix", ["/atservicesrest/v1.0", "/ATServicesRest/V1.0", "/AtServicesRest/v1.0", "/atservicesrest/V1.0"]
)
@pytest.mark.parametrize("entity", ["Invoices", "invoices", "INVOICES"])
def test_paths_and_entity_names_are_case_insensitive(at: AutotaskClient, prefix: str, entity: str) -> None:
    url = f"{at.root}{prefix}/{entity}/query"
    response = at.request("POST", url, data=json.dumps({"filter": ALL_IDS, "MaxRecords": 2}))
    assert response.status_code == 200, response.text
    assert len(response.json()["items"]) == 2
    by_id = at.request("GET", f"{at.root}{prefix}/{entity}/1000")
    assert by_id.json()["item"]["id"] == 1000


def _headers(at: AutotaskClient, **override: str | None) -> dict[str, str]:
    headers = dict(at.headers)
    for key, value in override.items():
        if value is None:
            headers.pop(key, None)
        else:
            headers[key] = value
    return headers


def _call(at: AutotaskClient, headers: dict[str, str]) -> requests.Response:
    return requests.get(f"{at.base}/Invoices/1000", headers=headers, timeout=10)


def test_auth_correct_headers_any_case(at: AutotaskClient) -> None:
    headers = {
        "apiintegrationcode": at.headers["ApiIntegrationCode"],
        "USERNAME": at.headers["UserName"].upper(),
        "secret": at.headers["Secret"],
    }
    response = _call(at, headers)
    assert response.status_code == 200 and response.json()["item"]["id"] == 1000


def test_auth_unknown_user_is_500(at: AutotaskClient) -> None:
    response = _call(at, _headers(at, UserName="someone@else.example"))
    assert response.status_code == 500
    assert response.json()["errors"]


def test_auth_missing_user_is_500(at: AutotaskClient) -> None:
    response = _call(at, _headers(at, UserName=None))
    assert response.status_code == 500 and response.json()["errors"]


def test_auth_wrong_secret_is_401(at: AutotaskClient) -> None:
    response = _call(at, _headers(at, Secret="not-the-secret"))
    assert response.status_code == 401
    assert response.json()["errors"]


def test_auth_missing_secret_is_401(at: AutotaskClient) -> None:
    response = _call(at, _headers(at, Secret=None))
    assert response.status_code == 401 and response.json()["errors"]


@pytest.mark.parametrize("code", ["WRONGCODE", None])
def test_auth_bad_or_missing_integration_code_is_500(at: AutotaskClient, code: str | None) -> None:
    response = _call(at, _headers(at, ApiIntegrationCode=code))
    assert response.status_code == 500
    assert response.json()["errors"]


def test_threshold_information_needs_auth(at: AutotaskClient) -> None:
    response = requests.get(f"{at.base}/ThresholdInformation", timeout=10)
    assert response.status_code == 500 and response.json()["errors"]


def test_unknown_entity_and_payments_are_404(at: AutotaskClient) -> None:
    for path in ("/Payments/query", "/Payments/1", "/Nonsense/query", "/Invoices/query/bogus"):
        response = at.request(
            "POST" if path.endswith("query") else "GET", path, data=json.dumps({"filter": ALL_IDS})
        )
        assert response.status_code == 404, path
        assert "Message" in response.json()


def test_get_on_entity_root_is_405(at: AutotaskClient) -> None:
    response = at.get("/Invoices")
    assert response.status_code == 405
    assert response.json() == {"Message": "The requested resource does not support http method 'GET'."}


@pytest.mark.parametrize("entity", ["Invoices", "BillingItems", "Currencies", "BillingCodes", "Contacts"])
def test_create_is_405_where_the_api_has_no_create(at: AutotaskClient, entity: str) -> None:
    response = at.request("POST", f"/{entity}", data=json.dumps({"id": 0, "name": "x"}))
    assert response.status_code == 405
    assert response.json() == {"Message": "The requested resource does not support http method 'POST'."}


def test_create_is_refused_where_the_api_has_create(at: AutotaskClient) -> None:
    response = at.request("POST", "/Companies", data=json.dumps({"companyName": "New Co"}))
    assert response.status_code == 500
    assert response.json()["errors"]
    count = at.request("POST", "/Companies/query/count", data=json.dumps({"filter": ALL_IDS}))
    assert count.json() == {"queryCount": 4}


@pytest.mark.parametrize("path", ["/Invoices/1000", "/Companies/175", "/Currencies/1"])
def test_delete_is_405(at: AutotaskClient, path: str) -> None:
    response = at.request("DELETE", path)
    assert response.status_code == 405
    assert response.json()["Message"] == "The requested resource does not support http method 'DELETE'."
    assert at.get(path).json()["item"] is not None


def test_patch_where_the_api_has_no_update_is_405(at: AutotaskClient) -> None:
    response = at.patch("Contacts", {"id": 30, "firstName": "Eve"})
    assert response.status_code == 405


def test_put_on_query_is_405(at: AutotaskClient) -> None:
    response = at.request("PUT", "/Invoices/query", data=json.dumps({"filter": ALL_IDS}))
    assert response.status_code == 405 and "Message" in response.json()


def test_stats_use_templates_with_canonical_names(sb: RunningSandbox, at: AutotaskClient) -> None:
    at.request(
        "POST", f"{at.root}/ATServicesRest/V1.0/billingitems/query", data=json.dumps({"filter": ALL_IDS})
    )
    at.get("/invoices/1000")
    at.get("/invoices/query/count", params={"search": json.dumps({"filter": ALL_IDS})})
    at.get("/purchaseorders/81/items")
    requests.get(sb.autotask["zone_lookup_url"], params={"user": sb.autotask["username"]}, timeout=10)
    paths = {(c["method"], c["path"]) for c in sb.admin("autotask", "stats")["calls"]}
    assert ("POST", "/atservicesrest/v1.0/BillingItems/query") in paths
    assert ("GET", "/atservicesrest/v1.0/Invoices/{id}") in paths
    assert ("GET", "/atservicesrest/v1.0/Invoices/query/count") in paths
    assert ("GET", "/atservicesrest/v1.0/PurchaseOrders/{id}/Items") in paths
    assert ("GET", "/atservicesrest/v1.0/zoneInformation") in paths


def test_request_log_never_holds_credentials(sb: RunningSandbox, at: AutotaskClient) -> None:
    at.query("Invoices", ALL_IDS, method="GET", MaxRecords=1)
    at.query("Invoices", ALL_IDS, MaxRecords=1)
    at.patch("Invoices", {"id": 1000, "webServiceDate": "2025-10-01T10:00:00Z"})
    _call(at, _headers(at, Secret="wrong-" + at.headers["Secret"]))
    log = sb.admin("autotask", "requests")
    text = json.dumps(log)
    for secret in (sb.autotask["secret"], sb.autotask["integration_code"]):
        assert secret not in text
    bodies = [entry["body"] for entry in log]
    assert {"id": 1000, "webServiceDate": "2025-10-01T10:00:00Z"} in bodies
    assert {"filter": ALL_IDS, "MaxRecords": 1} in bodies


def _faulted(sb: RunningSandbox, at: AutotaskClient, kind: str) -> requests.Response:
    sb.admin("autotask", "faults", {"rate": 1.0, "kinds": [kind], "seed": 1})
    try:
        response: requests.Response = at.query("Invoices", ALL_IDS, MaxRecords=1)
        return response
    finally:
        sb.admin("autotask", "faults", {"rate": 0.0})


@pytest.mark.parametrize("kind", ["429", "500", "503"])
def test_injected_faults_use_the_autotask_error_shape(
    sb: RunningSandbox, at: AutotaskClient, kind: str
) -> None:
    response = _faulted(sb, at, kind)
    assert response.status_code == int(kind)
    body: dict[str, Any] = decode(response)
    assert list(body) == ["errors"] and isinstance(body["errors"][0], str)
    stats = sb.admin("autotask", "stats")
    assert any(
        c["path"] == "/atservicesrest/v1.0/Invoices/query" and c["status"] == int(kind)
        for c in stats["calls"]
    )
    if kind == "429":
        assert stats["throttled"] >= 1


def test_limits_off_never_throttle_and_count_nothing(at: AutotaskClient) -> None:
    statuses: list[int] = []
    barrier = threading.Barrier(8)

    def call() -> None:
        client = AutotaskClient(at.info)
        barrier.wait()
        statuses.append(client.get("/Invoices/1000").status_code)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 8
    info = at.get("/ThresholdInformation").json()
    assert info == {
        "externalRequestThreshold": 10000,
        "requestThresholdTimeframe": 60,
        "currentTimeframeRequestCount": 0,
    }
