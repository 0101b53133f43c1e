"""Autotask emulator: `Invoices/{id}/InvoicePDF`, Departments, PurchaseOrderItemReceiving, territories.

The PDF endpoint answers the swagger's InvoicePDFModel (camelCase), a valid PDF that is a function of the
invoice: the same bytes twice, other bytes once the invoice says something else.
"""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from sandbox.autotask import picklists
from sandbox.launcher import RunningSandbox
from sandbox_testkit.autotask_kit import AutotaskClient, decode


@pytest.fixture
def at(sandbox: RunningSandbox) -> AutotaskClient:
    return AutotaskClient(sandbox.autotask)


def first_invoice(at: AutotaskClient) -> dict[str, Any]:
    found = at.items("Invoices", [{"op": "exist", "field": "invoiceNumber"}], MaxRecords=1)
    return dict(found[0])


def pdf_bytes(answer: dict[str, Any]) -> bytes:
    return base64.b64decode(answer["data"], validate=True)


def check_pdf_structure(content: bytes) -> None:
    """A reader's view: header, trailer, and every cross-reference offset pointing at its object."""
    assert content.startswith(b"%PDF-1.4\n") and content.endswith(b"%%EOF\n")
    start = int(re.search(rb"startxref\n(\d+)\n", content).group(1))  # type: ignore[union-attr]
    assert content[start:].startswith(b"xref\n0 ")
    offsets = [int(m) for m in re.findall(rb"(\d{10}) 00000 n ", content[start:])]
    assert offsets
    for number, offset in enumerate(offsets, start=1):
        assert content[offset:].startswith(f"{number} 0 obj\n".encode()), number
    length = int(re.search(rb"/Length (\d+) >>\nstream\n", content).group(1))  # type: ignore[union-attr]
    body = content.split(b"stream\n", 1)[1]
    assert body[length:].startswith(b"\nendstream")


def test_the_pdf_is_the_invoice_pdf_model_at_the_live_path(
    sandbox: RunningSandbox, at: AutotaskClient
) -> None:
    invoice = first_invoice(at)
    response = at.get(f"/Invoices/{invoice['id']}/InvoicePDF")
    assert response.status_code == 200, response.text
    answer = response.json()
    assert set(answer) == {"id", "contentType", "fileName", "fileSize", "data"}
    assert answer["id"] == invoice["id"] and answer["contentType"] == "application/pdf"
    assert answer["fileName"] == f"Invoice_{invoice['invoiceNumber']}.pdf"
    content = pdf_bytes(answer)
    assert answer["fileSize"] == len(content) < 20_000
    check_pdf_structure(content)
    assert f"INVOICE {invoice['invoiceNumber']}".encode() in content
    assert at.get(f"/invoices/{invoice['id']}/invoicepdf").json() == answer  # case-insensitive, repeatable
    stats = sandbox.admin("autotask", "stats")["calls"]
    counted = [c for c in stats if c["path"] == "/atservicesrest/v1.0/Invoices/{id}/InvoicePDF"]
    assert sum(c["count"] for c in counted) == 2


def test_the_pdf_changes_when_the_invoice_does(sandbox: RunningSandbox, at: AutotaskClient) -> None:
    invoice = first_invoice(at)
    before = at.get(f"/Invoices/{invoice['id']}/InvoicePDF").json()
    sandbox.admin(
        "autotask", "rows", {"entity": "Invoices", "rows": [{"id": invoice["id"], "isVoided": True}]}
    )
    after = at.get(f"/Invoices/{invoice['id']}/InvoicePDF").json()
    assert pdf_bytes(after) != pdf_bytes(before) and b"VOIDED" in pdf_bytes(after)
    check_pdf_structure(pdf_bytes(after))


def test_a_missing_invoice_answers_like_a_missing_record(at: AutotaskClient) -> None:
    response = at.get("/Invoices/999999999/InvoicePDF")
    assert response.status_code == 200 and decode(response) == {"item": None}
    assert at.request("POST", "/Invoices/999999999/InvoicePDF", data="{}").status_code == 405
    assert at.get("/Invoices/999999999/InvoicePDF", headers={"Secret": "wrong"}).status_code == 401


def test_planted_pdf_faults_answer_in_the_error_shape_until_reset(
    sandbox: RunningSandbox, at: AutotaskClient
) -> None:
    invoice = first_invoice(at)
    sandbox.admin("autotask", "invoice_pdf_faults", {"ids": [invoice["id"]], "status": 500})
    response = at.get(f"/Invoices/{invoice['id']}/InvoicePDF")
    assert response.status_code == 500 and list(response.json()) == ["errors"]
    assert "PDF" in response.json()["errors"][0]
    sandbox.admin("autotask", "invoice_pdf_faults", {"ids": [invoice["id"]], "status": 403, "message": "No."})
    assert at.get(f"/Invoices/{invoice['id']}/InvoicePDF").json() == {"errors": ["No."]}
    sandbox.reset()
    assert at.get(f"/Invoices/{invoice['id']}/InvoicePDF").status_code == 200


def test_departments_territories_and_invoice_udfs(at: AutotaskClient) -> None:
    departments = at.items("Departments", [{"op": "gte", "field": "id", "value": 0}])
    names = {d["id"]: d["name"] for d in departments}
    assert "Service Desk" in names.values()
    codes = at.items("BillingCodes", [{"op": "gte", "field": "id", "value": 0}])
    assert {c["department"] for c in codes} - {None} <= set(names) and None in {
        c["department"] for c in codes
    }
    fields = {f["name"]: f for f in at.get("/BillingCodes/entityInformation/fields").json()["fields"]}
    assert fields["department"]["referenceEntityType"] == "Department"
    company_fields = {f["name"]: f for f in at.get("/Companies/entityInformation/fields").json()["fields"]}
    territory = company_fields["territoryID"]
    assert territory["isPickList"] is True and territory["isReference"] is False
    labels = {int(v["value"]): v["label"] for v in territory["picklistValues"]}
    assert labels == picklists.TERRITORIES
    companies = at.items("Companies", [{"op": "gte", "field": "id", "value": 0}])
    assert all(c["territoryID"] in labels for c in companies)
    udfs = at.get("/Invoices/entityInformation/userDefinedFields").json()["fields"]
    assert [u["name"] for u in udfs] == ["Xero Sync"]
    invoice = first_invoice(at)
    assert invoice["userDefinedFields"] == [{"name": "Xero Sync", "value": None}]


def test_receivings_are_queryable_and_served_under_their_item(at: AutotaskClient) -> None:
    rows = at.items("PurchaseOrderItemReceiving", [{"op": "gte", "field": "id", "value": 0}])
    assert rows and all(r["receiveDate"] and r["quantityNowReceiving"] > 0 for r in rows)
    items = {i["id"]: i for i in at.items("PurchaseOrderItems", [{"op": "gte", "field": "id", "value": 0}])}
    orders = {o["id"]: o for o in at.items("PurchaseOrders", [{"op": "gte", "field": "id", "value": 0}])}
    assert {orders[items[r["purchaseOrderItemID"]]["orderID"]]["status"] for r in rows} == {3, 4}
    item_id = rows[0]["purchaseOrderItemID"]
    bulk = at.items(
        "PurchaseOrderItemReceiving", [{"op": "in", "field": "purchaseOrderItemID", "value": [item_id]}]
    )
    child = decode(at.get(f"/PurchaseOrderItems/{item_id}/Receiving"))["items"]
    assert child == bulk and all(r["purchaseOrderItemID"] == item_id for r in child)
