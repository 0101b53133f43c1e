"""A first sync of the demo fits Xero's Starter tier: 1,000 calls a day per organisation.

An MSP syncing its own organisations with its own Xero app is on Starter (api-facts A1, "App tiers
(2026)"). Here the demo's jobs run as `make demo --runner airbyte` runs them (the committed mapping and
configs, the connectors' Airbyte CLIs in a pipe) against `sandbox up --xero-tier starter` with the vendors'
real limits: the forward sync, the payments recorded in Xero, and the payments job. Every figure compared
is the sandbox's own count (`/__sandbox/stats`: calls and response bytes per tenant) against what each
connector's run summary says it used.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from demo import configs as demo_configs
from demo import payments as demo_payments
from demo.jobs import AirbyteRunner
from demo.pipe import PipeResult, console_script, run_pipe
from sandbox.launcher import RunningSandbox, running_sandbox

pytestmark = pytest.mark.timeout(900)

STARTER_DAY = 1000
CALLS_LOG = "; Xero calls "


def xero_usage(running: RunningSandbox) -> tuple[Counter[str], Counter[str], int]:
    """(Accounting calls per tenant, response bytes per tenant, 429s) as the sandbox counted them."""
    stats = running.admin("xero", "stats")
    calls: Counter[str] = Counter()
    for row in stats["calls"]:
        if row["tenant"] and str(row["path"]).startswith("/api.xro"):
            calls[row["tenant"]] += int(row["count"])
    refused = sum(int(r["count"]) for r in stats["calls"] if r["status"] == 429)
    return calls, Counter(stats["egress"]), refused


def since(after: Counter[str], before: Counter[str]) -> dict[str, int]:
    delta = Counter(after)
    delta.subtract(before)
    return {tenant: n for tenant, n in delta.items() if n}


def payments_job(configs: demo_configs.DemoConfigs, output: Path) -> PipeResult:
    """The demo's payments job (`source-xero-payments read | destination-autotask-payments write`)."""
    catalog = str(demo_configs.PAYMENTS_CATALOG)
    source = [console_script("source-xero-payments"), "read", "--config", str(configs.payments_source)]
    destination = [
        console_script("destination-autotask-payments"),
        "write",
        "--config",
        str(configs.payments_destination),
    ]
    return run_pipe(
        [*source, "--catalog", catalog],
        [*destination, "--catalog", catalog],
        say=lambda _: None,
        on_log=lambda level, message: None,
        cwd=output,
    )


@pytest.fixture(scope="module")
def starter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    output = tmp_path_factory.mktemp("starter-out")
    secrets_dir = tmp_path_factory.mktemp("starter-secrets")
    with running_sandbox("demo", seed=1, rate_limits="real", xero_tier="starter") as running:
        configs = demo_configs.write_configs(running.info, secrets_dir, output)
        start = xero_usage(running)
        forward = AirbyteRunner(configs, output).forward(lambda _: None, rerun=False)
        after_forward = xero_usage(running)
        with requests.Session() as session:
            planned, _ = demo_payments.record_payments(
                running.info, configs.tenants, configs.token_store, session
            )
        before_payments = xero_usage(running)
        payments = payments_job(configs, output)
        end = xero_usage(running)
        yield {
            "running": running,
            "tenants": configs.tenants,
            "forward": forward,
            "planned": planned,
            "payments": payments,
            "usage": {"start": start, "forward": after_forward, "recorded": before_payments, "end": end},
        }


def source_calls(payments: PipeResult) -> dict[str, Any]:
    """The payments source's last `... Xero calls {json}` line: its calls per organisation so far."""
    lines = [line for line in payments.source_logs if CALLS_LOG in line]
    assert lines, payments.source_logs[-10:]
    found: dict[str, Any] = json.loads(lines[-1].split(CALLS_LOG, 1)[1])
    return found


def test_sandbox_runs_the_starter_tier(starter: dict[str, Any]) -> None:
    tier = starter["running"].xero["tier"]
    assert tier == {"name": "starter", "day_limit": STARTER_DAY, "max_connections": 5}


def test_demo_first_sync_and_payments_fit_the_starter_tier(starter: dict[str, Any]) -> None:
    forward, payments = starter["forward"], starter["payments"]
    summary = forward.summary or {}
    assert summary, "the destination logged no summary"
    assert not [name for name, own in summary.items() if isinstance(own, dict) and own.get("stopped")]
    assert not [d for d in forward.decisions() if d.get("action") == "deferred"]
    created = sum(
        int(n.get("create", 0)) for own in summary.values() for n in (own.get("documents") or {}).values()
    )
    assert created > 200, "the first sync wrote the demo's documents"
    assert payments.source_code == 0, payments.source_stderr[-2000:]
    assert payments.summary is not None and payments.summary["marked_paid"] >= 3
    calls, _, refused = starter["usage"]["end"]
    assert set(calls) == set(starter["tenants"].values())
    assert all(0 < n <= STARTER_DAY for n in calls.values()), calls
    assert refused == 0, "no call was refused: not the minute limit, not the day limit"


def test_destination_plans_with_the_day_limit_xero_reports(starter: dict[str, Any]) -> None:
    """The day limit is never assumed: what the destination saw left is Starter's 1,000 less its calls."""
    summary = starter["forward"].summary or {}
    for name in starter["tenants"]:
        own = summary[name]
        assert own["day_remaining"] == STARTER_DAY - own["calls"], (name, own)


def test_destination_summary_shows_calls_and_response_bytes_per_organisation(starter: dict[str, Any]) -> None:
    usage = starter["usage"]
    calls = since(usage["forward"][0], usage["start"][0])
    received = since(usage["forward"][1], usage["start"][1])
    summary = starter["forward"].summary or {}
    for name, tenant_id in starter["tenants"].items():
        assert summary[name]["calls"] == calls[tenant_id], name
        assert summary[name]["response_bytes"] == received[tenant_id] > 0, name


def test_payments_source_summary_shows_calls_and_response_bytes_per_organisation(
    starter: dict[str, Any],
) -> None:
    usage = starter["usage"]
    calls = since(usage["end"][0], usage["recorded"][0])
    received = since(usage["end"][1], usage["recorded"][1])
    reported = source_calls(starter["payments"])
    for name, tenant_id in starter["tenants"].items():
        assert reported[name]["calls"] == calls[tenant_id], name
        assert reported[name]["response_bytes"] == received[tenant_id] > 0, name
        assert reported[name]["day_remaining"] <= STARTER_DAY - calls[tenant_id], name
