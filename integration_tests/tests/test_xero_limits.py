"""Xero API limits over HTTP: minute, day, concurrency and app-minute refusals, the remaining-quota headers,
Retry-After on the sandbox clock, scaled windows, injected faults, and the app tiers (day limit and
connection cap per tier, Starter by default)."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from sandbox.launcher import RunningSandbox, running_sandbox
from sandbox_testkit.xero_platform_kit import ALPHA_ID, BETA_ID, XeroHttp, write_dataset

LIMIT_HEADERS = ("X-DayLimit-Remaining", "X-MinLimit-Remaining", "X-AppMinLimit-Remaining")
STARTER_DAY = 1000  # the default tier's calls a day per organisation
FULL_DAY = 5000  # every other tier's


@pytest.fixture(scope="module")
def dataset_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    return write_dataset(tmp_path_factory.mktemp("xero-limits") / "dataset.json")


@pytest.fixture(scope="module")
def real_sandbox(dataset_path: str) -> Iterator[RunningSandbox]:
    with running_sandbox(dataset_path, rate_limits="real") as running:
        yield running


@pytest.fixture
def sb(real_sandbox: RunningSandbox) -> RunningSandbox:
    real_sandbox.admin("xero", "reset", {})
    return real_sandbox


class Conn:
    """One keep-alive connection (http.client is much lighter than requests for thousands of calls)."""

    def __init__(self, sb: RunningSandbox, token: str) -> None:
        url = urlsplit(sb.xero["api_url"])
        self.host, self.port = str(url.hostname), int(url.port or 80)
        self.token = token
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def get(self, path: str, tenant: str = ALPHA_ID) -> tuple[int, dict[str, str], bytes]:
        headers = {"Authorization": f"Bearer {self.token}", "xero-tenant-id": tenant}
        self.conn.request("GET", f"/api.xro/2.0/{path}", headers=headers)
        response = self.conn.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def token_for(sb: RunningSandbox) -> str:
    return XeroHttp(sb.xero).access_token()


def advance(sb: RunningSandbox, seconds: float) -> None:
    sb.admin("xero", "clock", {"advance_seconds": seconds})


def run_parallel(sb: RunningSandbox, token: str, calls: list[tuple[str, str]], workers: int = 4) -> list[int]:
    """Runs (path, tenant) calls on `workers` connections; returns the statuses."""
    chunks = [calls[i::workers] for i in range(workers)]

    def work(chunk: list[tuple[str, str]]) -> list[int]:
        conn = Conn(sb, token)
        return [conn.get(path, tenant)[0] for path, tenant in chunk]

    with ThreadPoolExecutor(workers) as pool:
        return [status for statuses in pool.map(work, chunks) for status in statuses]


def test_minute_limit_counts_down_and_refuses_with_retry_after(sb: RunningSandbox) -> None:
    conn = Conn(sb, token_for(sb))
    for i in range(60):
        status, headers, _ = conn.get("Currencies")
        assert status == 200
        assert headers["x-minlimit-remaining"] == str(59 - i)
        assert headers["x-daylimit-remaining"] == str(STARTER_DAY - 1 - i)
        assert headers["x-appminlimit-remaining"] == str(9999 - i)
    status, headers, body = conn.get("Currencies")
    assert status == 429
    assert headers["x-rate-limit-problem"] == "minute"
    retry_after = int(headers["retry-after"])
    assert 1 <= retry_after <= 60
    assert headers["x-minlimit-remaining"] == "0"
    assert not body.startswith(b"{"), "the 429 body is not JSON: clients must use the headers"
    assert conn.get("Currencies")[0] == 429
    assert conn.get("Currencies", BETA_ID)[0] == 200, "limits are per tenant connection"
    advance(sb, retry_after)
    status, headers, _ = conn.get("Currencies")
    assert status == 200
    assert headers["x-minlimit-remaining"] == "59"
    assert headers["x-daylimit-remaining"] == str(STARTER_DAY - 1 - 60), "refused calls consume no quota"
    stats = sb.admin("xero", "stats")
    assert stats["throttled"] == 2
    assert any(c["status"] == 429 and c["tenant"] == ALPHA_ID for c in stats["calls"])


def test_every_accounting_answer_carries_the_quota_headers(sb: RunningSandbox) -> None:
    x = XeroHttp(sb.xero)
    for response in (
        x.get("Invoices"),
        x.get("Invoices/00000000-0000-0000-0000-000000000000"),
        x.get("Invoices", params={"where": "Nope==1"}),
        x.send("PUT", "Contacts", {"Contacts": [{"Name": "Quota Header Co"}]}),
    ):
        assert response.status_code in (200, 400, 404)
        for header in LIMIT_HEADERS:
            assert int(response.headers[header]) >= 0
    token = requests.post(
        f"{sb.xero_root}/connect/token",
        data={"grant_type": "refresh_token", "refresh_token": sb.xero["refresh_token"]},
        auth=(sb.xero["client_id"], sb.xero["client_secret"]),
        timeout=30,
    )
    connections = requests.get(
        f"{sb.xero_root}/connections", headers={"Authorization": f"Bearer {x.access_token()}"}, timeout=30
    )
    for response in (token, connections):
        assert response.status_code == 200
        assert "X-MinLimit-Remaining" not in response.headers


def test_identity_and_connections_are_not_under_accounting_limits(sb: RunningSandbox) -> None:
    token = token_for(sb)
    statuses = run_parallel(sb, token, [("Organisation", ALPHA_ID)] * 61, workers=1)
    assert statuses.count(429) == 1
    for _ in range(3):
        assert (
            requests.get(
                f"{sb.xero_root}/connections", headers={"Authorization": f"Bearer {token}"}, timeout=30
            ).status_code
            == 200
        )
        refreshed = requests.post(
            f"{sb.xero_root}/connect/token",
            data={"grant_type": "refresh_token", "refresh_token": sb.xero["refresh_token"]},
            auth=(sb.xero["client_id"], sb.xero["client_secret"]),
            timeout=30,
        )
        assert refreshed.status_code == 200


def exhaust_day_and_recover(sb: RunningSandbox, day_limit: int) -> None:
    """Spend Alpha's whole day in minute-sized batches, check the day refusal, then the next day."""
    x = XeroHttp(sb.xero)
    refresh_token = sb.xero["refresh_token"]
    made = 0
    while made < day_limit:
        if made % (20 * 60) == 0:  # access tokens live 30 minutes of sandbox time: rotate as a client would
            tokens = x.refresh(refresh_token).json()
            token, refresh_token = tokens["access_token"], tokens["refresh_token"]
        batch = min(60, day_limit - made)
        statuses = run_parallel(sb, token, [("Currencies", ALPHA_ID)] * batch)
        assert statuses == [200] * batch
        made += batch
        advance(sb, 60.5)
    status, headers, _ = Conn(sb, token).get("Currencies")
    assert status == 429
    assert headers["x-rate-limit-problem"] == "day"
    assert headers["x-daylimit-remaining"] == "0"
    assert headers["x-minlimit-remaining"] == "60"
    retry_after = int(headers["retry-after"])
    minutes = -(-day_limit // 60)
    assert 86400 - minutes * 61 <= retry_after <= 86400
    assert Conn(sb, token).get("Currencies", BETA_ID)[0] == 200
    advance(sb, retry_after)
    token = x.refresh(refresh_token).json()["access_token"]
    assert Conn(sb, token).get("Currencies")[0] == 200


def test_day_limit_survives_minute_windows_and_refuses_for_hours(sb: RunningSandbox) -> None:
    exhaust_day_and_recover(sb, STARTER_DAY)


def test_starter_tier_is_the_default_with_1000_calls_a_day(sb: RunningSandbox) -> None:
    assert sb.xero["tier"] == {"name": "starter", "day_limit": STARTER_DAY, "max_connections": 5}
    status, headers, _ = Conn(sb, token_for(sb)).get("Organisation")
    assert status == 200 and headers["x-daylimit-remaining"] == str(STARTER_DAY - 1)


@pytest.mark.parametrize(
    ("tier", "day"), [("starter", 1000), ("core", 5000), ("plus", 5000), ("advanced", 5000)]
)
def test_day_limit_remaining_follows_the_tier(dataset_path: str, tier: str, day: int) -> None:
    with running_sandbox(dataset_path, rate_limits="real", xero_tier=tier) as running:
        assert running.xero["tier"]["day_limit"] == day
        status, headers, _ = Conn(running, token_for(running)).get("Organisation")
        assert status == 200 and headers["x-daylimit-remaining"] == str(day - 1)


def test_core_tier_day_limit_is_5000_calls(dataset_path: str) -> None:
    with running_sandbox(dataset_path, rate_limits="real", xero_tier="core") as running:
        exhaust_day_and_recover(running, FULL_DAY)


def test_custom_connection_keeps_5000_calls_a_day_on_starter(sb: RunningSandbox) -> None:
    """Custom connections are priced per organisation, outside the tiers: Xero's 5,000 a day stands."""
    custom = sb.xero["custom_connection"]
    token = requests.post(
        f"{sb.xero_root}/connect/token",
        data={"grant_type": "client_credentials"},
        auth=(custom["client_id"], custom["client_secret"]),
        timeout=30,
    ).json()["access_token"]
    status, headers, _ = Conn(sb, token).get("Organisation", custom["tenant_id"])
    assert status == 200 and headers["x-daylimit-remaining"] == str(FULL_DAY - 1)


def test_sixth_concurrent_call_is_refused(sb: RunningSandbox) -> None:
    """A big write holds Alpha's books; calls queued behind it are in progress, so the sixth is refused."""
    x = XeroHttp(sb.xero)
    token = x.access_token()
    body = {"Contacts": [{"Name": f"Bulk Contact {i:05d}"} for i in range(30000)]}
    written: list[requests.Response] = []
    writer = threading.Thread(
        target=lambda: written.append(x.send("PUT", "Contacts", body, params={"summarizeErrors": "false"}))
    )
    writer.start()
    time.sleep(0.3)
    seen: list[tuple[str, int, dict[str, str]]] = []
    calls = [("Organisation", ALPHA_ID)] * 5 + [("Organisation", BETA_ID)]

    def call(target: tuple[str, str]) -> tuple[str, int, dict[str, str]]:
        status, headers, _ = Conn(sb, token).get(*target)
        return target[1], status, headers

    for _ in range(9):  # at most 54 reads: the minute limit stays out of the way
        if not writer.is_alive():
            break
        with ThreadPoolExecutor(len(calls)) as pool:
            seen += list(pool.map(call, calls))
        if any(status == 429 for _, status, _ in seen):
            break
    writer.join()
    assert written and written[0].status_code == 200
    refused = [headers for _, status, headers in seen if status == 429]
    assert refused, "calls beyond five in progress for one tenant must be refused"
    assert all(h["x-rate-limit-problem"] == "concurrent" and int(h["retry-after"]) >= 1 for h in refused)
    assert all(status == 200 for tenant, status, _ in seen if tenant == BETA_ID), "counted per tenant"
    assert all(status in (200, 429) for _, status, _ in seen)
    assert Conn(sb, token).get("Organisation")[0] == 200


def test_scaled_policy_shrinks_the_minute_window(dataset_path: str) -> None:
    with running_sandbox(dataset_path, rate_limits="scaled:30") as running:
        conn = Conn(running, token_for(running))
        statuses = [conn.get("Currencies")[0] for _ in range(60)]
        assert statuses == [200] * 60
        status, headers, _ = conn.get("Currencies")
        assert status == 429 and headers["x-rate-limit-problem"] == "minute"
        assert int(headers["retry-after"]) in (1, 2)
        advance(running, 2.1)  # 60 seconds / 30: the scaled minute is over, on the sandbox clock
        status, headers, _ = conn.get("Currencies")
        assert status == 200
        assert headers["x-minlimit-remaining"] == "59"


def test_limits_off_never_refuses_and_reports_full_quotas(dataset_path: str) -> None:
    with running_sandbox(dataset_path, rate_limits="off") as running:
        token = token_for(running)
        statuses = run_parallel(running, token, [("Currencies", ALPHA_ID)] * 200, workers=8)
        assert statuses == [200] * 200
        status, headers, _ = Conn(running, token).get("Currencies")
        assert status == 200
        assert (headers["x-daylimit-remaining"], headers["x-minlimit-remaining"]) == (str(STARTER_DAY), "60")
        assert headers["x-appminlimit-remaining"] == "10000"


@pytest.mark.slow
def test_app_minute_limit_across_tenants(tmp_path: Path) -> None:
    path = write_dataset(tmp_path / "many.json", extra_tenants=170)
    # scaled:0.25 stretches every window to 4 minutes, so a slow machine still fits 10,000 calls in one
    # Plus: Starter connects 5 organisations and Core 50; this needs 171.
    with running_sandbox(path, rate_limits="scaled:0.25", xero_tier="plus") as running:
        token = token_for(running)
        tenants = [t["tenant_id"] for t in running.xero["tenants"]]
        calls: list[tuple[str, str]] = []
        for tenant in tenants:
            calls += [("Currencies", tenant)] * min(59, 10000 - len(calls))
            if len(calls) == 10000:
                break
        fresh = tenants[-1]
        assert not any(t == fresh for _, t in calls)
        statuses = run_parallel(running, token, calls, workers=5)
        assert statuses == [200] * 10000
        status, headers, _ = Conn(running, token).get("Currencies", fresh)
        assert status == 429
        assert headers["x-rate-limit-problem"] == "appminute"
        assert headers["x-appminlimit-remaining"] == "0"
        assert headers["x-minlimit-remaining"] == "60"
        assert 1 <= int(headers["retry-after"]) <= 240
        running.admin("xero", "clock", {"advance_seconds": int(headers["retry-after"])})
        assert Conn(running, token).get("Currencies", fresh)[0] == 200


@pytest.mark.parametrize("kind", ["429", "500", "503"])
def test_injected_faults_in_xero_shapes(sb: RunningSandbox, kind: str) -> None:
    x = XeroHttp(sb.xero)
    x.access_token()
    sb.admin("xero", "faults", {"rate": 1.0, "kinds": [kind], "seed": 3})
    try:
        response = x.get("Invoices")
    finally:
        sb.admin("xero", "faults", {"rate": 0.0})
    assert response.status_code == int(kind)
    if kind == "429":
        assert response.headers["X-Rate-Limit-Problem"] == "minute"
        assert response.headers["Retry-After"] == "1"
        assert sb.admin("xero", "stats")["throttled"] == 1
    elif kind == "500":
        body: dict[str, Any] = response.json()
        assert body["Status"] == 500 and body["Title"] == "An error occurred"
    else:
        assert response.text == "The Organisation is offline"
        assert response.headers["Content-Type"].startswith("text/plain")
    assert x.get("Invoices").status_code == 200


def test_throttled_calls_are_logged_with_the_tenant(sb: RunningSandbox) -> None:
    statuses = run_parallel(sb, token_for(sb), [("Items", ALPHA_ID)] * 62, workers=1)
    assert statuses.count(429) == 2
    entries = sb.admin("xero", "requests")
    refused = [e for e in entries if e["status"] == 429]
    assert len(refused) == 2 and {e["tenant"] for e in refused} == {ALPHA_ID}
    calls = sb.admin("xero", "stats")["calls"]
    assert {(c["path"], c["status"]) for c in calls} >= {
        ("/api.xro/2.0/Items", 200),
        ("/api.xro/2.0/Items", 429),
    }
