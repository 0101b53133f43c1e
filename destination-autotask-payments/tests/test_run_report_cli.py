"""The payments run report (`report_path`) through both CLIs on the sandbox: per organisation the paid
dates written, the partly paid invoices listed, the rejected payment named with what to do; written also
when the run fails on its rejections, and the closing lines say the same in a finance admin's words."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from connector_kit.run_report import load_report
from payments_testkit.support import UK, destination_config, source_config
from payments_testkit.xero_seed import XeroSeed
from sandbox.launcher import RunningSandbox

CATALOG = Path(__file__).resolve().parents[2] / "catalogs" / "reverse-payments" / "configured_catalog.json"
BIN = Path(sys.executable).parent
JARGON = ("429", "PATCH", "PUT /", "state", "HTTP")


def _run(command: list[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / command[0]), *command[1:]],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        check=False,
    )


def _seed(sandbox: RunningSandbox, tmp_path: Path, **destination: object) -> None:
    store = tmp_path / "token.json"
    seed = XeroSeed(sandbox, store)
    paid = seed.invoice(UK, "708.32", number="20274")
    seed.pay(UK, paid["InvoiceID"], "708.32", "2026-11-03")
    partial = seed.invoice(UK, "785.98", number="20289")
    seed.pay(UK, partial["InvoiceID"], "100.00", "2026-11-04")
    lost = seed.invoice(UK, "10.00", number="99999")
    seed.pay(UK, lost["InvoiceID"], "10.00", "2026-11-04")
    (tmp_path / "src.json").write_text(json.dumps(source_config(sandbox, store, [UK])))
    report = str(tmp_path / "reports" / "payments-report.json")
    config = destination_config(sandbox, [UK], tmp_path, report_path=report, **destination)
    (tmp_path / "dst.json").write_text(json.dumps(config))


def _messages(text: str) -> list[str]:
    """The log messages of either CLI (Airbyte: LOG and TRACE messages; Singer: the text after `| `)."""
    found = []
    for raw in text.splitlines():
        try:
            message = json.loads(raw)
        except ValueError:
            if raw.strip():
                found.append(raw.split(" | ")[-1])
            continue
        if isinstance(message, dict) and message.get("type") == "LOG":
            found.append(str(message["log"]["message"]))
        elif isinstance(message, dict) and message.get("type") == "TRACE":
            found.append(str(((message.get("trace") or {}).get("error") or {}).get("message", "")))
    return found


def _closing(text: str) -> list[str]:
    lines = _messages(text)
    start = max(i for i, line in enumerate(lines) if line.startswith("summary {"))
    return lines[start + 1 :]


def test_airbyte_payments_run_writes_a_report(sandbox: RunningSandbox, tmp_path: Path) -> None:
    _seed(sandbox, tmp_path)
    read = _run(
        ["source-xero-payments", "read", "--config", str(tmp_path / "src.json"), "--catalog", str(CATALOG)]
    )
    assert read.returncode == 0, read.stderr[-2000:]
    piped = "\n".join(line for line in read.stdout.splitlines() if '"RECORD"' in line or '"STATE"' in line)
    write = _run(
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
    assert write.returncode == 0, write.stderr[-2000:]  # fail_on_rejections is off by default
    report = load_report(tmp_path / "reports" / "payments-report.json")
    assert (report.connector, report.exit_status, report.dry_run) == (
        "destination-autotask-payments",
        0,
        False,
    )
    assert report.outcomes[0] == "marked_paid"
    (uk,) = report.organisations
    assert uk.name == UK
    assert uk.count("invoice", "marked_paid") == 1 and uk.count("invoice", "partial") == 1
    assert uk.count("invoice", "rejected") == 1
    (partial,) = [n for n in uk.notes if n.outcome == "partial"]
    assert partial.document == "20289" and str(partial.amount) == "100.00" and partial.currency
    (group,) = uk.rejections
    assert group.documents == ["99999"] and group.example == "no Autotask invoice numbered 99999"
    assert group.next_step and "then sync the payments again" in group.next_step
    assert report.next_steps == [f"{UK}: {group.next_step}"]
    (autotask,) = report.usage
    assert uk.count("invoice", "stamped_synced") == 1  # the partly paid one: only its synced stamp
    assert autotask.vendor == "autotask" and autotask.calls > 0 and autotask.writes == 2
    assert autotask.hourly_limit == 10000
    closing = _closing(write.stdout)
    assert closing[0].startswith(f"{UK}: 1 marked paid")
    assert any(line.startswith("Autotask: ") and "of the 10,000 an hour" in line for line in closing)
    assert not [line for line in closing if any(word in line for word in JARGON)], closing


def test_singer_payments_run_failing_on_rejections_still_writes_its_report(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    _seed(sandbox, tmp_path, fail_on_rejections=True)
    tap = _run(["tap-xero-payments", "--config", str(tmp_path / "src.json")])
    assert tap.returncode == 0, tap.stderr[-2000:]
    target = _run(["target-autotask-payments", "--config", str(tmp_path / "dst.json")], tap.stdout)
    assert target.returncode == 1, target.stderr[-2000:]
    report = load_report(tmp_path / "reports" / "payments-report.json")
    assert report.exit_status == 1 and report.next_steps
    assert report.organisations[0].count("invoice", "marked_paid") == 1
    closing = _closing(target.stderr)
    assert closing[-1].startswith(
        "1 payment record(s) rejected. No Autotask invoice has these Xero invoices'"
    )
    assert not [line for line in closing if any(word in line for word in JARGON)], closing
