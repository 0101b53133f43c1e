"""Payments recorded in the Xero sandbox flow back to the Autotask sandbox's `paidDate`, over HTTP only."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from autotask_client.client import AutotaskClient
from destination_autotask_payments.config import load_destination_config
from destination_autotask_payments.writer import Engine
from payments_testkit.support import AU, UK, destination_config, source_config, tenant_ids
from payments_testkit.xero_seed import XeroSeed, autotask_invoices, patch_calls
from sandbox.launcher import RunningSandbox
from source_xero_payments.config import load_source_config
from source_xero_payments.reader import STREAMS, PaymentsReader

FULL, PARTIAL, SPLIT_A, SPLIT_B, EURO, CREDITED = "20274", "20289", "20291", "20294", "20022", "20298"
NUMBERS = [FULL, PARTIAL, SPLIT_A, SPLIT_B, EURO, CREDITED]


def run_source(
    config: dict[str, Any], state: dict[str, Any] | None = None
) -> tuple[list[tuple[str, dict[str, Any]]], dict[str, Any]]:
    reader = PaymentsReader(load_source_config(config))
    records: list[tuple[str, dict[str, Any]]] = []
    states: dict[str, Any] = dict(state or {})
    for stream in STREAMS:
        for record, stream_state in reader.read(stream, states.get(stream, {})):
            if record is not None:
                records.append((stream, record))
            states[stream] = stream_state
    return records, states


def run_destination(
    config: dict[str, Any], records: list[tuple[str, dict[str, Any]]]
) -> tuple[Engine, list[dict[str, Any]]]:
    parsed = load_destination_config(config)
    events: list[dict[str, Any]] = []
    engine = Engine(parsed, AutotaskClient(parsed.autotask.connection()), on_event=events.append)
    for stream, record in records:
        engine.add(stream, record)
    engine.flush()
    return engine, events


def seed_scenario(seed: XeroSeed) -> dict[str, Any]:
    ids: dict[str, Any] = {}
    full = seed.invoice(UK, "708.32", number=FULL)
    ids["full_payment"] = seed.pay(UK, full["InvoiceID"], "708.32", "2026-11-03")
    partial = seed.invoice(UK, "785.98", number=PARTIAL)
    seed.pay(UK, partial["InvoiceID"], "300.00", "2026-11-04")
    a = seed.invoice(UK, "3279.55", number=SPLIT_A)
    b = seed.invoice(UK, "3583.60", number=SPLIT_B)
    # one remittance split across two invoices, the first of which was part-paid earlier
    seed.pay(UK, a["InvoiceID"], "1000.00", "2026-11-02", Reference="REM-1")
    seed.pay(UK, a["InvoiceID"], "2279.55", "2026-11-06", Reference="REM-2")
    seed.pay(UK, b["InvoiceID"], "3583.60", "2026-11-06", Reference="REM-2")
    euro = seed.invoice(UK, "2188.05", number=EURO, currency="EUR", rate="1.17")
    seed.pay(
        UK, euro["InvoiceID"], "2188.05", "2026-11-05", CurrencyRate=Decimal("1.1523")
    )  # GBP bank, EUR invoice
    credited = seed.invoice(UK, "3198.58", number=CREDITED)
    note = seed.credit_note(UK, "1198.58")
    seed.pay(UK, credited["InvoiceID"], "2000.00", "2026-11-01")
    seed.allocate(UK, note, credited["InvoiceID"], "1198.58", "2026-11-07")
    return ids


def paid_dates(sandbox: RunningSandbox) -> dict[str, str | None]:
    found = autotask_invoices(sandbox, NUMBERS)
    return {n: (found[n]["paidDate"] or None) and found[n]["paidDate"][:10] for n in NUMBERS}


def test_payments_flow_back_and_rerun_writes_nothing(sandbox: RunningSandbox, tmp_path: Path) -> None:
    store = tmp_path / "token.json"
    seed = XeroSeed(sandbox, store)
    ids = seed_scenario(seed)
    before = autotask_invoices(sandbox, NUMBERS)
    assert all(before[n]["paidDate"] is None and before[n]["webServiceDate"] is None for n in NUMBERS)

    src = source_config(sandbox, store, [UK])
    dst = destination_config(sandbox, [UK], tmp_path)
    records, state = run_source(src)
    engine, _ = run_destination(dst, records)

    assert paid_dates(sandbox) == {
        FULL: "2026-11-03",
        PARTIAL: None,
        SPLIT_A: "2026-11-06",
        SPLIT_B: "2026-11-06",
        EURO: "2026-11-05",
        CREDITED: "2026-11-07",
    }
    after = autotask_invoices(sandbox, NUMBERS)
    assert all(after[n]["webServiceDate"] for n in NUMBERS)
    report = engine.report()
    assert report["marked_paid"] == 5
    partial = [p for p in report["partial"] if p["autotask_number"] == PARTIAL]
    assert len(partial) == 1
    assert str(partial[0]["amount_paid"]) == "300.00"
    assert partial[0]["last_payment_date"] == "2026-11-04"
    assert report["unmatched_or_rejected"] == 0

    # A rerun from scratch (no state) and an incremental rerun both write nothing.
    patches = patch_calls(sandbox)
    again, _ = run_source(src)
    engine2, _ = run_destination(dst, again)
    records3, state = run_source(src, state)
    run_destination(dst, records3)
    assert patch_calls(sandbox) == patches
    assert engine2.report()["autotask_patches"] == 0

    # A deleted payment re-opens the invoice: the next incremental run clears paidDate.
    sandbox.admin("xero", "clock", {"advance_seconds": 120})  # past the bookmark's second (and the token)
    seed = XeroSeed(sandbox, store)
    seed.delete_payment(UK, ids["full_payment"])
    records4, state = run_source(src, state)
    assert any(s == "payments" and r["Status"] == "DELETED" for s, r in records4)
    # If-Modified-Since is inclusive at the second: a read from the new bookmark returns only what changed
    # at that second (the deleted payment and its invoice), not the records seeded 120 s earlier.
    records5, _ = run_source(src, state)
    assert sorted((s, r.get("Status")) for s, r in records5) == [
        ("invoices", "AUTHORISED"),
        ("payments", "DELETED"),
    ]
    reads = [
        r
        for r in sandbox.admin("xero", "requests")
        if r["method"] == "GET" and r["path"].endswith("Payments")
    ]
    assert all(
        r["query"].get("pageSize") == "1000" and r["query"].get("order") == "UpdatedDateUTC ASC"
        for r in reads
    )
    engine4, _ = run_destination(dst, records4)
    assert paid_dates(sandbox)[FULL] is None
    assert engine4.report()["cleared"] == 1
    assert paid_dates(sandbox)[SPLIT_A] == "2026-11-06"


def test_one_batched_autotask_lookup_per_flush(sandbox: RunningSandbox, tmp_path: Path) -> None:
    store = tmp_path / "token.json"
    seed = XeroSeed(sandbox, store)
    seed_scenario(seed)
    records, _ = run_source(source_config(sandbox, store, [UK]))
    run_destination(destination_config(sandbox, [UK], tmp_path, stamp_web_service_date=False), records)
    stats = sandbox.admin("autotask", "stats")
    queries = sum(c["count"] for c in stats["calls"] if c["path"].endswith("/Invoices/query"))
    assert queries == 1
    patches = [r for r in sandbox.admin("autotask", "requests") if r["method"] == "PATCH"]
    assert len(patches) == 5
    assert all(
        set(json.loads(p["body"]) if isinstance(p["body"], str) else p["body"]) == {"id", "paidDate"}
        for p in patches
    )


def test_wrong_tenant_and_undeclared_tenant(sandbox: RunningSandbox, tmp_path: Path) -> None:
    store = tmp_path / "token.json"
    seed = XeroSeed(sandbox, store)
    # The AU organisation holds an invoice that reuses a UK Autotask number with another amount.
    au = seed.invoice(AU, "99.00", number=FULL, tax_type="EXEMPTOUTPUT")
    seed.pay(AU, au["InvoiceID"], "99.00", "2026-11-03")
    records, _ = run_source(source_config(sandbox, store, [UK, AU]))
    engine, events = run_destination(destination_config(sandbox, [UK, AU], tmp_path), records)
    rejected = [e for e in events if e["action"] == "rejected"]
    assert rejected and all("totals differ" in e["reason"] for e in rejected)
    assert paid_dates(sandbox)[FULL] is None
    lines = (tmp_path / "rejected.jsonl").read_text().splitlines()
    assert any(json.loads(line)["autotask_number"] == FULL for line in lines)

    # Only UK declared in the destination: AU's records are rejected, or ignored when so declared.
    engine, events = run_destination(destination_config(sandbox, [UK], tmp_path / "b"), records)
    assert engine.summary.rejected >= 1
    assert all("not one of the declared tenants" in e["reason"] for e in events if e["action"] == "rejected")
    engine, events = run_destination(
        destination_config(sandbox, [UK], tmp_path / "c", other_tenants="ignore"), records
    )
    assert engine.summary.rejected == 0 and engine.summary.ignored >= 1
    assert tenant_ids(sandbox)[AU] not in json.dumps(engine.report())


def test_faults_on_both_apis_still_land_exactly(sandbox: RunningSandbox, tmp_path: Path) -> None:
    """429/500/503 and dropped connections (after the server processed the call) on both APIs: the PATCHes are
    absolute values, so retries converge on the same paidDates, and a clean rerun writes nothing."""
    store = tmp_path / "token.json"
    seed = XeroSeed(sandbox, store)
    seed_scenario(seed)
    faults = {"rate": 0.5, "kinds": ["429", "500", "503", "reset"], "seed": 11}
    sandbox.admin("xero", "faults", faults)
    sandbox.admin("autotask", "faults", {**faults, "rate": 0.3})  # the zone lookup gets only 3 tries
    src = {**source_config(sandbox, store, [UK]), "page_size": 2}  # more pages, more calls to fault
    dst = destination_config(sandbox, [UK], tmp_path)
    records, _ = run_source(src)
    run_destination(dst, records)
    xero_stats, autotask_stats = sandbox.admin("xero", "stats"), sandbox.admin("autotask", "stats")
    assert any(c["status"] >= 429 for c in xero_stats["calls"]), xero_stats
    # Autotask: refused calls, or PATCHes repeated after a dropped connection (6 invoices to write).
    patched = sum(c["count"] for c in autotask_stats["calls"] if c["method"] == "PATCH")
    assert patched > 6 or any(c["status"] >= 429 for c in autotask_stats["calls"]), autotask_stats
    sandbox.admin("xero", "faults", {"rate": 0})
    sandbox.admin("autotask", "faults", {"rate": 0})
    assert paid_dates(sandbox)[SPLIT_A] == "2026-11-06"
    assert paid_dates(sandbox)[CREDITED] == "2026-11-07"
    assert paid_dates(sandbox)[PARTIAL] is None
    patches = patch_calls(sandbox)
    engine, _ = run_destination(dst, run_source(src)[0])
    assert patch_calls(sandbox) == patches and engine.report()["unmatched_or_rejected"] == 0


def test_token_expiring_mid_sync_loses_nothing(sandbox: RunningSandbox, tmp_path: Path) -> None:
    """The access token dies between two pages (Xero's clock passes 30 minutes): the client gets a 401,
    refreshes through the token store and carries on; every payment arrives."""
    store = tmp_path / "token.json"
    seed = XeroSeed(sandbox, store)
    seed_scenario(seed)
    handed_over = json.loads(store.read_text())["refresh_token"]
    reader = PaymentsReader(load_source_config({**source_config(sandbox, store, [UK]), "page_size": 3}))
    payments: list[dict[str, Any]] = []
    for record, _ in reader.read("payments", {}):
        if record is not None:
            payments.append(record)
            if len(payments) == 3:
                sandbox.admin("xero", "clock", {"advance_seconds": 1900})
    assert len({p["PaymentID"] for p in payments}) == 7
    stats = sandbox.admin("xero", "stats")["calls"]
    assert any(c["path"] == "/api.xro/2.0/Payments" and c["status"] == 401 for c in stats), stats
    refreshes = [c for c in stats if c["path"] == "/connect/token"]
    # the seed's refresh, the reader's first, and the one after the 401
    assert sum(c["count"] for c in refreshes) >= 3
    assert json.loads(store.read_text())["refresh_token"] != handed_over  # rotated tokens were persisted
