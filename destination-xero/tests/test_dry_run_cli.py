"""`dry_run: true` through both CLIs (target-xero and destination-xero write) against the sandbox: a dry run
decides everything, rejections included, and changes nothing anywhere: no Xero write, no state, and not a
line in `rejected_records_path` (which an admin works through as the list of what a real run refused)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from sandbox import launcher

sys.path.insert(0, str(Path(__file__).resolve().parent))  # --import-mode=importlib: the helpers by path
from test_adapter_support import CATALOGS, script, xero_writes

UK = "Northwind MSP Ltd"
Q4 = Decimal("0.0001")


@pytest.fixture(scope="module")
def sb() -> Iterator[Any]:
    with launcher.running_sandbox("demo", rate_limits="off") as running:
        yield running


def _config(sb: Any, tmp_path: Path) -> Path:
    x = sb.info["xero"]
    uk = next(t["tenant_id"] for t in x["tenants"] if t["name"] == UK)
    config = {
        "auth": {
            "type": "refresh_token",
            "client_id": x["client_id"],
            "client_secret": x["client_secret"],
            "refresh_token": x["refresh_token"],
            "token_store_path": str(tmp_path / "token.json"),
        },
        "xero": {"api_url": x["api_url"], "identity_url": x["identity_url"]},
        "mappings": {"tax": {"by_region": {"UK VAT": "OUTPUT2"}}, "accounts": {"default": "200"}},
        "tenants": [{"tenant_id": uk, "name": UK}],
        "rejected_records_path": str(tmp_path / "rejected.jsonl"),
        "dry_run": True,
    }
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def _invoice(iid: int, region: str) -> dict[str, Any]:
    ext = Decimal("10.0000")
    tax = (ext * Decimal("0.2")).quantize(Q4, ROUND_HALF_UP)
    return {
        "id": iid,
        "invoiceNumber": f"DR-{iid}",
        "invoiceDateTime": "2026-09-02T00:00:00.000Z",
        "invoiceTotal": str(ext + tax),
        "isVoided": False,
        "taxRegionName": region,
        "company": {"id": 42, "companyName": "Dry Run Ltd"},
        "lines": [
            {
                "id": iid * 10,
                "description": "Support",
                "quantity": "1",
                "rate": "10",
                "extendedPrice": str(ext),
                "taxDollars": str(tax),
                "taxCategoryName": "Labour",
            }
        ],
        "lineCount": 1,
    }


RECORDS = [_invoice(8201, "Narnia"), _invoice(8202, "UK VAT")]  # Narnia has no TaxType: rejected


def _singer_input() -> str:
    schema = {"type": "object", "properties": {"id": {"type": "integer"}}}
    lines: list[dict[str, Any]] = [
        {"type": "SCHEMA", "stream": "invoices", "schema": schema, "key_properties": ["id"]},
        *({"type": "RECORD", "stream": "invoices", "record": r} for r in RECORDS),
        {"type": "STATE", "value": {"bookmarks": {"invoices": {"cursor": 8202}}}},
    ]
    return "\n".join(json.dumps(x) for x in lines) + "\n"


def _airbyte_input() -> str:
    lines: list[dict[str, Any]] = [
        *({"type": "RECORD", "record": {"stream": "invoices", "data": r, "emitted_at": 0}} for r in RECORDS),
        {
            "type": "STATE",
            "state": {
                "type": "STREAM",
                "stream": {"stream_descriptor": {"name": "invoices"}, "stream_state": {"cursor": 8202}},
            },
        },
    ]
    return "\n".join(json.dumps(x) for x in lines) + "\n"


def _decisions(text: str) -> list[dict[str, Any]]:
    """The `decision {...}` log lines, as either CLI writes them (Airbyte: inside LOG messages)."""
    found = []
    for line in text.splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            message = None
        if isinstance(message, dict) and message.get("type") == "LOG":
            line = message["log"]["message"]
        if "decision {" in line:
            found.append(json.loads(line[line.index("decision {") + len("decision ") :]))
    return found


COMMANDS = {
    "singer": lambda config: [script("target-xero"), "--config", str(config)],
    "airbyte": lambda config: [
        script("destination-xero"),
        "write",
        "--config",
        str(config),
        "--catalog",
        str(CATALOGS / "configured_catalog.json"),
    ],
}


@pytest.mark.parametrize("cli", sorted(COMMANDS))
def test_dry_run_writes_no_rejected_records(sb: Any, tmp_path: Path, cli: str) -> None:
    """Before: a dry run appended its rejections to `rejected_records_path`, unmarked, beside a real run's."""
    sb.reset()
    config = _config(sb, tmp_path)
    before = xero_writes(sb.admin("xero", "stats"))
    stdin = _singer_input() if cli == "singer" else _airbyte_input()
    proc = subprocess.run(COMMANDS[cli](config), input=stdin, capture_output=True, text=True, timeout=180)
    decisions = _decisions(proc.stdout + proc.stderr)
    actions = {d["autotask_id"]: d["action"] for d in decisions if d["kind"] == "invoice"}
    assert actions == {8201: "rejected", 8202: "create"}, decisions or proc.stderr[-3000:]
    assert all(d["dry_run"] is True for d in decisions)
    assert not (tmp_path / "rejected.jsonl").exists()
    assert xero_writes(sb.admin("xero", "stats")) == before
    assert proc.returncode != 0  # what the real run would do: it would refuse the Narnia invoice
    assert '"bookmarks"' not in proc.stdout and '"type": "STATE"' not in proc.stdout  # no state either
