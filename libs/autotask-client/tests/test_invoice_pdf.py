"""An invoice's PDF: the live path, both answer shapes, every way the answer can be unusable, pacing."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
import requests_mock as rm
from autotask_client.client import AutotaskClient
from autotask_client.errors import PermissionDeniedError
from autotask_client.invoice_pdf import InvoicePdfError
from autotask_client.settings import Connection

from .conftest import BASE

PDF_URL = BASE + "v1.0/Invoices/555/InvoicePDF"
CONTENT = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
DATA = base64.b64encode(CONTENT).decode()
MODEL = {
    "id": 555,
    "contentType": "application/pdf",
    "fileName": "Invoice 20123.pdf",
    "fileSize": len(CONTENT),
    "data": DATA,
}
THRESHOLD = {
    "externalRequestThreshold": 10000,
    "requestThresholdTimeframe": 60,
    "currentTimeframeRequestCount": 1,
}


@pytest.fixture
def mock() -> Any:
    with rm.Mocker() as m:
        m.get(BASE + "v1.0/ThresholdInformation", json=THRESHOLD)
        yield m


def client(config: dict[str, Any]) -> AutotaskClient:
    return AutotaskClient(Connection(**config))


@pytest.mark.parametrize("shape", ["bare", "item"], ids=["InvoicePDFModel", "item-wrapped"])
def test_the_pdf_is_read_from_the_live_path_in_either_shape(
    mock: Any, unit_config: dict[str, Any], shape: str
) -> None:
    mock.get(PDF_URL, json=MODEL if shape == "bare" else {"item": MODEL})
    at = client(unit_config)
    pdf = at.invoice_pdf(555)
    assert (pdf.invoice_id, pdf.file_name, pdf.content_type) == (555, "Invoice 20123.pdf", "application/pdf")
    assert pdf.data == DATA and pdf.content() == CONTENT
    assert pdf.size == len(CONTENT) and pdf.sha256 == hashlib.sha256(CONTENT).hexdigest()
    assert at.calls["InvoicePDF"] == 1 and at.calls["Invoices"] == 0
    sent = next(r for r in mock.request_history if "InvoicePDF" in r.url)
    assert sent.method == "GET" and sent.headers["UserName"] == "api@example.test"


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ({"item": None}, "no such invoice"),
        ({"id": 555, "contentType": "application/pdf"}, "no file data"),
        (dict(MODEL, data="not base64 at all!"), "not base64"),
        (dict(MODEL, fileSize=len(CONTENT) + 10), f"fileSize says {len(CONTENT) + 10} bytes"),
        (dict(MODEL, data=base64.b64encode(b"<html>oops</html>").decode(), fileSize=17), "not a PDF"),
        ([MODEL], "not a JSON object"),
    ],
)
def test_an_unusable_answer_is_an_error_naming_the_invoice(
    mock: Any, unit_config: dict[str, Any], answer: Any, words: str
) -> None:
    mock.get(PDF_URL, json=answer)
    with pytest.raises(InvoicePdfError, match="invoice id 555") as info:
        client(unit_config).invoice_pdf(555)
    assert words in str(info.value)
    assert len([r for r in mock.request_history if "InvoicePDF" in r.url]) == 1  # not worth a retry


def test_a_missing_file_name_gets_one_naming_the_invoice(mock: Any, unit_config: dict[str, Any]) -> None:
    mock.get(PDF_URL, json={"id": 555, "data": DATA})
    pdf = client(unit_config).invoice_pdf(555)
    assert (pdf.file_name, pdf.content_type) == ("Invoice 555.pdf", "application/pdf")


def test_transient_failures_are_retried_and_refusals_are_typed(
    mock: Any, unit_config: dict[str, Any]
) -> None:
    mock.get(PDF_URL, [{"status_code": 500, "json": {"errors": ["busy"]}}, {"json": MODEL}])
    at = client(unit_config)
    assert at.invoice_pdf(555).size == len(CONTENT)
    assert at.calls["InvoicePDF"] == 2
    mock.get(PDF_URL, status_code=403, json={"errors": ["no access to invoice PDFs"]})
    with pytest.raises(PermissionDeniedError, match="InvoicePDF of invoice id 555"):
        at.invoice_pdf(555)


def test_picklists_of_one_entity_cost_one_call(mock: Any, unit_config: dict[str, Any]) -> None:
    fields = {
        "fields": [
            {
                "name": "companyType",
                "isPickList": True,
                "picklistValues": [{"value": "1", "label": "Customer"}],
            },
            {"name": "territoryID", "isPickList": True, "picklistValues": [{"value": "4", "label": "West"}]},
            {"name": "companyName", "isPickList": False, "picklistValues": None},
        ]
    }
    mock.get(BASE + "v1.0/Companies/entityInformation/fields", json=fields)
    at = client(unit_config)
    assert at.picklists("Companies") == {"companytype": {1: "Customer"}, "territoryid": {4: "West"}}
    assert at.picklist("Companies", "territoryID") == {4: "West"}
    assert at.picklist("Companies", "companyName") == {}
    assert at.calls["Companies"] == 3  # each public call reads the fields once
