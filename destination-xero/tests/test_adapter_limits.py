"""Xero's daily limit reached mid-run: the Airbyte adapter writes what it can, withholds every state from
the first one whose records were deferred, and ends with a transient error (the next run re-sends them);
the Singer target, right after (the organisation still spent), emits no state at all and exits 2.

The sandbox runs with `--rate-limits scaled:1000` (the rolling day is 86.4 s, the minute 0.06 s), and the
test spends the UK organisation's 5,000 calls of the destination's own app just before the run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))  # --import-mode=importlib: the helpers by path
from sandbox import launcher
from test_adapter_support import (
    AU,
    CATALOGS,
    REPO,
    UK,
    XeroReader,
    destination_config,
    run_source_to_file,
    script,
    source_config,
    write_json,
)

CATALOG = CATALOGS / "configured_catalog.json"


def _spend_day_quota(reader: XeroReader, tenant: str, leave: int = 2) -> int:
    """Call until Xero reports at most `leave` calls left today for (app, tenant); 5 in flight at most."""
    url = f"{reader.api}/Organisation"
    headers = {
        "Authorization": f"Bearer {reader.token}",
        "xero-tenant-id": reader.tenants[tenant],
        "Accept": "application/json",
    }
    done = threading.Event()
    lowest = [5000]
    lock = threading.Lock()

    def worker() -> None:
        with requests.Session() as session:
            while not done.is_set():
                response = session.get(url, headers=headers, timeout=30)
                remaining = response.headers.get("X-DayLimit-Remaining")
                if response.status_code == 429 and response.headers.get("X-Rate-Limit-Problem") == "day":
                    done.set()
                elif remaining is not None and response.status_code == 200:
                    with lock:
                        lowest[0] = min(lowest[0], int(remaining))
                        if lowest[0] <= leave:
                            done.set()

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return lowest[0]


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("limits")
    with launcher.running_sandbox("demo", rate_limits="scaled:1000") as sb:
        info = sb.info
        src = write_json(tmp / "source.json", source_config(info))
        read = [script("source-autotask"), "read", "--config", str(src), "--catalog", str(CATALOG)]
        source_output = tmp / "source-output.jsonl"
        run_source_to_file(read, source_output, cwd=REPO)
        tap_cfg = write_json(tmp / "tap.json", source_config(info))
        tap_output = tmp / "tap-output.jsonl"
        tap_read = [
            script("tap-autotask"),
            "--config",
            str(tap_cfg),
            "--catalog",
            str(CATALOGS / "singer_catalog.json"),
        ]
        run_source_to_file(tap_read, tap_output, cwd=REPO)
        reader = XeroReader(info, info["xero"]["refresh_token"])
        left = _spend_day_quota(reader, UK)
        config = destination_config(info, tmp, fail_on_rejections=False)
        config["auth"]["refresh_token"] = reader.refresh_token
        path = write_json(tmp / "destination.json", config)
        with source_output.open("rb") as stdin:
            proc = subprocess.run(
                [script("destination-xero"), "write", "--config", str(path), "--catalog", str(CATALOG)],
                stdin=stdin,
                capture_output=True,
                cwd=REPO,
                timeout=240,
            )
        messages = [json.loads(x) for x in proc.stdout.decode().splitlines() if x.startswith("{")]
        controls = [m for m in messages if m["type"] == "CONTROL"]
        latest = controls[-1]["control"]["connectorConfig"]["config"]["auth"]["refresh_token"]
        after = XeroReader(info, latest)
        store = tmp / "token.json"
        store.write_text(json.dumps({"refresh_token": after.refresh_token}))
        singer_config = {**config, "auth": {**config["auth"], "token_store_path": str(store)}}
        singer_config["auth"].pop("refresh_token")
        singer_path = write_json(tmp / "target.json", singer_config)
        with tap_output.open("rb") as stdin:
            target = subprocess.run(
                [script("target-xero"), "--config", str(singer_path)],
                stdin=stdin,
                capture_output=True,
                cwd=REPO,
                timeout=240,
            )
        yield {
            "target": target,
            "left": left,
            "proc": proc,
            "messages": messages,
            "source": [json.loads(x) for x in source_output.read_text().splitlines()],
            "reader": after,
        }


def test_states_stop_at_the_first_deferred_records_and_the_run_fails_transiently(limited):
    assert limited["left"] <= 2
    proc, messages = limited["proc"], limited["messages"]
    assert proc.returncode != 0
    source_streams = [
        m["state"]["stream"]["stream_descriptor"]["name"] for m in limited["source"] if m["type"] == "STATE"
    ]
    first_document_stream = source_streams.index("invoices")
    emitted = [m["state"]["stream"]["stream_descriptor"]["name"] for m in messages if m["type"] == "STATE"]
    assert emitted == source_streams[:first_document_stream]
    (error,) = [
        m["trace"]["error"] for m in messages if m["type"] == "TRACE" and m["trace"]["type"] == "ERROR"
    ]
    assert error["failure_type"] == "transient_error"
    assert "daily call limit" in error["message"]
    summary = next(
        m["log"]["message"]
        for m in messages
        if m["type"] == "LOG" and m["log"]["message"].startswith("summary ")
    )
    tenants = json.loads(summary[len("summary ") :])
    assert tenants[UK]["stopped"] and not tenants[AU]["stopped"]
    assert tenants[UK]["documents"]["invoice"].get("deferred")


def test_other_organisations_are_still_written(limited):
    invoices = limited["reader"].all(AU, "Invoices")
    assert [i for i in invoices if i["Type"] == "ACCREC"], "AU invoices are written while UK is stopped"


def test_target_emits_no_state_and_exits_2_while_an_organisation_is_stopped(limited):
    target = limited["target"]
    assert target.returncode == 2, target.stderr.decode()[-3000:]
    assert target.stdout.decode().strip() == ""
    stderr = target.stderr.decode()
    assert "no further state is emitted" in stderr
    assert "daily call limit" in stderr
