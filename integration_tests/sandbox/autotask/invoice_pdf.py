"""`GET /v1.0/Invoices/{id}/InvoicePDF`: the invoice rendered as a small, valid PDF.

The answer is the swagger's `InvoicePDFModel`, camelCase as the live API writes its fields:
`{"id", "contentType", "fileName", "fileSize", "data"}` with `data` the file in base64. The path is the one
public clients call (KelvinTegelaar/AutotaskAPI Get-AutotaskAPIResource.ps1, msoukhomlinov/n8n-nodes-autotask
resources/invoices/execute.ts); the swagger's own `/V1.0/InvoicePDF` cannot carry the id.

The PDF is a pure function of the invoice as stored now: number (the id when it has none, as Autotask's
templates print it), dates, company, lines, tax and total, void status, currency. So the same invoice
always gives the same bytes, and any change to what the invoice says gives other bytes, which is what a
connector needs to tell a changed PDF from a repeated one. There is no creation date in it on purpose.

Choices where the sources are silent (UNCONFIRMED):
- an id with no invoice answers 200 `{"item": null}`, as a GET of a missing record does here;
- a test may make given invoices' PDFs fail (`POST /__sandbox/invoice_pdf_faults`, see `app.py`), as a
  template error or a rendering timeout does in a real database.
"""

from __future__ import annotations

import base64
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .store import Database, Record

MAX_LINES = 40
PAGE_TOP = 800
LEADING = 16


def invoice_pdf_model(db: Database, invoice: Record) -> dict[str, Any]:
    content = render(db, invoice)
    number = invoice.values.get("invoiceNumber") or str(invoice.id)
    return {
        "id": invoice.id,
        "contentType": "application/pdf",
        "fileName": f"Invoice_{_safe_name(str(number))}.pdf",
        "fileSize": len(content),
        "data": base64.b64encode(content).decode("ascii"),
    }


def render(db: Database, invoice: Record) -> bytes:
    values = invoice.values
    company = db.table("Companies").get(values.get("companyID") or -1)
    currency = _currency(db, company)
    number = values.get("invoiceNumber") or str(invoice.id)
    lines = [
        f"INVOICE {number}",
        f"Invoice date: {str(values.get('invoiceDateTime') or '')[:10]}",
        f"Bill to: {company.values.get('companyName') if company else values.get('companyID')}",
        "",
    ]
    if values.get("isVoided"):
        lines.append("*** VOIDED ***")
    items = db.table("BillingItems")
    rows = [r for i in items.lookup("invoiceID", invoice.id) if (r := items.get(i)) is not None]
    for row in rows[:MAX_LINES]:
        name = row.values.get("itemName") or row.values.get("description") or f"Item {row.id}"
        lines.append(f"{str(name)[:70]}  {_money(row.values.get('extendedPrice'))}")
    if len(rows) > MAX_LINES:
        lines.append(f"... and {len(rows) - MAX_LINES} more lines")
    lines += [
        "",
        f"Tax: {_money(values.get('totalTaxValue'))} {currency}",
        f"Total: {_money(values.get('invoiceTotal'))} {currency}",
    ]
    return _pdf(lines, title=f"Invoice {number}")


def _currency(db: Database, company: Record | None) -> str:
    currencies = db.table("Currencies")
    found = currencies.get(company.values.get("currencyID") or -1) if company else None
    if found is None:
        found = next((c for c in currencies.scan() if c.values.get("isInternalCurrency")), None)
    return str(found.values.get("name") or "") if found else ""


def _money(value: Any) -> str:
    if value is None:
        return "-"
    return str(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _safe_name(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in text)


def _text(text: str) -> bytes:
    """A PDF string literal in WinAnsi (the standard fonts' encoding), parentheses and backslashes escaped."""
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _pdf(lines: list[str], *, title: str) -> bytes:
    """A one-page PDF 1.4 with Helvetica text and a correct cross-reference table."""
    stream = b"BT /F1 11 Tf " + f"50 {PAGE_TOP} Td {LEADING} TL ".encode()
    stream += b" ".join(_text(line) + b" '" for line in lines) + b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Title " + _text(title) + b" /Producer (Autotask sandbox) >>",
    ]
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n".encode() + b"0000000000 65535 f \n"
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    trailer = f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    out += trailer.encode()
    return out
