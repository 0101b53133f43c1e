"""target-xero: singer-sdk's standard target tests, and the CLI piped against the sandbox."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from destination_xero.singer import TargetXero
from sandbox import launcher
from singer_sdk.testing import get_target_test_class

UK = "Northwind MSP Ltd"
Q4 = Decimal("0.0001")
OFFLINE_CONFIG = {
    "auth": {"type": "client_credentials", "client_id": "cid", "client_secret": "not-used-offline"},
    "mappings": {"accounts": {"default": "200"}},
    "tenants": [{"tenant_id": "00000000-0000-0000-0000-000000000001", "name": "Offline"}],
}

# singer-sdk's standard suite feeds streams this destination does not know: they must be accepted and
# ignored (composes with any tap) without a single Xero call.
StandardTargetTests = get_target_test_class(TargetXero, config=OFFLINE_CONFIG)


class TestTargetXeroStandard(StandardTargetTests):  # type: ignore[misc, valid-type]
    pass


@pytest.fixture(scope="module")
def sb() -> Iterator[Any]:
    with launcher.running_sandbox("demo", rate_limits="off") as running:
        assert running.info["xero"]["tenants"], "the sandbox must serve Xero tenants"
        yield running


def config_for(sb: Any, tmp_path: Any, **extra: Any) -> dict[str, Any]:
    x = sb.info["xero"]
    uk = next(t["tenant_id"] for t in x["tenants"] if t["name"] == UK)
    return {
        "auth": {
            "type": "refresh_token",
            "client_id": x["client_id"],
            "client_secret": x["client_secret"],
            "refresh_token": x["refresh_token"],
            "token_store_path": str(tmp_path / "token.json"),
        },
        "xero": {"api_url": x["api_url"], "identity_url": x["identity_url"]},
        "mappings": {
            "tax": {"by_region": {"UK VAT": "OUTPUT2"}},
            "accounts": {"default": "200"},
            "rounding": {"account": "860"},
        },
        "tenants": [{"tenant_id": uk, "name": UK}],
        "rejected_records_path": str(tmp_path / "rejected.jsonl"),
        **extra,
    }


def invoice(iid: int, number: str, q: str, r: str, region: str = "UK VAT") -> dict[str, Any]:
    ext = (Decimal(q) * Decimal(r)).quantize(Q4, ROUND_HALF_UP)
    tax = (ext * Decimal("0.2")).quantize(Q4, ROUND_HALF_UP)
    return {
        "id": iid,
        "invoiceNumber": number,
        "invoiceDateTime": "2026-09-02T00:00:00.000Z",
        "invoiceTotal": str(ext + tax),
        "isVoided": False,
        "taxRegionName": region,
        "company": {"id": 42, "companyName": "Singer Ltd"},
        "lines": [
            {
                "id": iid * 10,
                "description": "Support",
                "quantity": q,
                "rate": r,
                "extendedPrice": str(ext),
                "taxDollars": str(tax),
                "taxCategoryName": "Labour",
            }
        ],
        "lineCount": 1,
    }


def singer_input(records: list[dict[str, Any]]) -> str:
    schema = {"type": "object", "properties": {"id": {"type": "integer"}}}
    lines: list[dict[str, Any]] = [
        {"type": "SCHEMA", "stream": "invoices", "schema": schema, "key_properties": ["id"]}
    ]
    for record in records:
        lines.append({"type": "RECORD", "stream": "invoices", "record": record})
    lines.append({"type": "STATE", "value": {"bookmarks": {"invoices": {"cursor": records[-1]["id"]}}}})
    return "\n".join(json.dumps(x) for x in lines) + "\n"


def run_target(config_path: Any, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "destination_xero.singer", "--config", str(config_path)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_piped_run_writes_emits_state_and_rotates_the_token_store(sb, tmp_path):
    sb.reset()
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config_for(sb, tmp_path)))
    records = [invoice(8001, "SG-8001", "3", "33.3333"), invoice(8002, "SG-8002", "1", "12")]
    proc = run_target(config_path, singer_input(records))
    assert proc.returncode == 0, proc.stderr[-3000:]
    states = [json.loads(x) for x in proc.stdout.splitlines() if x.strip()]
    assert states == [{"bookmarks": {"invoices": {"cursor": 8002}}}]
    rotated = json.loads((tmp_path / "token.json").read_text())["refresh_token"]
    assert rotated != sb.info["xero"]["refresh_token"]
    for secret in [*sb.secrets(), rotated]:
        assert secret not in proc.stdout + proc.stderr
    sb.admin("xero", "clock", {"advance_seconds": 3600})  # the config's own token is dead now

    def writes():
        return sum(
            c["count"]
            for c in sb.admin("xero", "stats")["calls"]
            if c["method"] in ("PUT", "POST") and c["path"].startswith("/api.xro")
        )

    before = writes()
    proc = run_target(config_path, singer_input(records))  # Meltano re-runs with the same config file
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert writes() == before


def test_rejections_exit_non_zero_after_processing_everything(sb, tmp_path):
    sb.reset()
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config_for(sb, tmp_path)))
    records = [invoice(8101, "SG-8101", "1", "10", region="Narnia"), invoice(8102, "SG-8102", "1", "10")]
    proc = run_target(config_path, singer_input(records))
    assert proc.returncode == 1
    assert [json.loads(x)["autotask_id"] for x in (tmp_path / "rejected.jsonl").read_text().splitlines()] == [
        8101
    ]
    # the rejected invoice is listed for the source to send again (retry_ledger.py)
    assert json.loads(proc.stdout.splitlines()[-1]) == {
        "bookmarks": {"invoices": {"cursor": 8102, "autotask": {"retry": [8101]}}}
    }
