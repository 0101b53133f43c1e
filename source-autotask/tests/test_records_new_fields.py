"""Record assembly of the newer fields against a mocked Autotask: territory and company type labels,
departments, invoice UDFs, invoice PDFs (never in the fingerprint, never holding an invoice back) and a
purchase order's received date."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from decimal import Decimal
from typing import Any

import pytest
import requests_mock as rm
import simplejson
from source_autotask.config import SourceConfig
from source_autotask.sync import SyncSession

from .conftest import BASE

EMPTY = {"items": [], "pageDetails": {"nextPageUrl": None}}
PDF_URL = re.compile(r".*/v1\.0/Invoices/(\d+)/InvoicePDF$")


def _page(items: list[dict[str, Any]]) -> str:
    return str(simplejson.dumps({"items": items, "pageDetails": {"nextPageUrl": None}}, use_decimal=True))


def _picklist(name: str, values: dict[int, str]) -> dict[str, Any]:
    return {
        "name": name,
        "isPickList": True,
        "picklistValues": [{"value": str(k), "label": label} for k, label in values.items()],
    }


COMPANY = {"id": 99, "companyName": "Acme Ltd", "companyType": 1, "territoryID": 4, "isActive": True}
COMPANY_FIELDS = {
    "fields": [
        _picklist("companyType", {1: "Customer", 6: "Vendor"}),
        _picklist("territoryID", {4: "US West"}),
    ]
}
CODES = [
    {"id": 500, "name": "Remote Support", "department": 77},
    {"id": 501, "name": "Freight", "department": None},
]


def invoice(n: int) -> dict[str, Any]:
    return {
        "id": 1000 + n,
        "invoiceNumber": f"A-{n}",
        "companyID": 99,
        "createDateTime": f"2026-01-{n + 1:02d}T03:04:05.000Z",
        "invoiceTotal": Decimal("10.0000"),
        "userDefinedFields": [{"name": "Xero Sync", "value": "No sync" if n == 0 else None}],
    }


def lines(invoices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": 10 * inv["id"] + k,
            "invoiceID": inv["id"],
            "quantity": Decimal("1"),
            "extendedPrice": Decimal("5.0000"),
            "billingCodeID": 500 + k,
        }
        for inv in invoices
        for k in (0, 1)
    ]


def pdf_answer(invoice_id: int, stamp: str = "1") -> dict[str, Any]:
    content = f"%PDF-1.4 invoice {invoice_id} rendered {stamp}\n%%EOF\n".encode()
    return {
        "id": invoice_id,
        "contentType": "application/pdf",
        "fileName": f"Invoice_{invoice_id}.pdf",
        "fileSize": len(content),
        "data": base64.b64encode(content).decode(),
    }


def mock_autotask(m: Any, invoices: list[dict[str, Any]], *, departments: Any = None) -> None:
    m.get(
        BASE + "v1.0/ThresholdInformation",
        json={"externalRequestThreshold": 10000, "currentTimeframeRequestCount": 1},
    )
    m.get(re.compile(r".*/v1\.0/\w+/query.*"), text=_page([]))
    m.get(re.compile(r".*/entityInformation/fields"), json={"fields": []})
    m.get(BASE + "v1.0/Companies/entityInformation/fields", json=COMPANY_FIELDS)
    m.get(BASE + "v1.0/Companies/query", text=_page([COMPANY]))
    m.get(BASE + "v1.0/BillingCodes/query", text=_page(CODES))
    if departments is None:
        m.get(BASE + "v1.0/Departments/query", text=_page([{"id": 77, "name": "Service Desk"}]))
    else:
        m.get(BASE + "v1.0/Departments/query", **departments)
    m.get(BASE + "v1.0/Invoices/query", text=_page(invoices))
    m.get(BASE + "v1.0/BillingItems/query", text=_page(lines(invoices)))


def session(config: dict[str, Any], **extra: Any) -> SyncSession:
    return SyncSession(SourceConfig.from_mapping({**config, **extra}))


def pdf_calls(m: Any) -> list[int]:
    return [int(PDF_URL.match(r.url).group(1)) for r in m.request_history if PDF_URL.match(r.url)]  # type: ignore[union-attr]


def test_company_labels_department_and_invoice_udfs_are_in_the_record(unit_config: dict[str, Any]) -> None:
    with rm.Mocker() as m:
        mock_autotask(m, [invoice(0)])
        sync = session(unit_config)
        (record,) = list(sync.read("invoices"))
        field_calls = [r for r in m.request_history if r.url.endswith("Companies/entityInformation/fields")]
    company = record["company"]
    assert (company["companyType"], company["companyTypeName"]) == (1, "Customer")
    assert (company["territoryID"], company["territoryName"]) == (4, "US West")
    assert len(field_calls) == 1  # both picklists from one read of the fields
    assert [line["departmentName"] for line in record["lines"]] == ["Service Desk", None]
    assert record["userDefinedFields"] == [{"name": "Xero Sync", "value": "No sync"}]
    assert record["invoicePDF"] is None and record["invoicePDFError"] is None  # the option is off


def test_unknown_picklist_values_and_a_refused_departments_leave_names_empty(
    unit_config: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    with rm.Mocker() as m:
        mock_autotask(m, [invoice(0)], departments={"status_code": 403, "json": {"errors": ["No access"]}})
        m.get(BASE + "v1.0/Companies/query", text=_page([dict(COMPANY, territoryID=9, companyType=None)]))
        with caplog.at_level(logging.WARNING, logger="source_autotask"):
            (record,) = list(session(unit_config).read("invoices"))
    assert record["company"]["territoryName"] is None and record["company"]["companyTypeName"] is None
    assert [line["departmentName"] for line in record["lines"]] == [None, None]
    warned = [r.message for r in caplog.records if "Departments" in r.message]
    assert len(warned) == 1 and warned[0].startswith("Cannot read Departments")


def test_pdfs_come_with_emitted_invoices_only_and_stay_out_of_the_fingerprint(
    unit_config: dict[str, Any],
) -> None:
    invoices = [invoice(n) for n in range(4)]
    with rm.Mocker() as m:
        mock_autotask(m, invoices)
        m.get(PDF_URL, json=lambda request, _: pdf_answer(int(PDF_URL.match(request.url).group(1))))  # type: ignore[union-attr]
        first = session(unit_config, invoice_pdfs=True)
        records = list(first.read("invoices"))
        assert sorted(pdf_calls(m)) == [inv["id"] for inv in invoices]  # one call per emitted invoice
        for record in records:
            content = f"%PDF-1.4 invoice {record['id']} rendered 1\n%%EOF\n".encode()
            assert record["invoicePDF"] == {
                "fileName": f"Invoice_{record['id']}.pdf",
                "contentType": "application/pdf",
                "data": base64.b64encode(content).decode(),
                "size": len(content),
                "sha256": hashlib.sha256(content).hexdigest(),
            }
            assert record["invoicePDFError"] is None
        state = first.states["invoices"]
        m.reset_mock()
        # Autotask renders afresh: other bytes (a new timestamp), the same invoices. Nothing is sent again.
        m.get(PDF_URL, json=lambda request, _: pdf_answer(int(PDF_URL.match(request.url).group(1)), "2"))  # type: ignore[union-attr]
        assert list(session(unit_config, invoice_pdfs=True).read("invoices", state)) == []
        assert pdf_calls(m) == []
        # a state written with the option off has the same fingerprints: switching it on sends nothing again
        off = session(unit_config)
        list(off.read("invoices"))
        assert list(session(unit_config, invoice_pdfs=True).read("invoices", off.states["invoices"])) == []
        assert pdf_calls(m) == []


def test_a_failed_pdf_never_holds_the_invoice_back_and_is_read_again_next_sync(
    unit_config: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    invoices = [invoice(n) for n in range(3)]
    broken = invoices[1]["id"]

    def answer(request: Any, context: Any) -> Any:
        invoice_id = int(PDF_URL.match(request.url).group(1))  # type: ignore[union-attr]
        if invoice_id == broken:
            context.status_code = 500
            return {"errors": ["Template rendering failed"]}
        return pdf_answer(invoice_id)

    with rm.Mocker() as m:
        mock_autotask(m, invoices)
        m.get(PDF_URL, json=answer)
        first = session(unit_config, invoice_pdfs=True, max_retries=1)
        with caplog.at_level(logging.WARNING, logger="source_autotask"):
            records = {r["id"]: r for r in first.read("invoices")}
        assert set(records) == {inv["id"] for inv in invoices}
        failed = records[broken]
        assert failed["invoicePDF"] is None
        assert (
            "HTTP 500" in failed["invoicePDFError"]
            and "Template rendering failed" in failed["invoicePDFError"]
        )
        assert "\n" not in failed["invoicePDFError"]
        assert all(records[i]["invoicePDF"] for i in records if i != broken)
        assert pdf_calls(m).count(broken) == 2  # the client's retry, then given up
        warning = [r.message for r in caplog.records if "could not be read" in r.message]
        assert len(warning) == 1 and f"invoice A-1 (id {broken})" in warning[0]
        state = first.states["invoices"]
        assert state["pdf_retry"] == [broken]
        m.reset_mock()
        m.get(PDF_URL, json=lambda request, _: pdf_answer(int(PDF_URL.match(request.url).group(1))))  # type: ignore[union-attr]
        second = session(unit_config, invoice_pdfs=True)
        again = list(second.read("invoices", state))
        assert [r["id"] for r in again] == [broken] and again[0]["invoicePDF"]["size"] > 0
        assert pdf_calls(m) == [broken]
        assert "pdf_retry" not in second.states["invoices"]
        assert list(session(unit_config, invoice_pdfs=True).read("invoices", second.states["invoices"])) == []


def test_a_refusal_stops_pdf_reads_for_the_rest_of_the_sync(
    unit_config: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    invoices = [invoice(n) for n in range(12)]
    with rm.Mocker() as m:
        mock_autotask(m, invoices)
        m.get(PDF_URL, status_code=403, json={"errors": ["The logged in Resource may not export invoices"]})
        with caplog.at_level(logging.WARNING, logger="source_autotask"):
            records = list(session(unit_config, invoice_pdfs=True).read("invoices"))
        calls = pdf_calls(m)
    assert len(records) == 12 and all(r["invoicePDF"] is None and r["invoicePDFError"] for r in records)
    assert len(calls) <= 3  # the reads already in flight when the first refusal came back
    assert sum(1 for r in records if r["invoicePDFError"].startswith("not read: Autotask refused")) >= 9
    assert any("PDF reads stop for the rest of this sync" in r.message for r in caplog.records)


def test_repeated_failures_stop_pdf_reads(unit_config: dict[str, Any]) -> None:
    invoices = [invoice(n) for n in range(25)]
    with rm.Mocker() as m:
        mock_autotask(m, invoices)
        m.get(PDF_URL, status_code=200, text="not json")
        records = list(session(unit_config, invoice_pdfs=True, max_retries=0).read("invoices"))
        calls = pdf_calls(m)
    assert len(records) == 25 and all(r["invoicePDFError"] for r in records)
    assert 5 <= len(calls) <= 7
    assert "failed in a row" in records[-1]["invoicePDFError"]


PO_FIELDS = {
    "fields": [_picklist("status", {1: "New", 2: "Submitted", 3: "Partially Received", 4: "Received"})]
}


def test_received_purchase_orders_get_their_latest_receiving(unit_config: dict[str, Any]) -> None:
    orders = [
        {"id": 81, "vendorID": 99, "status": 4, "createDateTime": "2026-01-02T00:00:00.000Z"},
        {"id": 82, "vendorID": 99, "status": 2, "createDateTime": "2026-01-03T00:00:00.000Z"},
        {"id": 83, "vendorID": 99, "status": 3, "createDateTime": "2026-01-04T00:00:00.000Z"},
    ]
    items = [
        {"id": 91, "orderID": 81, "quantity": 2, "unitCost": Decimal("7.00")},
        {"id": 92, "orderID": 81, "quantity": 1, "unitCost": Decimal("7.00")},
        {"id": 93, "orderID": 82, "quantity": 5, "unitCost": Decimal("6.50")},
        {"id": 94, "orderID": 83, "quantity": 5, "unitCost": Decimal("6.50")},
    ]
    receivings = [
        {
            "id": 1,
            "purchaseOrderItemID": 91,
            "quantityNowReceiving": 1,
            "receiveDate": "2026-01-05T10:00:00.000Z",
        },
        {
            "id": 2,
            "purchaseOrderItemID": 92,
            "quantityNowReceiving": 1,
            "receiveDate": "2026-01-09T10:00:00.000Z",
        },
        {
            "id": 3,
            "purchaseOrderItemID": 91,
            "quantityNowReceiving": 1,
            "receiveDate": "2026-01-07T10:00:00.000Z",
        },
    ]
    with rm.Mocker() as m:
        mock_autotask(m, [])
        m.get(BASE + "v1.0/PurchaseOrders/entityInformation/fields", json=PO_FIELDS)
        m.get(BASE + "v1.0/PurchaseOrders/query", text=_page(orders))
        m.get(BASE + "v1.0/PurchaseOrderItems/query", text=_page(items))
        m.get(BASE + "v1.0/PurchaseOrderItemReceiving/query", text=_page(receivings))
        records = {r["id"]: r for r in session(unit_config).read("purchase_orders")}
        asked = [r for r in m.request_history if "PurchaseOrderItemReceiving/query" in r.url]
    assert records[81]["receivedDate"] == "2026-01-09T10:00:00.000Z"
    assert records[82]["receivedDate"] is None and records[83]["receivedDate"] is None
    assert records[81]["vendor"]["companyTypeName"] == "Customer"
    assert len(asked) == 1  # one bulk query for the batch, for the items of the orders that say received
    search = simplejson.loads(asked[0].qs["search"][0])
    assert "93" not in str(search["filter"])  # item 93's order (Submitted) is not asked about


def test_no_received_order_costs_no_receiving_call(unit_config: dict[str, Any]) -> None:
    orders = [{"id": 82, "vendorID": 99, "status": 2, "createDateTime": "2026-01-03T00:00:00.000Z"}]
    with rm.Mocker() as m:
        mock_autotask(m, [])
        m.get(BASE + "v1.0/PurchaseOrders/entityInformation/fields", json=PO_FIELDS)
        m.get(BASE + "v1.0/PurchaseOrders/query", text=_page(orders))
        m.get(BASE + "v1.0/PurchaseOrderItems/query", text=_page([{"id": 93, "orderID": 82, "quantity": 5}]))
        (record,) = list(session(unit_config).read("purchase_orders"))
        assert not [r for r in m.request_history if "PurchaseOrderItemReceiving" in r.url]
    assert record["receivedDate"] is None
