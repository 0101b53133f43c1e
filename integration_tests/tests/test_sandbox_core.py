"""The sandbox shell over HTTP: ready line, admin endpoints, seeded faults, clock, CLI, shutdown."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest
import requests
from sandbox.launcher import RunningSandbox, running_sandbox

UNKNOWN_PATH = "/atservicesrest/v1.0/NoSuchEntity/query"


def _zone_url(sandbox: RunningSandbox) -> str:
    """A call that answers 200 when no fault is injected (and needs no credentials)."""
    return f"{sandbox.info['autotask']['zone_lookup_url']}?user={sandbox.info['autotask']['username']}"


def _statuses(sandbox: RunningSandbox, count: int) -> list[int | str]:
    seen: list[int | str] = []
    with requests.Session() as session:
        for _ in range(count):
            try:
                seen.append(session.get(_zone_url(sandbox), timeout=5).status_code)
            except requests.ConnectionError:
                seen.append("reset")
    return seen


def test_ready_line_follows_the_contract(sandbox: RunningSandbox) -> None:
    autotask, xero = sandbox.info["autotask"], sandbox.info["xero"]
    assert set(autotask) >= {"zone_lookup_url", "base_url", "username", "secret", "integration_code"}
    assert set(xero) >= {"api_url", "identity_url", "client_id", "client_secret", "refresh_token", "tenants"}
    assert autotask["zone_lookup_url"].startswith("http://127.0.0.1:")
    assert autotask["zone_lookup_url"].endswith("/atservicesrest/v1.0/zoneInformation")
    assert autotask["base_url"].endswith("/atservicesrest/")
    assert xero["api_url"] == xero["identity_url"] + "/api.xro/2.0"
    assert all(set(t) == {"tenant_id", "name"} for t in xero["tenants"])


def test_stats_count_calls_by_template_and_status(sandbox: RunningSandbox) -> None:
    assert sandbox.admin("autotask", "stats") == {"total": 0, "throttled": 0, "calls": [], "egress": {}}
    for _ in range(3):
        requests.get(sandbox.autotask_root + UNKNOWN_PATH, timeout=5)
    stats = sandbox.admin("autotask", "stats")
    assert stats["total"] == 3
    assert sum(call["count"] for call in stats["calls"]) == 3
    assert {call["method"] for call in stats["calls"]} == {"GET"}
    # The other API's counters are its own.
    assert sandbox.admin("xero", "stats")["total"] == 0


def test_request_log_keeps_arrival_order_and_never_credentials(sandbox: RunningSandbox) -> None:
    creds = sandbox.info["autotask"]
    headers = {
        "UserName": creds["username"],
        "Secret": creds["secret"],
        "ApiIntegrationCode": creds["integration_code"],
    }
    requests.get(
        sandbox.autotask_root + UNKNOWN_PATH, params={"search": '{"filter":[]}'}, headers=headers, timeout=5
    )
    requests.post(
        sandbox.autotask_root + "/atservicesrest/v1.0/Other/query",
        json={"filter": []},
        headers=headers,
        timeout=5,
    )
    log = sandbox.admin("autotask", "requests")
    assert [entry["method"] for entry in log] == ["GET", "POST"]
    assert set(log[0]) == {"method", "path", "query", "body", "tenant", "status"}
    assert log[0]["query"] == {"search": '{"filter":[]}'}
    text = json.dumps(log)
    for secret in sandbox.secrets():
        assert secret not in text


def test_admin_calls_are_not_counted_and_reset_zeroes(sandbox: RunningSandbox) -> None:
    requests.get(sandbox.autotask_root + UNKNOWN_PATH, timeout=5)
    sandbox.admin("autotask", "stats")
    sandbox.admin("autotask", "requests")
    assert sandbox.admin("autotask", "stats")["total"] == 1
    sandbox.admin("autotask", "reset", {})
    assert sandbox.admin("autotask", "stats")["total"] == 0
    assert sandbox.admin("autotask", "requests") == []


@pytest.mark.parametrize("kind", ["429", "500", "503"])
def test_every_request_faults_at_rate_one(sandbox: RunningSandbox, kind: str) -> None:
    sandbox.admin("autotask", "faults", {"rate": 1.0, "kinds": [kind], "seed": 3})
    assert _statuses(sandbox, 3) == [int(kind)] * 3


def test_connection_reset_fault_drops_the_connection(sandbox: RunningSandbox) -> None:
    sandbox.admin("autotask", "faults", {"rate": 1.0, "kinds": ["reset"], "seed": 1})
    with pytest.raises(requests.ConnectionError):
        requests.get(sandbox.autotask_root + UNKNOWN_PATH, timeout=5)


def test_slow_fault_outlasts_the_client_timeout(sandbox: RunningSandbox) -> None:
    sandbox.admin("autotask", "faults", {"rate": 1.0, "kinds": ["slow"], "seed": 1, "slow_seconds": 2})
    with pytest.raises(requests.Timeout):
        requests.get(sandbox.autotask_root + UNKNOWN_PATH, timeout=0.5)


def test_faults_are_reproducible_for_a_seed(sandbox: RunningSandbox) -> None:
    spec = {"rate": 0.5, "kinds": ["429", "500", "503"], "seed": 11}
    sandbox.admin("autotask", "faults", spec)
    first = _statuses(sandbox, 40)
    sandbox.admin("autotask", "faults", spec)
    second = _statuses(sandbox, 40)
    assert first == second
    assert {429, 500, 503} & set(first), "rate 0.5 over 40 calls must inject something"
    assert 200 in first, "rate 0.5 over 40 calls must let something through"
    sandbox.admin("autotask", "faults", {**spec, "seed": 12})
    assert _statuses(sandbox, 40) != first


@pytest.mark.parametrize(
    "body",
    [
        {"rate": 2},
        {"rate": 0.1, "kinds": ["418"]},
        {"rate": 0.1, "kinds": []},
        {"rate": 0.1, "colour": "red"},
    ],
)
def test_bad_fault_settings_are_refused(sandbox: RunningSandbox, body: dict[str, object]) -> None:
    response = requests.post(sandbox.autotask_root + "/__sandbox/faults", json=body, timeout=5)
    assert response.status_code == 400
    assert "error" in response.json()


def test_clock_only_moves_forward(sandbox: RunningSandbox) -> None:
    before = requests.get(sandbox.xero_root + "/__sandbox/clock", timeout=5).json()["offset_seconds"]
    moved = sandbox.admin("xero", "clock", {"advance_seconds": 120})
    assert moved["offset_seconds"] == pytest.approx(before + 120)
    # One clock for both APIs.
    assert requests.get(sandbox.autotask_root + "/__sandbox/clock", timeout=5).json()[
        "offset_seconds"
    ] == pytest.approx(before + 120)
    backwards = requests.post(sandbox.xero_root + "/__sandbox/clock", json={"advance_seconds": -5}, timeout=5)
    assert backwards.status_code == 400


def test_unknown_admin_call_is_404(sandbox: RunningSandbox) -> None:
    assert requests.get(sandbox.xero_root + "/__sandbox/nothing", timeout=5).status_code == 404


def test_faults_given_on_the_command_line_apply_from_the_start() -> None:
    with running_sandbox("demo", faults="rate=1;kinds=503;seed=2") as running:
        assert requests.get(_zone_url(running), timeout=5).status_code == 503
        assert running.admin("autotask", "stats")["calls"][0]["status"] == 503


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rate-limits", "fast"], "--rate-limits"),
        (["--faults", "rate=0.5;kinds=teapot"], "fault kinds"),
        (["--dataset", "/nonexistent/dataset.json"], "nonexistent"),
    ],
)
def test_bad_command_line_fails_with_a_clear_message(args: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sandbox", "up", *args], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_sigterm_stops_cleanly() -> None:
    with running_sandbox("demo") as running:
        running.process.send_signal(signal.SIGTERM)
        assert running.process.wait(timeout=20) == 0
        assert running.process.stdout is not None and running.process.stdout.read() == ""


def test_export_writes_a_dataset_that_loads_back(tmp_path: object) -> None:
    from pathlib import Path

    out = Path(str(tmp_path)) / "demo.json"
    result = subprocess.run(
        [sys.executable, "-m", "sandbox", "export", "--dataset", "demo", "--seed", "4", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data) >= {"autotask", "xero"}
    with running_sandbox(str(out)) as running:
        assert {t["name"] for t in running.info["xero"]["tenants"]} == set(data["xero"])


def test_connections_are_kept_alive_across_calls(sandbox: RunningSandbox) -> None:
    import http.client
    from urllib.parse import urlsplit

    zone = urlsplit(_zone_url(sandbox))
    connection = http.client.HTTPConnection(zone.hostname or "127.0.0.1", zone.port, timeout=5)
    connection.request("GET", f"{zone.path}?{zone.query}")
    first = connection.getresponse()
    first.read()
    assert first.status == 200
    assert first.getheader("Connection") != "close"
    socket_before = connection.sock
    for _ in range(3):
        connection.request("GET", f"{zone.path}?{zone.query}")
        response = connection.getresponse()
        response.read()
        assert response.status == 200
    assert connection.sock is socket_before, "the server closed a keep-alive connection"
    connection.close()


def test_chunked_request_bodies_are_read(sandbox: RunningSandbox) -> None:
    def body() -> object:
        yield b'{"rate": 0.0, '
        yield b'"kinds": ["500"], "seed": 4}'

    response = requests.post(sandbox.xero_root + "/__sandbox/faults", data=body(), timeout=5)
    assert response.status_code == 200
    assert response.json()["faults"]["kinds"] == ["500"]


def test_malformed_admin_json_is_a_400_not_a_dropped_connection(sandbox: RunningSandbox) -> None:
    response = requests.post(sandbox.autotask_root + "/__sandbox/faults", data=b"{not json", timeout=5)
    assert response.status_code == 400
