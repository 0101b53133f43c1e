"""The real output of source-autotask's core (read over HTTP from the sandbox's Autotask emulator) fed to the
destination core, written to the three demo Xero organisations, and checked back over HTTP.

New Zealand GST is deliberately left unmapped: those invoices must be rejected by name while every other
document goes through.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from destination_xero.config import Config, load_config
from destination_xero.writer import Engine
from sandbox import launcher
from source_autotask.config import SourceConfig
from source_autotask.sync import SyncSession
from xero_client.client import XeroClient

sys.path.insert(0, str(Path(__file__).resolve().parent))  # --import-mode=importlib: the helpers by path
from test_adapter_support import destination_config

UK, AU, US = "Northwind MSP Ltd", "Northwind MSP Pty Ltd", "Northwind MSP Inc"


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("e2e")
    with launcher.running_sandbox("demo", rate_limits="off") as sb:
        a = sb.info["autotask"]
        scfg = SourceConfig.from_mapping(
            {
                "username": a["username"],
                "secret": a["secret"],
                "integration_code": a["integration_code"],
                "zone_lookup_url": a["zone_lookup_url"],
                "start_date": "2020-01-01T00:00:00Z",
            }
        )
        session = SyncSession(scfg)
        records = {stream: list(session.read(stream)) for stream in ("invoices", "purchase_orders")}
        config = _config(sb, tmp)
        decisions: list[dict[str, Any]] = []
        engine = Engine(config, XeroClient(config), on_decision=decisions.append)
        for stream in ("invoices", "purchase_orders"):
            for record in records[stream]:
                engine.add(stream, record)
        assert engine.flush()
        yield {
            "sb": sb,
            "config": config,
            "records": records,
            "decisions": decisions,
            "engine": engine,
            "tmp": tmp,
        }


def _config(sb: Any, tmp: Path) -> Config:
    """The adapter tests' three-organisation config, with branding themes by invoice template and the
    token kept in a store (the core is driven directly here, not through an adapter)."""
    config = destination_config(sb.info, tmp)
    config["auth"]["token_store_path"] = str(tmp / "token.json")
    config["mappings"].pop("items")
    config["mappings"]["branding"] = {
        "by_template": {name: name for name in ("Managed Services Invoice", "Project Invoice")},
        "default": "Standard",
    }
    return load_config(config)


def _cents(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def test_every_document_is_decided_and_only_the_unmapped_ones_are_rejected(synced):
    decisions = synced["decisions"]
    invoices = synced["records"]["invoices"]
    decided = {d["autotask_id"] for d in decisions if d["kind"] in ("invoice", "credit_note")}
    assert decided == {r["id"] for r in invoices}
    rejected = [d for d in decisions if d["action"] == "rejected"]
    assert rejected, "the unmapped New Zealand GST invoices must be rejected"
    company = {r["id"]: r["company"]["companyName"] for r in invoices}
    # "ACME Plumbing" and "Acme Plumbing" both fold to the one US contact "acme plumbing" and neither is its
    # exact name: whose it is is not guessed, both companies' documents wait for the admin
    ambiguous = {"ACME Plumbing", "Acme Plumbing"}
    for d in rejected:
        if company.get(d["autotask_id"]) in ambiguous and d["kind"] == "invoice":
            assert "'acme plumbing'" in d["reason"] and "whose it is cannot be told" in d["reason"], d
            assert all(name in d["reason"] for name in ambiguous), d
            continue
        assert (
            "no TaxType mapped for tax region 'New Zealand GST'" in d["reason"]
            or "is not enabled in organisation" in d["reason"]
        ), d
    live = {r["id"] for r in invoices if company[r["id"]] in ambiguous and not r["isVoided"]}
    assert live and live <= {d["autotask_id"] for d in rejected}
    lines = (synced["tmp"] / "rejected.jsonl").read_text().splitlines()
    assert len(lines) == len(rejected)
    assert {json.loads(x)["autotask_id"] for x in lines} == {d["autotask_id"] for d in rejected}
    voided = {r["id"] for r in invoices if r["isVoided"]}
    assert {
        d["autotask_id"] for d in decisions if d["action"] == "skipped" and d["kind"] != "purchase_order"
    } == voided
    assert synced["engine"].exit_code() == 1


def test_created_totals_equal_autotask_to_the_cent(synced):
    config, decisions = synced["config"], synced["decisions"]
    by_id = {r["id"]: r for r in synced["records"]["invoices"]}
    client = XeroClient(config)
    checked = 0
    for tenant in config.tenants:
        created = [d for d in decisions if d["tenant_id"] == tenant.tenant_id and d["action"] == "create"]
        numbers = [d["key"] for d in created if d["kind"] == "invoice"]
        for start in range(0, len(numbers), 50):
            batch = numbers[start : start + 50]
            got = client.get(tenant.tenant_id, "Invoices", {"InvoiceNumbers": ",".join(batch), "page": 1})
            autotask = {
                str(by_id[d["autotask_id"]]["invoiceNumber"]): by_id[d["autotask_id"]]
                for d in created
                if d["key"] in batch
            }
            for inv in got["Invoices"]:
                record = autotask[inv["InvoiceNumber"]]
                assert inv["Total"] == _cents(record["invoiceTotal"]), inv["InvoiceNumber"]
                assert inv["TotalTax"] == _cents(record["totalTaxValue"]), inv["InvoiceNumber"]
                checked += 1
        for d in created:
            if d["kind"] == "credit_note":
                where = f'CreditNoteNumber=="{d["key"]}"'
                (note,) = client.get(tenant.tenant_id, "CreditNotes", {"where": where})["CreditNotes"]
                assert note["Total"] == -_cents(by_id[d["autotask_id"]]["invoiceTotal"])
                assert note["TotalTax"] == -_cents(by_id[d["autotask_id"]]["totalTaxValue"])
                checked += 1
    assert checked > 100


def test_rerun_makes_zero_writes(synced):
    sb, config = synced["sb"], synced["config"]

    def write_count() -> int:
        calls = sb.admin("xero", "stats")["calls"]
        return sum(
            c["count"] for c in calls if c["method"] in ("PUT", "POST") and c["path"].startswith("/api.xro")
        )

    before = write_count()
    decisions: list[dict[str, Any]] = []
    engine = Engine(config, XeroClient(config), on_decision=decisions.append)
    for stream in ("invoices", "purchase_orders"):
        for record in synced["records"][stream]:
            engine.add(stream, record)
    assert engine.flush()
    assert write_count() == before
    assert {d["action"] for d in decisions} <= {"unchanged", "skipped", "rejected"}


def test_calls_per_tenant_stay_within_budget(synced):
    summary = synced["engine"].summary()
    for tenant in synced["config"].tenants:
        s = summary[tenant.name]
        counts = s["documents"]
        docs = sum(
            n
            for kind, per in counts.items()
            if kind in ("invoice", "credit_note", "purchase_order")
            for n in per.values()
        )
        contacts = sum(counts.get("contact", {}).values())
        writes_budget = -(-docs // 50) * 3 + -(-contacts // 50) + 8  # a write per collection and batch
        lookups = -(-docs // 50) + 3  # invoice numbers, one credit-note where, one PO listing
        assert s["calls"] <= writes_budget + lookups, (tenant.name, s)
