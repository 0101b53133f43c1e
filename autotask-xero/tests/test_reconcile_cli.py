"""`autotask-xero reconcile` through its real command line, on the demo sandbox after a real forward sync.

The forward sync is the real one: source-autotask's core reads the demo dataset over HTTP and
destination-xero's engine writes it into the three demo organisations with the committed demo mapping
(`demo.configs`), its rejected-records file included. Then reconcile runs twice as a subprocess, exactly as
an admin would run it: once on the clean sync, once after a person has changed both systems by hand (an
invoice voided in Xero, one whose line amount was edited in Xero, a stray invoice entered in Xero under a
number like Autotask's, a payment recorded in Xero only, and a paid date set in Autotask only).

What "only what the data really holds" means is computed here independently of reconcile: the documents
the sync itself refused (its rejected-records file: the mapping's planted gaps, New Zealand GST and USD in
the AU organisation, under "no mapping can place it"; the ambiguous "acme plumbing" contact under "refused
by the last sync"), and the invoices Autotask marks paid that landed in Xero, which the forward sync leaves
unpaid there.
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
from connector_kit.exact_json import loads
from demo import configs as demo_configs
from destination_xero.config import Config, load_config, read_config_file
from destination_xero.writer import Engine
from sandbox import launcher
from source_autotask.config import SourceConfig
from source_autotask.sync import SyncSession
from xero_client.client import XeroClient

PERIOD = ("--from", "2026-08-01", "--to", "2026-10-31")
UK = "Northwind MSP Ltd"
STRAY = "29999"
MAX_XERO_CALLS_PER_ORGANISATION = 10
MAX_AUTOTASK_CALLS = 40


def _script() -> str:
    found = Path(sys.executable).parent / "autotask-xero"
    assert found.exists(), "console script autotask-xero is not installed (run uv sync --all-packages)"
    return str(found)


def _requests(sb: Any) -> tuple[int, int]:
    return len(sb.admin("xero", "requests")), len(sb.admin("autotask", "requests"))


def _reconcile(sb: Any, paths: demo_configs.DemoConfigs, out: Path, *extra: str) -> dict[str, Any]:
    """One run through the console script; its outputs, and the requests each sandbox saw meanwhile."""
    before = _requests(sb)
    out.mkdir(parents=True, exist_ok=True)
    files = {"json": out / "reconcile.json", "markdown": out / "reconcile.md", "html": out / "reconcile.html"}
    command = [_script(), "reconcile", "--source", str(paths.source), "--destination", str(paths.destination)]
    command += [*PERIOD, *(a for k, p in files.items() for a in (f"--{k}", str(p))), *extra]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=300)
    return {
        "code": proc.returncode,
        "stdout": proc.stdout,
        "stderr": proc.stderr,
        "report": loads(files["json"].read_text()) if files["json"].exists() else None,
        "markdown": files["markdown"].read_text() if files["markdown"].exists() else "",
        "html": files["html"].read_text() if files["html"].exists() else "",
        "xero_requests": sb.admin("xero", "requests")[before[0] :],
        "autotask_requests": sb.admin("autotask", "requests")[before[1] :],
    }


def _forward_sync(paths: demo_configs.DemoConfigs) -> tuple[list[dict[str, Any]], Config]:
    config = load_config(read_config_file(paths.destination))
    session = SyncSession(SourceConfig.from_mapping(read_config_file(paths.source)))
    records = list(session.read("invoices"))
    engine = Engine(config, XeroClient(config))
    for record in records:
        engine.add("invoices", record)
    assert engine.flush()
    return records, config


def _found(report: dict[str, Any]) -> dict[str, set[tuple[str, str]]]:
    """kind -> {(organisation, document)} over every organisation and the unrouted invoices."""
    found: dict[str, set[tuple[str, str]]] = {}
    for org in report["organisations"]:
        for kind, items in org["findings"].items():
            found.setdefault(kind, set()).update((org["name"], f["document"]) for f in items)
    for kind, items in report["unrouted"].items():
        found.setdefault(kind, set()).update(("", f["document"]) for f in items)
    return found


def _xero_invoice(xero: XeroClient, tenant: str, number: str) -> dict[str, Any]:
    body = xero.get(tenant, "Invoices", {"InvoiceNumbers": number, "page": 1, "unitdp": 4})
    [invoice] = body["Invoices"]
    return dict(invoice)


def _plant(sb: Any, config: Config, records: list[dict[str, Any]], tenants: dict[str, str]) -> dict[str, str]:
    """A person's edits in both systems; the Autotask number each one concerns."""
    xero = XeroClient(config)
    uk = tenants[UK]
    held = {
        i["InvoiceNumber"]: i for i in xero.get(uk, "Invoices", {"page": 1, "pageSize": 1000})["Invoices"]
    }
    unpaid = [
        r
        for r in records
        if not r.get("paidDate")
        and not r.get("isVoided")
        and Decimal(str(r["invoiceTotal"])) > 0
        and held.get(r["invoiceNumber"], {}).get("Status") == "AUTHORISED"
    ]
    voided, edited, paid_in_xero, paid_in_autotask = (r["invoiceNumber"] for r in unpaid[:4])
    invoice = _xero_invoice(xero, uk, voided)
    xero.request(
        "POST",
        uk,
        f"Invoices/{invoice['InvoiceID']}",
        body={"Invoices": [{"InvoiceID": invoice["InvoiceID"], "Status": "VOIDED"}]},
    )
    invoice = _xero_invoice(xero, uk, edited)
    lines = [
        {k: line[k] for k in ("Description", "Quantity", "UnitAmount", "AccountCode", "TaxType") if k in line}
        for line in invoice["LineItems"]
    ]
    lines[0]["UnitAmount"] = Decimal(str(lines[0]["UnitAmount"])) + Decimal("100")
    body = {"Invoices": [{"InvoiceID": invoice["InvoiceID"], "LineItems": lines}]}
    xero.request("POST", uk, f"Invoices/{invoice['InvoiceID']}", params={"unitdp": 4}, body=body)
    invoice = _xero_invoice(xero, uk, paid_in_xero)
    payment = {
        "Invoice": {"InvoiceID": invoice["InvoiceID"]},
        "Account": {"Code": "090"},
        "Date": "2026-10-20",
        "Amount": Decimal(str(invoice["AmountDue"])),
    }
    xero.request("PUT", uk, "Payments", body={"Payments": [payment]})
    contact = invoice["Contact"]["ContactID"]
    stray = {
        "Type": "ACCREC",
        "Contact": {"ContactID": contact},
        "InvoiceNumber": STRAY,
        "Date": "2026-09-15",
        "DueDate": "2026-10-15",
        "Status": "AUTHORISED",
        "LineAmountTypes": "Exclusive",
        "LineItems": [
            {
                "Description": "Consulting",
                "Quantity": 1,
                "UnitAmount": 500,
                "AccountCode": "200",
                "TaxType": "OUTPUT2",
            }
        ],
    }
    xero.request("PUT", uk, "Invoices", body={"Invoices": [stray]})
    row = next(r for r in records if r["invoiceNumber"] == paid_in_autotask)
    sb.admin(
        "autotask",
        "rows",
        {"entity": "Invoices", "rows": [{"id": row["id"], "paidDate": "2026-10-21T00:00:00"}]},
    )
    return {
        "voided": voided,
        "edited": edited,
        "paid_in_xero": paid_in_xero,
        "paid_in_autotask": paid_in_autotask,
        "stray": STRAY,
    }


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("autotask-xero-reconcile")
    with launcher.running_sandbox("demo", rate_limits="off") as sb:
        paths = demo_configs.write_configs(sb.info, tmp, tmp)
        records, config = _forward_sync(paths)
        rejected = [json.loads(line) for line in paths.rejected.read_text().splitlines()]
        clean = _reconcile(sb, paths, tmp / "clean")
        planted = _plant(sb, config, records, paths.tenants)
        after = _reconcile(sb, paths, tmp / "planted")
        yield {
            "sb": sb,
            "paths": paths,
            "tmp": tmp,
            "records": records,
            "rejected": rejected,
            "clean": clean,
            "planted": planted,
            "after": after,
        }


def _names(world: dict[str, Any]) -> dict[str, str]:
    return {tid: name for name, tid in world["paths"].tenants.items()}


def _label(record: dict[str, Any]) -> str:
    kind = "credit note" if Decimal(str(record["invoiceTotal"])) < 0 else "invoice"
    return f"{kind} {record['invoiceNumber']}"


def _numbers(found: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """(organisation, Autotask number): the sync files a refused credit note under kind "invoice"."""
    return {(org, document.rsplit(" ", 1)[1]) for org, document in found}


def test_after_a_clean_sync_only_what_the_data_holds_is_reported(world):
    run = world["clean"]
    assert run["code"] == 1, run["stdout"] + run["stderr"][-3000:]
    found = _found(run["report"])
    assert set(found) == {"unplaceable", "refused_by_last_sync", "paid_in_autotask_only"}, found.keys()
    names = _names(world)
    by_reason: dict[str, set[tuple[str, str]]] = {"mapping": set(), "contact": set()}
    for entry in world["rejected"]:
        where = names.get(entry.get("tenant_id") or "", "")
        group = "contact" if "Xero contact 'acme plumbing'" in entry["reason"] else "mapping"
        by_reason[group].add((where, entry["key"]))
    assert _numbers(found["unplaceable"]) == by_reason["mapping"]
    assert _numbers(found["refused_by_last_sync"]) == by_reason["contact"]
    refused = {number for _, number in by_reason["mapping"] | by_reason["contact"]}
    paid = {
        _label(r)
        for r in world["records"]
        if r.get("paidDate") and not r.get("isVoided") and r["invoiceNumber"] not in refused
    }
    assert {doc for _, doc in found["paid_in_autotask_only"]} == paid
    assert len(paid) > 50


def test_each_planted_discrepancy_is_found_exactly_and_nothing_else_changes(world):
    planted, before, after = (
        world["planted"],
        _found(world["clean"]["report"]),
        _found(world["after"]["report"]),
    )
    assert world["after"]["code"] == 1
    added = {kind: after.get(kind, set()) - before.get(kind, set()) for kind in after}
    removed = {kind: before[kind] - after.get(kind, set()) for kind in before}
    assert {k: v for k, v in added.items() if v} == {
        "voided_in_xero_only": {(UK, f"invoice {planted['voided']}")},
        "amounts_differ": {(UK, f"invoice {planted['edited']}")},
        "paid_in_xero_only": {(UK, f"invoice {planted['paid_in_xero']}")},
        "paid_in_autotask_only": {(UK, f"invoice {planted['paid_in_autotask']}")},
        "not_in_autotask": {(UK, f"invoice {STRAY}")},
    }
    assert not any(removed.values()), removed


def test_an_edited_total_is_shown_with_both_amounts(world):
    [org] = [o for o in world["after"]["report"]["organisations"] if o["name"] == UK]
    [finding] = org["findings"]["amounts_differ"]
    assert finding["xero"]["total"] - finding["autotask"]["total"] >= Decimal("100")
    assert "Xero shows GBP " in finding["detail"] and "the Autotask invoice gives GBP " in finding["detail"]


def test_reconcile_never_writes_to_either_system(world):
    for run in (world["clean"], world["after"]):
        xero = {(r["method"], r["path"]) for r in run["xero_requests"]}
        writes = {(m, p) for m, p in xero if m != "GET" and not p.startswith("/connect/token")}
        assert not writes, writes
        assert {r["method"] for r in run["autotask_requests"]} <= {"GET", "POST"}
        posts = [r["path"] for r in run["autotask_requests"] if r["method"] == "POST"]
        assert all(p.endswith("/query") for p in posts), posts


def test_the_calls_used_are_printed_and_small(world):
    run = world["after"]
    report = run["report"]
    assert "Calls used: Autotask " in run["stdout"]
    assert 0 < report["calls"]["autotask"] <= MAX_AUTOTASK_CALLS
    for name, calls in report["calls"]["xero"].items():
        assert 0 < calls <= MAX_XERO_CALLS_PER_ORGANISATION, (name, calls)
        assert f"{name} {calls}" in run["stdout"]
    counted = {}
    for r in run["xero_requests"]:
        if r["tenant"]:
            counted[r["tenant"]] = counted.get(r["tenant"], 0) + 1
    assert sum(counted.values()) == sum(report["calls"]["xero"].values())


def test_the_terminal_summary_speaks_a_finance_admins_words(world):
    out = world["after"]["stdout"]
    assert "Missing in Xero: the last sync refused it (8):" in out
    assert "no TaxType mapped for tax region 'New Zealand GST':" in out
    assert f"invoice {STRAY}: {UK} holds invoice {STRAY}" in out
    sections = sum(len(o["findings"]) for o in world["after"]["report"]["organisations"])
    assert out.count("What to do: ") == sections  # every kind, in every organisation, says what to do
    for word in ("HTTP", "429", "PUT ", "GET ", "/api.xro", "state"):
        assert word not in out, word


def test_markdown_and_html_name_every_document_and_stand_alone(world):
    run = world["after"]
    documents = {doc for items in _found(run["report"]).values() for _, doc in items}
    for document in documents:
        assert f"| {document} |" in run["markdown"], document
        assert f"<td>{document}</td>" in run["html"], document
    page = run["html"]
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    assert "<script" not in page and "<link" not in page and "src=" not in page and "url(" not in page


def test_no_secret_reaches_any_output(world):
    secrets = [s for s in world["sb"].secrets() if s]
    for run in (world["clean"], world["after"]):
        text = (
            run["stdout"]
            + run["stderr"]
            + run["markdown"]
            + run["html"]
            + json.dumps(run["report"], default=str)
        )
        assert not [s[:4] for s in secrets if s in text]


def test_a_period_with_nothing_billed_exits_0(world):
    out = world["tmp"] / "empty"
    run = _reconcile(world["sb"], world["paths"], out, "--from", "2025-01-01", "--to", "2025-01-31")
    assert run["code"] == 0, run["stdout"]
    assert "Xero holds exactly what Autotask billed" in run["stdout"]


def test_an_unreadable_autotask_exits_2_without_the_secret(world):
    source = json.loads(world["paths"].source.read_text())
    source["secret"] = "not-the-secret-0000"
    bad = world["tmp"] / "wrong-secret.json"
    bad.write_text(json.dumps(source))
    proc = subprocess.run(
        [
            _script(),
            "reconcile",
            "--source",
            str(bad),
            "--destination",
            str(world["paths"].destination),
            *PERIOD,
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Autotask could not be read" in proc.stdout
    assert "not-the-secret-0000" not in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_wrong_command_line_exits_2(world):
    base = [_script(), "reconcile", "--source", "a.json", "--destination", "b.json"]
    assert subprocess.run([*base, "--from", "2026-10-01"], capture_output=True).returncode == 2
    assert (
        subprocess.run([*base, "--from", "2026-10-31", "--to", "2026-10-01"], capture_output=True).returncode
        == 2
    )
