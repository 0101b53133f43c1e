"""The newer record fields and `invoice_pdfs` against the running sandbox, with Autotask's calls counted."""

from __future__ import annotations

import base64
import hashlib
import logging
from typing import Any

import pytest
from source_autotask.config import SourceConfig
from source_autotask.sync import SyncSession

from .conftest import sandbox_config
from .test_sandbox_streams import patch_invoice, raw_all

PDF_PATH = "/atservicesrest/v1.0/Invoices/{id}/InvoicePDF"


def session(sb: Any, **extra: Any) -> SyncSession:
    return SyncSession(SourceConfig.from_mapping(sandbox_config(sb, **extra)))


def pdf_calls(sb: Any) -> int:
    return sum(c["count"] for c in sb.admin("autotask", "stats")["calls"] if c["path"] == PDF_PATH)


def test_without_the_option_no_pdf_is_read_and_the_new_fields_are_there(sandbox: Any) -> None:
    invoices = list(session(sandbox).read("invoices"))
    assert invoices and pdf_calls(sandbox) == 0
    assert all(i["invoicePDF"] is None and i["invoicePDFError"] is None for i in invoices)
    companies = [i["company"] for i in invoices]
    assert all(c["territoryName"] and c["companyTypeName"] == "Customer" for c in companies)
    assert {c["territoryName"] for c in companies} >= {"London & South East", "Australia", "US West"}
    names = {line["departmentName"] for i in invoices for line in i["lines"]}
    assert {"Service Desk", "Managed Services"} <= names
    assert all(i["userDefinedFields"] == [{"name": "Xero Sync", "value": None}] for i in invoices)


def test_one_pdf_call_per_emitted_invoice_and_none_on_an_unchanged_rerun(sandbox: Any) -> None:
    first = session(sandbox, invoice_pdfs=True)
    invoices = list(first.read("invoices"))
    assert pdf_calls(sandbox) == len(invoices) > 200
    assert first.client.calls["InvoicePDF"] == len(invoices)
    for record in invoices:
        pdf = record["invoicePDF"]
        content = base64.b64decode(pdf["data"], validate=True)
        assert content.startswith(b"%PDF-") and f"INVOICE {record['invoiceNumber']}".encode() in content
        assert (pdf["size"], pdf["sha256"]) == (len(content), hashlib.sha256(content).hexdigest())
        assert (
            pdf["fileName"] == f"Invoice_{record['invoiceNumber']}.pdf" and record["invoicePDFError"] is None
        )
    sandbox.reset()
    assert list(session(sandbox, invoice_pdfs=True).read("invoices", first.states["invoices"])) == []
    assert pdf_calls(sandbox) == 0

    # a change Autotask prints on the invoice: the invoice is sent again, with its new PDF, and only it
    target = invoices[-1]
    patch_invoice(sandbox, {"id": target["id"], "invoiceNumber": f"{target['invoiceNumber']}-R"})
    changed = list(session(sandbox, invoice_pdfs=True).read("invoices", first.states["invoices"]))
    assert [i["id"] for i in changed] == [target["id"]] and pdf_calls(sandbox) == 1
    assert changed[0]["invoicePDF"]["sha256"] != target["invoicePDF"]["sha256"]
    assert changed[0]["invoicePDF"]["fileName"] == f"Invoice_{target['invoiceNumber']}-R.pdf"


def test_a_planted_pdf_failure_leaves_the_invoice_sent_with_the_reason(
    sandbox: Any, caplog: pytest.LogCaptureFixture
) -> None:
    numbered = [i for i in raw_all(sandbox, "Invoices") if i.get("invoiceNumber")]
    broken = numbered[5]
    sandbox.reset()
    sandbox.admin("autotask", "invoice_pdf_faults", {"ids": [broken["id"]], "status": 500})
    first = session(sandbox, invoice_pdfs=True, max_retries=1)
    with caplog.at_level(logging.WARNING, logger="source_autotask"):
        invoices = {i["id"]: i for i in first.read("invoices")}
    assert len(invoices) == len(numbered)
    failed = invoices[broken["id"]]
    assert failed["invoicePDF"] is None and "HTTP 500" in failed["invoicePDFError"]
    assert all(i["invoicePDF"] for key, i in invoices.items() if key != broken["id"])
    assert pdf_calls(sandbox) == len(numbered) + 1  # the failing one tried twice (one retry)
    named = [r.message for r in caplog.records if "could not be read" in r.message]
    assert len(named) == 1 and f"invoice {broken['invoiceNumber']} (id {broken['id']})" in named[0]

    assert first.states["invoices"]["pdf_retry"] == [broken["id"]]  # an old invoice, out of the window
    sandbox.reset()  # the template is fixed: the next sync sends that invoice again, now with its PDF
    second = session(sandbox, invoice_pdfs=True)
    again = list(second.read("invoices", first.states["invoices"]))
    assert [i["id"] for i in again] == [broken["id"]] and again[0]["invoicePDF"]["size"] > 0
    assert pdf_calls(sandbox) == 1
    sandbox.reset()
    assert list(session(sandbox, invoice_pdfs=True).read("invoices", second.states["invoices"])) == []
    assert pdf_calls(sandbox) == 0


def test_received_purchase_orders_carry_the_latest_receiving(sandbox: Any) -> None:
    receivings = raw_all(sandbox, "PurchaseOrderItemReceiving")
    items = {i["id"]: i for i in raw_all(sandbox, "PurchaseOrderItems")}
    sandbox.reset()
    orders = list(session(sandbox).read("purchase_orders"))
    latest: dict[int, str] = {}
    for row in receivings:
        order = items[row["purchaseOrderItemID"]]["orderID"]
        latest[order] = max(latest.get(order, ""), row["receiveDate"])
    assert latest
    for order in orders:
        assert order["receivedDate"] == latest.get(order["id"]), order["id"]
        if order["receivedDate"]:
            assert order["statusName"] in ("Partially Received", "Received in Full")
        assert order["vendor"]["companyTypeName"] == "Vendor" and order["vendor"]["territoryName"]
    asked = [
        c
        for c in sandbox.admin("autotask", "stats")["calls"]
        if "PurchaseOrderItemReceiving/query" in c["path"]
    ]
    assert sum(c["count"] for c in asked) == 1  # one bulk query for the batch


def test_an_old_order_received_later_is_read_again_and_sent_once(sandbox: Any) -> None:
    """A receiving moves none of the order's own dates: the sync finds it through its receivings."""
    first = session(sandbox)
    orders = {o["id"]: o for o in first.read("purchase_orders")}
    state = first.states["purchase_orders"]
    submitted = sorted((o for o in orders.values() if o["status"] == 2), key=lambda o: o["createDateTime"])
    old = submitted[0]
    assert old["createDateTime"] < "2026-09-01" and old["receivedDate"] is None
    item = next(i for i in raw_all(sandbox, "PurchaseOrderItems") if i["orderID"] == old["id"])
    sandbox.admin("autotask", "rows", {"entity": "PurchaseOrders", "rows": [{"id": old["id"], "status": 4}]})
    received = {
        "id": 40_999_001,
        "purchaseOrderItemID": item["id"],
        "quantityNowReceiving": item["quantity"],
        "quantityPreviouslyReceived": 0,
        "quantityBackOrdered": 0,
        "receiveDate": "2026-10-30T09:00:00.000Z",
    }
    sandbox.admin("autotask", "rows", {"entity": "PurchaseOrderItemReceiving", "rows": [received]})
    second = session(sandbox)
    again = list(second.read("purchase_orders", state))
    assert [o["id"] for o in again] == [old["id"]]
    assert (
        again[0]["receivedDate"] == "2026-10-30T09:00:00.000Z"
        and again[0]["statusName"] == "Received in Full"
    )
    assert list(session(sandbox).read("purchase_orders", second.states["purchase_orders"])) == []
