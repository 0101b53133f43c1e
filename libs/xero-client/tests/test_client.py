from __future__ import annotations

import json
import threading
from decimal import Decimal

import pytest
import requests
import requests_mock as rm
from xero_client.client import (
    AuthError,
    DailyLimitReached,
    TenantLimiter,
    XeroClient,
    XeroError,
    dumps,
    idempotency_key,
)
from xero_client.settings import ClientSettings
from xero_client.tokens import FileTokenStore, MemoryTokenStore

API = "https://api.xero.com/api.xro/2.0"
TOKEN = "https://identity.xero.com/connect/token"
SECRET = "very-secret-client-secret"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_client(auth=None, store=None, clock=None, **kw) -> XeroClient:
    config = ClientSettings.model_validate(
        {"auth": auth or {"type": "client_credentials", "client_id": "cid", "client_secret": SECRET}}
    )
    clock = clock or FakeClock()
    return XeroClient(config, store=store, clock=clock, sleep=clock.sleep, **kw)


def token_ok(m, access="acc-1", refresh=None):
    body = {"access_token": access, "expires_in": 1800, "token_type": "Bearer"}
    if refresh:
        body["refresh_token"] = refresh
    m.post(TOKEN, json=body)


def test_dumps_writes_decimals_as_numbers_and_refuses_floats():
    assert dumps({"a": Decimal("1.2300"), "b": [True, None, "x", 3]}) == '{"a":1.2300,"b":[true,null,"x",3]}'
    with pytest.raises(TypeError):
        dumps({"a": 1.5})


def test_idempotency_key_is_deterministic_and_bounded():
    a = idempotency_key("t1", [("INV-1", {"Total": Decimal("1.10"), "B": 1})])
    b = idempotency_key("t1", [("INV-1", {"Total": Decimal("1.10"), "B": 1})])
    other_tenant = idempotency_key("t2", [("INV-1", {"Total": Decimal("1.10"), "B": 1})])
    other_version = idempotency_key("t1", [("INV-1", {"Total": Decimal("1.11"), "B": 1})])
    other_doc = idempotency_key("t1", [("INV-2", {"Total": Decimal("1.10"), "B": 1})])
    assert a == b and len({a, other_tenant, other_version, other_doc}) == 4 and len(a) <= 128


def test_client_credentials_tenant_header_and_decimal_parsing():
    client = make_client()
    with rm.Mocker() as m:
        token_ok(m)
        remaining = {"X-MinLimit-Remaining": "59"}
        m.get(f"{API}/Invoices", text='{"Invoices":[{"Total":10.05}]}', headers=remaining)
        body = client.get("t1", "Invoices", {"InvoiceNumbers": "1"})
        assert body["Invoices"][0]["Total"] == Decimal("10.05")
        call = m.request_history[-1]
        assert call.headers["xero-tenant-id"] == "t1" and call.headers["Authorization"] == "Bearer acc-1"
        assert m.request_history[0].text == "grant_type=client_credentials"
        assert client.limiter("t1").state.minute_remaining == 59


def test_refresh_token_rotation_is_persisted_before_use(tmp_path):
    store = FileTokenStore(tmp_path / "tok.json")
    client = make_client(
        {
            "type": "refresh_token",
            "client_id": "c",
            "client_secret": SECRET,
            "refresh_token": "r0",
            "token_store_path": str(tmp_path / "tok.json"),
        },
        store=store,
    )
    order = []
    with rm.Mocker() as m:
        token_ok(m, refresh="r1")

        def api(request, context):
            order.append(("api", store.load()))
            return {"Invoices": []}

        m.get(f"{API}/Invoices", json=api)
        client.get("t1", "Invoices")
        assert "refresh_token=r0" in m.request_history[0].text
    assert order == [("api", "r1")]  # the rotated token was on disk before the first API call
    assert json.loads((tmp_path / "tok.json").read_text()) == {"refresh_token": "r1"}
    assert (tmp_path / "tok.json").stat().st_mode & 0o777 == 0o600
    # a new process starts from the store, not from the (now dead) config token
    again = make_client(
        {
            "type": "refresh_token",
            "client_id": "c",
            "client_secret": SECRET,
            "refresh_token": "r0",
            "token_store_path": str(tmp_path / "tok.json"),
        }
    )
    with rm.Mocker() as m:
        token_ok(m, access="acc-2", refresh="r2")
        m.get(f"{API}/Invoices", json={"Invoices": []})
        again.get("t1", "Invoices")
        assert "refresh_token=r1" in m.request_history[0].text


def test_memory_store_callback_runs_before_use():
    seen = []
    store = MemoryTokenStore("r0", on_save=seen.append)
    client = make_client(
        {"type": "refresh_token", "client_id": "c", "client_secret": SECRET, "refresh_token": "r0"},
        store=store,
    )
    with rm.Mocker() as m:
        token_ok(m, refresh="r1")
        m.get(f"{API}/Items", json=lambda r, c: {"Items": list(seen)})
        assert client.get("t1", "Items") == {"Items": ["r1"]}


def test_expired_grant_is_clear_and_secret_free(tmp_path):
    client = make_client(
        {
            "type": "refresh_token",
            "client_id": "c",
            "client_secret": SECRET,
            "refresh_token": "dead-refresh-token",
            "token_store_path": str(tmp_path / "t.json"),
        }
    )
    with rm.Mocker() as m:
        m.post(TOKEN, status_code=400, json={"error": "invalid_grant"})
        with pytest.raises(AuthError) as info:
            client.get("t1", "Invoices")
    text = str(info.value)
    assert "invalid_grant" in text and "Reconnect the Xero app" in text and "t.json" in text
    assert SECRET not in text and "dead-refresh-token" not in text


def test_401_refreshes_once_and_retries():
    client = make_client()
    with rm.Mocker() as m:
        m.post(
            TOKEN,
            [
                {"json": {"access_token": "a1", "expires_in": 1800}},
                {"json": {"access_token": "a2", "expires_in": 1800}},
            ],
        )
        expired = {"Title": "Unauthorized", "Detail": "TokenExpired"}
        m.get(f"{API}/Items", [{"status_code": 401, "json": expired}, {"json": {"Items": []}}])
        assert client.get("t1", "Items") == {"Items": []}
        assert m.request_history[-1].headers["Authorization"] == "Bearer a2"


def test_a_token_that_expires_again_during_a_throttle_wait_is_refreshed_again():
    """A refreshed token can outlive a long Retry-After wait no better than the first one did."""
    client = make_client()
    with rm.Mocker() as m:
        m.post(TOKEN, [{"json": {"access_token": f"a{n}", "expires_in": 1800}} for n in (1, 2, 3)])
        expired = {"Title": "Unauthorized", "Detail": "TokenExpired"}
        throttled = {"status_code": 429, "headers": {"Retry-After": "1"}, "text": ""}
        m.get(
            f"{API}/Items",
            [
                {"status_code": 401, "json": expired},
                throttled,
                {"status_code": 401, "json": expired},
                {"json": {"Items": []}},
            ],
        )
        assert client.get("t1", "Items") == {"Items": []}
        assert m.request_history[-1].headers["Authorization"] == "Bearer a3"


def test_two_401s_in_a_row_mean_the_organisation_refuses_the_app():
    client = make_client()
    with rm.Mocker() as m:
        m.post(TOKEN, [{"json": {"access_token": f"a{n}", "expires_in": 1800}} for n in (1, 2)])
        refused = {"Title": "Unauthorized", "Detail": "AuthenticationUnsuccessful"}
        m.get(f"{API}/Items", status_code=401, json=refused)
        with pytest.raises(XeroError) as info:
            client.get("t1", "Items")
        assert info.value.status == 401
        assert len([r for r in m.request_history if r.url.startswith(API)]) == 2


def test_short_lived_tokens_are_renewed_half_way_not_before_every_call():
    clock = FakeClock()
    client = make_client(clock=clock)
    client.auth.clock = clock  # the authenticator keeps wall time; the test drives it
    with rm.Mocker() as m:
        m.post(TOKEN, json={"access_token": "a1", "expires_in": 60})
        m.get(f"{API}/Items", json={"Items": []})
        for _ in range(5):
            client.get("t1", "Items")
            clock.now += 5  # 25 s of a 60 s token: still inside its first half
        assert m.call_count - 5 == 1
        clock.now += 10  # 35 s: past half-way, renewed before the next call
        client.get("t1", "Items")
        assert m.call_count - 6 == 2


def test_minute_429_waits_retry_after_then_succeeds():
    clock = FakeClock()
    client = make_client(clock=clock)
    with rm.Mocker() as m:
        token_ok(m)
        m.get(
            f"{API}/Items",
            [
                {"status_code": 429, "headers": {"Retry-After": "17", "X-Rate-Limit-Problem": "minute"}},
                {"json": {"Items": []}},
            ],
        )
        client.get("t1", "Items")
    assert clock.sleeps == [17.0]
    assert client.limiter("t1").state.throttled == 1


def test_day_429_raises_daily_limit_reached():
    client = make_client()
    with rm.Mocker() as m:
        token_ok(m)
        day = {"Retry-After": "66975", "X-Rate-Limit-Problem": "day"}
        m.get(f"{API}/Items", status_code=429, headers=day)
        with pytest.raises(DailyLimitReached) as info:
            client.get("t1", "Items")
    assert info.value.retry_after == 66975 and "daily call limit" in str(info.value)


def test_5xx_and_connection_errors_are_retried_with_backoff_and_same_idempotency_key():
    clock = FakeClock()
    client = make_client(clock=clock)
    with rm.Mocker() as m:
        token_ok(m)
        m.post(
            f"{API}/Invoices",
            [
                {"status_code": 503, "text": "Organisation offline"},
                {"exc": requests.ConnectionError("reset by peer")},
                {"status_code": 500, "json": {}},
                {"json": {"Invoices": []}},
            ],
        )
        client.request("POST", "t1", "Invoices", body={"Invoices": []}, idempotency_key="k-1")
        calls = [r for r in m.request_history if r.url.startswith(API)]
    assert len(calls) == 4 and {c.headers["Idempotency-Key"] for c in calls} == {"k-1"}
    assert len(clock.sleeps) == 3


def test_gives_up_after_max_tries():
    client = make_client(max_tries=2)
    with rm.Mocker() as m:
        token_ok(m)
        m.get(f"{API}/Items", status_code=503)
        with pytest.raises(XeroError, match="failed after 2 tries: HTTP 503"):
            client.get("t1", "Items")


def test_400_errors_carry_validation_messages_but_no_secrets():
    client = make_client()
    body = {
        "ErrorNumber": 10,
        "Type": "ValidationException",
        "Message": "A validation exception occurred",
        "Elements": [{"ValidationErrors": [{"Message": "Invoice # must be unique."}]}],
    }
    with rm.Mocker() as m:
        token_ok(m, access="acc-secret-token")
        m.put(f"{API}/Invoices", status_code=400, json=body)
        with pytest.raises(XeroError) as info:
            client.request("PUT", "t1", "Invoices", body={"Invoices": []})
    assert info.value.messages == ["Invoice # must be unique."]
    assert "acc-secret-token" not in str(info.value) and SECRET not in str(info.value)


def test_limiter_never_exceeds_60_per_window():
    clock = FakeClock()
    limiter = TenantLimiter(concurrent=5, per_minute=60, window=60, clock=clock, sleep=clock.sleep)
    stamps = []
    for _ in range(150):
        limiter.acquire()
        stamps.append(clock.now)
        limiter.release()
    for i, t in enumerate(stamps):
        assert sum(1 for s in stamps[i:] if s < t + 60) <= 60
    assert stamps[-1] - stamps[0] >= 120


def test_limiter_honours_remaining_headers():
    clock = FakeClock()
    limiter = TenantLimiter(clock=clock, sleep=clock.sleep)
    limiter.acquire()
    limiter.release()
    limiter.observe({"X-MinLimit-Remaining": "0", "X-DayLimit-Remaining": "4000"})
    limiter.acquire()
    assert clock.sleeps == [60.0] and limiter.state.day_remaining == 4000


def test_a_429_waits_retry_after_not_the_whole_window():
    clock = FakeClock()
    limiter = TenantLimiter(clock=clock, sleep=clock.sleep)
    limiter.acquire()
    limiter.release()
    limiter.observe({"X-MinLimit-Remaining": "0"}, throttled=True)
    limiter.block_for(2)
    limiter.acquire()
    assert clock.sleeps == [2.0]


def test_limiter_caps_concurrency_at_five():
    limiter = TenantLimiter(concurrent=5)
    inside, peak, lock = 0, 0, threading.Lock()
    gate = threading.Event()

    def work():
        nonlocal inside, peak
        limiter.acquire()
        with lock:
            inside += 1
            peak = max(peak, inside)
        gate.wait(0.05)
        with lock:
            inside -= 1
        limiter.release()

    threads = [threading.Thread(target=work) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak == 5


def test_file_token_store_serialises_refreshes_across_holders(tmp_path):
    path = tmp_path / "store" / "token.json"
    first, second = FileTokenStore(path), FileTokenStore(path)
    order: list[str] = []
    entered = threading.Event()

    def hold() -> None:
        with first.locked():
            entered.set()
            order.append("first-in")
            threading.Event().wait(0.1)
            first.save("r-from-first")
            order.append("first-out")

    thread = threading.Thread(target=hold)
    thread.start()
    entered.wait(2)
    with second.locked():
        order.append("second-in")
        assert second.load() == "r-from-first"  # the second holder sees the rotated token
    thread.join()
    assert order == ["first-in", "first-out", "second-in"]
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".token-")]  # no temp files left
