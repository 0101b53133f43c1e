"""Intake of the fields issue 18 added to the source's records: territory, company type, department, the
invoice's own UDFs, its PDF (checked against its size and SHA-256), and a purchase order's status label
and received date. A record without them (an older source) parses exactly as before; a PDF that is not the
file Autotask rendered is dropped with the reason, and the invoice still parses."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pendulum
import pytest
from destination_xero.record_fields import RecordError, read_pdf
from destination_xero.records import parse_invoice, parse_purchase_order

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def pdf_field(content: bytes = PDF, **over: Any) -> dict[str, Any]:
    field: dict[str, Any] = {
        "fileName": "Invoice 1001.pdf",
        "contentType": "application/pdf",
        "data": base64.b64encode(content).decode("ascii"),
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
    }
    field.update(over)
    return field


def raw_po(**over: Any) -> dict[str, Any]:
    po: dict[str, Any] = {
        "id": 77,
        "vendor": {
            "id": 9,
            "companyName": "Parts Ltd",
            "territoryName": "North",
            "companyTypeName": "Vendor",
            "userDefinedFields": [{"name": "Sync", "value": "No"}],
        },
        "createDateTime": "2025-09-01T10:00:00Z",
        "status": 3,
        "statusName": "Received Full",
        "receivedDate": "2025-09-04T15:30:00Z",
        "items": [{"id": 1, "quantity": "2", "unitCost": "5.00", "memo": "Cable"}],
    }
    po.update(over)
    return po


def test_company_line_and_invoice_fields_are_read(raw_invoice, raw_line):
    company = {
        "id": 7,
        "companyName": "Acme Pty Ltd",
        "territoryName": "Sydney Metro",
        "companyTypeName": "Customer",
        "companyType": 1,
    }
    raw = raw_invoice(
        company=company,
        lines=[
            raw_line(1, departmentName="Service Desk"),
            raw_line(2, department={"id": 4, "name": "Projects"}),
        ],
        invoiceTotal="220.0000",
        userDefinedFields=[{"name": "Do Not Sync", "value": "Yes"}, {"name": "Empty", "value": None}],
    )
    invoice = parse_invoice(raw)
    assert invoice.company.territory == "Sydney Metro" and invoice.company.company_type == "Customer"
    assert [line.department for line in invoice.lines] == ["Service Desk", "Projects"]
    assert invoice.udfs == {"Do Not Sync": "Yes"}
    assert invoice.udf("do not sync") == "Yes"  # names compare case-insensitively, like a company's
    assert invoice.company.udf("Xero Org") is None  # this company snapshot has no UDFs


def test_a_record_without_the_new_fields_parses_as_before(raw_invoice):
    invoice = parse_invoice(raw_invoice())
    assert invoice.company.territory is None and invoice.company.company_type is None
    assert invoice.lines[0].department is None
    assert invoice.udfs == {} and invoice.pdf is None and invoice.pdf_error is None
    po = parse_purchase_order(
        raw_po(statusName=None, receivedDate=None, vendor={"id": 9, "companyName": "P"})
    )
    assert po.status_name is None and po.received_date is None
    assert po.vendor.territory is None and po.vendor.company_type is None


def test_a_company_type_number_alone_is_not_taken_for_its_label(raw_invoice):
    invoice = parse_invoice(raw_invoice(company={"id": 7, "companyName": "Acme", "companyType": 1}))
    assert invoice.company.company_type is None  # a tracking option "1" would mean nothing to anyone


def test_a_good_pdf_is_decoded_with_its_checksum(raw_invoice):
    invoice = parse_invoice(raw_invoice(invoicePDF=pdf_field()))
    assert invoice.pdf is not None and invoice.pdf_error is None
    assert invoice.pdf.data == PDF and invoice.pdf.file_name == "Invoice 1001.pdf"
    assert invoice.pdf.content_type == "application/pdf"
    assert invoice.pdf.sha256 == hashlib.sha256(PDF).hexdigest()


def test_base64_with_line_breaks_and_an_upper_case_digest_is_accepted():
    text = base64.encodebytes(PDF * 20).decode("ascii")  # MIME style: a line break every 76 characters
    assert "\n" in text
    pdf, error = read_pdf(
        pdf_field(PDF * 20, data=text, sha256=hashlib.sha256(PDF * 20).hexdigest().upper()), "x"
    )
    assert error is None and pdf is not None and pdf.data == PDF * 20


def test_without_name_type_or_checksum_the_file_is_still_taken():
    pdf, error = read_pdf({"data": base64.b64encode(PDF).decode()}, "Invoice 1001.pdf")
    assert error is None and pdf is not None
    assert pdf.file_name == "Invoice 1001.pdf" and pdf.content_type == "application/pdf"
    assert pdf.sha256 == hashlib.sha256(PDF).hexdigest()  # computed: it names the file in Xero


@pytest.mark.parametrize(
    ("field", "reason"),
    [
        (pdf_field(data="JVBERi0x!!not base64"), "invoicePDF data is not valid base64"),
        (pdf_field(data="JVBERi0"), "invoicePDF data is not valid base64"),  # cut mid-quantum
        (pdf_field(sha256="0" * 64), "invoicePDF sha256 does not match its data"),
        (pdf_field(sha256="not-a-digest"), "invoicePDF sha256 is not a SHA-256 hex digest"),
        (pdf_field(size=len(PDF) + 10), f"invoicePDF size says {len(PDF) + 10} bytes but its data decodes"),
        (pdf_field(size="lots"), "invoicePDF size is not a number"),
        (pdf_field(data=""), "invoicePDF carries no data"),
        (pdf_field(data="===="), "invoicePDF data is not valid base64"),
        ("JVBERi0x", "invoicePDF is not an object (str)"),
    ],
)
def test_a_pdf_that_is_not_the_file_is_dropped_and_the_invoice_still_parses(raw_invoice, field, reason):
    invoice = parse_invoice(raw_invoice(invoicePDF=field))
    assert invoice.pdf is None
    assert invoice.pdf_error is not None and invoice.pdf_error.startswith(reason), invoice.pdf_error
    assert invoice.number == "1001" and len(invoice.lines) == 1  # the invoice itself is untouched


def test_a_sha_mismatch_names_both_digests_shortly():
    _, error = read_pdf(pdf_field(sha256="ab" * 32), "x")
    assert error is not None and "abababababab..." in error
    assert hashlib.sha256(PDF).hexdigest()[:12] in error and len(error) < 200


def test_the_sources_own_pdf_error_is_kept(raw_invoice):
    raw = raw_invoice(invoicePDF=None, invoicePDFError="Autotask answered 404 for the invoice's PDF")
    invoice = parse_invoice(raw)
    assert invoice.pdf is None and invoice.pdf_error == "Autotask answered 404 for the invoice's PDF"
    both = parse_invoice(raw_invoice(invoicePDF=pdf_field(sha256="0" * 64), invoicePDFError="slow answer"))
    assert both.pdf_error is not None
    assert both.pdf_error.startswith("slow answer; invoicePDF sha256 does not match")


def test_purchase_order_status_label_and_received_date():
    po = parse_purchase_order(raw_po())
    assert po.status_name == "Received Full" and po.status == "Received Full"
    assert po.received_date == pendulum.Date(2025, 9, 4)
    assert po.vendor.territory == "North" and po.vendor.company_type == "Vendor"
    assert po.vendor.udf("sync") == "No"
    assert parse_purchase_order(raw_po(statusName=None)).status == "3"  # the number when no label came


def test_a_received_date_that_is_not_a_date_names_the_purchase_order():
    with pytest.raises(RecordError, match=r"purchase order 77: receivedDate is not a date"):
        parse_purchase_order(raw_po(receivedDate="last Tuesday"))
