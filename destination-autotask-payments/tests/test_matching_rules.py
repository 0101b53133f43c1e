"""Matching by destination-xero's numbering rule, and the unmatched cases, over HTTP against the sandbox."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from autotask_client.client import AutotaskClient
from destination_autotask_payments.config import ConfigError, load_destination_config
from destination_autotask_payments.writer import Engine
from payments_testkit.support import UK, destination_config, source_config
from payments_testkit.xero_seed import XeroSeed, autotask_invoices
from sandbox.launcher import RunningSandbox
from source_xero_payments.config import load_source_config
from source_xero_payments.reader import STREAMS, PaymentsReader

VOIDED = "20018"


def sync(
    src: dict[str, Any], dst: dict[str, Any]
) -> tuple[Engine, list[dict[str, Any]], list[tuple[str, dict[str, Any]]], dict[str, Any]]:
    reader = PaymentsReader(load_source_config(src))
    records: list[tuple[str, dict[str, Any]]] = []
    states: dict[str, Any] = {}
    for stream in STREAMS:
        for record, state in reader.read(stream, {}):
            if record is not None:
                records.append((stream, record))
            states[stream] = state
    parsed = load_destination_config(dst)
    events: list[dict[str, Any]] = []
    engine = Engine(parsed, AutotaskClient(parsed.autotask.connection()), on_event=events.append)
    for stream, record in records:
        engine.add(stream, record)
    engine.flush()
    return engine, events, records, states


def test_prefix_numbering(sandbox: RunningSandbox, tmp_path: Path) -> None:
    store = tmp_path / "token.json"
    seed = XeroSeed(sandbox, store)
    ours = seed.invoice(UK, "708.32", number="AT-20274")
    seed.pay(UK, ours["InvoiceID"], "708.32", "2026-11-03")
    theirs = seed.invoice(UK, "708.32", number="20289")  # typed by hand in Xero: not ours under prefix mode
    seed.pay(UK, theirs["InvoiceID"], "708.32", "2026-11-03")
    numbering = {"mode": "prefix", "prefix": "AT-"}
    src = source_config(sandbox, store, [UK], numbering)
    dst = destination_config(sandbox, [UK], tmp_path, mappings={"numbering": numbering})
    engine, events, records, _ = sync(src, dst)
    invoice_numbers = {r["InvoiceNumber"] for s, r in records if s == "invoices"}
    assert "AT-20274" in invoice_numbers and "20289" not in invoice_numbers
    found = autotask_invoices(sandbox, ["20274", "20289"])
    assert found["20274"]["paidDate"][:10] == "2026-11-03"
    assert found["20289"]["paidDate"] is None and found["20289"]["webServiceDate"] is None
    assert engine.summary.ignored == 1 and engine.summary.rejected == 0

    dst["foreign_invoices"] = "reject"
    engine, events, _, _ = sync(src, dst)
    assert [e["invoice_number"] for e in events if e["action"] == "rejected"] == ["20289"]


def test_xero_numbering_matches_on_reference(sandbox: RunningSandbox, tmp_path: Path) -> None:
    store = tmp_path / "token.json"
    seed = XeroSeed(sandbox, store)
    created = seed.invoice(UK, "785.98", reference="AT 20289")
    assert created["InvoiceNumber"] != "20289"
    seed.pay(UK, created["InvoiceID"], "785.98", "2026-11-08")
    numbering = {"mode": "xero", "reference_prefix": "AT "}
    src = source_config(sandbox, store, [UK], numbering)
    dst = destination_config(sandbox, [UK], tmp_path, mappings={"numbering": numbering})
    _engine, _, records, _ = sync(src, dst)
    assert autotask_invoices(sandbox, ["20289"])["20289"]["paidDate"][:10] == "2026-11-08"
    # The payments alone do not carry the Reference: without the invoices stream they are rejected.
    parsed = load_destination_config(dst)
    events: list[dict[str, Any]] = []
    alone = Engine(parsed, AutotaskClient(parsed.autotask.connection()), on_event=events.append)
    for stream, record in records:
        if stream == "payments":
            alone.add(stream, record)
    alone.flush()
    assert alone.summary.rejected == 1 and "Reference" in events[0]["reason"]


def test_unmatched_and_voided_are_rejected_others_carry_on(
    sandbox: RunningSandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    store = tmp_path / "token.json"
    seed = XeroSeed(sandbox, store)
    for number, total in (("99999", "10.00"), (VOIDED, "253.50"), ("20274", "708.32")):
        created = seed.invoice(UK, total, number=number)
        seed.pay(UK, created["InvoiceID"], total, "2026-11-03")
    src = source_config(sandbox, store, [UK])
    dst = destination_config(sandbox, [UK], tmp_path)
    engine, events, records, states = sync(src, dst)
    reasons = {e["autotask_number"]: e["reason"] for e in events if e["action"] == "rejected"}
    assert reasons == {
        "99999": "no Autotask invoice numbered 99999",
        VOIDED: f"Autotask invoice {VOIDED} is voided",
    }
    assert autotask_invoices(sandbox, ["20274"])["20274"]["paidDate"][:10] == "2026-11-03"
    assert autotask_invoices(sandbox, [VOIDED])[VOIDED]["webServiceDate"] is None
    rejected = (tmp_path / "rejected.jsonl").read_text(encoding="utf-8")
    assert len(rejected.splitlines()) == 2
    # No secret anywhere: rejected records, events, report, state, records, logs.
    token = json.loads(store.read_text())["refresh_token"]
    outputs = [rejected, json.dumps(events), json.dumps(engine.report(), default=str), json.dumps(states),
               json.dumps(records, default=str), caplog.text]  # fmt: skip
    for secret in [*sandbox.secrets(), token, seed.token]:
        for text in outputs:
            assert secret not in text


def test_config_errors_name_the_field(sandbox: RunningSandbox, tmp_path: Path) -> None:
    dst = destination_config(sandbox, [UK], tmp_path, mappings={"numbering": {"mode": "prefix"}})
    with pytest.raises(ConfigError, match="numbering"):
        load_destination_config(dst)
    dst = destination_config(sandbox, [UK], tmp_path, other_tenants="maybe")
    with pytest.raises(ConfigError, match="other_tenants"):
        load_destination_config(dst)
    text = ""
    try:
        load_destination_config({**dst, "other_tenants": "nope"})
    except ConfigError as exc:
        text = str(exc)
    assert sandbox.autotask["secret"] not in text


def test_dry_run_decides_without_writing(sandbox: RunningSandbox, tmp_path: Path) -> None:
    store = tmp_path / "token.json"
    seed = XeroSeed(sandbox, store)
    created = seed.invoice(UK, "708.32", number="20274")
    seed.pay(UK, created["InvoiceID"], "708.32", "2026-11-03")
    _engine, events, _, _ = sync(
        source_config(sandbox, store, [UK]), destination_config(sandbox, [UK], tmp_path, dry_run=True)
    )
    assert [e["patch"]["paidDate"] for e in events if e.get("dry_run")] == ["2026-11-03T00:00:00"]
    assert not [r for r in sandbox.admin("autotask", "requests") if r["method"] == "PATCH"]
    assert autotask_invoices(sandbox, ["20274"])["20274"]["paidDate"] is None


def test_example_configs_are_valid() -> None:
    root = Path(__file__).resolve().parents[2] / "catalogs" / "reverse-payments"
    source = load_source_config(json.loads((root / "source.config.example.json").read_text()))
    assert source.tenants[1].numbering.prefix == "AT-" and source.tenants[0].numbering.mode == "autotask"
    destination = load_destination_config(json.loads((root / "destination.config.example.json").read_text()))
    assert destination.other_tenants == "reject"
    for name in ("source.config.sandbox.example.json", "destination.config.sandbox.example.json"):
        assert json.loads((root / name).read_text())
