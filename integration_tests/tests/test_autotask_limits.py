"""Autotask emulator over HTTP: the hourly threshold (counting, latency, refusal) and the thread limit.

The threshold is 10,000 calls whatever the scale, so these tests make ~10,000 real HTTP calls through a
lean raw-socket client spread over one thread per entity endpoint (never more than one call in flight per
endpoint, so the thread limit stays out of the way); `scaled:10` shrinks the hour to 6 minutes and the
added latency to 50 ms / 100 ms.
"""

from __future__ import annotations

import socket
import statistics
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sandbox.autotask.catalog import ENTITIES
from sandbox.launcher import RunningSandbox, running_sandbox
from sandbox_testkit.autotask_kit import AutotaskClient, write_dataset

SCALE = 10
WINDOW = 3600 / SCALE
LATENCY_HALF = 0.5 / SCALE
LATENCY_THREE_QUARTERS = 1.0 / SCALE


@pytest.fixture(scope="module")
def sb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    path = write_dataset(tmp_path_factory.mktemp("autotask") / "dataset.json")
    with running_sandbox(dataset=str(path), rate_limits=f"scaled:{SCALE}") as running:
        yield running


@pytest.fixture
def at(sb: RunningSandbox) -> AutotaskClient:
    sb.reset()
    return AutotaskClient(sb.autotask)


def _raw_get(at: AutotaskClient, path: str) -> int:
    """One GET on a fresh connection with minimal client overhead; returns the status."""
    host, port = at.root.split("//")[1].split(":")
    head = "".join(f"{k}: {v}\r\n" for k, v in at.headers.items())
    payload = (
        f"GET /atservicesrest/v1.0{path} HTTP/1.1\r\nHost: {host}:{port}\r\n{head}Connection: close\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(payload.encode())
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return int(b"".join(chunks).split(b" ", 2)[1])


def blast(at: AutotaskClient, calls: int) -> Counter[int]:
    """`calls` counted calls, one thread per entity endpoint, one call in flight per endpoint."""
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    endpoints = [e.name for e in ENTITIES]
    shares = [
        calls // len(endpoints) + (1 if i < calls % len(endpoints) else 0) for i in range(len(endpoints))
    ]

    def worker(entity: str, count: int) -> None:
        local: Counter[int] = Counter(_raw_get(at, f"/{entity}/0") for _ in range(count))
        with lock:
            statuses.update(local)

    threads = [
        threading.Thread(target=worker, args=pair) for pair in zip(endpoints, shares, strict=True) if pair[1]
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def threshold(at: AutotaskClient) -> dict[str, Any]:
    response = at.get("/ThresholdInformation")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def fill_to(at: AutotaskClient, target: int) -> int:
    """Bring the window's count to `target` - 1, so the next call is call number `target`."""
    current = threshold(at)["currentTimeframeRequestCount"]
    assert current < target
    statuses = blast(at, target - 1 - current)
    assert set(statuses) == {200}, statuses
    return target


def timed(at: AutotaskClient, path: str = "/Invoices/1000") -> float:
    start = time.perf_counter()
    response = at.get(path)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, response.text
    return elapsed


def test_threshold_information_counts_every_call_including_itself(
    sb: RunningSandbox, at: AutotaskClient
) -> None:
    assert threshold(at) == {
        "externalRequestThreshold": 10000,
        "requestThresholdTimeframe": 60,
        "currentTimeframeRequestCount": 1,
    }
    assert threshold(at)["currentTimeframeRequestCount"] == 2
    at.get("/Invoices/1000")
    at.query("Invoices", [{"op": "exist", "field": "id"}])
    at.get("/Nope/query")  # a 404 after auth still reached the database
    # neither the zone lookup nor a failed authentication counts
    requests.get(sb.autotask["zone_lookup_url"], params={"user": sb.autotask["username"]}, timeout=10)
    at.get("/Invoices/1000", headers={"Secret": "wrong"})
    assert threshold(at)["currentTimeframeRequestCount"] == 6
    sb.admin("autotask", "clock", {"advance_seconds": WINDOW})
    assert threshold(at)["currentTimeframeRequestCount"] == 1


@pytest.mark.slow
def test_latency_threshold_refusal_and_recovery(sb: RunningSandbox, at: AutotaskClient) -> None:
    # below 50%: no added latency
    fill_to(at, 4_990)
    quick = [timed(at) for _ in range(5)]
    assert statistics.median(quick) < LATENCY_HALF * 0.8, quick
    # from 50%: +0.5 s (scaled)
    fill_to(at, 5_000)
    half = [timed(at) for _ in range(3)]
    assert min(half) >= LATENCY_HALF, half
    # from 75%: +1 s (scaled)
    fill_to(at, 7_500)
    three_quarters = [timed(at) for _ in range(3)]
    assert min(three_quarters) >= LATENCY_THREE_QUARTERS, three_quarters
    # the zone lookup is exempt: no added latency, not counted
    before = threshold(at)["currentTimeframeRequestCount"]
    start = time.perf_counter()
    zone = requests.get(sb.autotask["zone_lookup_url"], params={"user": sb.autotask["username"]}, timeout=10)
    assert zone.status_code == 200 and time.perf_counter() - start < LATENCY_THREE_QUARTERS
    assert threshold(at)["currentTimeframeRequestCount"] == before + 1
    # every call now holds its thread for 100 ms (scaled): a 4th concurrent call on one endpoint is refused
    check_thread_limit(sb, at)

    # the 10,000th call is served, the next is refused with 429 and the Autotask error shape
    fill_to(at, 10_000)
    assert at.get("/Invoices/1000").status_code == 200
    refused = at.get("/Invoices/1000")
    assert refused.status_code == 429
    body = refused.json()
    assert list(body) == ["errors"] and "threshold" in body["errors"][0].lower()
    assert "Retry-After" not in refused.headers
    assert at.get("/ThresholdInformation").status_code == 429
    assert sb.admin("autotask", "stats")["throttled"] >= 2

    # usage falls when the window moves on
    sb.admin("autotask", "clock", {"advance_seconds": WINDOW})
    assert at.get("/Invoices/1000").status_code == 200
    assert threshold(at)["currentTimeframeRequestCount"] == 2


def concurrent(at: AutotaskClient, paths: list[str]) -> list[tuple[int, dict[str, Any]]]:
    """The paths called at the same moment from separate connections."""
    results: list[tuple[int, dict[str, Any]]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(paths))

    def call(path: str) -> None:
        client = AutotaskClient(at.info)
        barrier.wait()
        response = client.get(path)
        with lock:
            results.append((response.status_code, response.json()))

    threads = [threading.Thread(target=call, args=(path,)) for path in paths]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def check_thread_limit(sb: RunningSandbox, at: AutotaskClient) -> None:
    throttled_before = sb.admin("autotask", "stats")["throttled"]
    for _attempt in range(3):  # the four must overlap within the 100 ms hold; retry a late thread start
        results = concurrent(at, ["/Invoices/1000"] * 4)
        if any(status == 500 for status, _ in results):
            break
    assert sorted(status for status, _ in results) == [200, 200, 200, 500], results
    refused = next(body for status, body in results if status == 500)
    assert list(refused) == ["errors"] and "Itgenatr005" in refused["errors"][0]
    assert sb.admin("autotask", "stats")["throttled"] > throttled_before
    # the limit is per endpoint: three on Invoices do not block a fourth on Companies
    mixed = concurrent(at, ["/Invoices/1000", "/Invoices/1007", "/Invoices/1014", "/Companies/175"])
    assert sorted(status for status, _ in mixed) == [200, 200, 200, 200], mixed
