"""Protocol edges of both CLIs that need no Xero call: the Xero endpoints point at a closed port, so any
call the adapters made would fail the run. State counting for global and legacy states, streams outside
the catalog, config errors named by field, singer-sdk's own settings beside ours."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # --import-mode=importlib: the helpers by path
from test_adapter_support import REPO, script

CLOSED = "http://127.0.0.1:9"
OFFLINE: dict[str, Any] = {
    "auth": {"type": "client_credentials", "client_id": "cid", "client_secret": "offline-secret-value"},
    "xero": {"api_url": f"{CLOSED}/api.xro/2.0", "identity_url": CLOSED},
    "mappings": {"accounts": {"default": "200"}},
    "tenants": [{"tenant_id": "00000000-0000-0000-0000-000000000001", "name": "Offline Ltd"}],
}
CATALOG = {
    "streams": [
        {
            "stream": {"name": name, "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
            "sync_mode": "full_refresh",
            "destination_sync_mode": mode,
        }
        for name, mode in (("taxes", "append"), ("invoices", "overwrite"))
    ]
}


def _record(stream: str, n: int) -> dict[str, Any]:
    return {"type": "RECORD", "record": {"stream": stream, "data": {"id": n}, "emitted_at": 1}}


def _airbyte(
    tmp: Path, config: dict[str, Any], messages: list[dict[str, Any]]
) -> subprocess.CompletedProcess[str]:
    (tmp / "config.json").write_text(json.dumps(config))
    (tmp / "catalog.json").write_text(json.dumps(CATALOG))
    return subprocess.run(
        [
            script("destination-xero"),
            "write",
            "--config",
            str(tmp / "config.json"),
            "--catalog",
            str(tmp / "catalog.json"),
        ],
        input="\n".join(json.dumps(m) for m in messages) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )


def _out(proc: subprocess.CompletedProcess[str], kind: str) -> list[dict[str, Any]]:
    found = []
    for line in proc.stdout.splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if message.get("type") == kind:
            found.append(message)
    return found


def test_global_and_legacy_states_count_every_record_since_the_previous_state(tmp_path: Path) -> None:
    messages = [
        _record("tickets", 1),
        _record("taxes", 1),
        _record("tickets", 2),
        _record("taxes", 2),
        _record("tickets", 3),
        {
            "type": "STATE",
            "state": {
                "type": "GLOBAL",
                "global": {
                    "shared_state": {"cursor": 1},
                    "stream_states": [{"stream_descriptor": {"name": "taxes"}, "stream_state": {"c": 1}}],
                },
            },
        },
        _record("taxes", 3),
        {"type": "STATE", "state": {"type": "LEGACY", "data": {"cursor": 2}}},
        {"type": "STATE", "state": {"type": "STREAM", "stream": {"stream_descriptor": {"name": "taxes"}}}},
    ]
    proc = _airbyte(tmp_path, OFFLINE, messages)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    states = [m["state"] for m in _out(proc, "STATE")]
    assert [s["destinationStats"]["recordCount"] for s in states] == [5, 1, 0]
    assert states[0]["global"]["shared_state"] == {"cursor": 1}
    logs = [m["log"]["message"] for m in _out(proc, "LOG")]
    for stream in ("tickets", "taxes"):
        assert sum(f"stream '{stream}' is not used" in m for m in logs) == 1, stream
    assert sum("'invoices': overwrite is an upsert here; nothing is ever deleted" in m for m in logs) == 1
    assert "offline-secret-value" not in proc.stdout + proc.stderr


def test_write_with_an_invalid_config_names_every_field_and_passes_no_state(tmp_path: Path) -> None:
    config = json.loads(json.dumps(OFFLINE))
    config["split_policy"] = "merge"
    config["tenants"][0]["mappings"] = {"status": {"invoice": "PAID"}}
    messages = [_record("invoices", 1), {"type": "STATE", "state": {"type": "LEGACY", "data": {}}}]
    proc = _airbyte(tmp_path, config, messages)
    assert proc.returncode != 0
    assert not _out(proc, "STATE")
    (trace,) = [m["trace"]["error"] for m in _out(proc, "TRACE") if m["trace"]["type"] == "ERROR"]
    assert trace["failure_type"] == "config_error"
    assert "split_policy" in trace["message"] and "status.invoice" in trace["message"]
    assert "offline-secret-value" not in proc.stdout + proc.stderr


def test_target_accepts_the_sdk_settings_beside_ours_and_passes_state_through(tmp_path: Path) -> None:
    config = {**OFFLINE, "validate_records": False, "add_record_metadata": False}
    (tmp_path / "config.json").write_text(json.dumps(config))
    schema = {"type": "object", "properties": {"id": {"type": "integer"}}}
    lines = [
        {"type": "SCHEMA", "stream": "tickets", "schema": schema, "key_properties": ["id"]},
        {"type": "RECORD", "stream": "tickets", "record": {"id": 1}},
        {"type": "STATE", "value": {"bookmarks": {"tickets": {"cursor": 1}}}},
        {"type": "RECORD", "stream": "tickets", "record": {"id": 2}},
        {"type": "STATE", "value": {"bookmarks": {"tickets": {"cursor": 2}}}},
    ]
    proc = subprocess.run(
        [script("target-xero"), "--config", str(tmp_path / "config.json")],
        input="\n".join(json.dumps(x) for x in lines) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    states = [json.loads(x) for x in proc.stdout.splitlines() if x.strip()]
    assert states[-1] == {"bookmarks": {"tickets": {"cursor": 2}}}
    assert proc.stderr.count("stream 'tickets' is not used by target-xero") == 1
    assert "offline-secret-value" not in proc.stdout + proc.stderr
