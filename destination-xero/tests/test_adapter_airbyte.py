"""`source-autotask read | destination-xero write`, as real processes joined by a pipe, on the demo sandbox.

Run 1 is the first sync (everything created; New Zealand GST left unmapped so some invoices are rejected:
the run must process everything, pass every state on, then end non-zero). Run 2 replays a fresh read with
the config the platform would hold after run 1 (the one from the CONTROL message): zero writes to Xero.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # --import-mode=importlib: the helpers by path
from sandbox import launcher
from test_adapter_support import (
    AU,
    CATALOGS,
    REPO,
    UK,
    US,
    Piped,
    XeroReader,
    assert_documents_landed,
    destination_config,
    leaks,
    pipe,
    run_source_to_file,
    script,
    secret_values,
    source_config,
    write_json,
    xero_writes,
)

CATALOG = CATALOGS / "configured_catalog.json"


def _by_type(run: Piped, kind: str) -> list[dict[str, Any]]:
    return [m for m in run.messages() if m.get("type") == kind]


def _controls(run: Piped) -> list[dict[str, Any]]:
    return [
        m["control"]["connectorConfig"]["config"]
        for m in _by_type(run, "CONTROL")
        if m["control"].get("type") == "CONNECTOR_CONFIG"
    ]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("airbyte")
    source, dest = script("source-autotask"), script("destination-xero")
    with launcher.running_sandbox("demo", rate_limits="off") as sb:
        info = sb.info
        src_cfg = write_json(tmp / "source.json", source_config(info))
        cfg1 = destination_config(info, tmp, fail_on_rejections=True, log_decisions=True)
        path1 = write_json(tmp / "destination1.json", cfg1)
        read = [source, "read", "--config", str(src_cfg), "--catalog", str(CATALOG)]
        write = [dest, "write", "--catalog", str(CATALOG), "--config"]
        run1 = pipe(read, [*write, str(path1)], cwd=REPO)
        controls1 = _controls(run1)
        platform_config = dict(controls1[-1]) if controls1 else dict(cfg1)
        platform_config["fail_on_rejections"] = False
        platform_config["log_decisions"] = False  # the default: run 2 logs no decision line
        path2 = write_json(tmp / "destination2.json", platform_config)
        input2 = tmp / "source-output.jsonl"
        source_stderr = run_source_to_file(read, input2, cwd=REPO)
        before = xero_writes(sb.admin("xero", "stats"))
        with input2.open("rb") as stdin:
            proc = subprocess.run(
                [*write, str(path2)], stdin=stdin, capture_output=True, cwd=REPO, timeout=240
            )
        run2 = Piped(proc.stdout.decode(), proc.stderr.decode(), proc.returncode, source_stderr, 0)
        after = xero_writes(sb.admin("xero", "stats"))
        controls2 = _controls(run2)
        latest = (controls2 or controls1 or [cfg1])[-1]["auth"]["refresh_token"]
        source_lines = [json.loads(x, parse_float=Decimal) for x in input2.read_text().splitlines()]
        yield {
            "info": info,
            "tmp": tmp,
            "run1": run1,
            "run2": run2,
            "controls1": controls1,
            "controls2": controls2,
            "writes_before": before,
            "writes_after": after,
            "source": source_lines,
            "reader": XeroReader(info, latest),
        }


def test_first_run_processes_everything_then_fails_on_the_rejections(runs):
    run1 = runs["run1"]
    assert run1.producer_code == 0, run1.producer_stderr[-2000:]
    assert run1.code != 0
    errors = [m["trace"]["error"] for m in _by_type(run1, "TRACE") if m["trace"].get("type") == "ERROR"]
    assert len(errors) == 1 and "not in Xero as Autotask has them" in errors[0]["message"], errors
    assert errors[0]["failure_type"] == "config_error"
    rejected = [json.loads(x) for x in (runs["tmp"] / "rejected.jsonl").read_text().splitlines()]
    reasons = {r["reason"] + " | " + "; ".join(r["xero_messages"] or []) for r in rejected}
    expected = (
        "no TaxType mapped for tax region 'New Zealand GST'",
        "is not enabled in organisation",
        "Xero contact 'acme plumbing'",  # two companies claim it alike: not guessed (BEHAVIOR.md "Contacts")
    )
    assert rejected and all(any(e in r for e in expected) for r in reasons), reasons


def assert_carries_retries(got: dict, sent: dict, failed: set[int]) -> None:
    """The state passed on is the source's, plus `retry`: the documents that did not land, whose
    fingerprints are dropped so that the source sends them again."""
    retry = set(got.pop("retry", []))
    fingerprints = got.pop("fingerprints", None)
    sent = dict(sent)
    sent_fingerprints = sent.pop("fingerprints", None)
    assert got == {k: v for k, v in sent.items() if k != "retry"}
    if sent_fingerprints is None:
        assert fingerprints is None and not retry
        return
    assert retry == failed
    assert fingerprints == {k: v for k, v in sent_fingerprints.items() if int(k) not in failed}


def test_every_state_is_passed_on_with_destination_stats(runs):
    source_states = [m for m in runs["source"] if m.get("type") == "STATE"]
    rejected = [json.loads(x) for x in (runs["tmp"] / "rejected.jsonl").read_text().splitlines()]
    failed = {
        "invoices": {r["autotask_id"] for r in rejected if r["kind"] in ("invoice", "credit_note")},
        "purchase_orders": {r["autotask_id"] for r in rejected if r["kind"] == "purchase_order"},
    }
    assert failed["invoices"]
    for run in (runs["run1"], runs["run2"]):
        states = _by_type(run, "STATE")
        assert len(states) == len(source_states) > 0
        for got, sent in zip(states, source_states, strict=True):
            got_stream, sent_stream = got["state"]["stream"], sent["state"]["stream"]
            assert got_stream["stream_descriptor"] == sent_stream["stream_descriptor"]
            name = sent_stream["stream_descriptor"]["name"]
            assert_carries_retries(
                got_stream["stream_state"], sent_stream["stream_state"], failed.get(name, set())
            )
            assert (
                got["state"]["destinationStats"]["recordCount"] == sent["state"]["sourceStats"]["recordCount"]
            )


def test_rotated_token_reaches_a_control_message_before_it_is_used(runs):
    info = runs["info"]
    first = runs["controls1"]
    assert first, "the first refresh rotates the token: a CONTROL message must carry it"
    assert first[0]["auth"]["refresh_token"] != info["xero"]["refresh_token"]
    assert first[0]["tenants"][0]["tenant_id"] == info["xero"]["tenants"][0]["tenant_id"]
    # run 2 authenticated with the token from run 1's CONTROL message, so it was persisted before use
    assert runs["run2"].code == 0, runs["run2"].stderr[-3000:]
    assert (
        runs["controls2"]
        and runs["controls2"][0]["auth"]["refresh_token"] != first[-1]["auth"]["refresh_token"]
    )
    stdout_lines = runs["run1"].stdout.splitlines()
    control_at = next(i for i, line in enumerate(stdout_lines) if '"CONTROL"' in line)
    # every decision follows Xero calls made with the new access token: the CONTROL line comes first
    first_decision = next(i for i, line in enumerate(stdout_lines) if '"message":"decision ' in line)
    assert control_at < first_decision


def test_rerun_of_the_same_input_makes_zero_writes(runs):
    assert runs["writes_before"] > 0
    assert runs["writes_after"] == runs["writes_before"]


def test_documents_land_in_the_right_organisations(runs):
    assert_documents_landed(runs["reader"], runs["source"], runs["tmp"] / "rejected.jsonl")


def test_no_secret_leaves_in_logs_states_or_rejected_records(runs):
    secrets = secret_values(runs["info"])
    for name in ("run1", "run2"):
        run = runs[name]
        for line in run.stdout.splitlines():
            if '"CONTROL"' in line and '"CONNECTOR_CONFIG"' in line:
                continue  # the platform's secure config channel: it carries the config by design
            assert not leaks(line, secrets), (name, line[:200])
        assert not leaks(run.stderr, secrets), name
    assert not leaks((runs["tmp"] / "rejected.jsonl").read_text(), secrets)
    rotated = [c["auth"]["refresh_token"] for c in runs["controls1"] + runs["controls2"]]
    for name in ("run1", "run2"):
        for line in runs[name].stdout.splitlines():
            if '"CONTROL"' not in line:
                assert not leaks(line, rotated)


def test_decisions_are_logged_only_when_asked(runs):
    """`log_decisions` (run 1) logs a line per document decided; by default (run 2) none is built, and
    the summary still counts every document."""
    assert any(m.startswith("decision ") for m in _log_messages(runs["run1"]))
    second = _log_messages(runs["run2"])
    assert not [m for m in second if m.startswith("decision ")]
    summary = json.loads(next(m for m in second if m.startswith("summary "))[len("summary ") :])
    assert sum(sum((t.get("documents") or {}).get("invoice", {}).values()) for t in summary.values()) > 0


def _log_messages(run: Any) -> list[str]:
    return [m["log"]["message"] for m in _by_type(run, "LOG")]


def test_summary_and_ignored_streams_are_logged_once(runs):
    logs = [m["log"]["message"] for m in _by_type(runs["run2"], "LOG")]
    summaries = [m for m in logs if m.startswith("summary ")]
    assert len(summaries) == 1
    summary = json.loads(summaries[0][len("summary ") :])
    assert {UK, AU, US} <= set(summary)
    for stream in ("contacts", "taxes", "billing_codes"):
        mentions = [m for m in logs if f"stream '{stream}' is not used" in m]
        assert len(mentions) == 1, (stream, mentions)


def _check(runs: dict[str, Any], config: dict[str, Any], name: str) -> tuple[dict[str, Any], str]:
    path = write_json(runs["tmp"] / f"check-{name}.json", config)
    proc = subprocess.run(
        [script("destination-xero"), "check", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    statuses = [
        json.loads(line)["connectionStatus"]
        for line in proc.stdout.splitlines()
        if '"CONNECTION_STATUS"' in line
    ]
    assert len(statuses) == 1
    return statuses[0], proc.stdout + proc.stderr


def _custom_connection_config(runs: dict[str, Any]) -> dict[str, Any]:
    """The custom connection of the ready line (client credentials: no refresh token to rotate)."""
    info = runs["info"]
    custom = info["xero"]["custom_connection"]
    config = destination_config(info, runs["tmp"])
    config["auth"] = {
        "type": "client_credentials",
        "client_id": custom["client_id"],
        "client_secret": custom["client_secret"],
    }
    config["tenants"] = [t for t in config["tenants"] if t["tenant_id"] == custom["tenant_id"]]
    config["tenants"][0]["route"] = {"default": True}
    return config


def test_check_succeeds_and_names_the_reachable_organisations(runs):
    status, output = _check(runs, _custom_connection_config(runs), "ok")
    assert status["status"] == "SUCCEEDED", status
    assert UK in status["message"]
    assert not leaks(output, secret_values(runs["info"]))


def test_check_reports_every_problem_at_once(runs):
    config = _custom_connection_config(runs)
    uk = config["tenants"][0]
    uk["mappings"]["tax"]["by_region"]["UK VAT"] = "NOSUCHTAX"
    config["mappings"]["accounts"]["default"] = "9999"
    config["tenants"].append(
        {
            "tenant_id": "00000000-0000-0000-0000-00000000dead",
            "name": "Gone Ltd",
            "route": {"currencies": ["EUR"]},
        }
    )
    status, output = _check(runs, config, "problems")
    assert status["status"] == "FAILED"
    message = status["message"]
    for expected in ("'NOSUCHTAX' does not exist", "'9999' does not exist", "'Gone Ltd'"):
        assert expected in message, (expected, message)
    assert not leaks(output, secret_values(runs["info"]))


def test_check_names_a_missing_scope_and_the_fix(runs):
    config = _custom_connection_config(runs)
    config["auth"]["scopes"] = "accounting.invoices accounting.contacts"  # no accounting.settings
    status, output = _check(runs, config, "scopes")
    assert status["status"] == "FAILED"
    message = status["message"]
    assert (
        "lacks scope accounting.settings" in message and "add accounting.settings to auth.scopes" in message
    )
    assert "granted: accounting.contacts accounting.invoices" in message
    assert "HTTP 401" not in message, "the settings reads that could only fail are not made"
    assert not leaks(output, secret_values(runs["info"]))


def test_check_names_a_config_error_by_field(runs):
    config = _custom_connection_config(runs)
    config["split_policy"] = "merge"
    config["mappings"]["status"] = {"invoice": "PAID"}
    status, _ = _check(runs, config, "invalid")
    assert status["status"] == "FAILED"
    assert "split_policy" in status["message"]
