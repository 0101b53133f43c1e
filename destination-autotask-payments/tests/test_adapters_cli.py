"""The four console scripts, run as subprocesses against the sandbox: Airbyte source | destination and
Singer tap | target each bring a Xero payment back to Autotask, and no secret reaches any output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from payments_testkit.support import AU, UK, destination_config, source_config
from payments_testkit.xero_seed import XeroSeed, autotask_invoices
from sandbox.launcher import RunningSandbox

CATALOG = Path(__file__).resolve().parents[2] / "catalogs" / "reverse-payments" / "configured_catalog.json"
BIN = Path(sys.executable).parent


def run(command: list[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / command[0]), *command[1:]],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        check=False,
    )


def seeded(sandbox: RunningSandbox, tmp_path: Path) -> tuple[dict[str, Any], dict[str, Any], XeroSeed]:
    store = tmp_path / "token.json"
    seed = XeroSeed(sandbox, store)
    invoice = seed.invoice(UK, "708.32", number="20274")
    seed.pay(UK, invoice["InvoiceID"], "708.32", "2026-11-03")
    partial = seed.invoice(UK, "785.98", number="20289")
    seed.pay(UK, partial["InvoiceID"], "100.00", "2026-11-04")
    lost = seed.invoice(UK, "10.00", number="99999")
    seed.pay(UK, lost["InvoiceID"], "10.00", "2026-11-04")
    src = source_config(sandbox, store, [UK])
    dst = destination_config(sandbox, [UK], tmp_path)
    (tmp_path / "src.json").write_text(json.dumps(src))
    (tmp_path / "dst.json").write_text(json.dumps(dst))
    return src, dst, seed


def assert_no_secrets(sandbox: RunningSandbox, tmp_path: Path, seed: XeroSeed, *texts: str) -> None:
    token = json.loads((tmp_path / "token.json").read_text())["refresh_token"]
    rejected = (tmp_path / "rejected.jsonl").read_text() if (tmp_path / "rejected.jsonl").exists() else ""
    for secret in [*sandbox.secrets(), token, seed.token]:
        for text in (*texts, rejected):
            assert secret not in text


def test_airbyte_source_to_destination(sandbox: RunningSandbox, tmp_path: Path) -> None:
    _, _, seed = seeded(sandbox, tmp_path)
    two = source_config(sandbox, tmp_path / "token.json", [UK, AU])  # one slice (and state) per tenant
    (tmp_path / "src.json").write_text(json.dumps(two))
    read = run(
        ["source-xero-payments", "read", "--config", str(tmp_path / "src.json"), "--catalog", str(CATALOG)]
    )
    assert read.returncode == 0, read.stderr[-2000:]
    messages = [json.loads(line) for line in read.stdout.splitlines() if line.startswith("{")]
    records = [m for m in messages if m["type"] == "RECORD"]
    assert {m["record"]["stream"] for m in records} == {"payments", "invoices"}
    states = [m["state"]["stream"]["stream_descriptor"]["name"] for m in messages if m["type"] == "STATE"]
    assert states.count("payments") >= 2 and states.count("invoices") >= 2
    piped = "\n".join(json.dumps(m) for m in messages if m["type"] in ("RECORD", "STATE"))
    write = run(
        [
            "destination-autotask-payments",
            "write",
            "--config",
            str(tmp_path / "dst.json"),
            "--catalog",
            str(CATALOG),
        ],
        piped,
    )
    assert write.returncode == 0, write.stderr[-2000:]
    out = [json.loads(line) for line in write.stdout.splitlines() if line.startswith("{")]
    assert sum(1 for m in out if m["type"] == "STATE") == sum(1 for m in messages if m["type"] == "STATE")
    summary = next(
        m["log"]["message"] for m in out if m["type"] == "LOG" and m["log"]["message"].startswith("summary")
    )
    report = json.loads(summary.removeprefix("summary "))
    assert report["marked_paid"] == 1 and report["unmatched_or_rejected"] == 1
    assert report["partial"][0]["autotask_number"] == "20289"
    found = autotask_invoices(sandbox, ["20274", "20289"])
    assert found["20274"]["paidDate"][:10] == "2026-11-03" and found["20289"]["paidDate"] is None
    assert_no_secrets(sandbox, tmp_path, seed, read.stdout, read.stderr, write.stdout, write.stderr)


def test_singer_tap_to_target(sandbox: RunningSandbox, tmp_path: Path) -> None:
    _, _, seed = seeded(sandbox, tmp_path)
    tap = run(["tap-xero-payments", "--config", str(tmp_path / "src.json")])
    assert tap.returncode == 0, tap.stderr[-2000:]
    target = run(["target-autotask-payments", "--config", str(tmp_path / "dst.json")], tap.stdout)
    assert target.returncode == 0, target.stderr[-2000:]
    assert '"bookmarks"' in target.stdout.splitlines()[-1]
    found = autotask_invoices(sandbox, ["20274", "20289"])
    assert found["20274"]["paidDate"][:10] == "2026-11-03" and found["20289"]["paidDate"] is None
    assert "no Autotask invoice numbered 99999" in (tmp_path / "rejected.jsonl").read_text()
    # The second run starts from the state: nothing new, nothing written.
    state = tmp_path / "state.json"
    state.write_text(target.stdout.splitlines()[-1])
    before = sum(c["count"] for c in sandbox.admin("autotask", "stats")["calls"] if c["method"] == "PATCH")
    tap2 = run(["tap-xero-payments", "--config", str(tmp_path / "src.json"), "--state", str(state)])
    target2 = run(["target-autotask-payments", "--config", str(tmp_path / "dst.json")], tap2.stdout)
    assert target2.returncode == 0, target2.stderr[-2000:]
    after = sum(c["count"] for c in sandbox.admin("autotask", "stats")["calls"] if c["method"] == "PATCH")
    assert after == before
    assert_no_secrets(
        sandbox, tmp_path, seed, tap.stdout, tap.stderr, target.stdout, target.stderr, tap2.stderr
    )


def test_airbyte_source_emits_rotated_refresh_token_as_control_message(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    """Without token_store_path the platform must receive each rotated token before it is used."""
    src, _, _ = seeded(sandbox, tmp_path)
    src["auth"] = {k: v for k, v in src["auth"].items() if k != "token_store_path"}
    src["auth"]["refresh_token"] = json.loads((tmp_path / "token.json").read_text())["refresh_token"]
    (tmp_path / "src.json").write_text(json.dumps(src))
    read = run(
        ["source-xero-payments", "read", "--config", str(tmp_path / "src.json"), "--catalog", str(CATALOG)]
    )
    assert read.returncode == 0, read.stderr[-2000:]
    messages = [json.loads(line) for line in read.stdout.splitlines() if line.startswith("{")]
    controls = [m for m in messages if m["type"] == "CONTROL"]
    assert len(controls) == 1
    rotated = controls[0]["control"]["connectorConfig"]["config"]["auth"]["refresh_token"]
    assert rotated and rotated != src["auth"]["refresh_token"]
    first_record = next(i for i, m in enumerate(messages) if m["type"] == "RECORD")
    assert messages.index(controls[0]) < first_record
