"""`invoice_pdfs` through both console scripts against the sandbox: every invoice record carries its PDF,
one PDF call per invoice sent, and a rerun from the saved state sends nothing and reads no PDF."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from .conftest import sandbox_config
from .test_adapters_cli import CATALOGS, _assert_no_secret, _messages, _run, _script

PDF_PATH = "/atservicesrest/v1.0/Invoices/{id}/InvoicePDF"


def _pdf_calls(sb: Any) -> int:
    return sum(c["count"] for c in sb.admin("autotask", "stats")["calls"] if c["path"] == PDF_PATH)


def _invoices_only(source: Path, target: Path, key: str) -> Path:
    catalog = json.loads(source.read_text())

    def name(entry: dict[str, Any]) -> Any:
        return entry[key] if key in entry else entry["stream"]["name"]

    catalog["streams"] = [s for s in catalog["streams"] if name(s) == "invoices"]
    target.write_text(json.dumps(catalog))
    return target


def _check_records(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Airbyte: {"type": "RECORD", "record": {"stream", "data"}}; Singer: {"type", "stream", "record"}
    records = [
        m["record"] if "stream" in m else m["record"]["data"] for m in messages if m.get("type") == "RECORD"
    ]
    invoices = [r for r in records if isinstance(r, dict) and "invoiceNumber" in r]
    assert invoices
    for record in invoices:
        pdf = record["invoicePDF"]
        content = base64.b64decode(pdf["data"], validate=True)
        assert content.startswith(b"%PDF-") and pdf["sha256"] == hashlib.sha256(content).hexdigest()
        assert pdf["size"] == len(content) and record.get("invoicePDFError") is None
    return invoices


def test_both_adapters_send_invoice_pdfs_and_a_rerun_reads_none(sandbox: Any, tmp_path: Path) -> None:
    config = sandbox_config(sandbox, invoice_pdfs=True)
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config))
    catalog = _invoices_only(CATALOGS / "configured_catalog.json", tmp_path / "catalog.json", "name")
    first = _run(
        [_script("source-autotask"), "read", "--config", str(config_path), "--catalog", str(catalog)]
    )
    assert first.returncode == 0, first.stderr[-2000:]
    messages = _messages(first.stdout)
    invoices = _check_records(messages)
    assert _pdf_calls(sandbox) == len(invoices)
    _assert_no_secret(sandbox, config, first.stdout, first.stderr)

    states = [json.loads(line)["state"] for line in first.stdout.splitlines() if '"type":"STATE"' in line]
    state_path = tmp_path / "state.json"
    state_path.write_text(json.dumps(states))
    sandbox.reset()
    again = _run(
        [
            _script("source-autotask"),
            "read",
            "--config",
            str(config_path),
            "--catalog",
            str(catalog),
            "--state",
            str(state_path),
        ]
    )
    assert again.returncode == 0, again.stderr[-2000:]
    assert not [m for m in _messages(again.stdout) if m.get("type") == "RECORD"]
    assert _pdf_calls(sandbox) == 0

    sandbox.reset()
    singer_catalog = _invoices_only(
        CATALOGS / "singer_catalog.json", tmp_path / "singer.json", "tap_stream_id"
    )
    tap = _run([_script("tap-autotask"), "--config", str(config_path), "--catalog", str(singer_catalog)])
    assert tap.returncode == 0, tap.stderr[-2000:]
    assert len(_check_records(_messages(tap.stdout))) == len(invoices)
    assert _pdf_calls(sandbox) == len(invoices)
