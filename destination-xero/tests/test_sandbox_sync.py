"""End-to-end over HTTP: the engine and client against a running sandbox (`sandbox up` subprocess).

Records are built in source-autotask's shape (see records.py); every result is read back from the Xero
emulator over HTTP, and call counts come from `/__sandbox/requests` and `/__sandbox/stats`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from destination_xero.config import Config, load_config
from destination_xero.writer import Engine
from sandbox import launcher
from xero_client.client import AuthError, XeroClient

D = Decimal
Q4 = D("0.0001")


@pytest.fixture(scope="module")
def sb() -> Iterator[Any]:
    with launcher.running_sandbox("demo", rate_limits="off") as running:
        assert running.info["xero"]["tenants"], "the sandbox must serve Xero tenants"
        yield running


@pytest.fixture
def fresh(sb: Any) -> Any:
    sb.reset()
    return sb


def tenants(sb: Any) -> dict[str, str]:
    return {t["name"]: t["tenant_id"] for t in sb.info["xero"]["tenants"]}


UK, AU, US = "Northwind MSP Ltd", "Northwind MSP Pty Ltd", "Northwind MSP Inc"


def make_config(sb: Any, tmp_path: Path, tenant_names=(UK,), **extra: Any) -> Config:
    x = sb.info["xero"]
    ids = tenants(sb)
    tenant_defs = {
        UK: {
            "route": {"default": True},
            "split_number_suffix": "-UK",
            "mappings": {
                "tax": {
                    "by_region": {"United Kingdom": "OUTPUT2"},
                    "exempt": "EXEMPTOUTPUT",
                    "purchase": "INPUT2",
                }
            },
        },
        AU: {
            "route": {"currencies": ["AUD"]},
            "mappings": {
                "tax": {"by_region": {"Australia": "OUTPUT"}},
                "tracking": [],
                "rounding": {"account": "860", "tax_type": "BASEXCLUDED"},
            },
        },
        US: {
            "route": {
                "lines_of_business": ["Projects"],
                "company_udf": {"name": "Xero Org", "values": ["US"]},
            },
            "mappings": {"tax": {"default": "NONE"}, "tracking": []},
        },
    }
    raw = {
        "auth": {
            "type": "refresh_token",
            "client_id": x["client_id"],
            "client_secret": x["client_secret"],
            "refresh_token": x["refresh_token"],
            "token_store_path": str(tmp_path / "token.json"),
        },
        "xero": {"api_url": x["api_url"], "identity_url": x["identity_url"]},
        "mappings": {
            "accounts": {"default": "200", "by_billing_item_type": {"Labor": "210"}, "purchase": "300"},
            "rounding": {"account": "860"},
            "branding": {"by_template": {"Standard": "Standard"}},
            "tracking": [{"category": "Line of Business", "source": "line_of_business"}],
        },
        "tenants": [{"tenant_id": ids[name], "name": name, **tenant_defs[name]} for name in tenant_names],
        "rejected_records_path": str(tmp_path / "rejected.jsonl"),
        **extra,
    }
    if len(tenant_names) == 1:
        raw["tenants"][0]["route"] = {}
    return load_config(raw)


def line(
    i: int, q: str, r: str, pct: str = "20", lob: str = "Managed Services", **over: Any
) -> dict[str, Any]:
    quantity, rate = D(q), D(r)
    ext = (quantity * rate).quantize(Q4, ROUND_HALF_UP)
    tax = (ext * D(pct) / 100).quantize(Q4, ROUND_HALF_UP)
    return {
        "id": i,
        "description": f"Service {i}",
        "quantity": q,
        "rate": r,
        "extendedPrice": str(ext),
        "taxDollars": str(tax),
        "taxCategoryName": "Standard",
        "billingItemTypeName": "Labor",
        "organizationalLevel2Name": lob,
        **over,
    }


def invoice(
    iid: int,
    number: str,
    lines: list[dict[str, Any]],
    company: int = 7,
    name: str = "Contoso Ltd",
    currency: str = "GBP",
    **over: Any,
) -> dict[str, Any]:
    total = sum((D(li["extendedPrice"]) + D(li["taxDollars"]) for li in lines), D(0))
    return {
        "id": iid,
        "invoiceNumber": number,
        "invoiceDateTime": "2026-09-05T00:00:00Z",
        "dueDate": "2026-10-05T00:00:00Z",
        "invoiceTotal": str(total),
        "isVoided": False,
        "currency": {"name": currency},
        "taxRegionName": "United Kingdom",
        "invoiceTemplate": {"id": 1, "name": "Standard"},
        "company": {"id": company, "companyName": name, "companyNumber": f"C{company:05d}"},
        "lines": lines,
        **over,
    }


def cents(value: Any) -> Decimal:
    return D(str(value)).quantize(D("0.01"), ROUND_HALF_UP)


def run(
    config: Config, records: list[tuple[str, dict[str, Any]]], **client: Any
) -> tuple[Engine, list[dict[str, Any]]]:
    decisions: list[dict[str, Any]] = []
    engine = Engine(config, XeroClient(config, **client), on_decision=decisions.append)
    for stream, record in records:
        engine.add(stream, record)
    engine.flush()
    return engine, decisions


def writes(sb: Any) -> list[dict[str, Any]]:
    return [
        r
        for r in sb.admin("xero", "requests")
        if r["method"] in ("PUT", "POST") and r["path"].startswith("/api.xro")
    ]


def read(config: Config, tenant: str, path: str, **params: Any) -> Any:
    return XeroClient(config).get(tenant, path, params)


def read_invoices(config: Config, tenant: str, numbers: list[str]) -> list[dict[str, Any]]:
    """The Xero invoices under these numbers, 50 numbers a read."""
    got: list[dict[str, Any]] = []
    for start in range(0, len(numbers), 50):
        params = {"InvoiceNumbers": ",".join(numbers[start : start + 50]), "page": 1}
        got += read(config, tenant, "Invoices", **params)["Invoices"]
    return got


def by_action(decisions: list[dict[str, Any]], kind: str) -> dict[str, str]:
    return {d["key"]: d["action"] for d in decisions if d["kind"] == kind}


def test_first_sync_creates_once_totals_to_the_cent_and_rerun_writes_nothing(fresh, tmp_path):
    config = make_config(fresh, tmp_path)
    records = [
        ("invoices", invoice(1, "E-1001", [line(1, "3", "33.3333"), line(2, "1.5", "10.125")])),
        ("invoices", invoice(2, "E-1002", [line(3, "-1", "50")])),  # negative: a credit note
        ("invoices", invoice(3, "E-1003", [line(4, "2", "19.99")], company=8, name="Fabrikam Ltd")),
        ("tickets", {"id": 1}),  # an unknown stream is ignored
    ]
    engine, decisions = run(config, records)
    assert by_action(decisions, "invoice") == {"E-1001": "create", "E-1003": "create"}
    assert by_action(decisions, "credit_note") == {"E-1002": "create"}
    assert engine.exit_code() == 0
    uk = tenants(fresh)[UK]
    got = read(config, uk, "Invoices", InvoiceNumbers="E-1001,E-1003", page=1, unitdp=4)["Invoices"]
    totals = {i["InvoiceNumber"]: i["Total"] for i in got}
    assert totals == {
        "E-1001": cents(records[0][1]["invoiceTotal"]),
        "E-1003": cents(records[2][1]["invoiceTotal"]),
    }
    first = next(i for i in got if i["InvoiceNumber"] == "E-1001")
    assert first["LineItems"][0]["UnitAmount"] == D("33.3333")  # unitdp=4 kept the 4-dp rate
    assert [li["AccountCode"] for li in first["LineItems"]][-1] == "860"  # the explicit rounding line
    assert first["Status"] == "AUTHORISED"
    notes = read(config, uk, "CreditNotes", where='CreditNoteNumber=="E-1002"')["CreditNotes"]
    assert [(n["Type"], n["Total"]) for n in notes] == [("ACCRECCREDIT", D("60.00"))]
    summary = engine.summary()[UK]
    assert summary["rounding_lines"] == 1 and summary["documents"]["invoice"]["create"] == 2

    before = len(writes(fresh))
    engine, decisions = run(config, records)
    assert len(writes(fresh)) == before  # an unchanged rerun makes zero writes
    assert set(by_action(decisions, "invoice").values()) == {"unchanged"}
    assert by_action(decisions, "credit_note") == {"E-1002": "unchanged"}


def test_edit_updates_void_voids_and_paid_is_not_forced(fresh, tmp_path):
    config = make_config(fresh, tmp_path)
    uk = tenants(fresh)[UK]
    original = invoice(10, "E-2001", [line(1, "1", "100")])
    run(config, [("invoices", original), ("invoices", invoice(11, "E-2002", [line(2, "1", "40")]))])
    edited = invoice(10, "E-2001", [line(1, "2", "100")])
    before = len(writes(fresh))
    _, decisions = run(config, [("invoices", edited)])
    assert by_action(decisions, "invoice") == {"E-2001": "update"}
    assert len(writes(fresh)) == before + 1
    inv = read(config, uk, "Invoices", InvoiceNumbers="E-2001", page=1)["Invoices"][0]
    assert inv["Total"] == D("240.00")
    # pay E-2002 in Xero, then change it in Autotask: reported, not forced
    client = XeroClient(config)
    target = read(config, uk, "Invoices", InvoiceNumbers="E-2002", page=1)["Invoices"][0]
    client.request(
        "PUT",
        uk,
        "Payments",
        body={
            "Payments": [
                {
                    "Invoice": {"InvoiceID": target["InvoiceID"]},
                    "Account": {"Code": "090"},
                    "Date": "2026-09-10",
                    "Amount": D("10.00"),
                }
            ]
        },
    )
    _, decisions = run(config, [("invoices", invoice(11, "E-2002", [line(2, "1", "45")]))])
    assert by_action(decisions, "invoice") == {"E-2002": "not_changeable"}
    # void the edited one: AUTHORISED without payments -> VOIDED
    _, decisions = run(config, [("invoices", {**edited, "isVoided": True})])
    assert by_action(decisions, "invoice") == {"E-2001": "update"}
    assert read(config, uk, "Invoices", InvoiceNumbers="E-2001", page=1)["Invoices"][0]["Status"] == "VOIDED"
    _, decisions = run(config, [("invoices", {**edited, "isVoided": True})])
    assert by_action(decisions, "invoice") == {"E-2001": "unchanged"}


def test_voiding_a_4dp_invoice_that_no_longer_maps_keeps_its_lines(fresh, tmp_path):
    """A void sends no LineItems, and Xero re-creates the stored lines of such an update at the call's
    precision: without `unitdp=4` a 4-dp invoice would be rounded to 2 dp and its voided totals moved."""
    config = make_config(fresh, tmp_path)
    uk = tenants(fresh)[UK]
    original = invoice(30, "E-3001", [line(1, "3", "33.3333")])
    run(config, [("invoices", original)])
    before = read(config, uk, "Invoices", InvoiceNumbers="E-3001", page=1, unitdp=4)["Invoices"][0]
    retired = {**original, "isVoided": True, "taxRegionName": "Retired Region"}  # no longer maps: void only
    _, decisions = run(config, [("invoices", retired)])
    assert by_action(decisions, "invoice") == {"E-3001": "update"}
    void = [w for w in writes(fresh) if w["path"].endswith("/Invoices")][-1]
    assert void["query"].get("unitdp") == "4"
    after = read(config, uk, "Invoices", InvoiceNumbers="E-3001", page=1, unitdp=4)["Invoices"][0]
    assert after["Status"] == "VOIDED"
    assert after["LineItems"][0]["UnitAmount"] == D("33.3333")
    assert (after["SubTotal"], after["Total"]) == (before["SubTotal"], before["Total"])


def test_void_of_a_draft_deletes_it(fresh, tmp_path):
    config = make_config(fresh, tmp_path)
    raw = json.loads(config.model_dump_json())
    for t in raw["tenants"]:
        t["mappings"]["status"]["invoice"] = "DRAFT"
    raw["auth"] = {
        "type": "refresh_token",
        "client_id": config.auth.client_id,
        "client_secret": config.auth.client_secret.get_secret_value(),
        "refresh_token": fresh.info["xero"]["refresh_token"],
        "token_store_path": str(tmp_path / "token.json"),
    }
    draft_config = load_config(raw)
    doc = invoice(20, "E-3001", [line(1, "1", "10")])
    run(draft_config, [("invoices", doc)])
    _, decisions = run(draft_config, [("invoices", {**doc, "isVoided": True})])
    assert by_action(decisions, "invoice") == {"E-3001": "update"}
    uk = tenants(fresh)[UK]
    assert (
        read(draft_config, uk, "Invoices", InvoiceNumbers="E-3001", page=1)["Invoices"][0]["Status"]
        == "DELETED"
    )


def test_three_tenants_routing_and_split(fresh, tmp_path):
    config = make_config(fresh, tmp_path, tenant_names=(UK, AU, US), split_policy="split")
    ids = tenants(fresh)
    mixed = invoice(
        30,
        "E-4001",
        [line(1, "1", "100", lob="Managed Services"), line(2, "2", "50", pct="0", lob="Projects")],
        currency="USD",
    )
    aud = invoice(
        31,
        "E-4002",
        [line(3, "1", "75", pct="10")],
        currency="AUD",
        taxRegionName="Australia",
        company=9,
        name="Noosa Café",
    )
    udf = invoice(
        32, "E-4003", [line(4, "1", "20", pct="0")], currency="USD", company=10, name="ACME plumbing"
    )
    udf["company"]["userDefinedFields"] = [{"name": "Xero Org", "value": "US"}]
    engine, decisions = run(config, [("invoices", mixed), ("invoices", aud), ("invoices", udf)])
    assert engine.exit_code() == 0, decisions
    uk_part = read(config, ids[UK], "Invoices", InvoiceNumbers="E-4001-UK", page=1)["Invoices"]
    us_part = read(config, ids[US], "Invoices", InvoiceNumbers="E-4001", page=1)["Invoices"]
    assert [(i["Total"], i["CurrencyCode"]) for i in uk_part] == [(D("120.00"), "USD")]
    assert [i["Total"] for i in us_part] == [D("100.00")]  # US tenant has no split suffix
    au = read(config, ids[AU], "Invoices", InvoiceNumbers="E-4002", page=1)["Invoices"]
    assert [i["Total"] for i in au] == [D("82.50")]
    us = read(config, ids[US], "Invoices", InvoiceNumbers="E-4003", page=1)["Invoices"]
    assert [i["Total"] for i in us] == [D("20.00")]
    # folded names matched the existing 'Noosa Cafe' and 'acme plumbing' contacts: no second contact
    for tenant, name in ((AU, "noosa cafe"), (US, "acme plumbing")):
        contacts = read(config, ids[tenant], "Contacts", includeArchived="true")["Contacts"]
        assert sum(1 for c in contacts if c["Name"].casefold().replace("é", "e") == name) == 1


def test_split_rejected_when_declared_and_rejections_are_written_without_secrets(fresh, tmp_path):
    config = make_config(fresh, tmp_path, tenant_names=(UK, AU, US), split_policy="reject")
    mixed = invoice(40, "E-5001", [line(1, "1", "100"), line(2, "1", "50", lob="Projects")])
    unmapped = invoice(41, "E-5002", [line(3, "1", "10")], taxRegionName="Narnia")
    good = invoice(42, "E-5003", [line(4, "1", "10")])
    engine, decisions = run(config, [("invoices", r) for r in (mixed, unmapped, good)])
    assert by_action(decisions, "invoice") == {"E-5001": "rejected", "E-5002": "rejected", "E-5003": "create"}
    assert engine.exit_code() == 1
    rejected = [json.loads(x) for x in (tmp_path / "rejected.jsonl").read_text().splitlines()]
    reasons = {r["autotask_id"]: r for r in rejected}
    assert "split_policy is 'reject'" in reasons[40]["reason"]
    assert "no TaxType mapped for tax region 'Narnia'" in reasons[41]["reason"]
    assert reasons[41]["tenant"] == UK
    everything = (tmp_path / "rejected.jsonl").read_text() + json.dumps(decisions, default=str)
    everything += json.dumps(engine.summary(), default=str)
    for secret in [*fresh.secrets(), json.loads((tmp_path / "token.json").read_text())["refresh_token"]]:
        assert secret not in everything


def test_dry_run_plans_everything_and_writes_nothing(fresh, tmp_path):
    config = make_config(fresh, tmp_path, dry_run=True)
    _engine, decisions = run(
        config,
        [("invoices", invoice(50, "E-6001", [line(1, "1", "10")], company=77, name="New Customer Ltd"))],
    )
    assert writes(fresh) == []
    planned = {(d["kind"], d["action"]) for d in decisions}
    assert planned == {("contact", "create"), ("invoice", "create")}
    payload = next(d["payload"] for d in decisions if d["kind"] == "invoice")
    assert payload["InvoiceNumber"] == "E-6001" and payload["Contact"] == {
        "ContactNumber": "AT-77",
        "Name": "New Customer Ltd",
    }


def test_contacts_match_by_folded_name_and_archived_ones_are_reused(fresh, tmp_path):
    config = make_config(fresh, tmp_path)
    uk = tenants(fresh)[UK]
    records = [
        (
            "invoices",
            invoice(60, "E-7001", [line(1, "1", "10")], company=101, name="BRIGHTWATER  Dental Group"),
        ),
        ("invoices", invoice(61, "E-7002", [line(2, "1", "10")], company=102, name="Old Mill Accountants")),
    ]
    _, decisions = run(config, records)
    assert by_action(decisions, "invoice") == {"E-7001": "create", "E-7002": "create"}
    contacts = read(config, uk, "Contacts", includeArchived="true")["Contacts"]
    names = sorted(c["Name"] for c in contacts)
    assert names.count("Brightwater dental group") == 1 and names.count("Old Mill Accountants") == 1
    assert len(contacts) == 4  # nothing new
    old_mill = next(c for c in contacts if c["Name"] == "Old Mill Accountants")
    assert old_mill["ContactStatus"] == "ACTIVE" and old_mill["ContactNumber"] == "AT-102"


def test_purchase_orders_edits_are_resent(fresh, tmp_path):
    config = make_config(fresh, tmp_path)
    uk = tenants(fresh)[UK]
    po = {
        "id": 70,
        "purchaseOrderNumber": "PO-70",
        "vendor": {"id": 500, "companyName": "Ingram Micro UK Ltd"},
        "createDateTime": "2026-09-01T09:00:00Z",
        "status": 1,
        "currency": {"name": "GBP"},
        "items": [{"id": 1, "quantity": 2, "unitCost": "410.5", "memo": "Dell Latitude 5450"}],
    }
    _, decisions = run(config, [("purchase_orders", po)])
    assert by_action(decisions, "purchase_order") == {"PO-70": "create"}
    before = len(writes(fresh))
    _, decisions = run(config, [("purchase_orders", po)])
    assert by_action(decisions, "purchase_order") == {"PO-70": "unchanged"} and len(writes(fresh)) == before
    edited = {**po, "items": [{"id": 1, "quantity": 3, "unitCost": "410.5", "memo": "Dell Latitude 5450"}]}
    _, decisions = run(config, [("purchase_orders", edited)])
    assert by_action(decisions, "purchase_order") == {"PO-70": "update"}
    orders = [
        o for o in read(config, uk, "PurchaseOrders")["PurchaseOrders"] if o["PurchaseOrderNumber"] == "PO-70"
    ]
    assert len(orders) == 1 and orders[0]["SubTotal"] == D("1231.50")


def test_first_sync_call_budget(fresh, tmp_path):
    """N invoices, C new contacts, I new items: at most ceil(N/50) + ceil(C/50) + ceil(I/50) + 8 calls per
    tenant, plus the batched look-ups of existing invoices (ceil(N/50))."""
    config = make_config(fresh, tmp_path)
    raw = json.loads(config.model_dump_json())
    raw["auth"] = {
        "type": "refresh_token",
        "client_id": config.auth.client_id,
        "client_secret": config.auth.client_secret.get_secret_value(),
        "refresh_token": fresh.info["xero"]["refresh_token"],
        "token_store_path": str(tmp_path / "token.json"),
    }
    raw["tenants"][0]["mappings"]["items"] = {"enabled": True, "code_from": "sku", "create_missing": True}
    config = load_config(raw)
    n, companies, products = 1000, 120, 60
    records = [
        (
            "invoices",
            invoice(
                10_000 + i,
                f"B-{i:05d}",
                [
                    line(
                        1,
                        "1",
                        f"{10 + i % 7}.25",
                        product={"id": 900 + i % products, "sku": f"SKU-{i % products:03d}"},
                    )
                ],
                company=20_000 + i % companies,
                name=f"Customer {i % companies:03d}",
            ),
        )
        for i in range(n)
    ]
    engine, decisions = run(config, records)
    assert engine.exit_code() == 0
    uk = tenants(fresh)[UK]
    calls = sum(c["count"] for c in fresh.admin("xero", "stats")["calls"] if c["tenant"] == uk)
    assert calls == engine.summary()[UK]["calls"]
    budget = -(-n // 50) + -(-companies // 50) + -(-products // 50) + 8
    lookups = -(-n // 50)
    assert calls <= budget + lookups, calls
    before = len(writes(fresh))
    _, decisions = run(config, records)
    assert len(writes(fresh)) == before
    assert {d["action"] for d in decisions} == {"unchanged"}


def test_faults_and_resets_never_duplicate(tmp_path):
    # Seeded: the faults drawn depend on the calls made. The seed draws every kind for this test's calls;
    # a change in how many calls the destination makes may need another (the assertion names the kinds).
    faults = "rate=0.35;kinds=reset,503,429;seed=6"
    with launcher.running_sandbox("demo", rate_limits="off", faults=faults) as sb:
        config = make_config(sb, tmp_path)
        numbers = [f"F-{i:03d}" for i in range(120)]
        records = [("invoices", invoice(800 + i, n, [line(1, "1", "12.5")])) for i, n in enumerate(numbers)]
        # the backoff and Retry-After waits are shortened: the point here is what gets written, not when
        engine, _ = run(config, records, sleep=lambda seconds: time.sleep(min(seconds, 0.01)))
        assert engine.flush() and engine.exit_code() == 0
        injected = requests.get(f"{sb.xero_root}/__sandbox/faults", timeout=30).json()["injected"]
        assert injected.get("reset", 0) > 0 and injected.get("429", 0) > 0, injected
        sb.admin("xero", "faults", {"rate": 0})
        _, decisions = run(config, records)
        assert {d["action"] for d in decisions if d["kind"] == "invoice"} == {"unchanged"}
        uk = tenants(sb)[UK]
        got = read_invoices(config, uk, numbers)
        assert sorted(i["InvoiceNumber"] for i in got) == numbers  # each exactly once


def test_token_rotation_with_short_ttl_and_a_new_process(tmp_path):
    with launcher.running_sandbox("demo", rate_limits="off", token_ttl=60) as sb:
        config = make_config(sb, tmp_path)
        first = invoice(90, "R-1", [line(1, "1", "10")])
        engine, _ = run(config, [("invoices", first)])
        sb.admin("xero", "clock", {"advance_seconds": 120})  # the access token has expired
        engine.add("invoices", invoice(91, "R-2", [line(1, "1", "11")]))
        assert engine.flush()
        sb.admin("xero", "clock", {"advance_seconds": 3600})  # past the 30-min grace of the first token
        _, decisions = run(config, [("invoices", first)])  # a new process: starts from the token store
        assert by_action(decisions, "invoice") == {"R-1": "unchanged"}
        sb.admin("xero", "clock", {"advance_seconds": 61 * 24 * 3600})  # unused for 61 days: expired
        with pytest.raises(AuthError) as info:
            XeroClient(config).get(tenants(sb)[UK], "Organisation")
        assert "Reconnect the Xero app" in str(info.value)
        for secret in sb.secrets():
            assert secret not in str(info.value)


def test_connections_lists_tenants(fresh, tmp_path):
    config = make_config(fresh, tmp_path)
    names = {c["tenantName"] for c in XeroClient(config).connections()}
    assert {UK, AU, US} <= names
    assert requests is not None


def test_check_reports_every_mapping_problem_at_once(fresh, tmp_path):
    from destination_xero.check import check

    good = make_config(fresh, tmp_path, tenant_names=(UK, AU, US))
    result = check(good, XeroClient(good))
    assert result.ok, result.problems
    assert {UK, AU, US} <= set(result.tenants)
    raw = json.loads(good.model_dump_json())
    raw["auth"] = {
        "type": "refresh_token",
        "client_id": good.auth.client_id,
        "client_secret": good.auth.client_secret.get_secret_value(),
        "token_store_path": str(tmp_path / "token.json"),
    }
    uk = raw["tenants"][0]["mappings"]
    uk["tax"]["by_region"]["Ireland"] = "TAX001"  # archived in the UK org
    uk["accounts"]["by_billing_item_type"]["Expense"] = "999"
    uk["branding"]["by_template"]["Fancy"] = "No Such Theme"
    uk["tracking"] = [
        {"category": "Line of Business", "source": "line_of_business", "options": {"Hardware": "Hardware"}}
    ]
    raw["tenants"][1]["route"]["currencies"] = ["JPY"]
    raw["tenants"].append(
        {"tenant_id": "00000000-0000-0000-0000-000000000001", "name": "Ghost", "route": {"company_ids": [1]}}
    )
    result = check(load_config(raw), XeroClient(load_config(raw)))
    text = "\n".join(result.problems)
    for expected in (
        "TaxType 'TAX001' is ARCHIVED",
        "account code '999' does not exist",
        "branding theme 'No Such Theme' does not exist",
        "tracking option 'Hardware' does not exist",
        "currency JPY is not enabled",
        "'Ghost' (00000000-0000-0000-0000-000000000001) is not connected",
    ):
        assert expected in text, text


def test_items_are_created_when_allowed_and_lines_carry_item_codes(fresh, tmp_path):
    config = make_config(fresh, tmp_path)
    raw = json.loads(config.model_dump_json())
    raw["auth"] = {
        "type": "refresh_token",
        "client_id": config.auth.client_id,
        "client_secret": config.auth.client_secret.get_secret_value(),
        "refresh_token": fresh.info["xero"]["refresh_token"],
        "token_store_path": str(tmp_path / "token.json"),
    }
    raw["tenants"][0]["mappings"]["items"] = {"enabled": True, "code_from": "sku", "create_missing": True}
    raw["tenants"][0]["mappings"]["status"]["mark_sent"] = True
    config = load_config(raw)
    uk = tenants(fresh)[UK]
    records = [
        ("products", {"id": 44, "sku": "SW-24P", "name": "Switch 24 port", "unitPrice": "180.00"}),
        (
            "invoices",
            invoice(
                100,
                "E-8001",
                [
                    line(1, "1", "180", product={"id": 44, "sku": "SW-24P"}),
                    line(2, "1", "95", productID=45, productSku="LAB-REMOTE"),
                ],
            ),
        ),
    ]
    _, decisions = run(config, records)
    assert by_action(decisions, "item") == {"SW-24P": "create"}  # LAB-REMOTE already exists
    assert by_action(decisions, "invoice") == {"E-8001": "create"}
    items = {i["Code"]: i for i in read(config, uk, "Items")["Items"]}
    assert items["SW-24P"]["Name"] == "Switch 24 port"
    got = read(config, uk, "Invoices", InvoiceNumbers="E-8001", page=1)["Invoices"][0]
    assert [li.get("ItemCode") for li in got["LineItems"]] == ["SW-24P", "LAB-REMOTE"]
    assert got["SentToContact"] is True
    before = len(writes(fresh))
    _, decisions = run(config, records)
    assert len(writes(fresh)) == before and by_action(decisions, "invoice") == {"E-8001": "unchanged"}


def test_custom_connection_client_credentials(fresh, tmp_path):
    custom = fresh.info["xero"]["custom_connection"]
    config = load_config(
        {
            "auth": {
                "type": "client_credentials",
                "client_id": custom["client_id"],
                "client_secret": custom["client_secret"],
            },
            "xero": {
                "api_url": fresh.info["xero"]["api_url"],
                "identity_url": fresh.info["xero"]["identity_url"],
            },
            "mappings": {
                "tax": {"default": "NONE"},
                "accounts": {"default": "200"},
                "rounding": {"account": "860"},
            },
            "tenants": [{"tenant_id": custom["tenant_id"], "name": "custom"}],
        }
    )
    engine, decisions = run(config, [("invoices", invoice(110, "C-1", [line(1, "1", "10", pct="0")]))])
    assert engine.exit_code() == 0, decisions
    assert by_action(decisions, "invoice") == {"C-1": "create"}


def test_rerun_after_a_crash_mid_batch_creates_no_duplicates(fresh, tmp_path):
    config = make_config(fresh, tmp_path)
    numbers = [f"K-{i:03d}" for i in range(75)]  # two write calls: 50 + 25
    records = [("invoices", invoice(3000 + i, n, [line(1, "2", "9.99")])) for i, n in enumerate(numbers)]

    class Crash(Exception):
        pass

    def crash_after_first_write(decision: dict[str, Any]) -> None:
        if decision["kind"] == "invoice" and decision["action"] == "create":
            raise Crash  # the process dies after the first call's documents reached Xero

    engine = Engine(config, XeroClient(config), on_decision=crash_after_first_write)
    for stream, record in records:
        engine.add(stream, record)
    with pytest.raises(Crash):
        engine.flush()
    _, decisions = run(config, records)
    actions = by_action(decisions, "invoice")
    assert list(actions.values()).count("unchanged") == 50 and list(actions.values()).count("create") == 25
    uk = tenants(fresh)[UK]
    got = read_invoices(config, uk, numbers)
    assert sorted(i["InvoiceNumber"] for i in got) == numbers


def test_rate_limiter_never_trips_the_real_limits(tmp_path):
    """Limits scaled 30x (60 calls per 2 s): 8 threads x 20 calls through one client, zero 429s."""
    from concurrent.futures import ThreadPoolExecutor

    with launcher.running_sandbox("demo", rate_limits="scaled:30") as sb:
        config = make_config(sb, tmp_path)
        client = XeroClient(config, window=2.0)
        uk = tenants(sb)[UK]

        def calls(_: int) -> int:
            for _ in range(20):
                client.get(uk, "Currencies")
            return 20

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=8) as pool:
            assert sum(pool.map(calls, range(8))) == 160
        stats = sb.admin("xero", "stats")
        assert stats["throttled"] == 0, stats
        assert time.monotonic() - started >= 4.0  # 160 calls at 60 per 2 s need at least two more windows
        assert client.limiter(uk).state.throttled == 0


def test_account_number_match_and_update_details(fresh, tmp_path):
    config = make_config(fresh, tmp_path, tenant_names=(UK, AU, US))
    ids = tenants(fresh)
    harbour = invoice(
        120,
        "E-9001",
        [line(1, "1", "10", pct="10")],
        currency="AUD",
        company=12,
        name="Harbour Logistics Pty Ltd",
        taxRegionName="Australia",
    )
    assert harbour["company"]["companyNumber"] == "C00012"
    _, decisions = run(config, [("invoices", harbour)])
    assert by_action(decisions, "invoice") == {"E-9001": "create"}
    contacts = read(config, ids[AU], "Contacts", includeArchived="true")["Contacts"]
    matched = [c for c in contacts if c.get("AccountNumber") == "C00012"]
    assert len(matched) == 1 and matched[0]["Name"] == "Harbour Logistics (Old Account)"  # not renamed
    assert len(contacts) == 3  # nothing new
    raw = json.loads(config.model_dump_json())
    raw["auth"] = {
        "type": "refresh_token",
        "client_id": config.auth.client_id,
        "client_secret": config.auth.client_secret.get_secret_value(),
        "token_store_path": str(tmp_path / "token.json"),
    }
    raw["tenants"][1]["mappings"]["contacts"]["update_details"] = True
    updating = load_config(raw)
    harbour["company"]["invoiceEmail"] = "accounts@harbour.example"
    _, decisions = run(updating, [("invoices", harbour)])
    assert by_action(decisions, "contact") == {"AT-12": "update"}
    assert by_action(decisions, "invoice") == {"E-9001": "unchanged"}
    contact = next(
        c for c in read(updating, ids[AU], "Contacts")["Contacts"] if c.get("AccountNumber") == "C00012"
    )
    assert (
        contact["EmailAddress"] == "accounts@harbour.example"
        and contact["Name"] == "Harbour Logistics Pty Ltd"
    )


@pytest.mark.parametrize("retyped", [1, 30])
def test_invoices_renumbered_in_xero_are_found_by_their_link_never_created_twice(fresh, tmp_path, retyped):
    """A person retypes numbers in Xero (E-2000 -> INV-E-2000); the next full run finds each invoice by its
    link to Autotask (`Url`) and reports it, creating none. The organisation holds 40 sales invoices, few
    enough to list (holdings.py): the run costs a count and one listing page, whether 1 or 30 were
    retyped, and no look-up by number or by link."""
    config = make_config(fresh, tmp_path)
    records = [("invoices", invoice(500 + i, f"E-{2000 + i}", [line(i, "1", "10")])) for i in range(40)]
    engine, decisions = run(config, records)
    assert engine.exit_code() == 0 and set(by_action(decisions, "invoice").values()) == {"create"}
    uk = tenants(fresh)[UK]
    held = read(config, uk, "Invoices", page=1, pageSize=100)["Invoices"]
    assert all(str(i["Url"]).endswith(f"InvoiceID={500 + int(i['InvoiceNumber'][2:]) - 2000}") for i in held)
    client = XeroClient(config)
    for doc in sorted(held, key=lambda d: d["InvoiceNumber"])[:retyped]:
        client.request(
            "POST",
            uk,
            f"Invoices/{doc['InvoiceID']}",
            body={"Invoices": [{"InvoiceNumber": f"INV-{doc['InvoiceNumber']}"}]},
        )
    before_writes, before_reads = len(writes(fresh)), len(fresh.admin("xero", "requests"))
    engine, decisions = run(config, records)
    after = fresh.admin("xero", "requests")[before_reads:]
    assert len(writes(fresh)) == before_writes  # nothing created twice
    rejected = [d for d in decisions if d["action"] == "rejected"]
    assert len(rejected) == retyped
    assert all("renumbered in Autotask or edited in Xero" in d["reason"] for d in rejected)
    assert all(d["key"] in d["reason"] and "INV-E-" in d["reason"] for d in rejected)
    invoice_reads = [r for r in after if r["method"] == "GET" and r["path"].endswith("/Invoices")]
    assert [r["query"].get("pageSize") for r in invoice_reads] == ["1", "1000"], invoice_reads
    assert not [r for r in invoice_reads if "Url" in json.dumps(r) or "InvoiceNumbers" in json.dumps(r)]
    assert engine.exit_code() == 1


# ---- issue 13: the exact-name contact wins; a tax-exempt company's lines use `exempt` -------------------
ACCENTED, EXACT, SHOUTED = "Café Zürich GmbH", "Cafe Zurich GmbH", "CAFE ZURICH GMBH"


def reconfigured(sb: Any, tmp_path: Path, config: Config, change: Any) -> Config:
    """`config` with `change(raw)` applied to its raw form (the refresh token re-read from the sandbox)."""
    raw = json.loads(config.model_dump_json())
    raw["auth"] = {
        "type": "refresh_token",
        "client_id": config.auth.client_id,
        "client_secret": config.auth.client_secret.get_secret_value(),
        "refresh_token": sb.info["xero"]["refresh_token"],
        "token_store_path": str(tmp_path / "token.json"),
    }
    change(raw)
    return load_config(raw)


def seed_contact(config: Config, tenant: str, name: str) -> str:
    """An existing Xero contact (no ContactNumber, no AccountNumber), put through the API; its ContactID."""
    body = {"Contacts": [{"Name": name}]}
    return XeroClient(config).request("PUT", tenant, "Contacts", body=body).body["Contacts"][0]["ContactID"]


def zurich(company: int, name: str) -> tuple[str, dict[str, Any]]:
    return ("invoices", invoice(9000 + company, f"Z-{company}", [line(company, "1", "10")], company, name))


def contact_of(config: Config, tenant: str, number: str) -> dict[str, Any]:
    held = read(config, tenant, "Invoices", InvoiceNumbers=number, page=1)["Invoices"][0]
    return read(config, tenant, f"Contacts/{held['Contact']['ContactID']}")["Contacts"][0]


def zurich_contacts(config: Config, tenant: str) -> list[dict[str, Any]]:
    listed = read(config, tenant, "Contacts", includeArchived="true")["Contacts"]
    return [c for c in listed if "zurich" in c["Name"].lower() or "zürich" in c["Name"].lower()]


def assert_exact_name_contact_won(config: Config, uk: str, seeded: str) -> None:
    """Company 202 ("Cafe Zurich GmbH") is on the existing contact; company 201 has its own, unsuffixed."""
    exact, accented = contact_of(config, uk, "Z-202"), contact_of(config, uk, "Z-201")
    assert exact["ContactID"] == seeded and exact["ContactNumber"] == "AT-202"
    assert accented["ContactID"] != seeded
    assert (accented["Name"], accented["ContactNumber"]) == (ACCENTED, "AT-201")
    assert sorted(c["Name"] for c in zurich_contacts(config, uk)) == sorted([EXACT, ACCENTED])


@pytest.mark.parametrize("exact_first", [True, False], ids=["exact-first", "accented-first"])
def test_the_exact_name_contact_wins_whatever_the_processing_order(fresh, tmp_path, exact_first):
    """Autotask has "Café Zürich GmbH" (201) and "Cafe Zurich GmbH" (202); Xero has a contact "Cafe
    Zurich GmbH". Whichever invoice comes first, 202's goes on that contact and 201 gets its own."""
    config = make_config(fresh, tmp_path)
    uk = tenants(fresh)[UK]
    seeded = seed_contact(config, uk, EXACT)
    records = [zurich(202, EXACT), zurich(201, ACCENTED)]
    engine, decisions = run(config, records if exact_first else records[::-1])
    assert by_action(decisions, "invoice") == {"Z-201": "create", "Z-202": "create"}, decisions
    assert_exact_name_contact_won(config, uk, seeded)
    created = next(d for d in decisions if d["kind"] == "contact" and d["action"] == "create")
    assert created["autotask_id"] == 201
    assert "belongs to Autotask company 202 'Cafe Zurich GmbH'" in created["reason"]
    assert engine.exit_code() == 0


@pytest.mark.parametrize("first", ["exact", "accented-with-companies-stream"])
def test_the_exact_name_contact_wins_when_the_companies_come_in_different_runs(fresh, tmp_path, first):
    """Run 1 syncs one company, run 2 (a new process, Xero as run 1 left it) the other: the same result
    as one run. When the accented company comes first, the `companies` stream tells run 1 that a
    company of the contact's exact name exists."""
    config = make_config(fresh, tmp_path)
    uk = tenants(fresh)[UK]
    seeded = seed_contact(config, uk, EXACT)
    exact_company = ("companies", {"id": 202, "companyName": EXACT, "companyNumber": "C00202"})
    if first == "exact":
        runs = [[zurich(202, EXACT)], [zurich(201, ACCENTED)]]
    else:
        runs = [[exact_company, zurich(201, ACCENTED)], [zurich(202, EXACT)]]
    for records in runs:
        engine, decisions = run(config, records)
        assert engine.exit_code() == 0, decisions
    assert_exact_name_contact_won(config, uk, seeded)


def test_a_contact_matched_by_folded_name_in_an_earlier_run_is_reported_not_duplicated(fresh, tmp_path):
    """Run 1 saw only "Café Zürich GmbH" and nothing else: the folded match was unambiguous, so it took
    the contact. Run 2 brings "Cafe Zurich GmbH": no "(AT-202)" duplicate, a rejection naming both
    companies, the contact and what to do; it is retried by every run until the admin decides."""
    config = make_config(fresh, tmp_path)
    uk = tenants(fresh)[UK]
    seeded = seed_contact(config, uk, EXACT)
    engine, _ = run(config, [zurich(201, ACCENTED)])
    assert engine.exit_code() == 0 and contact_of(config, uk, "Z-201")["ContactID"] == seeded
    engine, decisions = run(config, [zurich(202, EXACT)])
    assert by_action(decisions, "invoice") == {"Z-202": "rejected"}
    reason = next(d["reason"] for d in decisions if d["key"] == "Z-202")
    for part in ("'Cafe Zurich GmbH'", seeded, "company 202", "company 201", "ContactNumber AT-202"):
        assert part in reason, reason
    assert [c["ContactID"] for c in zurich_contacts(config, uk)] == [seeded]  # no second contact
    assert engine.exit_code() == 1 and engine.ledger.failed()["invoice"] == {9202: reason}


@pytest.mark.parametrize("reverse", [False, True], ids=["accented-first", "shouted-first"])
def test_a_folded_name_shared_by_two_companies_is_reported_never_settled_by_order(fresh, tmp_path, reverse):
    """ "Café Zürich GmbH" and "CAFE ZURICH GMBH" both fold to the contact "Cafe Zurich GmbH" and neither
    is its exact name: whose it is cannot be told, so both are rejected (in either order), the contact is
    left as it was, and the reason says how to decide it."""
    config = make_config(fresh, tmp_path)
    uk = tenants(fresh)[UK]
    seeded = seed_contact(config, uk, EXACT)
    records = [zurich(201, ACCENTED), zurich(203, SHOUTED)]
    _, decisions = run(config, records[::-1] if reverse else records)
    assert by_action(decisions, "invoice") == {"Z-201": "rejected", "Z-203": "rejected"}
    for reason in (d["reason"] for d in decisions if d["kind"] == "invoice"):
        for part in (
            seeded,
            "201 'Café Zürich GmbH'",
            "203 'CAFE ZURICH GMBH'",
            "(AT-201 or AT-203), or its AccountNumber",
        ):
            assert part in reason, reason
    [contact] = zurich_contacts(config, uk)
    assert contact["ContactID"] == seeded and not contact.get("ContactNumber")


def test_a_tax_exempt_company_uses_exempt_even_where_its_region_and_category_are_mapped(fresh, tmp_path):
    """An admin maps "United Kingdom / Standard" to OUTPUT2. A charity flagged tax-exempt in Autotask is
    billed no VAT: its invoice lands with EXEMPTOUTPUT and Autotask's total, while a taxable customer's
    lines still take the region/category rule."""

    def pair(raw: dict[str, Any]) -> None:
        raw["tenants"][0]["mappings"]["tax"]["by_region_category"] = {"United Kingdom / Standard": "OUTPUT2"}

    config = reconfigured(fresh, tmp_path, make_config(fresh, tmp_path), pair)
    uk = tenants(fresh)[UK]
    exempt = invoice(9301, "X-301", [line(1, "2", "45.50", pct="0")], company=301)
    exempt["company"] = {**exempt["company"], "companyName": "St Giles Hospice", "isTaxExempt": True}
    taxable = invoice(9302, "X-302", [line(2, "1", "100")], company=302, name="Taxable Ltd")
    records = [("invoices", exempt), ("invoices", taxable)]
    _, decisions = run(config, records)
    assert by_action(decisions, "invoice") == {"X-301": "create", "X-302": "create"}, decisions
    got = {
        i["InvoiceNumber"]: i
        for i in read(config, uk, "Invoices", InvoiceNumbers="X-301,X-302", page=1)["Invoices"]
    }
    assert [li["TaxType"] for li in got["X-301"]["LineItems"]] == ["EXEMPTOUTPUT"]
    assert (got["X-301"]["TotalTax"], got["X-301"]["Total"]) == (D("0.00"), D("91.00"))
    assert [li["TaxType"] for li in got["X-302"]["LineItems"]] == ["OUTPUT2"]
    assert got["X-302"]["Total"] == D("120.00")


def test_new_contacts_are_written_in_full_batches_across_cycles(fresh, tmp_path, monkeypatch):
    """120 invoices for 120 new customers arriving 20 a cycle: the contacts go out 50 at a time (3 writes,
    not one partial batch per cycle), the invoices of companies whose contact waited are carried, and
    every invoice lands exactly once under its own contact."""
    monkeypatch.setattr("destination_xero.writer.CYCLE", 20)
    config = make_config(fresh, tmp_path)
    numbers = [f"NC-{i:03d}" for i in range(120)]
    records = [
        ("invoices", invoice(3000 + i, n, [line(1, "1", "10")], company=5000 + i, name=f"Newco {i:03d}"))
        for i, n in enumerate(numbers)
    ]
    engine, decisions = run(config, records)
    assert engine.exit_code() == 0
    assert by_action(decisions, "invoice") == dict.fromkeys(numbers, "create")
    contact_posts = [w for w in writes(fresh) if w["path"].endswith("/Contacts")]
    assert len(contact_posts) == 3, [w["path"] for w in writes(fresh)]
    uk = tenants(fresh)[UK]
    got = read_invoices(config, uk, numbers)
    assert sorted(i["InvoiceNumber"] for i in got) == numbers
    assert len({i["Contact"]["ContactID"] for i in got}) == 120


def test_currencies_are_read_only_when_a_document_is_in_another_currency(fresh, tmp_path):
    """A sync checks a foreign currency is enabled before writing; an organisation billed only in its
    base currency never needs the Currencies list, so it is not read."""
    config = make_config(fresh, tmp_path)

    def currency_reads() -> int:
        return sum(
            1
            for r in fresh.admin("xero", "requests")
            if r["method"] == "GET" and r["path"].endswith("/Currencies")
        )

    _, decisions = run(config, [("invoices", invoice(4001, "CUR-1", [line(1, "1", "10")]))])
    assert by_action(decisions, "invoice") == {"CUR-1": "create"}
    assert currency_reads() == 0
    _, decisions = run(config, [("invoices", invoice(4002, "CUR-2", [line(1, "1", "10")], currency="JPY"))])
    assert currency_reads() == 1
    rejected = [d for d in decisions if d["key"] == "CUR-2"]
    assert rejected and rejected[0]["action"] == "rejected", rejected
    assert "currency JPY is not enabled" in rejected[0]["reason"]
