"""The payments destination's events and summary name every write, through the Airbyte CLIs on the sandbox;
and its dry run, like destination-xero's, changes nothing anywhere (no PATCH, no rejected-records line)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from payments_testkit.support import UK, destination_config, source_config
from payments_testkit.xero_seed import XeroSeed, autotask_invoices, patch_calls
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
        check=False,
    )


def sync(
    tmp_path: Path, src: dict[str, Any], dst: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """`source-xero-payments read | destination-autotask-payments write`: (events, summary) as logged."""
    (tmp_path / "src.json").write_text(json.dumps(src))
    (tmp_path / "dst.json").write_text(json.dumps(dst))
    read = run(
        ["source-xero-payments", "read", "--config", str(tmp_path / "src.json"), "--catalog", str(CATALOG)]
    )
    assert read.returncode == 0, read.stderr[-2000:]
    piped = "\n".join(line for line in read.stdout.splitlines() if '"RECORD"' in line or '"STATE"' in line)
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
    logs = [
        m["log"]["message"]
        for m in map(json.loads, (x for x in write.stdout.splitlines() if x.startswith("{")))
        if m["type"] == "LOG"
    ]
    events = [json.loads(x.removeprefix("event ")) for x in logs if x.startswith("event ")]
    summary = json.loads(next(x for x in logs if x.startswith("summary ")).removeprefix("summary "))
    return events, summary


def test_a_stamp_only_patch_is_reported_as_stamped_synced(sandbox: RunningSandbox, tmp_path: Path) -> None:
    """Before: an invoice whose paidDate already agreed with Xero got its `webServiceDate` PATCH reported
    as `unchanged`, and no summary figure said how many invoices only got the stamp."""
    store = tmp_path / "token.json"
    seed = XeroSeed(sandbox, store)
    seed.invoice(UK, "785.98", number="20289")  # open in Xero, open in Autotask: only the stamp is written
    paid = seed.invoice(UK, "708.32", number="20274")
    seed.pay(UK, paid["InvoiceID"], "708.32", "2026-11-03")
    events, summary = sync(
        tmp_path, source_config(sandbox, store, [UK]), destination_config(sandbox, [UK], tmp_path)
    )
    actions = {e["autotask_number"]: e["action"] for e in events}
    assert actions == {"20289": "stamped_synced", "20274": "marked_paid"}, events
    (stamp_only,) = [e for e in events if e["action"] == "stamped_synced"]
    assert list(stamp_only["patch"]) == ["webServiceDate"]
    assert summary["stamped_synced"] == 1 and summary["marked_paid"] == 1
    assert summary["web_service_date_stamped"] == 2 and summary["unchanged"] == 0
    assert summary["autotask_patches"] == 2
    assert autotask_invoices(sandbox, ["20289"])["20289"]["webServiceDate"]


def test_payments_dry_run_writes_no_rejected_records(sandbox: RunningSandbox, tmp_path: Path) -> None:
    """Before: the payments dry run appended its rejections to `rejected_records_path`, unmarked."""
    store = tmp_path / "token.json"
    seed = XeroSeed(sandbox, store)
    lost = seed.invoice(UK, "10.00", number="99999")
    seed.pay(UK, lost["InvoiceID"], "10.00", "2026-11-04")
    before = patch_calls(sandbox)
    dst = destination_config(sandbox, [UK], tmp_path, dry_run=True)
    events, summary = sync(tmp_path, source_config(sandbox, store, [UK]), dst)
    (rejected,) = [e for e in events if e["action"] == "rejected"]
    assert rejected["reason"] == "no Autotask invoice numbered 99999"
    assert summary["unmatched_or_rejected"] == 1 and summary["dry_run"] is True
    assert not (tmp_path / "rejected.jsonl").exists()
    assert patch_calls(sandbox) == before
